"""The Excel scenario report: write it, reload it with openpyxl, check what a seller and a broker rely on."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import test_report_support as support  # noqa: E402

from costimpact.i18n import t  # noqa: E402
from costimpact.report import write_report  # noqa: E402
from costimpact.report.workbook import assumptions_frame  # noqa: E402

WHEN = dt.datetime(2026, 11, 26, 9, 30)
SHEETS = ["summary", "comparison", "lines", "rejects", "assumptions", "about"]


@pytest.fixture(scope="module")
def comps():
    return support.comparisons(support.injected_orders(), scenarios=("actual", "no-ieepa"))


@pytest.fixture(scope="module")
def report(comps):
    return write_report(comps, lang="en", generated_at=WHEN, assumptions=support.assumptions())


@pytest.fixture(scope="module")
def book(report):
    return openpyxl.load_workbook(io.BytesIO(report))


def _table_frame(ws, name: str) -> pd.DataFrame:
    table = ws.tables[name]
    rows = list(ws[table.ref])
    header = [c.value for c in rows[0]]
    return pd.DataFrame([[c.value for c in r] for r in rows[1:]], columns=header)


def _defined(book, name: str):
    dn = book.defined_names[name]
    (sheet, ref), = list(dn.destinations)
    return book[sheet][ref.replace("$", "")].value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sheet_names_and_order(comps, lang):
    wb = openpyxl.load_workbook(io.BytesIO(write_report(comps, lang=lang, generated_at=WHEN)))
    assert wb.sheetnames == [t(f"report.sheet.{s}", lang) for s in SHEETS]


def test_english_sheet_names_are_the_documented_ones(book):
    assert book.sheetnames == ["Summary", "Comparison", "Lines", "Rejects", "Assumptions", "About"]


def test_headline_totals_equal_the_engine(book, comps):
    tot = comps[0].totals()
    assert _defined(book, "BaselineLandedCost") == pytest.approx(tot["baseline_landed_cost_usd"], abs=0.005)
    assert _defined(book, "ScenarioLandedCost") == pytest.approx(tot["landed_cost_usd"], abs=0.005)
    assert _defined(book, "LandedCostChange") == pytest.approx(tot["delta_usd"], abs=0.005)
    assert _defined(book, "LandedCostChangePct") == pytest.approx(tot["delta_pct"])
    assert _defined(book, "IEEPARefundExposure") == pytest.approx(tot["ieepa_refund_exposure_usd"], abs=0.005)
    assert _defined(book, "LinesPriced") == comps[0].scenario.rows_priced
    assert _defined(book, "RowsRead") == comps[0].scenario.rows_read


def test_every_scenario_row_matches_its_comparison(book, comps):
    frame = _table_frame(book["Summary"], "SummaryScenarios")
    assert len(frame) == len(comps)
    for (_, row), c in zip(frame.iterrows(), comps, strict=True):
        tot = c.totals()
        assert row.iloc[2] == tot["lines_compared"] and row.iloc[3] == tot["lines_left_out"]
        assert row.iloc[5] == pytest.approx(tot["baseline_landed_cost_usd"], abs=0.005)
        assert row.iloc[6] == pytest.approx(tot["landed_cost_usd"], abs=0.005)
        assert row.iloc[7] == pytest.approx(tot["delta_usd"], abs=0.005)


def test_channel_table_and_lines_sheet_add_up_to_the_totals(book, comps):
    chan = _table_frame(book["Summary"], "SummaryChannels")
    assert len(chan) == 4  # postal, express, air freight, ocean freight
    assert chan.iloc[:, 2].sum() == pytest.approx(comps[0].totals()["baseline_landed_cost_usd"], abs=0.01)
    assert chan.iloc[:, 3].sum() == pytest.approx(comps[0].totals()["landed_cost_usd"], abs=0.01)
    lines = _table_frame(book["Lines"], "Lines")
    assert len(lines) == len(comps[0].lines)
    assert lines[t("report.col.landed_cost_usd", "en")].sum() == pytest.approx(comps[0].totals()["landed_cost_usd"], abs=0.01)
    assert lines[t("report.col.baseline_landed_cost_usd", "en")].sum() == pytest.approx(comps[0].totals()["baseline_landed_cost_usd"], abs=0.01)


def test_comparison_sheet_has_every_grouping_side_by_side(book, comps):
    ws = book["Comparison"]
    assert set(ws.tables) == {"ByChannel", "ByOrigin", "ByChapter", "BySKU"}
    sku = _table_frame(ws, "BySKU")
    for c in comps:
        name = c.scenario.scenario_label
        assert t("report.col.landed_of", "en", scenario=name) in sku.columns
        assert sku[t("report.col.landed_of", "en", scenario=name)].sum() == pytest.approx(c.totals()["landed_cost_usd"], abs=0.01)
    origin = _table_frame(ws, "ByOrigin")
    assert sorted(origin.iloc[:, 0]) == sorted(comps[0].by("origin")["origin_country"])


def test_lines_headers_and_number_formats(book, comps):
    ws = book["Lines"]
    header = [c.value for c in ws[1]]
    for col in ("order_id", "customs_value_usd", "entry_type", "de_minimis", "duty_total_usd", "fees_total_usd", "landed_cost_usd", "evidence_grade"):
        assert t(f"report.col.{col}", "en") in header
    for info in comps[0].scenario.layers:  # the full duty breakdown, one column per layer
        assert any(info.column == v for v in _table_frame(book["About"], "AboutColumns").iloc[:, 1])
    fmt = {h: ws.cell(row=2, column=j + 1).number_format for j, h in enumerate(header)}
    assert fmt[t("report.col.landed_cost_usd", "en")] == "#,##0.00"
    assert fmt[t("report.col.delta_pct", "en")] == "0.0%"
    assert fmt[t("report.col.ship_date", "en")] == "yyyy-mm-dd"
    assert isinstance(ws.cell(row=2, column=header.index(t("report.col.ship_date", "en")) + 1).value, dt.datetime)
    assert ws.freeze_panes == "C2"


def test_rejects_sheet_lists_row_column_value_problem(comps):
    df = support.small_orders()
    df.loc[0, "hts_code"] = "12"
    df.loc[1, "shipping_mode"] = "teleport"
    cs = support.comparisons(df)
    wb = openpyxl.load_workbook(io.BytesIO(write_report(cs, generated_at=WHEN)))
    rej = _table_frame(wb["Rejects"], "Rejects")
    assert list(rej.columns) == [t(f"report.col.reject_{k}", "en") for k in ("row", "column", "value", "problem")]
    assert set(rej.iloc[:, 0]) == {2, 3}
    assert set(rej.iloc[:, 1]) >= {"hts_code", "shipping_mode"}
    assert all(isinstance(p, str) and p for p in rej.iloc[:, 3])
    assert _defined(wb, "RowsRejected") == 2


def test_an_assumptions_row_for_every_used_period(book, comps):
    frame = _table_frame(book["Assumptions"], "Assumptions")
    results = {c.baseline.scenario: c.baseline for c in comps} | {c.scenario.scenario: c.scenario for c in comps}
    assert len(frame) == sum(len(r.used) for r in results.values())
    keyed = frame.iloc[:, [0, 1, 3]].astype(str).agg("|".join, axis=1).tolist()
    for name, r in results.items():
        for _, u in r.used.iterrows():
            assert f"{name}|{u['parameter']}|{u['key']}" in keyed
    assert len(assumptions_frame(comps)) == len(frame)
    # unverified values are marked visibly
    ws = book["Assumptions"]
    marks = [ws.cell(row=i + 2, column=13) for i in range(len(frame))]
    unverified = [c for c in marks if c.value == t("common.evidence.unverified", "en")]
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("FFC7CE") for c in unverified)


def test_scenario_changes_are_flagged(book):
    cs = support.comparisons(support.small_orders(), scenarios=("china-escalation",))
    wb = openpyxl.load_workbook(io.BytesIO(write_report(cs, generated_at=WHEN)))
    frame = _table_frame(wb["Assumptions"], "Assumptions")
    changed = frame[frame.iloc[:, 13] == t("report.yes", "en")]
    used = cs[0].scenario.used
    assert len(changed) == int(used["changed_by_scenario"].sum()) > 0


def test_no_formula_anywhere_and_user_text_stays_text(report, book):
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    lines = _table_frame(book["Lines"], "Lines")
    skus = set(lines[t("report.col.sku", "en")])
    descs = set(lines[t("report.col.description_line", "en")])
    for text in ('=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"):
        assert text in skus and text in descs
    ws = book["Lines"]
    sku_col = [c.value for c in ws[1]].index(t("report.col.sku", "en")) + 1
    cell = next(ws.cell(row=r, column=sku_col) for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=sku_col).value == "+1")
    assert cell.data_type == "s" and cell.quotePrefix
    assert b"<f>" not in report  # no formula element in any part of the package


def test_both_languages_label_the_summary(comps):
    for lang in ("en", "zh"):
        wb = openpyxl.load_workbook(io.BytesIO(write_report(comps, lang=lang, generated_at=WHEN)))
        ws = wb[t("report.sheet.summary", lang)]
        assert ws["A1"].value == t("report.title", lang)
        assert ws["A4"].value == t("report.section.headline", lang)
        cols = list(_table_frame(wb[t("report.sheet.lines", lang)], "Lines").columns)
        assert t("report.col.landed_cost_usd", lang) in cols
    assert t("report.title", "zh") != t("report.title", "en")


def test_native_charts_from_sheet_ranges(book):
    charts = book["Summary"]._charts
    assert len(charts) == 2
    kinds = sorted((c.tagname, c.grouping) for c in charts)
    assert kinds == [("barChart", "clustered"), ("barChart", "stacked")]
    for c in charts:
        refs = [s.val.numRef.f for s in c.series]
        assert refs and all(r.startswith("Summary!") or r.startswith("'Summary'!") for r in refs)


def test_defined_names_frozen_headers_and_tables(book):
    for name in ("BaselineLandedCost", "ScenarioLandedCost", "LandedCostChange", "LandedCostChangePct", "IEEPARefundExposure", "GeneratedAt"):
        assert name in book.defined_names
    assert book["Lines"].tables and book["Rejects"].tables and book["Assumptions"].tables
    assert book["Rejects"].freeze_panes == "A2"


def test_band_for_direct_mail_sellers_when_the_set_has_it(book):
    low, high = _defined(book, "DirectMailBandLow"), _defined(book, "DirectMailBandHigh")
    param = support.assumptions().params["us/benchmarks/direct_mail_cost_rise"].values[-1]
    assert (low, high) == (param.min, param.max)
    values = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert any(v in values for v in (t("report.band.below", "en"), t("report.band.within", "en"), t("report.band.above", "en")))


def test_top_skus_are_the_ten_hit_hardest(book, comps):
    frame = _table_frame(book["Summary"], "SummaryTopSKUs")
    expect = comps[0].by("sku").sort_values("delta_usd", ascending=False).head(10)
    assert len(frame) == min(10, len(comps[0].by("sku")))
    assert list(frame.iloc[:, 4]) == pytest.approx(list(expect["delta_usd"]))


def test_about_sheet_names_versions_hashes_and_scenarios(book, comps):
    import costimpact

    values = [c.value for row in book["About"].iter_rows() for c in row if c.value is not None]
    r = comps[0].scenario
    for v in (costimpact.__version__, r.assumptions_version, r.assumptions_hash, r.as_of.isoformat()):
        assert v in values
    scen = _table_frame(book["About"], "AboutScenarios")
    assert set(scen.iloc[:, 1]) == {"pre-2025", "actual", "no-ieepa"}
    desc = support.assumptions().scenarios["no-ieepa"].description
    assert desc in set(scen.iloc[:, 3])
    assert _defined(book, "GeneratedAt") == WHEN


def test_input_name_and_hash_are_written(comps):
    wb = openpyxl.load_workbook(io.BytesIO(write_report(comps, input_name="orders.xlsx", input_sha256="ab" * 32, generated_at=WHEN)))
    values = [c.value for row in wb["About"].iter_rows() for c in row]
    assert "orders.xlsx" in values and "ab" * 32 in values


def test_deterministic_given_generated_at(comps):
    a = write_report(comps, generated_at=WHEN)
    b = write_report(comps, generated_at=WHEN)
    wa, wb = openpyxl.load_workbook(io.BytesIO(a)), openpyxl.load_workbook(io.BytesIO(b))
    assert wa.sheetnames == wb.sheetnames
    for sa, sb in zip(wa, wb, strict=True):
        assert [[c.value for c in r] for r in sa.iter_rows()] == [[c.value for c in r] for r in sb.iter_rows()]
    assert wa.properties.created == WHEN
    assert a == b  # byte for byte, since the created date is fixed too


def test_extra_sheets_and_progress(comps):
    seen = []
    extra = pd.DataFrame({"sku": ["=cmd|' /C calc'!A0", "B"], "saving_usd": [1.5, 2.25], "share": [0.1, 0.2], "when": pd.to_datetime(["2026-01-01", "2026-02-01"]), "n": [1, 2]})
    data = write_report(comps, extra_sheets=[("Decisions", extra, {"saving_usd": "money", "share": "pct", "when": "date", "n": "int", "sku": "text"})], progress=lambda f, m: seen.append((f, m)), generated_at=WHEN)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == ["Summary", "Comparison", "Decisions"]
    ws = wb["Decisions"]
    assert [c.value for c in ws[1]] == ["sku", "saving_usd", "share", "when", "n"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=cmd")
    assert ws["B2"].number_format == "#,##0.00" and ws["C2"].number_format == "0.0%" and ws["D2"].number_format == "yyyy-mm-dd"
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)


def test_empty_comparison_list_is_refused():
    with pytest.raises(ValueError):
        write_report([])
