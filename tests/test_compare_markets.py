"""compare-markets: the same basket priced into several markets on one date (API and command line)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import costimpact.api as api
from conftest import pin_rates
from costimpact.cli import main
from costimpact.landed.engine import resolve_scenario

BASKET = """order_id,hts_code,origin_country,unit_value,quantity,currency,freight_cost
A,6109.10.00,CN,20.00,1,USD,5.00
B,9999.99.99,CN,20.00,1,USD,0.00
"""


def test_markets_side_by_side_on_the_same_goods(tmp_path, aset):
    path = tmp_path / "basket.csv"
    path.write_text(BASKET)
    today = pin_rates(resolve_scenario(aset, "today"), "EUR=0.86;MXN=18.4;CAD=1.38", "2026-11-26")  # the rates worked with below
    cmp = api.compare_markets(path, markets="US,DE,GB,MX,BR,CA", regions={"BR": "BR-SP", "CA": "CA-ON"}, scenario=today, as_of="2026-11-26", assumptions=aset)
    s = cmp.summary.set_index("market")
    assert list(s.index) == ["US", "DE", "GB", "MX", "BR", "CA"]
    # row B's code is in no tariff: the US rejects it, so every market is compared on row A only
    assert set(s["lines_compared"]) == {1} and s.loc["US", "lines_rejected"] == 1
    de = s.loc["DE"]  # by hand: US$25 x 0.86 = EUR 21.50 (goods 17.20 + freight 4.30); 3 per item; IOSS VAT 19% x 24.50 = 4.655 -> 4.66
    assert de["landed_cost_local"] == pytest.approx(17.20 + 4.30 + 3.00 + 4.66)
    mx = s.loc["MX"]  # by hand: (20 + 5) x 18.4 = 460.00 MXN; global 33.5% = 154.10
    assert mx["landed_cost_local"] == pytest.approx(460.00 + 154.10)
    ca = s.loc["CA"]  # by hand: VFD 20 x 1.38 = 27.60 CAD (freight out); MFN 18% = 4.968 -> 4.97; HST 13% x 32.57 = 4.2341 -> 4.23
    assert ca["duty_total_usd"] == pytest.approx(round(4.97 / 1.38, 2)) and ca["landed_cost_local"] == pytest.approx(27.60 + 6.90 + 4.97 + 4.23)
    assert s.loc["US", "tax_total_usd"] == 0 and s.loc["DE", "evidence_grade"] == "U"


def test_cli_writes_one_row_per_market_and_refuses_unknown_markets(tmp_path, capsys):
    path = tmp_path / "basket.csv"
    path.write_text(BASKET)
    out = tmp_path / "markets.csv"
    assert main(["compare-markets", str(path), "--markets", "US,FR,GB", "--as-of", "2026-11-26", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert frame["market"].tolist() == ["US", "FR", "GB"] and "landed_cost_usd" in frame
    assert "priced per market" in capsys.readouterr().err
    assert main(["compare-markets", str(path), "--markets", "US,XX"]) == 2
    assert "XX" in capsys.readouterr().err


def test_report_gets_a_where_to_sell_sheet(tmp_path):
    import openpyxl

    path = tmp_path / "basket.csv"
    path.write_text(BASKET)
    out = tmp_path / "report.xlsx"
    assert main(["report", str(path), "--out", str(out), "--as-of", "2026-11-26", "--markets", "US,DE,MX", "--lang", "zh"]) == 0
    wb = openpyxl.load_workbook(out)
    assert "哪里卖" in wb.sheetnames
    ws = wb["哪里卖"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    markets = [r[header.index("market")] for r in rows if r[header.index("market")]]
    assert markets[:3] == ["US", "DE", "MX"]
    mx = next(r for r in rows if r[header.index("market")] == "MX")
    # by hand at the built-in rate: (20 + 5) x 17.3792 MXN (June 2026 G.5 average, carried forward) = 434.48; 33.5% = 145.5508 -> 145.55
    assert mx[header.index("landed_cost_local")] == pytest.approx(434.48 + 145.55)
