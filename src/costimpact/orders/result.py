"""The frozen result of one order import."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from costimpact.orders.messages import text


@dataclass(frozen=True)
class ImportResult:
    """What an order file gave: the usable lines, every problem, and where they came from.

    Conservation holds always: ``rows_read == len(lines) + rejects.row_number.nunique() + len(skipped)``
    (``skipped``: rows of cancelled orders in a marketplace export, not priced). A workbook's order
    sheets are all read; from the second on, a row is numbered sheet place x 10,000,000 + its spreadsheet row
    (``sheet`` names it in lines and rejects); ``sheets_skipped`` names the visible sheets without order headers. Fully blank rows
    are not order lines: they are not in ``rows_read`` and are counted in ``blank_rows``. ``preset`` names the
    marketplace export recognised; ``catalogue_problems`` lists the catalogue's problems, once per SKU.
    """

    lines: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    file_name: str
    sha256: str
    sheet: str | None = None
    encoding: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # {user header: canonical column}
    blank_rows: int = 0
    sheets: tuple[str, ...] = ()  # the workbook sheets read (every visible sheet with the order headers)
    sheets_skipped: tuple[str, ...] = ()  # visible sheets not read: they lack the order headers
    skipped: pd.DataFrame | None = None
    preset: str | None = None
    preset_label: tuple[str, str] | None = None  # (en, zh)
    catalogue_problems: pd.DataFrame | None = None
    catalogue_name: str | None = None

    @property
    def rows_skipped(self) -> int:
        return int(self.skipped["row_number"].nunique()) if self.skipped is not None and len(self.skipped) else 0

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0

    @property
    def rows_priced(self) -> int:
        return len(self.lines)

    def summary(self, lang: str = "en") -> str:
        """``read N rows: M priced, K rejected`` (the pricing engine may reject more later)."""
        out = text("summary", lang, rows=self.rows_read, priced=self.rows_priced, rejected=self.rows_rejected)
        if self.rows_skipped:
            out += text("market.summary_skipped", lang, skipped=self.rows_skipped)
        if self.rows_read == 0:
            out += text("summary_header_only", lang)
        if self.blank_rows:
            out += text("summary_blank", lang, blank=self.blank_rows)
        if len(self.sheets) > 1:
            out += text("summary_sheets", lang, sheets=", ".join(self.sheets))
        if self.sheets_skipped:
            out += text("summary_sheets_skipped", lang, sheets=", ".join(self.sheets_skipped))
        return out
