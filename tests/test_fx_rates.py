"""Dated exchange rates: the monthly Fed G.5 averages in assumptions/fx, and certified rates loaded as a scenario."""

from __future__ import annotations

import pandas as pd
import pytest

from costimpact import api
from costimpact.assumptions import fxrates, load_scenario_text
from costimpact.cli import main

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


@pytest.mark.parametrize(("currency", "value", "day", "usd"), [
    ("CNY", 723.27, "2024-05-15", 100.00),  # G.5 May 2024: 7.2327 CNY per USD
    ("CNY", 719.00, "2024-08-15", 100.00),  # no monthly figure: the 2024 yearly value 7.19
    ("CNY", 729.57, "2025-01-20", 100.00),  # G.5 via FRED, January 2025: 7.2957
    ("EUR", 107.24, "2024-04-30", 115.00),  # G.5 April 2024: 1.0724 USD per EUR -> 107.24 EUR = 115.00 USD
    ("AUD", 150.557, "2024-06-10", 100.00),  # G.5 June 2024: 0.6642 USD per AUD
    ("KRW", 136785.55, "2024-04-02", 100.00),  # G.5 April 2024: 1,367.8555 KRW per USD
])
def test_monthly_rates_convert_on_the_line_date(currency, value, day, usd) -> None:  # noqa: ANN001
    got = api.price_orders(_line(currency, value, day), as_of=day).lines
    assert got["customs_value_usd"].iloc[0] == pytest.approx(usd, abs=0.005)


def test_a_currency_outside_its_published_months_is_refused_not_guessed() -> None:
    # KRW has monthly G.5 figures for April-June 2024 only, and no yearly approximation
    res = api.price_orders(_line("KRW", 150000.0, "2025-06-10"), as_of="2025-06-10")
    assert len(res.lines) == 0 and res.rows_rejected == 1


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
