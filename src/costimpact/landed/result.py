"""What the landed-cost engine returns: frozen results that the report, the app and the CLI take whole."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

REJECT_COLUMNS = ["row_number", "column", "value", "problem", "problem_zh"]
MODES = ("postal", "express", "air_freight", "ocean_freight")
ENTRY_TYPES = ("de_minimis", "postal", "informal", "formal")
FEE_DETAIL_COLUMNS = ["fee_broker_usd", "fee_isf_usd", "fee_bond_usd", "fee_carrier_usd", "fee_mail_usd"]


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    name: str  # e.g. s301
    column: str  # e.g. duty_s301_usd
    label: str
    label_zh: str
    ieepa: bool


@dataclasses.dataclass(frozen=True)
class PricedResult:
    """Priced lines of one scenario.

    ``lines``: every priced line in input order, the input columns first, then the spec's output columns
    (``customs_value_usd``, ``entry_type``, ``de_minimis``, ``duty_<layer>_usd`` ..., ``landed_cost_usd``) and
    detail columns. ``rejects``: one row per problem (row_number, column, value, problem, problem_zh).
    ``used``: every assumption period the numbers used, with source, evidence and how many lines used it.
    """

    lines: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    scenario: str
    scenario_label: str
    scenario_label_zh: str
    as_of: dt.date
    assumptions_version: str
    assumptions_hash: str
    layers: tuple[LayerInfo, ...]
    used: pd.DataFrame
    file_name: str = ""
    file_sha256: str = ""
    rows_skipped: int = 0  # rows of cancelled marketplace orders: read, not priced (read = priced + rejected + skipped)

    @property
    def rows_priced(self) -> int:
        return len(self.lines)

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects["row_number"].nunique()) if len(self.rejects) else 0

    def summary(self) -> str:
        skipped = f", {self.rows_skipped} skipped" if self.rows_skipped else ""
        return f"read {self.rows_read} rows: {self.rows_priced} priced, {self.rows_rejected} rejected{skipped}"

    @property
    def duty_columns(self) -> list[str]:
        return [layer.column for layer in self.layers]

    def totals(self) -> dict[str, float]:
        """Sums of the rounded line amounts (the spec: totals are sums of the rounded lines)."""
        cols = ["customs_value_usd", "freight_usd", *self.duty_columns, "duty_total_usd", "fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "fees_total_usd", "landed_cost_usd", "ieepa_refund_exposure_usd"]
        return {c: round(float(self.lines[c].sum()), 2) if c in self.lines else 0.0 for c in cols}
