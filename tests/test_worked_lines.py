"""Hand-worked cases for the rule families the single-line cases do not reach (tests/cases/worked_lines.csv).

One row per order line; the lines of a case are priced together (they share shipments and buyers' days).
Every expected number was worked by hand from the assumption values and the law the row's ``working`` column
names (each rate's source is in tests/cases/dated_values.csv), never by running the engine. Families: specific and
compound MFN, currency conversion, the EU/Japan all-in rates outside postal, Brazil and India IEEPA, Section 301
Brazil, the single-entry bond, the USPS fee and the mail fee, mixed-origin de minimis and postal tiers, and
multi-line fees (MPF minimum and maximum, HMF, broker, ISF, bond, postal per-item amounts split by largest
remainder). Lines with code 7701.00.0000 (chapter 77 is reserved in the HS, so no table will ever hold it) carry
their own ``mfn_rate`` and ``s301_list``, so the cases do not hang on rows of the HTS table; the specific-rate cases
use the table's compound rows, whose HTSUS rates the working column quotes. The currency cases work at the exchange
rate they state (column ``fx_per_usd``, pinned for the case's days), not at the built-in monthly table's rate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_OF, make_lines, pin_rates
from costimpact.landed.engine import price_lines, resolve_scenario

CASES = pd.read_csv(Path(__file__).parent / "cases" / "worked_lines.csv", dtype=str, keep_default_na=False)
INPUTS = {"origin": "origin_country", "hts": "hts_code", "mode": "shipping_mode", "freight": "freight_cost", "shipment": "shipment_id", "consignee": "consignee_id"}
OPTIONAL = ["mfn_rate", "s301_list", "currency", "unit_weight_kg", "shipment", "consignee", "postal_duty_method"]


def _scenario(aset, options: str):
    scen = resolve_scenario(aset, "actual")
    if not options:
        return scen
    values = {}
    for item in options.split(";"):
        name, value = item.split("=")
        values[name] = {"true": True, "false": False}.get(value, value)
    return scen.model_copy(update={"options": scen.options.model_copy(update=values)})


def _price(aset, rows: pd.DataFrame) -> pd.DataFrame:
    lines = []
    for case in rows.to_dict("records"):
        line = {
            "order_id": f"{case['case']}-{case['line']}",
            "ship_date": case["date"],
            "quantity": float(case["quantity"]),
            "unit_value": float(case["unit_value"]),
            **{INPUTS.get(k, k): case[k] for k in ("origin", "hts", "mode", "freight")},
        }
        line["freight_cost"] = float(line["freight_cost"])
        for k in OPTIONAL:
            if case[k]:
                line[INPUTS.get(k, k)] = float(case[k]) if k in ("mfn_rate", "unit_weight_kg") else case[k]
        lines.append(line)
    scenario = pin_rates(_scenario(aset, rows["options"].iloc[0]), rows["fx_per_usd"].iloc[0], rows["date"].min(), pd.Timestamp(rows["date"].max()) + pd.Timedelta(days=1))
    out, rejects, _ = price_lines(make_lines(lines), aset, scenario, AS_OF)
    assert rejects.empty, rejects.to_dict("records")
    return out


@pytest.mark.parametrize("name", list(dict.fromkeys(CASES["case"])))
def test_worked_case_to_the_cent(aset, name):
    rows = CASES[CASES["case"] == name].reset_index(drop=True)
    out = _price(aset, rows)
    for i, case in rows.iterrows():
        line = out.iloc[i]
        where = f"{name} line {case['line']}"
        assert line["entry_type"] == case["entry_type"], where
        assert line["duty_total_usd"] == pytest.approx(float(case["duties"]), abs=0.001), where
        assert line["fee_mpf_usd"] == pytest.approx(float(case["mpf"]), abs=0.001), where
        assert line["fee_hmf_usd"] == pytest.approx(float(case["hmf"]), abs=0.001), where
        assert line["fee_other_usd"] == pytest.approx(float(case["other_fees"]), abs=0.001), where
        assert line["landed_cost_usd"] == pytest.approx(float(case["landed"]), abs=0.001), where
        for check in filter(None, case["checks"].split(";")):
            column, expected = check.split("=")
            assert line[column] == pytest.approx(float(expected), abs=0.001), f"{where}: {column}"


def test_every_case_shows_its_working():
    assert (CASES["working"].str.len() > 10).all()
    assert not CASES.duplicated(["case", "line"]).any()
