"""``costimpact decide ...`` exit codes and output; the decision sheets and their totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_decide_helpers import aset, basket  # noqa: F401 - fixture

from costimpact.cli import main
from costimpact.decide.sheets import decision_sheets

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "costimpact" / "data" / "sample_orders.csv"


@pytest.fixture()
def orders_csv(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    basket().drop(columns=["row_number"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("what", ["fulfilment", "origin", "pricing"])
def test_cli_writes_csv(what: str, orders_csv: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / f"{what}.csv"
    assert main(["decide", what, str(orders_csv), "--as-of", "2026-11-26", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert len(frame) > 0
    assert "read 650 rows" in capsys.readouterr().err


def test_cli_prints_without_out(orders_csv: Path, capsys) -> None:  # noqa: ANN001
    assert main(["decide", "origin", str(orders_csv), "--as-of", "2026-11-26", "--origins", "CN,VN,MX-USMCA"]) == 0
    assert "MX-USMCA" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["decide", "pricing", "/no/such/file.csv"],
        ["decide", "origin", "{csv}", "--origins", "China"],
        ["decide", "fulfilment", "{csv}", "--as-of", "2026-13-01"],
        ["decide", "fulfilment", "{csv}", "--scenario", "nope"],
        ["decide", "fulfilment", "{csv}", "--out", "x.xlsx"],
    ],
)
def test_cli_unusable_arguments_exit_2(argv: list[str], orders_csv: Path, capsys) -> None:  # noqa: ANN001
    assert main([a.replace("{csv}", str(orders_csv)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("costimpact: ") and "Traceback" not in err


def test_cli_usage_error_exit_2(capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exc:
        main(["decide"])
    assert exc.value.code == 2


def test_cli_on_the_sample(tmp_path: Path) -> None:
    assert main(["decide", "fulfilment", str(SAMPLE), "--as-of", "2026-11-26", "--out", str(tmp_path / "f.csv")]) == 0


def test_sheets_and_totals(aset) -> None:  # noqa: ANN001, F811
    from costimpact.decide.fulfilment import compare_fulfilment
    from costimpact.decide.origin import compare_origins
    from costimpact.decide.pricing import price_for_margin

    lines = basket()
    ful = compare_fulfilment(lines, as_of="2026-11-26", assumptions=aset)
    org = compare_origins(lines, as_of="2026-11-26", assumptions=aset)
    prc = price_for_margin(lines, as_of="2026-11-26", assumptions=aset)
    sheets = decision_sheets(fulfilment=ful, origin=org, pricing=prc, lang="en")
    titles = [s[0] for s in sheets]
    assert len(titles) == 6 and len(set(titles)) == 6 and all(len(x) <= 31 for x in titles)
    for _, frame, fmt in sheets:
        assert set(fmt) == set(frame.columns)
        assert set(fmt.values()) <= {"money", "pct", "int", "text", "date"}
    by = {s[0]: s for s in sheets}
    per_sku = by["Decide - fulfilment by SKU"][1]
    total = by["Decide - fulfilment total"][1].iloc[0]
    assert (per_sku["direct_cost_per_unit_usd"] * per_sku["units_per_month"]).sum() == pytest.approx(total["direct_cost_per_month_usd"], abs=0.01)
    # each SKU alone costs more than its share of the shared month; the shares add up to the month
    assert (per_sku["warehouse_shared_cost_per_unit_usd"] * per_sku["units_per_month"]).sum() == pytest.approx(total["warehouse_cost_per_month_usd"], abs=0.01)
    assert by["Decide - fulfilment by SKU"][2]["direct_cost_per_unit_usd"] == "money"
    ranking = by["Decide - origin ranking"][1]
    assert ranking.loc[ranking["origin"] == "CN", "landed_cost_usd"].iloc[0] == pytest.approx(org.lines.loc[org.lines["origin_scenario"] == "CN", "landed_cost_usd"].sum(), abs=0.01)
    assert by["Decide - origin ranking"][2]["duty_rate_effective"] == "pct"
    pricing_total = by["Decide - pricing total"][1].iloc[0]
    assert pricing_total["profit_before_usd"] == pytest.approx(by["Decide - pricing by SKU"][1]["profit_before_usd"].sum())
    zh = decision_sheets(fulfilment=ful, origin=org, pricing=prc, lang="zh")
    assert zh[0][0].startswith("决策")


def test_sheets_from_orders(aset) -> None:  # noqa: ANN001, F811
    sheets = decision_sheets(basket(), as_of="2026-11-26", assumptions=aset)
    assert len(sheets) == 6
