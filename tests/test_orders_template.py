"""Templates, the sample files and the CLI of the orders area."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from costimpact.cli import main
from costimpact.orders import CANONICAL, read_orders_path, suggest_mapping
from costimpact.orders.template import template_headers

DATA = Path(__file__).resolve().parents[1] / "src" / "costimpact" / "data"
USED_CODES = {"6109100012", "61102020", "62046280", "62034245", "61044320", "42029231", "42022215", "63026000",
              "39241040", "39269099", "73239300", "82119150", "33049950", "71171990", "95030000", "95069100",
              "94036080", "9401614011", "82055980", "84672100", "8507600020", "85044095", "85176200", "85183020",
              "84733051", "85444290", "87089981", "73269086", "76151071", "63079098"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_headers_round_trip_through_matching(lang):
    assert list(suggest_mapping(template_headers(lang)).values()) == list(CANONICAL)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_cli_writes_xlsx_with_text_hts_and_instructions(tmp_path, lang):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--lang", lang, "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    orders, info = wb.worksheets
    assert orders.title == ("订单" if lang == "zh" else "orders")
    assert [c.value for c in orders[1]] == template_headers(lang)
    hts_fmt = [d.number_format for d in orders.column_dimensions.values() if d.min <= 2 <= d.max]
    assert hts_fmt == ["@"]  # the HTS column is text, so codes keep their zeros
    assert info.max_row == len(CANONICAL) + 1
    res = read_orders_path(out)
    assert res.rows_read == 0 and res.sheet == orders.title


def test_template_cli_csv_and_bad_suffix(tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["template", "--lang", "zh", "--out", str(out)]) == 0
    assert out.read_bytes().startswith("\ufeff订单号,HS编码".encode())
    assert main(["template", "--out", str(tmp_path / "t.txt")]) == 2
    assert "expected a name ending in .xlsx or .csv" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["sample_orders.csv", "sample_orders.xlsx"])
def test_sample_files_read_cleanly_and_cover_the_mix(name):
    res = read_orders_path(DATA / name)
    lines = res.lines
    assert res.rows_read >= 300 and res.rejects.empty
    assert set(lines.shipping_mode) == {"postal", "express", "air_freight", "ocean_freight"}
    assert {"CN", "VN", "HK", "IN", "MY", "BD"} <= set(lines.origin_country)
    assert (lines.origin_country == "CN").mean() > 0.6
    assert lines.ship_date.min() < pd.Timestamp("2024-12-01") and lines.ship_date.max() > pd.Timestamp("2026-10-01")
    assert (lines.order_id.value_counts() > 1).any()
    assert (lines.groupby(["consignee_id", "ship_date"]).order_id.nunique() > 1).any()
    assert (lines.currency == "CNY").any() and lines.unit_price.notna().all() and lines.unit_cost.notna().all()
    assert (lines.quantity >= 1000).any()
    assert 2 <= (lines.hts_code == "9401614011").sum() <= 3 and (lines.hts_code == "8507600020").any()
    assert set(lines.hts_code) <= USED_CODES


def test_every_sample_code_is_in_the_shipped_hts_table(aset):
    """The sample prices only codes the built-in HTS table knows (a code missing from it would price on defaults)."""
    table = aset.tables["us/hts/hts_us"].frame
    known = set(table["hts"].astype(str).str.replace(".", "", regex=False))
    assert not sorted(USED_CODES - known)
