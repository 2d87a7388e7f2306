"""Write the Excel scenario report: the file a seller takes to their boss, their broker or their platform manager.

One call, :func:`write_report`, turns one or more :class:`~costimpact.scenarios.compare.Comparison` results into
the bytes of an ``.xlsx`` workbook:

- *Summary*: what changed and why (headline figures with defined names, each scenario against the baseline,
  landed cost by channel with a clustered column chart, duty by layer with a stacked column chart, the band
  quoted for direct-mail sellers, IEEPA refund exposure, the ten SKUs hit hardest);
- *Comparison*: by channel, origin, HTS chapter and SKU, every scenario side by side;
- any extra sheets handed in (the Decisions feature);
- *Lines*: every priced line with its duty and fee breakdown; *Rejects*; *Assumptions*: every assumption
  period the numbers used; *About*: versions, hashes, scenario definitions, column glossary.

Rules the writer keeps: values, never formulas (text goes through ``write_string`` and the workbook refuses to
turn strings into formulas, URLs or numbers; text that starts like a formula also gets Excel's quote prefix);
number formats defined once (:class:`_Formats`); every data block an Excel table; the same inputs give the same
cells (``generated_at`` is the only time-dependent cell and can be passed in, which also fixes the file's
created date). No rate or threshold lives here: every number comes from the comparisons or the assumption set.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

import costimpact
from costimpact.i18n import t
from costimpact.landed.result import FEE_DETAIL_COLUMNS, MODES, PricedResult
from costimpact.scenarios.compare import BAND_PARAM, DIRECT_MAIL_MODES, Comparison, direct_mail_band

Progress = Callable[[float, str], None]
ExtraSheet = tuple[str, pd.DataFrame, Mapping[str, str]]

#: Excel serial day 0 (the 1900 date system, with its leap-year quirk already accounted for after 1900-03-01).
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
#: Text that a spreadsheet could run as a formula (OWASP CSV injection): = + - @ tab CR.
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

# Column order of the Lines sheet: identity, product, route, value, entry, duty layers (inserted), fees, result.
_LINE_HEAD = [
    "row_number", "order_id", "shipment_id", "consignee_id", "sku", "description", "hts_code", "hts_matched",
    "origin_country", "destination_country", "shipping_mode", "ship_date", "price_date", "quantity", "unit_value",
    "currency", "freight_cost", "customs_value_usd", "freight_usd", "shipment_value_usd", "entry_type", "de_minimis",
    "de_minimis_threshold_usd", "postal_treatment", "s301_list_applied", "s301_exclusion_applied", "s232_group",
]
_LINE_TAIL = [
    "duty_total_usd", "duty_rate_effective", "fee_mpf_usd", "fee_hmf_usd", *FEE_DETAIL_COLUMNS, "fee_other_usd",
    "fees_total_usd", "landed_cost_usd", "baseline_entry_type", "baseline_duty_total_usd", "baseline_fees_total_usd",
    "baseline_landed_cost_usd", "delta_usd", "delta_pct", "ieepa_refund_exposure_usd", "evidence_grade",
    "rates_user_supplied",
]
_PCT_COLUMNS = {"duty_rate_effective", "delta_pct", "metal_value_share", "mfn_rate"}
#: Data rows an Excel sheet holds under its header row (1,048,576 rows in all). A longer table goes on over
#: further sheets ("Lines (2)" ...) and the Summary says so: past it xlsxwriter drops rows without a word.
EXCEL_MAX_DATA_ROWS = 1_048_575
#: Excel's default column width, and how many width units a landscape A4 page prints at about 70 % scale: a
#: sheet wider than that prints over several pages rather than shrink below reading size.
_DEFAULT_WIDTH = 8.43
_PRINT_CHARS_PER_PAGE = 220
_WIDTH = {"text": 16, "money": 13, "pct": 10, "date": 11, "int": 9, "number": 12, "bool": 9}


# ----------------------------------------------------------------------------------------------------------
# Formats, defined once per workbook
# ----------------------------------------------------------------------------------------------------------
class _Formats:
    """Every cell format of the report. Money and percent exist only here, as display formats."""

    MONEY = "#,##0.00"
    PCT = "0.0%"
    RATE = "0.00##%"
    DATE = "yyyy-mm-dd"
    DATETIME = "yyyy-mm-dd hh:mm:ss"
    INT = "#,##0"
    NUMBER = "#,##0.00####"

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        def f(**props: Any):  # noqa: ANN202
            return wb.add_format({"font_size": 10, "valign": "top", **props})

        self.title = f(bold=True, font_size=16)
        self.subtitle = f(italic=True, font_color="#595959")
        self.section = f(bold=True, font_size=12, font_color="#1F4E79")
        self.header = f(bold=True, text_wrap=True, bg_color="#DDEBF7", border=1)
        self.label = f(bold=True)
        self.note = f(italic=True, font_color="#595959", text_wrap=False)
        self.by_kind = {
            "money": f(num_format=self.MONEY),
            "pct": f(num_format=self.PCT),
            "rate": f(num_format=self.RATE),
            "date": f(num_format=self.DATE),
            "datetime": f(num_format=self.DATETIME),
            "int": f(num_format=self.INT),
            "number": f(num_format=self.NUMBER),
            "text": f(),
            "bool": f(align="center"),
        }
        # Text a spreadsheet could run as a formula: stored as text and kept text when edited (quote prefix).
        self.text_quoted = f(quote_prefix=True)
        self.headline_money = f(num_format=self.MONEY, bold=True, font_size=12)
        self.headline_pct = f(num_format=self.PCT, bold=True, font_size=12)
        self.headline_int = f(num_format=self.INT, bold=True, font_size=12)
        self.unverified = f(bold=True, font_color="#9C0006", bg_color="#FFC7CE")
        self.link = f(font_color="#0563C1", underline=1)
        self.headline_text = f(bold=True, font_size=12, align="right")
        self.wrap = f(text_wrap=True)
        self.wrap_quoted = f(text_wrap=True, quote_prefix=True)
        # the band's ends as numbers (for the defined names), labelled by their number format
        self.band_low = {lang: f(num_format=f'"{t("report.kv.band_low", lang)} "0%', font_color="#595959") for lang in ("en", "zh")}
        self.band_high = {lang: f(num_format=f'"{t("report.kv.band_high", lang)} "0%', font_color="#595959") for lang in ("en", "zh")}


# ----------------------------------------------------------------------------------------------------------
# Typed, vectorised cell writing
# ----------------------------------------------------------------------------------------------------------
def column_kind(name: str, series: pd.Series) -> str:
    """The display kind of a column: money, pct, date, int, number, bool or text (by unit suffix and dtype)."""
    if name in _PCT_COLUMNS or name.endswith(("_pct", "_rate", "_share")):
        return "pct"
    if name.endswith("_usd"):
        return "money"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "date"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "int"
    if pd.api.types.is_float_dtype(series.dtype):
        return "number"
    if series.dtype == object and len(series) and series.dropna().map(lambda v: isinstance(v, (dt.date, pd.Timestamp))).all():
        return "date" if series.notna().any() else "text"
    return "text"


def _excel_serial(series: pd.Series) -> np.ndarray:
    """Dates as Excel serial numbers (NaN where missing), computed for the whole column at once."""
    ts = pd.to_datetime(series, errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    vals = ts.to_numpy(dtype="datetime64[ns]")
    out = (vals - _EXCEL_EPOCH.astype("datetime64[ns]")) / np.timedelta64(1, "D")
    out[np.isnat(vals)] = np.nan
    return out.astype(float)


def _write_column(ws, fm: _Formats, row0: int, col: int, series: pd.Series, kind: str) -> None:  # noqa: ANN001
    """Write one column of values from ``row0`` down: numbers as numbers, text as text, missing as blank."""
    if kind in ("money", "pct", "rate", "int", "number", "date", "datetime"):
        if kind in ("date", "datetime"):
            nums = _excel_serial(series)
        else:
            nums = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        fmt = fm.by_kind[kind]
        write = ws.write_number
        ok = np.isfinite(nums)
        for i in np.flatnonzero(ok).tolist():
            write(row0 + i, col, nums[i], fmt)
        return
    if kind == "bool":
        fmt = fm.by_kind["bool"]
        write = ws.write_boolean
        for i, v in enumerate(series.tolist()):
            if v is not None and v is not pd.NA and not (isinstance(v, float) and np.isnan(v)):
                write(row0 + i, col, bool(v), fmt)
        return
    text = series.astype(object)
    present = text.notna().to_numpy()
    strings = text.where(present, "").astype(str)
    danger = strings.str.contains(FORMULA_START, regex=True).to_numpy()
    fmt, quoted = fm.by_kind["text"], fm.text_quoted
    write = ws.write_string
    for i, (s, p, d) in enumerate(zip(strings.tolist(), present.tolist(), danger.tolist(), strict=True)):
        if p and s != "":
            write(row0 + i, col, s, quoted if d else fmt)


def _cell(ws, fm: _Formats, row: int, col: int, value: object, kind: str = "text", fmt=None) -> None:  # noqa: ANN001
    """One cell, typed like :func:`_write_column`."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return
    if kind == "text":
        s = str(value)
        ws.write_string(row, col, s, fmt or (fm.text_quoted if FORMULA_START.match(s) else fm.by_kind["text"]))
    elif kind in ("date", "datetime"):
        ws.write_number(row, col, float(_excel_serial(pd.Series([value]))[0]), fmt or fm.by_kind[kind])
    elif kind == "bool":
        ws.write_boolean(row, col, bool(value), fmt or fm.by_kind["bool"])
    else:
        ws.write_number(row, col, float(value), fmt or fm.by_kind[kind])


def sheets_needed(rows: int) -> int:
    """How many sheets a table of ``rows`` data rows takes (at least one, even when empty)."""
    return max(1, math.ceil(rows / EXCEL_MAX_DATA_ROWS))


def _text_width(text: str) -> int:
    """Width of text in column-width units: a CJK character takes two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _unique_headers(headers: Iterable[str]) -> list[str]:
    """Excel tables need distinct, non-empty header strings."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = str(h).strip() or "column"
        key = h.lower()
        if key in seen:
            seen[key] += 1
            h = f"{h} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(h)
    return out


class _Book:
    """The workbook being written, its formats and its table and defined names."""

    def __init__(self, buf: io.BytesIO, lang: str) -> None:
        self.wb = xlsxwriter.Workbook(
            buf,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": False,
                "default_date_format": _Formats.DATE,
            },
        )
        self.fm = _Formats(self.wb)
        self.lang = lang
        self.table_names: set[str] = set()
        self.sheet_names: set[str] = set()
        self.widths: dict[str, dict[int, float]] = {}
        self.used_cols: dict[str, int] = {}
        self.prints: list[tuple[Any, bool, int | None, int]] = []

    def sheet(self, title: str):  # noqa: ANN201
        name = _SHEET_BAD.sub("_", str(title)).strip("'")[:31] or "Sheet"
        base, i = name, 2
        while name.lower() in self.sheet_names:
            suffix = f" ({i})"
            name, i = base[: 31 - len(suffix)] + suffix, i + 1
        self.sheet_names.add(name.lower())
        ws = self.wb.add_worksheet(name)
        ws.hide_gridlines(2)
        return ws

    def set_width(self, ws, first: int, last: int, width: float) -> None:  # noqa: ANN001
        """Column widths, remembered so that the print layout knows how wide the sheet is."""
        ws.set_column(first, last, width)
        widths = self.widths.setdefault(ws.get_name(), {})
        for c in range(first, last + 1):
            widths[c] = width

    def print_setup(self, ws, *, one_page: bool = False, header_row: int | None = None, keep_columns: int = 0) -> None:  # noqa: ANN001
        """How a sheet prints (or turns into a PDF): landscape A4; as wide as one page where its columns fit at a
        readable size, else a few pages wide (``keep_columns`` repeated on each); the table's header row on every
        page; the sheet name and page number in the footer. ``one_page`` fits the whole sheet on one page (the
        Summary). Applied by :meth:`close`, once every column of the sheet is written."""
        self.prints.append((ws, one_page, header_row, keep_columns))

    def close(self) -> None:
        for ws, one_page, header_row, keep_columns in self.prints:
            self._print(ws, one_page, header_row, keep_columns)
        self.wb.close()

    def _print(self, ws, one_page: bool, header_row: int | None, keep_columns: int) -> None:  # noqa: ANN001
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        widths = self.widths.get(ws.get_name(), {})
        total = sum(widths.get(c, _DEFAULT_WIDTH) for c in range(self.used_cols.get(ws.get_name(), 1)))
        wide = 1 if one_page else max(1, math.ceil(total / _PRINT_CHARS_PER_PAGE))
        ws.fit_to_pages(wide, 1 if one_page else 0)
        if header_row is not None:
            ws.repeat_rows(header_row)
        if wide > 1 and keep_columns:
            ws.repeat_columns(0, keep_columns - 1)
        ws.set_footer("&L&A&R&P / &N")

    def long_table(self, title: str, frame: pd.DataFrame, kinds: Mapping[str, str], headers: Sequence[str], name: str, *, freeze: tuple[int, int], keep_columns: int = 0) -> list:
        """``frame`` as one table per sheet, over as many sheets as Excel's row limit needs (``sheets_needed``);
        returns the sheets."""
        out = []
        for part in range(sheets_needed(len(frame))):
            ws = self.sheet(title)
            ws.freeze_panes(*freeze)
            self.print_setup(ws, header_row=0, keep_columns=keep_columns)
            chunk = frame.iloc[part * EXCEL_MAX_DATA_ROWS : (part + 1) * EXCEL_MAX_DATA_ROWS]
            self.table(ws, 0, 0, chunk, kinds, headers, name)
            out.append(ws)
        return out

    def table_name(self, wanted: str) -> str:
        name = re.sub(r"\W", "_", wanted, flags=re.ASCII) or "Table"
        if not (name[0].isalpha() or name[0] == "_"):
            name = "T_" + name
        base, i = name, 2
        while name.lower() in self.table_names:
            name, i = f"{base}_{i}", i + 1
        self.table_names.add(name.lower())
        return name

    def table(
        self,
        ws,  # noqa: ANN001
        row: int,
        col: int,
        frame: pd.DataFrame,
        kinds: Mapping[str, str],
        headers: Sequence[str],
        name: str,
        widths: bool = True,
    ) -> tuple[int, int]:
        """Write ``frame`` as an Excel table with its header at ``row``; returns (first data row, last row)."""
        n = len(frame)
        heads = _unique_headers(headers)
        last_row = row + max(n, 1)
        self.used_cols[ws.get_name()] = max(self.used_cols.get(ws.get_name(), 0), col + len(heads))
        ws.add_table(
            row,
            col,
            last_row,
            col + len(heads) - 1,
            {
                "name": self.table_name(name),
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": self.fm.header} for h in heads],
            },
        )
        for j, c in enumerate(frame.columns):
            kind = kinds.get(c, "text")
            _write_column(ws, self.fm, row + 1, col + j, frame[c], kind)
            if widths:
                width = max(_WIDTH.get(kind, 12), min(len(heads[j]) * 0.9, 28))
                if kind == "text" and n:
                    longest = frame[c].astype(object).head(200).map(lambda v: len(str(v)) if v is not None else 0).max()
                    width = max(width, min(float(longest) + 2, 48))
                self.set_width(ws, col + j, col + j, width)
        # a header wider than its column wraps: give the header row the lines it needs (up to four)
        widths = self.widths.get(ws.get_name(), {})
        lines = max((math.ceil(_text_width(h) / max(widths.get(col + j, _DEFAULT_WIDTH) - 1, 1)) for j, h in enumerate(heads)), default=1)
        if lines > 1:
            ws.set_row(row, 13.5 * min(lines, 4) + 2)
        return row + 1, last_row


# ----------------------------------------------------------------------------------------------------------
# Helpers over the results
# ----------------------------------------------------------------------------------------------------------
def _label(result: PricedResult, lang: str) -> str:
    return (result.scenario_label_zh if lang == "zh" else result.scenario_label) or result.scenario


def _short(result: PricedResult) -> str:
    return result.scenario


def _layer_label(info, lang: str) -> str:  # noqa: ANN001
    key = f"report.layer.{info.name}"
    text = t(key, lang)
    if text == key:
        return info.label_zh if lang == "zh" else info.label
    return text


def _channel(mode: str, lang: str) -> str:
    key = f"report.channel.{mode}"
    text = t(key, lang)
    return mode if text == key else text


def _column_header(name: str, lang: str, layers: Mapping[str, Any]) -> str:
    if name in layers:
        return t("report.col.duty_layer", lang, layer=_layer_label(layers[name], lang))
    key = "report.col.description_line" if name == "description" else f"report.col.{name}"
    text = t(key, lang)
    return name if text == key else text


def _baseline_lines(cmp: Comparison) -> pd.DataFrame:
    """The baseline's lines restricted to the lines both priced (the rows every total of the comparison reads)."""
    rows = cmp.compared["row_number"]
    base = cmp.baseline.lines
    return base[base["row_number"].isin(rows)]


def _layer_sums(lines: pd.DataFrame, layers) -> dict[str, float]:  # noqa: ANN001
    return {info.column: round(float(lines[info.column].sum()), 2) if info.column in lines else 0.0 for info in layers}


def _scenario_texts(assumptions, name: str, lang: str) -> tuple[str, str]:  # noqa: ANN001
    scen = getattr(assumptions, "scenarios", {}).get(name) if assumptions is not None else None
    if scen is None:
        return "", ""
    label = (getattr(scen, "label_zh", "") if lang == "zh" else "") or scen.label
    desc = (getattr(scen, "description_zh", "") if lang == "zh" else "") or (getattr(scen, "description", "") or "")
    return label, desc


def _default_assumptions(result: PricedResult):  # noqa: ANN202
    """The built-in assumption set when it is the one the results used (for scenario texts and the band)."""
    try:
        aset = costimpact.load_assumptions()
    except Exception:  # noqa: BLE001 - a missing or broken built-in set only loses the descriptions
        return None
    return aset if aset.content_hash == result.assumptions_hash else None


# ----------------------------------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------------------------------
def write_report(
    comparisons: Sequence[Comparison],
    *,
    lang: str = "en",
    input_name: str = "",
    input_sha256: str = "",
    extra_sheets: Iterable[ExtraSheet] = (),
    progress: Progress | None = None,
    generated_at: dt.datetime | None = None,
    assumptions=None,  # noqa: ANN001 - AssumptionSet: scenario descriptions and the direct-mail band
) -> bytes:
    """The report workbook for ``comparisons`` (the first is the headline scenario) as ``.xlsx`` bytes.

    ``extra_sheets``: (title, frame, {column: "money"|"pct"|"date"|"int"|"text"}) written after Comparison.
    ``progress(fraction, message)`` is called as sheets are written. ``generated_at`` (UTC) fixes the only
    time-dependent cell and the file's created date; by default it is now. ``assumptions``: the AssumptionSet
    the comparisons were priced with (default: the built-in set when its hash matches).
    """
    comps = list(comparisons)
    if not comps:
        raise ValueError("write_report needs at least one Comparison")
    lang = lang if lang in ("zh", "en") else "en"
    extras = list(extra_sheets)
    first = comps[0]
    if assumptions is None:
        assumptions = _default_assumptions(first.scenario)
    if generated_at is None:
        generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    elif generated_at.tzinfo is not None:
        generated_at = generated_at.astimezone(dt.UTC).replace(tzinfo=None)
    input_name = input_name or first.scenario.file_name
    input_sha256 = input_sha256 or first.scenario.file_sha256

    steps = 6 + len(extras)
    done = [0]

    def tick(key: str, **fmt: object) -> None:
        if progress is not None:
            progress(done[0] / (steps + 1), t(key, lang, **fmt))
        done[0] += 1

    buf = io.BytesIO()
    book = _Book(buf, lang)
    book.wb.set_properties(
        {
            "title": t("report.title", lang),
            "author": "costimpact",
            "company": "",
            "comments": f"costimpact {costimpact.__version__}; assumptions {first.scenario.assumptions_version}",
            "created": generated_at,
        }
    )
    book.wb.set_calc_mode("manual")  # values only: nothing for Excel to recalculate

    tick("report.progress.summary")
    _summary(book, comps, assumptions)
    tick("report.progress.comparison")
    _comparison(book, comps)
    for title, frame, kinds in extras:
        tick("report.progress.extra", sheet=title)
        _extra(book, title, frame, dict(kinds))
    tick("report.progress.lines")
    lines_headers = _lines(book, comps)
    tick("report.progress.rejects")
    _rejects(book, comps)
    tick("report.progress.assumptions")
    _assumptions(book, comps)
    tick("report.progress.about")
    _about(book, comps, assumptions, input_name, input_sha256, generated_at, lines_headers)
    tick("report.progress.saving")
    book.wb.get_worksheet_by_name(t("report.sheet.summary", lang)).activate()
    book.close()
    if progress is not None:
        progress(1.0, t("report.progress.done", lang))
    return buf.getvalue()


def _define(book: _Book, name: str, ws, row: int, col: int) -> None:  # noqa: ANN001
    book.wb.define_name(name, f"='{ws.get_name()}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}")


def _summary(book: _Book, comps: list[Comparison], assumptions) -> None:  # noqa: ANN001, C901, PLR0915
    lang, fm = book.lang, book.fm
    ws = book.sheet(t("report.sheet.summary", lang))
    first = comps[0]
    now, base = first.scenario, first.baseline
    totals = first.totals()
    book.set_width(ws, 0, 0, 50)  # the headline labels name both scenarios
    book.set_width(ws, 1, 12, 15)
    book.print_setup(ws, one_page=True)
    ws.set_row(0, 26)  # the title's own height: the subtitle below never runs into it
    ws.set_row(1, 16)
    ws.write_string(0, 0, t("report.title", lang), fm.title)
    subtitle = t(
        "report.subtitle",
        lang,
        file=now.file_name or t("report.no_file", lang),
        as_of=now.as_of.isoformat(),
        scenario=_label(now, lang),
        baseline=_label(base, lang),
    )
    _cell(ws, fm, 1, 0, subtitle, fmt=fm.subtitle)
    ws.freeze_panes(2, 0)

    # --- headline figures, each with a defined name ---------------------------------------------------------------
    row = 3
    ws.write_string(row, 0, t("report.section.headline", lang), fm.section)
    row += 1
    lines = first.compared
    base_lines = _baseline_lines(first)
    orders_priced = int(lines["order_id"].astype(str).nunique()) if "order_id" in lines else 0
    de_min_now = int(lines["de_minimis"].astype(bool).sum()) if "de_minimis" in lines else 0
    de_min_base = int(base_lines["de_minimis"].astype(bool).sum()) if "de_minimis" in base_lines else 0
    headline = [
        ("RowsRead", t("report.kv.rows_read", lang), now.rows_read, fm.headline_int),
        ("LinesPriced", t("report.kv.lines_priced", lang), now.rows_priced, fm.headline_int),
        ("OrdersPriced", t("report.kv.orders_priced", lang), orders_priced, fm.headline_int),
        ("RowsRejected", t("report.kv.rows_rejected", lang), now.rows_rejected, fm.headline_int),
        *([("RowsSkipped", t("report.kv.rows_skipped", lang), now.rows_skipped, fm.headline_int)] if getattr(now, "rows_skipped", 0) else []),
        ("BaselineLandedCost", t("report.kv.baseline_landed", lang, baseline=_label(base, lang)), totals["baseline_landed_cost_usd"], fm.headline_money),
        ("ScenarioLandedCost", t("report.kv.scenario_landed", lang, scenario=_label(now, lang)), totals["landed_cost_usd"], fm.headline_money),
        ("LandedCostChange", t("report.kv.delta_usd", lang), totals["delta_usd"], fm.headline_money),
        ("LandedCostChangePct", t("report.kv.delta_pct", lang), totals["delta_pct"], fm.headline_pct),
        ("DeMinimisLinesBaseline", t("report.kv.de_minimis_baseline", lang, baseline=_label(base, lang)), de_min_base, fm.headline_int),
        ("DeMinimisLinesScenario", t("report.kv.de_minimis_scenario", lang, scenario=_label(now, lang)), de_min_now, fm.headline_int),
        ("IEEPARefundExposure", t("report.kv.ieepa", lang), totals["ieepa_refund_exposure_usd"], fm.headline_money),
        ("LinesCompared", t("report.kv.lines_compared", lang), totals["lines_compared"], fm.headline_int),
        ("LinesLeftOut", t("report.kv.lines_left_out", lang), totals["lines_left_out"], fm.headline_int),
    ]
    for name, label, value, fmt in headline:
        ws.write_string(row, 0, label, fm.label)
        ws.write_number(row, 1, float(value), fmt)
        _define(book, name, ws, row, 1)
        row += 1
    ws.write_string(row, 0, t("report.kv.ieepa_note", lang), fm.note)
    row += 1
    parts = sheets_needed(len(first.lines))
    if parts > 1:
        ws.write_string(row, 0, t("report.kv.lines_split", lang, n=len(first.lines), sheets=parts, limit=EXCEL_MAX_DATA_ROWS), fm.unverified)
        row += 1
    if totals["lines_left_out"]:
        out = first.left_out
        note = t("report.kv.left_out_note", lang, n=totals["lines_left_out"], base_rej=out["baseline_rejected"], scen_rej=out["scenario_rejected"],
                 baseline=_label(base, lang), scenario=_label(now, lang))
        ws.write_string(row, 0, note, fm.note)
        row += 1
    row += 1

    # --- against the direct-mail band ----------------------------------------------------------------------------
    ws.write_string(row, 0, t("report.section.band", lang), fm.section)
    row += 1
    band = direct_mail_band(assumptions, now.as_of)
    if band is None:
        ws.write_string(row, 0, t("report.kv.band_missing", lang, param=BAND_PARAM), fm.note)
        row += 2
    else:
        low, high = band.low, band.high
        direct = lines[lines["shipping_mode"].astype(str).isin(DIRECT_MAIL_MODES)] if "shipping_mode" in lines else lines.iloc[:0]
        d_base = float(direct["baseline_landed_cost_usd"].sum())
        d_pct = (float(direct["landed_cost_usd"].sum()) - d_base) / d_base if d_base else None
        ws.write_string(row, 0, t("report.kv.band_range", lang), fm.label)
        ws.write_string(row, 1, band_text(low, high), fm.headline_text)
        ws.write_number(row, 2, float(low), fm.band_low[lang])
        ws.write_number(row, 3, float(high), fm.band_high[lang])
        _define(book, "DirectMailBandLow", ws, row, 2)
        _define(book, "DirectMailBandHigh", ws, row, 3)
        row += 1
        ws.write_string(row, 0, t("report.kv.band_overall", lang), fm.label)
        ws.write_number(row, 1, float(totals["delta_pct"]), fm.headline_pct)
        ws.write_string(row, 2, _position(totals["delta_pct"], low, high, lang))
        row += 1
        ws.write_string(row, 0, t("report.kv.band_direct", lang), fm.label)
        if d_pct is not None:
            ws.write_number(row, 1, d_pct, fm.headline_pct)
            _define(book, "DirectMailChangePct", ws, row, 1)
        ws.write_string(row, 2, _position(d_pct, low, high, lang))
        row += 1
        ws.write_string(row, 0, t("report.kv.band_source", lang), fm.label)
        source = f"{band.source_in(lang)} [{t(f'common.evidence.{band.evidence}', lang)}]" + (f" {band.url}" if band.url else "")
        ws.merge_range(row, 1, row, 7, "", fm.wrap)
        ws.write_string(row, 1, source, fm.wrap_quoted if FORMULA_START.match(source) else fm.wrap)
        ws.set_row(row, 28)
        row += 2

    # --- room for the two charts, drawn from the tables below -------------------------------------------------------
    chart_row = row
    row += 18

    # --- each scenario against the baseline -------------------------------------------------------------------------
    ws.write_string(row, 0, t("report.section.scenarios", lang), fm.section)
    row += 1
    recs = []
    for c in comps:
        tot = c.totals()
        recs.append(
            {
                "scenario": _label(c.scenario, lang),
                "baseline": _label(c.baseline, lang),
                "lines": tot["lines_compared"],
                "left_out": tot["lines_left_out"],
                "rejected": c.scenario.rows_rejected,
                "base": tot["baseline_landed_cost_usd"],
                "now": tot["landed_cost_usd"],
                "delta": tot["delta_usd"],
                "pct": tot["delta_pct"],
                "duty": round(float(c.compared["duty_total_usd"].sum()), 2),
                "fees": round(float(c.compared["fees_total_usd"].sum()), 2),
                "ieepa": tot["ieepa_refund_exposure_usd"],
            }
        )
    frame = pd.DataFrame(recs)
    kinds = {"lines": "int", "left_out": "int", "rejected": "int", "base": "money", "now": "money", "delta": "money", "pct": "pct", "duty": "money", "fees": "money", "ieepa": "money"}
    heads = [
        t("report.col.scenario", lang), t("report.col.baseline", lang), t("report.col.lines_compared", lang), t("report.col.lines_left_out", lang),
        t("report.col.rows_rejected", lang),
        t("report.col.baseline_landed", lang), t("report.col.landed_of", lang, scenario=""), t("report.col.delta_usd", lang),
        t("report.col.delta_pct", lang), t("report.col.duty_total", lang), t("report.col.fees_total", lang), t("report.col.ieepa", lang),
    ]
    heads[6] = t("report.col.landed_cost_usd", lang)
    _, last = book.table(ws, row, 0, frame, kinds, heads, "SummaryScenarios", widths=False)
    row = last + 2

    # --- landed cost by channel, baseline vs each scenario -------------------------------------------------------
    ws.write_string(row, 0, t("report.section.channels", lang), fm.section)
    row += 1
    chan = _channel_frame(comps, lang)
    chan_kinds = {c: ("int" if c == "lines" else "text" if c == "group" else "pct" if c.startswith("pct") else "money") for c in chan.columns}
    chan_heads = [t("report.col.channel", lang), t("report.col.lines", lang), _baseline_header(comps, lang)]
    for c in comps:
        chan_heads += [t("report.col.landed_of", lang, scenario=_label(c.scenario, lang)), t("report.col.pct_of", lang, scenario=_label(c.scenario, lang))]
    top, last = book.table(ws, row, 0, chan, chan_kinds, chan_heads, "SummaryChannels", widths=False)
    # the change in % per channel, as the app draws it: postal and express are read beside ocean freight, not
    # lost under its dollars (the dollars are in the table)
    sheet = ws.get_name()
    chart = book.wb.add_chart({"type": "bar"})
    for i in range(len(comps)):
        col = 4 + 2 * i
        chart.add_series({
            "name": [sheet, row, col], "categories": [sheet, top, 0, last, 0], "values": [sheet, top, col, last, col],
            "data_labels": {"value": True, "num_format": "0.0%"}, "gap": 60,
        })
    title = t("report.chart.channels", lang)
    if band is not None:
        title += t("report.chart.channels_band", lang, band=band_text(band.low, band.high))
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True}, "name": t("report.chart.change_axis", lang)})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"} if len(comps) > 1 else {"none": True})
    chart.set_size({"width": 560, "height": 340})
    ws.insert_chart(chart_row, 0, chart)
    row = last + 2

    # --- why: duty by layer and fees -----------------------------------------------------------------------------------
    ws.write_string(row, 0, t("report.section.layers", lang), fm.section)
    row += 1
    layers = list(first.scenario.layers)
    base_sums = _layer_sums(base_lines, layers)
    scen_sums = [_layer_sums(c.compared, layers) for c in comps]
    shown = [i for i in layers if base_sums[i.column] or any(s[i.column] for s in scen_sums)] or layers[:1]
    recs = []
    for info in shown:
        rec = {"component": _layer_label(info, lang), "base": base_sums[info.column]}
        for k, s in enumerate(scen_sums):
            rec[f"s{k}"] = s[info.column]
        recs.append(rec)
    fee_rec = {"component": t("report.col.fees_row", lang), "base": round(float(base_lines["fees_total_usd"].sum()), 2)}
    for k, c in enumerate(comps):
        fee_rec[f"s{k}"] = round(float(c.compared["fees_total_usd"].sum()), 2)
    recs.append(fee_rec)
    layer_frame = pd.DataFrame(recs)
    for k in range(len(comps)):
        layer_frame[f"d{k}"] = (layer_frame[f"s{k}"] - layer_frame["base"]).round(2)
    layer_heads = [t("report.col.component", lang), _label(first.baseline, lang)]
    layer_heads += [_label(c.scenario, lang) for c in comps]
    layer_heads += [t("report.col.delta_of", lang, scenario=_label(c.scenario, lang)) for c in comps]
    layer_kinds = {c: ("text" if c == "component" else "money") for c in layer_frame.columns}
    top, last = book.table(ws, row, 0, layer_frame, layer_kinds, layer_heads, "SummaryLayers", widths=False)
    chart = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    last_layer_row = top + len(shown) - 1
    for r in range(top, last_layer_row + 1):
        chart.add_series({"name": [sheet, r, 0], "categories": [sheet, row, 1, row, 1 + len(comps)], "values": [sheet, r, 1, r, 1 + len(comps)]})
    chart.set_title({"name": t("report.chart.layers", lang), "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": _Formats.INT})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 560, "height": 340})
    ws.insert_chart(chart_row, 0, chart, {"x_offset": 580})
    row = last + 2

    # --- the ten SKUs hit hardest -----------------------------------------------------------------------------------
    ws.write_string(row, 0, t("report.section.skus", lang, scenario=_label(now, lang)), fm.section)
    row += 1
    skus = first.by("sku").sort_values(["delta_usd", "sku"], ascending=[False, True], kind="stable").head(10)
    sku_frame = skus[["sku", "lines", "baseline_landed_cost_usd", "landed_cost_usd", "delta_usd", "delta_pct"]]
    sku_heads = [t("report.col.sku", lang), t("report.col.lines", lang), t("report.col.baseline_landed", lang), t("report.col.landed_cost_usd", lang), t("report.col.delta_usd", lang), t("report.col.delta_pct", lang)]
    book.table(ws, row, 0, sku_frame, {"sku": "text", "lines": "int", "delta_pct": "pct", "baseline_landed_cost_usd": "money", "landed_cost_usd": "money", "delta_usd": "money"}, sku_heads, "SummaryTopSKUs", widths=False)


def band_text(low: float, high: float) -> str:
    """The band as people quote it: 30%-50% (a single value when both ends are equal)."""
    def one(x: float) -> str:
        return f"{x * 100:.1f}".rstrip("0").rstrip(".") + "%"
    return one(low) if low == high else f"{one(low)}-{one(high)}"


def _position(pct: float | None, low: float, high: float, lang: str) -> str:
    if pct is None or not np.isfinite(pct):
        return t("report.band.none", lang)
    if pct < low:
        return t("report.band.below", lang)
    if pct > high:
        return t("report.band.above", lang)
    return t("report.band.within", lang)


def _baseline_header(comps: list[Comparison], lang: str) -> str:
    return t("report.col.baseline_of", lang, baseline=_label(comps[0].baseline, lang))


def _channel_frame(comps: list[Comparison], lang: str) -> pd.DataFrame:
    """One row per channel (every channel, in the fixed mode order): lines, baseline, each scenario and change."""
    first = comps[0].by("channel").set_index("shipping_mode")
    modes = list(MODES) + sorted(set(first.index) - set(MODES))
    out = pd.DataFrame({"group": [_channel(m, lang) for m in modes]})
    out["lines"] = first["lines"].reindex(modes).fillna(0).astype(int).to_numpy()
    out["base"] = first["baseline_landed_cost_usd"].reindex(modes).fillna(0.0).to_numpy()
    for k, c in enumerate(comps):
        g = c.by("channel").set_index("shipping_mode").reindex(modes)
        out[f"now{k}"] = g["landed_cost_usd"].fillna(0.0).to_numpy()
        out[f"pct{k}"] = g["delta_pct"].to_numpy()
    return out


def _comparison(book: _Book, comps: list[Comparison]) -> None:
    lang, fm = book.lang, book.fm
    ws = book.sheet(t("report.sheet.comparison", lang))
    multi_base = len({c.baseline.scenario for c in comps}) > 1
    book.set_width(ws, 0, 0, 22)
    book.set_width(ws, 1, 2 + 5 * len(comps), 15)
    ws.freeze_panes(0, 1)
    book.print_setup(ws)
    row = 0
    for grouping, title_key, head_key, table in (
        ("channel", "report.section.by_channel", "report.col.channel", "ByChannel"),
        ("origin", "report.section.by_origin", "report.col.origin", "ByOrigin"),
        ("chapter", "report.section.by_chapter", "report.col.chapter", "ByChapter"),
        ("sku", "report.section.by_sku", "report.col.sku", "BySKU"),
    ):
        ws.write_string(row, 0, t(title_key, lang), fm.section)
        row += 1
        frames = [c.by(grouping) for c in comps]
        key = frames[0].columns[0]
        keys = sorted(set().union(*(f[key].astype(str) for f in frames)))
        if grouping == "channel":
            keys = [m for m in MODES if m in keys] + [k for k in keys if k not in MODES]
        out = pd.DataFrame({"group": [_channel(k, lang) if grouping == "channel" else k for k in keys]})
        f0 = frames[0].set_index(key).reindex(keys)
        out["lines"] = f0["lines"].fillna(0).astype(int).to_numpy()
        out["customs"] = f0["customs_value_usd"].to_numpy()
        heads = [t(head_key, lang), t("report.col.lines", lang), t("report.col.customs_value_usd", lang)]
        kinds = {"group": "text", "lines": "int", "customs": "money"}
        if not multi_base:
            out["base"] = f0["baseline_landed_cost_usd"].to_numpy()
            heads.append(_baseline_header(comps, lang))
            kinds["base"] = "money"
        for k, (c, f) in enumerate(zip(comps, frames, strict=True)):
            g = f.set_index(key).reindex(keys)
            name = _label(c.scenario, lang)
            if multi_base:
                out[f"base{k}"] = g["baseline_landed_cost_usd"].to_numpy()
                heads.append(t("report.col.baseline_of", lang, baseline=f"{_label(c.baseline, lang)} / {name}"))
                kinds[f"base{k}"] = "money"
            out[f"now{k}"] = g["landed_cost_usd"].to_numpy()
            out[f"duty{k}"] = g["duty_total_usd"].to_numpy()
            out[f"delta{k}"] = g["delta_usd"].to_numpy()
            out[f"pct{k}"] = g["delta_pct"].to_numpy()
            heads += [
                t("report.col.landed_of", lang, scenario=name), t("report.col.duty_of", lang, scenario=name),
                t("report.col.delta_of", lang, scenario=name), t("report.col.pct_of", lang, scenario=name),
            ]
            kinds.update({f"now{k}": "money", f"duty{k}": "money", f"delta{k}": "money", f"pct{k}": "pct"})
        _, last = book.table(ws, row, 0, out, kinds, heads, table, widths=False)
        row = last + 2


def _extra(book: _Book, title: str, frame: pd.DataFrame, kinds: dict[str, str]) -> None:
    ws = book.sheet(title)
    frame = frame.reset_index(drop=True)
    cols = [str(c) for c in frame.columns]
    frame.columns = cols
    known = {"money", "pct", "date", "int", "text"}
    resolved = {c: (kinds.get(c) if kinds.get(c) in known else column_kind(c, frame[c])) for c in cols}
    ws.freeze_panes(1, 0)
    book.print_setup(ws, header_row=0)
    book.table(ws, 0, 0, frame, resolved, cols, "Extra_" + title)


def _lines(book: _Book, comps: list[Comparison]) -> list[tuple[str, str]]:
    """Every priced line of the headline scenario, other scenarios' landed cost and change alongside."""
    lang = book.lang
    first = comps[0]
    lines = first.lines
    layers = {info.column: info for info in first.scenario.layers}
    order = [c for c in _LINE_HEAD if c in lines]
    order += [c for c in layers if c in lines]
    order += [c for c in _LINE_TAIL if c in lines]
    order += [c for c in lines.columns if c not in order]
    frame = lines[order]
    headers = [_column_header(c, lang, layers) for c in order]
    kinds = {c: column_kind(c, frame[c]) for c in order}
    extra_cols: dict[str, pd.Series] = {}
    for k, c in enumerate(comps[1:], start=1):
        other = c.lines.set_index("row_number")
        name = _label(c.scenario, lang)
        for col, key in (("landed_cost_usd", "report.col.other_scenario_landed"), ("delta_usd", "report.col.other_scenario_delta")):
            extra_cols[f"{col}__{k}"] = other[col].reindex(lines["row_number"]).reset_index(drop=True)
            headers.append(t(key, lang, scenario=name))
            kinds[f"{col}__{k}"] = "money"
            order.append(f"{col}__{k}")
    if extra_cols:
        frame = pd.concat([frame.reset_index(drop=True), pd.DataFrame(extra_cols)], axis=1)
    book.long_table(t("report.sheet.lines", lang), frame, kinds, headers, "Lines", freeze=(1, 2), keep_columns=2)
    return list(zip(_unique_headers(headers), order, strict=True))


def _rejects(book: _Book, comps: list[Comparison]) -> None:
    lang = book.lang
    parts = []
    seen: set[str] = set()
    for c in comps:
        for r in (c.scenario, c.baseline):
            if id(r) not in seen and len(r.rejects):
                parts.append(r.rejects)
            seen.add(id(r))
    cols = ["row_number", "column", "value", "problem"]
    if parts:
        rej = pd.concat(parts, ignore_index=True)
        if lang == "zh" and "problem_zh" in rej:
            rej["problem"] = rej["problem_zh"].astype(object).where(rej["problem_zh"].astype(str) != "", rej["problem"])
        rej = rej[cols].drop_duplicates().sort_values("row_number", kind="stable").reset_index(drop=True)
    else:
        rej = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else object) for c in cols})
    heads = [t(f"report.col.reject_{k}", lang) for k in ("row", "column", "value", "problem")]
    sheets = book.long_table(t("report.sheet.rejects", lang), rej, {"row_number": "int", "column": "text", "value": "text", "problem": "text"}, heads, "Rejects", freeze=(1, 0))
    for ws in sheets:
        book.set_width(ws, 3, 3, 90)
    ws = sheets[0]
    if not len(rej):
        ws.write_string(1, 3, t("report.rejects.none", lang), book.fm.note)


def _results(comps: list[Comparison]) -> list[tuple[str, PricedResult]]:
    """Baselines first, then the scenarios, each result once (by scenario name)."""
    out: list[tuple[str, PricedResult]] = []
    names: set[str] = set()
    for role, pick in (("baseline", lambda c: c.baseline), ("scenario", lambda c: c.scenario)):
        for c in comps:
            r = pick(c)
            if r.scenario not in names:
                names.add(r.scenario)
                out.append((role, r))
    return out


def assumptions_frame(comps: Sequence[Comparison], lang: str = "en") -> pd.DataFrame:
    """One row per assumption period each priced result used (``result.used``), baseline first."""
    parts = []
    for _, r in _results(list(comps)):
        used = r.used.copy()
        used.insert(0, "scenario", r.scenario)
        parts.append(used)
    frame = pd.concat(parts, ignore_index=True)
    if lang == "zh" and "label_zh" in frame:
        frame["label"] = frame["label_zh"].astype(object).where(frame["label_zh"].astype(str) != "", frame["label"])
    return frame


def _assumptions(book: _Book, comps: list[Comparison]) -> None:
    lang, fm = book.lang, book.fm
    frame = assumptions_frame(comps, lang)
    cols = ["scenario", "parameter", "label", "key", "value", "min", "max", "unit", "from", "until", "source", "url", "evidence", "changed_by_scenario", "lines"]
    for c in cols:
        if c not in frame:
            frame[c] = None
    frame = frame[cols].reset_index(drop=True)
    grades = frame["evidence"].astype(str)
    frame["evidence"] = grades.map(lambda g: t(f"common.evidence.{g}", lang) if g else "")
    frame["changed_by_scenario"] = frame["changed_by_scenario"].map(lambda v: t("report.yes" if bool(v) else "report.no", lang))
    heads = [t("report.col.scenario", lang), t("report.col.parameter", lang), t("report.col.label", lang), t("report.col.key", lang), t("report.col.value", lang),
             t("report.col.min", lang), t("report.col.max", lang), t("report.col.unit", lang), t("report.col.from", lang), t("report.col.until", lang),
             t("report.col.source", lang), t("report.col.url", lang), t("report.col.evidence", lang), t("report.col.changed", lang), t("report.col.lines_using", lang)]
    kinds = {c: "text" for c in cols} | {"from": "date", "until": "date", "lines": "int"}
    value_col = {"value": 4, "min": 5, "max": 6}
    ws = book.sheet(t("report.sheet.assumptions", lang))
    ws.freeze_panes(1, 2)
    book.print_setup(ws, header_row=0)
    numeric = {c: frame[c] for c in value_col}
    top, _ = book.table(ws, 0, 0, frame.drop(columns=list(value_col)).assign(value=None, min=None, max=None)[cols], kinds, heads, "Assumptions")
    # Values in the unit's own display: a fraction as a percent, money as money, anything else as a number.
    units = frame["unit"].astype(str).tolist()
    for c, j in value_col.items():
        vals = pd.to_numeric(numeric[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        for i, (v, u) in enumerate(zip(vals.tolist(), units, strict=True)):
            if np.isfinite(v):
                money = u.startswith("usd") or (c != "value" and u.startswith("fraction"))
                kind = "rate" if (u.startswith("fraction") and c == "value") else "money" if money else "number"
                ws.write_number(top + i, j, v, fm.by_kind[kind])
    for i, g in enumerate(grades.tolist()):
        if g == "unverified":
            ws.write_string(top + i, 12, frame.at[i, "evidence"], fm.unverified)
    for i, url in enumerate(frame["url"].astype(object).fillna("").astype(str).tolist()):
        if url.startswith(("https://", "http://")) and len(url) < 2000:
            ws.write_url(top + i, 11, url, fm.link, string=url)
    book.set_width(ws, 2, 2, 48)
    book.set_width(ws, 10, 10, 48)
    book.set_width(ws, 11, 11, 36)


def _about(book: _Book, comps: list[Comparison], assumptions, input_name: str, input_sha256: str, generated_at: dt.datetime, line_headers: list[tuple[str, str]]) -> None:  # noqa: ANN001
    lang, fm = book.lang, book.fm
    first = comps[0].scenario
    ws = book.sheet(t("report.sheet.about", lang))
    book.print_setup(ws)
    book.set_width(ws, 0, 0, 36)
    book.set_width(ws, 1, 1, 70)
    book.set_width(ws, 2, 3, 50)
    ws.set_row(0, 26)
    ws.write_string(0, 0, t("report.title", lang), fm.title)
    ws.write_string(1, 0, t("report.kv.values_note", lang), fm.note)
    row = 3
    ws.write_string(row, 0, t("report.section.about_run", lang), fm.section)
    row += 1
    kv = pd.DataFrame(
        {
            "item": [t(f"report.kv.{k}", lang) for k in ("tool_version", "assumptions_version", "assumptions_hash", "input_file", "input_sha256", "as_of", "language")],
            "value": [costimpact.__version__, first.assumptions_version, first.assumptions_hash, input_name or t("report.no_file", lang), input_sha256, first.as_of.isoformat(), lang],
        }
    )
    _, last = book.table(ws, row, 0, kv, {"item": "text", "value": "text"}, [t("report.col.item", lang), t("report.col.value", lang)], "AboutRun", widths=False)
    ws.write_string(last + 1, 0, t("report.kv.generated_at", lang), fm.label)
    ws.write_number(last + 1, 1, float(_excel_serial(pd.Series([generated_at]))[0]), fm.by_kind["datetime"])
    _define(book, "GeneratedAt", ws, last + 1, 1)
    row = last + 3

    ws.write_string(row, 0, t("report.section.about_scenarios", lang), fm.section)
    row += 1
    recs = []
    for role, r in _results(comps):
        label, desc = _scenario_texts(assumptions, r.scenario, lang)
        recs.append({"role": t(f"report.role.{role}", lang), "name": r.scenario, "label": label or _label(r, lang), "description": desc})
    _, last = book.table(ws, row, 0, pd.DataFrame(recs), {}, [t("report.col.role", lang), t("report.col.name", lang), t("report.col.label", lang), t("report.col.description", lang)], "AboutScenarios", widths=False)
    row = last + 2

    ws.write_string(row, 0, t("report.section.about_grades", lang), fm.section)
    row += 1
    grades = pd.DataFrame({"grade": ["C", "C2", "U"], "meaning": [t(f"report.grade.{g}", lang) for g in ("C", "C2", "U")]})
    _, last = book.table(ws, row, 0, grades, {}, [t("report.col.grade", lang), t("report.col.meaning", lang)], "AboutGrades", widths=False)
    row = last + 2

    ws.write_string(row, 0, t("report.section.about_columns", lang), fm.section)
    row += 1
    cols = pd.DataFrame(line_headers, columns=["header", "column"])
    book.table(ws, row, 0, cols, {}, [t("report.col.header", lang), t("report.col.column", lang)], "AboutColumns", widths=False)
