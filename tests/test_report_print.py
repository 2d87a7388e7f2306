"""The report as it prints and as a boss reads it (issue 12, findings 6, 10 and 11): print layouts, the band as a
range with its source in the report's language, the change per channel charted, the band read on the same date
as the app, and no line lost past Excel's row limit."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

import costimpact
from costimpact.api import read
from costimpact.report import workbook
from costimpact.report import write_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(costimpact.__file__).parent / "data" / "sample_orders.csv"
WHEN = dt.datetime(2026, 11, 26, 9, 30)


@pytest.fixture(scope="module")
def sample_cmp(aset):
    return costimpact.compare(read(SAMPLE), scenario="actual", baseline="pre-2025", as_of="2026-11-26", assumptions=aset)


@pytest.fixture(scope="module")
def zh_book(sample_cmp, aset):
    return openpyxl.load_workbook(io.BytesIO(write_report([sample_cmp], lang="zh", generated_at=WHEN, assumptions=aset)))


def _texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_every_sheet_prints_landscape_a4_fitted_to_width(zh_book):
    for ws in zh_book.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ps.fitToHeight == 0 or ws.title == "摘要", ws.title
        assert "&P" in (ws.oddFooter.right.text or ""), ws.title


def test_summary_fits_one_page_and_tables_repeat_their_header(zh_book):
    summary = zh_book["摘要"]
    # 1 x 1 is the file format's default for a fitted sheet: written as no attribute (None) or as 1
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.page_setup.fitToWidth in (None, 1) and summary.page_setup.fitToHeight in (None, 1)
    for name in ("明细", "未计算的行", "假设"):
        assert zh_book[name].print_title_rows.replace("$", "") == "1:1", name
    # 65-odd columns of lines print over a few pages wide at a readable size, row number and order id on each
    lines = zh_book["明细"]
    assert 2 <= lines.page_setup.fitToWidth <= 6
    assert lines.print_title_cols.replace("$", "") == "A:B"


def test_title_row_is_tall_enough_for_its_font(zh_book):
    for name in ("摘要", "关于"):
        ws = zh_book[name]
        assert ws["A1"].font.sz == 16
        assert ws.row_dimensions[1].height >= 16 * 1.5, name  # 16 pt text needs ~24 pt of row, or the line below runs into it


def test_band_shown_as_a_range_with_its_source_in_chinese(zh_book):
    texts = _texts(zh_book["摘要"])
    assert "30%-50%" in texts
    source = next(v for v in texts if "30%-50%" in v and v != "30%-50%" and "区间" in v)
    assert source.startswith("源报告") and "Source report" not in source


def test_band_text():
    assert workbook.band_text(0.3, 0.5) == "30%-50%"
    assert workbook.band_text(0.325, 0.5) == "32.5%-50%"
    assert workbook.band_text(0.4, 0.4) == "40%"


def test_channel_chart_shows_the_change_per_channel(zh_book):
    """A horizontal bar of the % change per channel drawn from the channel table's change column, so postal and
    express show beside ocean freight (the dollar bars put a few thousand beside three hundred thousand)."""
    ws = zh_book["摘要"]
    table = ws.tables["SummaryChannels"]
    first, last = table.ref.split(":")
    bar = next(c for c in ws._charts if c.tagname == "barChart" and c.barDir == "bar")
    assert len(bar.series) == 1
    ref = bar.series[0].val.numRef.f
    header_row = int("".join(ch for ch in first if ch.isdigit()))
    # the values are the change column (E), the four channel rows under the header
    assert ref.endswith(f"$E${header_row + 1}:$E${header_row + 4}")
    assert ws[f"E{header_row}"].value.startswith("变化")


def _band_set(tmp_path):
    """The built-in set plus a later band (20%-60% from 2026-06-01), to tell which date a lookup used."""
    copy = tmp_path / "assumptions"
    shutil.copytree(ROOT / "assumptions", copy)
    band = copy / "us" / "benchmarks" / "direct_mail_cost_rise.toml"
    band.write_text(
        band.read_text(encoding="utf-8")
        + '\n[[values]]\nfrom = 2026-06-01\nvalue = 0.4\nmin = 0.2\nmax = 0.6\nsource = "A later estimate, for the test"\n',
        encoding="utf-8",
    )
    return costimpact.load_assumptions(copy)


def test_report_reads_the_band_on_the_comparison_s_as_of_date(tmp_path):
    from costimpact.scenarios.compare import direct_mail_band

    aset = _band_set(tmp_path)
    for as_of, expected in (("2026-01-15", (0.3, 0.5)), ("2026-11-26", (0.2, 0.6))):
        cmp = costimpact.compare(read(SAMPLE), as_of=as_of, assumptions=aset)
        wb = openpyxl.load_workbook(io.BytesIO(write_report([cmp], generated_at=WHEN, assumptions=aset)))
        got = []
        for name in ("DirectMailBandLow", "DirectMailBandHigh"):
            (sheet, ref), = list(wb.defined_names[name].destinations)
            got.append(wb[sheet][ref.replace("$", "")].value)
        assert tuple(got) == expected
        band = direct_mail_band(aset, dt.date.fromisoformat(as_of))
        assert (band.low, band.high) == expected


def test_app_reads_the_band_on_the_as_of_date_too():
    """The app's lookup takes the as-of date the page compares on (not today's date): before the band's first
    value (2025-02-01) there is none, after it the 30%-50% of the built-in set."""
    from costimpact.ui import data

    assert data.band("2024-06-01") is None
    band = data.band("2025-06-01")
    assert (band.low, band.high, band.evidence) == (0.3, 0.5, "secondary")


def test_lines_past_excel_s_row_limit_go_on_over_further_sheets(monkeypatch, aset):
    """Every line is written: past the limit the Lines sheet continues on "Lines (2)" ..., and the Summary says
    so. (The limit is lowered to 100 rows so the test runs in seconds; Excel's own is 1,048,575.)"""
    monkeypatch.setattr(workbook, "EXCEL_MAX_DATA_ROWS", 100)
    cmp = costimpact.compare(read(SAMPLE), as_of="2026-11-26", assumptions=aset)
    n = len(cmp.lines)
    assert n == 360
    wb = openpyxl.load_workbook(io.BytesIO(write_report([cmp], generated_at=WHEN, assumptions=aset)))
    sheets = [ws for ws in wb.worksheets if ws.title.startswith("Lines")]
    assert [ws.title for ws in sheets] == ["Lines", "Lines (2)", "Lines (3)", "Lines (4)"]
    counts = [ws.max_row - 1 for ws in sheets]
    assert counts == [100, 100, 100, 60]
    row_numbers = [c.value for ws in sheets for c in ws["A"][1:]]
    assert row_numbers == list(cmp.lines["row_number"])
    assert any("fill 4 Lines sheets" in v for v in _texts(wb["Summary"]))
