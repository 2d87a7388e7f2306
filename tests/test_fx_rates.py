"""Dated exchange rates: the monthly Fed G.5 averages in assumptions/fx (rebuilt by scripts/build_fx_rates.py), the last
month carried forward after them, and CBP certified rates loaded as a scenario (import-fx)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from costimpact import api
from costimpact.assumptions import attach, fxrates, load_scenario_text
from costimpact.cli import main

ROOT = Path(__file__).resolve().parents[1]
H10 = (
    '"Series Description","Euro area -- Spot Exchange Rate US$/Euro","China -- Spot Exchange Rate, Yuan/US$"\n'
    '"Unit:","Currency:_Per_EUR","Currency:_Per_USD"\n'
    '"Multiplier:","1","1"\n'
    '"Currency:","USD","CNY"\n'
    '"Unique Identifier: ","H10/H10/RXI$US_N.B.EU","H10/H10/RXI_N.B.CH"\n'
    '"Time Period","RXI$US_N.B.EU","RXI_N.B.CH"\n'
    "2025-03-03,1.0485,7.2800\n"
    "2025-03-04,1.0600,ND\n"
    "2025-03-05,1.0800,7.2500\n"
)


def _line(currency: str, value: float, day: str) -> pd.DataFrame:
    return pd.DataFrame({"order_id": ["A"], "hts_code": ["6109.10.00"], "origin_country": ["VN"], "unit_value": [value],
                         "currency": [currency], "ship_date": [day]})


# Monthly averages typed from the source, not from assumptions/fx: FRED's G.5 series as mirrored in
# github.com/datasets/exchange-rates data/monthly.csv (commit fa7d9499, 2026-07-21; EUR, GBP, AUD already inverted
# there to units per USD), and for 2024-05 KRW also the Federal Reserve G.5 release of 2024-07-01 (same figure).
SOURCE = [
    ("CNY", "2025-07-15", 7.1741), ("JPY", "2025-09-30", 147.8629), ("EUR", "2026-03-02", 0.8653), ("GBP", "2025-05-01", 0.7486),
    ("KRW", "2024-05-31", 1364.7241), ("MXN", "2025-01-10", 20.5367), ("BRL", "2026-02-27", 5.1988), ("AUD", "2025-12-15", 1.5053),
    ("CAD", "2026-06-30", 1.4034), ("HKD", "2025-05-20", 7.8015), ("CNY", "2024-01-02", 7.1707),
]


@pytest.mark.parametrize(("currency", "day", "per_usd"), SOURCE)
def test_the_month_average_of_the_source_is_in_force_all_month(aset, currency, day, per_usd) -> None:  # noqa: ANN001
    got = attach(aset.param("fx/per_usd"), pd.Series(pd.to_datetime([day])), pd.Series([currency]))
    assert got["value"].iloc[0] == pytest.approx(per_usd, rel=1e-9)
    assert got["evidence"].iloc[0] == "secondary"  # a mirror of the official series: C2


def test_a_cny_line_in_july_2025_converts_at_the_july_average() -> None:
    # 717.41 CNY / 7.1741 (G.5, 2025-07) = 100.00 USD; at the old 2025 yearly 7.18 it was 99.92
    res = api.price_orders(_line("CNY", 717.41, "2025-07-15"), as_of="2025-07-15")
    assert res.lines["customs_value_usd"].iloc[0] == 100.00
    fx = res.used[res.used["parameter"] == "fx/per_usd"].iloc[0]
    assert (fx["value"], str(fx["from"]), fx["evidence"]) == (7.1741, "2025-07-01", "secondary") and "2025-07" in fx["source"]
    assert res.lines["evidence_grade"].iloc[0] == "C2"


def test_after_the_last_published_month_the_rate_is_carried_forward_and_labelled() -> None:
    # no figure after 2026-06 in the file: 677.58 CNY / 6.7758 (the June 2026 average) = 100.00, graded U
    res = api.price_orders(_line("CNY", 677.58, "2026-09-15"), as_of="2026-09-15")
    assert res.lines["customs_value_usd"].iloc[0] == 100.00
    assert res.lines["evidence_grade"].iloc[0] == "U"
    fx = res.used[res.used["parameter"] == "fx/per_usd"].iloc[0]
    assert fx["evidence"] == "unverified" and fx["source"].startswith("CARRIED FORWARD") and "2026-06" in fx["source"]


@pytest.mark.parametrize("currency", ["CNY", "KRW", "EUR"])
def test_before_the_first_month_a_currency_is_refused_not_guessed(currency) -> None:  # noqa: ANN001
    res = api.price_orders(_line(currency, 1000.0, "2023-12-29"), as_of="2023-12-29")
    assert len(res.lines) == 0 and res.rows_rejected == 1


def test_hkd_keeps_its_peg_before_the_monthly_figures(aset) -> None:  # noqa: ANN001
    got = attach(aset.param("fx/per_usd"), pd.Series(pd.to_datetime(["2023-06-01", "2024-01-01"])), pd.Series(["HKD", "HKD"]))
    assert got["value"].tolist()[0] == 7.8 and got["evidence"].tolist()[0] == "confirmed"
    assert got["value"].tolist()[1] != 7.8  # January 2024 has its monthly average


def _build_script():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("build_fx_rates", ROOT / "scripts" / "build_fx_rates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_file_is_what_the_script_builds_from_the_shipped_extract() -> None:
    build = _build_script()
    current = (ROOT / "assumptions" / "fx" / "per_usd.toml").read_text(encoding="utf-8")
    text, _ = build.build(build.read_source(build.EXTRACT), current)
    assert text == current  # edit the extract and rerun scripts/build_fx_rates.py, never the TOML by hand


def test_the_script_reads_a_fred_download_inverts_dollar_quotes_and_carries_gaps(tmp_path) -> None:  # noqa: ANN001
    build = _build_script()
    src = tmp_path / "fredgraph.csv"
    src.write_text("observation_date,EXCHUS,EXUSEU\n2026-07-01,6.8,1.25\n2026-08-01,.,1.6\n2026-09-01,6.7,\n", encoding="utf-8")
    rates = build.read_source(src)
    assert rates[rates["currency"] == "EUR"]["per_usd"].tolist() == [0.8, 0.625]  # 1 / 1.25, 1 / 1.6
    assert set(rates["evidence"]) == {"confirmed"}  # straight from the official series
    periods = [p for p in build.monthly_periods(rates) if p["key"] == "CNY"]
    august = periods[1]
    assert (august["value"], august["evidence"]) == (6.8, "unverified") and august["source"].startswith("CARRIED FORWARD")
    assert (periods[2]["value"], periods[2]["evidence"], str(periods[2]["until"])) == (6.7, "confirmed", "2026-10-01")
    assert (periods[-1]["value"], str(periods[-1]["from"]), periods[-1]["until"]) == (6.7, "2026-10-01", None)


def test_h10_download_is_read_and_inverted_where_quoted_in_dollars() -> None:
    rates = fxrates.read_rates(H10.encode(), "FRB_H10.csv")
    eur = rates[rates["currency"] == "EUR"].set_index("date")["per_usd"]
    assert eur[pd.Timestamp("2025-03-04")] == pytest.approx(1 / 1.06)
    cny = rates[rates["currency"] == "CNY"]
    assert len(cny) == 2  # "ND" (no rate that day) is not a rate
    m = fxrates.monthly(rates)
    assert m[m["currency"] == "CNY"]["per_usd"].iloc[0] == pytest.approx((7.28 + 7.25) / 2)


def test_certified_rates_scenario_prices_at_the_day_rate(tmp_path) -> None:  # noqa: ANN001
    src = tmp_path / "FRB_H10.csv"
    src.write_text(H10, encoding="utf-8")
    out = tmp_path / "rates.toml"
    assert main(["assumptions", "import-fx", str(src), "--out", str(out)]) == 0
    scen = load_scenario_text(out.read_text(encoding="utf-8"), str(out))
    got = api.price_orders(_line("EUR", 100.0, "2025-03-04"), scenario=scen, as_of="2025-03-04").lines
    assert got["customs_value_usd"].iloc[0] == 106.00
    # a Saturday has no certified rate: the last one before it holds (2025-03-05, 1.08 USD per EUR)
    got = api.price_orders(_line("EUR", 100.0, "2025-03-08"), scenario=scen, as_of="2025-03-08").lines
    assert got["customs_value_usd"].iloc[0] == 108.00


def test_plain_rate_table_and_bad_files(tmp_path) -> None:  # noqa: ANN001
    rates = fxrates.read_rates(b"date,currency,per_usd\n2025-05-01,cny,7.21\n2025-05-02,CNY,x\n", "cbp.csv")
    assert list(rates["per_usd"]) == [7.21] and list(rates["currency"]) == ["CNY"]
    from costimpact.errors import ArgumentError

    with pytest.raises(ArgumentError, match="date, currency, per_usd"):
        fxrates.read_rates(b"a,b\n1,2\n", "x.csv")
