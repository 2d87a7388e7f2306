"""Direct parcels vs a US warehouse, against hand-worked arithmetic (issue 15's findings, each worked below).

The presets used by the hand sums (assumptions/us/fulfilment and us/fees, as of 2026-11-26, fiscal year 2027):
storage $15/cbm-month x 1.5 months; pick-and-pack $3 + last mile $7 = $10 a parcel; 3PL minimum $250 a month;
by sea: LCL $120/cbm (1 cbm minimum) + $450 a shipment, or a full container $3,800 + $1,300 drayage and unloading
per container of 58 usable cbm; by air: $5.50 per chargeable kg, 167 kg per cbm, $350 a shipment, 6 cbm a shipment.
Customs: informal limit $2,500; MPF informal $2.77, formal 0.3464% between $34.58 and $670.86; HMF 0.125% (sea);
ISF $35 a sea shipment; broker $125 a formal entry; continuous bond $400 a year = $33.33 a month with a formal entry.
T-shirt 6109.10.00.12 from China at $8: MFN 16.5% $1.32 + Section 301 list 4A 7.5% $0.60 + forced-labor 301 12.5%
$1.00 = $2.92 a unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_decide_helpers import aset, basket  # noqa: F401 - fixture

from costimpact.decide.fulfilment import FulfilmentOptions, compare_fulfilment, cost_curve, fulfilment_grid, month_cost

DAY = "2026-11-26"
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "costimpact" / "data" / "sample_orders.csv"


def tees(n: int, *, freight: float = 12.0, qty: int = 1, **extra: object) -> pd.DataFrame:
    """``n`` express parcels of T-shirts at $8 from China in October 2026, ``qty`` units each, one buyer each."""
    return pd.DataFrame(
        {
            "row_number": np.arange(2, n + 2),
            "order_id": [f"O{i}" for i in range(n)],
            "sku": "TEE",
            "hts_code": "6109100012",
            "origin_country": "CN",
            "unit_value": 8.0,
            "quantity": qty,
            "currency": "USD",
            "ship_date": [pd.Timestamp("2026-10-01") + pd.Timedelta(days=i % 30) for i in range(n)],
            "shipping_mode": "express",
            "freight_cost": freight,
            **extra,
        }
    )


def one_month(**kw: object) -> FulfilmentOptions:
    return FulfilmentOptions(months=1, **kw)


def test_air_freight_from_the_item_size(aset) -> None:  # noqa: ANN001, F811
    # A 0.03 cbm, 0.5 kg item by air: chargeable weight max(0.5, 0.03 x 167 = 5.01) = 5.01 kg x $5.50 = $27.555 a
    # unit (main charged the flat $2.75 of a 0.003 cbm item). 100 units = 3 cbm, one shipment (6 cbm):
    # freight 100 x 27.555 + 350 = $3,105.50 a month = $31.055 a unit.
    res = compare_fulfilment(tees(100, unit_volume_cbm=0.03, unit_weight_kg=0.5), as_of=DAY, assumptions=aset, options=one_month(bulk_mode="air_freight"))
    row = res.per_sku.iloc[0]
    assert row["warehouse_freight_per_unit_usd"] == pytest.approx(31.055, abs=1e-9)
    assert row["shipments_per_month"] == 1
    # heavier than its volume: 2 kg x 5.50 = $11 a unit, 0.003 cbm x 167 = 0.5 kg does not count
    heavy = compare_fulfilment(tees(100, unit_volume_cbm=0.003, unit_weight_kg=2.0), as_of=DAY, assumptions=aset, options=one_month(bulk_mode="air_freight"))
    assert heavy.per_sku.iloc[0]["warehouse_freight_per_unit_usd"] == pytest.approx(11.0 + 350 / 100, abs=1e-9)
    # 300 units = 9 cbm: two air shipments of at most 6 cbm, 2 x 350 + 300 x 27.555 = $8,966.50 a month
    two = compare_fulfilment(tees(300, unit_volume_cbm=0.03, unit_weight_kg=0.5), as_of=DAY, assumptions=aset, options=one_month(bulk_mode="air_freight")).portfolio.iloc[0]
    assert two["shipments_per_month"] == 2
    assert two["warehouse_freight_per_month_usd"] == pytest.approx(8966.50)
    # one shipment every two months (0.5 a month) carries 6 cbm: 100 units a month = 3 cbm, half the charges: 2,930.50
    slow = compare_fulfilment(tees(100, unit_volume_cbm=0.03, unit_weight_kg=0.5), as_of=DAY, assumptions=aset, options=one_month(bulk_mode="air_freight", shipments_per_month=0.5))
    assert slow.portfolio.iloc[0]["warehouse_freight_per_month_usd"] == pytest.approx(100 * 27.555 + 0.5 * 350)


def test_sea_freight_per_container_actually_shipped(aset) -> None:  # noqa: ANN001, F811
    # 100 units of 0.03 cbm = 3 cbm. LCL: 3 x 120 + 450 = $810; a full container: 3,800 + 1,300 = $5,100.
    # The cheaper, LCL, is $8.10 a unit (main: $0.20, a full container's freight at 100% fill).
    lines = tees(100, unit_volume_cbm=0.03)
    auto = compare_fulfilment(lines, as_of=DAY, assumptions=aset, options=one_month()).portfolio.iloc[0]
    assert auto["freight_load"] == "lcl"
    assert auto["warehouse_freight_per_month_usd"] == pytest.approx(810.0)
    # forced into a container, the month pays the whole box and its drayage once: $5,100
    fcl = compare_fulfilment(lines, as_of=DAY, assumptions=aset, options=one_month(ocean_load="fcl")).portfolio.iloc[0]
    assert fcl["warehouse_freight_per_month_usd"] == pytest.approx(5100.0)
    assert fcl["containers_per_month"] == 1
    # 2,000 units = 60 cbm: two containers, 2 x 5,100 = $10,200 (LCL would be 60 x 120 + 450 = $7,650)
    big = compare_fulfilment(tees(2000, unit_volume_cbm=0.03), as_of=DAY, assumptions=aset, options=one_month(ocean_load="fcl")).portfolio.iloc[0]
    assert big["containers_per_month"] == 2
    assert big["warehouse_freight_per_month_usd"] == pytest.approx(10200.0)


def test_break_even_on_an_informal_entry(aset) -> None:  # noqa: ANN001, F811
    # Direct: duty 2.92 + informal MPF 2.77 + postage 12.00 = $17.69 a unit.
    # Warehouse, 0.003 cbm a unit by sea, one parcel a unit: per unit duty 2.92 + storage 15 x 1.5 x 0.003 = 0.0675
    # + handling 10 = 12.9875; a month: minimum 250 + ISF 35 + LCL at its 1 cbm minimum 120 + 450 + HMF
    # 0.00125 x 8Q. Up to 312 units the entry is informal (8 x 312 = $2,496 <= $2,500): MPF $2.77, no broker, no bond.
    #   Q = 183: HMF 0.00125 x 1,464 = 1.83; W = 250 + 35 + 570 + 2.77 + 1.83 + 183 x 12.9875 = 3,236.3125
    #            D = 183 x 17.69 = 3,237.27 -> the warehouse is cheaper
    #   Q = 182: HMF 1.82; W = 859.59 + 2,363.725 = 3,223.315 > D = 3,219.58
    # so the break-even is 183, on an informal entry. Formal terms (broker 125, MPF minimum 34.58, bond 33.33
    # instead of MPF 2.77) would give (1,047.91 + 0.01 Q ...) / 4.69 ~ 224.
    res = compare_fulfilment(tees(200), as_of=DAY, assumptions=aset, options=one_month())
    port = res.portfolio.iloc[0]
    assert port["break_even_units_per_month"] == 183
    assert port["break_even_entry_type"] == "informal"
    # at today's 200 units: W = 250 + 35 + 570 + 2.77 + 2.00 + 200 x 12.9875 = 3,457.27; D = 3,538.00
    assert port["warehouse_cost_per_month_usd"] == pytest.approx(3457.27, abs=1e-6)
    assert port["direct_cost_per_month_usd"] == pytest.approx(3538.00, abs=1e-6)
    assert bool(port["warehouse_pays_now"]) and port["cheaper"] == "warehouse"


def test_formal_entry_fees_and_the_continuous_bond(aset) -> None:  # noqa: ANN001, F811
    # 400 units x $8 = $3,200 > $2,500: formal. MPF 0.003464 x 3,200 = 11.08 -> minimum 34.58; HMF 4.00; ISF 35;
    # broker 125; continuous bond 400 / 12 = 33.33 -> customs fees 231.91 (main: the bond cost $0)
    port = compare_fulfilment(tees(400), as_of=DAY, assumptions=aset, options=one_month()).portfolio.iloc[0]
    assert port["warehouse_entry_type"] == "formal"
    assert port["warehouse_customs_fees_per_month_usd"] == pytest.approx(34.58 + 4.00 + 35 + 125 + 400 / 12, abs=0.005)
    # informal by sea still files ISF: 100 units, MPF 2.77 + HMF 1.00 + ISF 35 = 38.77
    small = compare_fulfilment(tees(100), as_of=DAY, assumptions=aset, options=one_month()).portfolio.iloc[0]
    assert small["warehouse_entry_type"] == "informal"
    assert small["warehouse_customs_fees_per_month_usd"] == pytest.approx(38.77, abs=1e-9)


def test_one_parcel_per_order_not_per_unit(aset) -> None:  # noqa: ANN001, F811
    # 50 parcels of 3 units: pick-and-pack and last mile are $10 a parcel = 10 / 3 = $3.3333 a unit (main: $10 a unit)
    res = compare_fulfilment(tees(50, qty=3), as_of=DAY, assumptions=aset, options=one_month())
    row = res.per_sku.iloc[0]
    assert row["units_per_parcel"] == pytest.approx(3.0)
    assert row["warehouse_handling_per_unit_usd"] == pytest.approx(10 / 3, abs=1e-9)


def test_section_301_exclusion_claim_kept_on_bulk_lines(aset) -> None:  # noqa: ANN001, F811
    # On 2026-10-15 the exclusions are in force: a claimed T-shirt pays no list 4A 301, 2.92 - 0.60 = $2.32 a unit
    # in the warehouse too (main dropped the claim on its bulk lines: $2.92)
    claimed = compare_fulfilment(tees(200, s301_exclusion=True), as_of="2026-10-15", assumptions=aset, options=one_month()).per_sku.iloc[0]
    plain = compare_fulfilment(tees(200), as_of="2026-10-15", assumptions=aset, options=one_month()).per_sku.iloc[0]
    assert plain["warehouse_duty_per_unit_usd"] == pytest.approx(2.92, abs=1e-9)
    assert claimed["warehouse_duty_per_unit_usd"] == pytest.approx(2.32, abs=1e-9)
    assert claimed["direct_duty_per_unit_usd"] == pytest.approx(2.32, abs=1e-9)


def _gap(res, rows: pd.DataFrame, units: np.ndarray) -> np.ndarray:  # noqa: ANN001
    return month_cost(rows, units, res.terms)["total"][:, 0] - units * rows["direct"].to_numpy()


def test_one_way_of_counting_on_the_sample(aset) -> None:  # noqa: ANN001, F811
    """Per-unit costs, verdicts, break-evens and the chart come from one costing of a month (main: 26 of 29 SKUs
    'warehouse cheaper' and none 'pays now'; the chart crossed at 559 for a break-even of 401)."""
    for mode in ("ocean_freight", "air_freight"):
        res = compare_fulfilment(SAMPLE, as_of=DAY, assumptions=aset, options=FulfilmentOptions(bulk_mode=mode))
        per, port = res.per_sku, res.portfolio.iloc[0]
        assert ((per["cheaper"] == "warehouse") == per["warehouse_pays_now"]).all()
        assert (port["cheaper"] == "warehouse") == bool(port["warehouse_pays_now"])
        assert ((per["saving_per_unit_usd"] >= -1e-9) == per["warehouse_pays_now"]).all()
        # at each break-even the warehouse costs no more than parcels, one unit below it costs more
        rows = res.profiles.loc[[*per["sku"], "*"]]
        be = np.append(per["break_even_units_per_month"].to_numpy(), port["break_even_units_per_month"])
        has = np.isfinite(be)
        assert (_gap(res, rows[has], be[has]) <= 1e-9).all()
        assert (_gap(res, rows[has], be[has] - 1)[be[has] > 1] > 0).all()
        # the chart's lines cross at the portfolio's break-even
        curve = cost_curve(res).pivot(index="units_per_month", columns="model", values="cost_per_month_usd")
        under = curve.index[curve["warehouse"] <= curve["direct"] + 1e-9]
        if np.isfinite(port["break_even_units_per_month"]):
            assert under.min() == port["break_even_units_per_month"]
        else:
            assert len(under) == 0
        # the basket's month = the SKUs' shares of it
        assert (per["warehouse_shared_cost_per_unit_usd"] * per["units_per_month"]).sum() == pytest.approx(port["warehouse_cost_per_month_usd"], abs=0.01)


def test_editable_presets_move_the_answer(aset) -> None:  # noqa: ANN001, F811
    base = compare_fulfilment(basket(), as_of=DAY, assumptions=aset).portfolio.iloc[0]
    cheap = compare_fulfilment(basket(), as_of=DAY, assumptions=aset, options=FulfilmentOptions(last_mile_usd_per_parcel=4.0, pick_pack_usd_per_parcel=1.5)).portfolio.iloc[0]
    # one unit a parcel in the basket: $4.50 less a unit
    assert cheap["warehouse_cost_per_unit_usd"] == pytest.approx(base["warehouse_cost_per_unit_usd"] - 4.5, abs=1e-6)
    assert cheap["break_even_units_per_month"] < base["break_even_units_per_month"]
    low = compare_fulfilment(basket(), as_of=DAY, assumptions=aset, options=FulfilmentOptions(bulk_value_ratio=0.6)).per_sku
    full = compare_fulfilment(basket(), as_of=DAY, assumptions=aset).per_sku
    assert (low["warehouse_duty_per_unit_usd"] / full["warehouse_duty_per_unit_usd"]).to_numpy() == pytest.approx(0.6, abs=0.01)


def test_across_scenarios_and_dates(aset) -> None:  # noqa: ANN001, F811
    grid = fulfilment_grid(basket(), scenarios=("de-minimis-restored", "actual"), dates=("2025-06-01", DAY), assumptions=aset)
    assert len(grid) == 4
    got = grid.set_index(["scenario", grid["as_of"].astype(str)])
    # with the $800 de minimis kept (counterfactual), parcels stay duty-free, so direct is cheaper
    assert got.loc[("de-minimis-restored", DAY), "direct_cost_per_unit_usd"] < got.loc[("actual", DAY), "direct_cost_per_unit_usd"]


def test_bad_options() -> None:
    from costimpact.errors import ArgumentError

    for bad in ({"bulk_mode": "rail"}, {"months": 0}, {"ocean_load": "half"}, {"shipments_per_month": 0}):
        with pytest.raises(ArgumentError):
            FulfilmentOptions(**bad)


def test_no_row_dropped_from_demand(aset) -> None:  # noqa: ANN001, F811
    lines = basket()
    res = compare_fulfilment(lines, as_of=DAY, assumptions=aset)
    assert res.per_sku["units_per_month"].sum() == pytest.approx(lines["quantity"].sum() / res.portfolio.iloc[0]["months_of_orders"])
    assert {"source", "evidence"} <= set(res.presets.columns)
    assert set(res.presets["evidence"]) <= {"confirmed", "secondary", "unverified"}


def test_a_freight_line_becomes_parcels_of_the_skus_size(aset) -> None:  # noqa: ANN001, F811
    # Two parcels of 2 T-shirts (postage 12.00 each) and a 10-unit sea freight line of the same SKU. Served as
    # parcels, the freight line is 10 / 2 = 5 express parcels of 2: each duty 2 x 2.92 = 5.84, informal MPF 2.77,
    # postage preset $14 a parcel -> 5 x (5.84 + 2.77 + 14) = 113.05 (main: one 10-unit parcel, 29.20 + 2.77 +
    # 10 x 14 = 171.97). The parcel lines: 2 x (5.84 + 2.77 + 12) = 41.22. 154.27 for 14 units = 11.0193 a unit.
    lines = tees(3, qty=2)
    lines.loc[2, ["quantity", "shipping_mode", "freight_cost"]] = [10, "ocean_freight", 300.0]
    row = compare_fulfilment(lines, as_of=DAY, assumptions=aset, options=one_month()).per_sku.iloc[0]
    assert row["direct_cost_per_unit_usd"] == pytest.approx(154.27 / 14, abs=1e-9)
    assert row["units_per_parcel"] == pytest.approx(2.0)


def _freight_basket(second_shipment: str) -> pd.DataFrame:
    """Two SKUs sold as 2-unit express parcels, and one sea shipment ``BL1`` of 6 units of each (no buyer named),
    the second SKU's line under ``second_shipment``."""
    parcels = pd.concat([tees(3, qty=2), tees(3, qty=2).assign(sku="TEE2", order_id=lambda f: "P" + f["order_id"])], ignore_index=True)
    sea = tees(2, qty=6).assign(sku=["TEE", "TEE2"], order_id="SEA", shipment_id=["BL1", second_shipment], shipping_mode="ocean_freight", freight_cost=0.0,
                                   ship_date=pd.Timestamp("2026-10-01"))
    out = pd.concat([parcels, sea], ignore_index=True)
    return out.assign(row_number=np.arange(2, len(out) + 2))


def test_parcels_of_two_lines_of_one_freight_shipment_are_separate_entries(aset) -> None:  # noqa: ANN001, F811
    # Each sea line becomes three 2-unit parcels, each its own entry: the same fees a unit as a 2-unit parcel
    # sold as one, whether or not the two lines shared a bill of lading (main merged parcel k of both lines
    # into one entry, so the shared bill of lading halved their fees).
    only_parcels = _freight_basket("BL2").query("shipping_mode == 'express'")
    ref = compare_fulfilment(only_parcels, as_of=DAY, assumptions=aset, options=one_month()).per_sku.set_index("sku")
    for other in ("BL1", "BL2"):
        got = compare_fulfilment(_freight_basket(other), as_of=DAY, assumptions=aset, options=one_month()).per_sku.set_index("sku")
        for col in ("direct_fees_per_unit_usd", "direct_duty_per_unit_usd"):
            assert got[col].to_dict() == pytest.approx(ref[col].to_dict(), abs=1e-9), (other, col)


def test_a_large_sea_line_costs_what_its_parcels_cost_one_by_one(aset) -> None:  # noqa: ANN001, F811
    # 3,001 units by sea, no buyer named, the SKU's parcel size 2: 1,500 parcels of 2 and one of 1, each its own
    # entry. Priced as two kinds of parcel (how the model saves rows) it must cost what 1,501 parcel lines cost.
    parcels = tees(3, qty=2)
    big = tees(1, qty=3001).assign(order_id="SEA", shipment_id="BL1", shipping_mode="ocean_freight", freight_cost=0.0)
    split = tees(1501, qty=2).assign(order_id=[f"S{i}" for i in range(1501)], shipping_mode="ocean_freight", freight_cost=0.0,
                                     ship_date=big["ship_date"].iloc[0])
    split.loc[1500, "quantity"] = 1
    runs = []
    for sea in (big, split):
        basket = pd.concat([parcels, sea], ignore_index=True).assign(row_number=lambda f: np.arange(2, len(f) + 2))
        runs.append(compare_fulfilment(basket, as_of=DAY, assumptions=aset, options=one_month()).per_sku.iloc[0])
    cols = ["units_per_month", "direct_cost_per_unit_usd", "direct_duty_per_unit_usd", "direct_fees_per_unit_usd", "direct_freight_per_unit_usd", "units_per_parcel"]
    assert runs[0][cols].to_dict() == pytest.approx(runs[1][cols].to_dict(), rel=1e-12)


def test_parcels_priced_a_few_days_at_a_time_cost_the_same(aset, monkeypatch) -> None:  # noqa: ANN001, F811
    # Buyers' days and shipments never span two travel days, so batches of whole days change no number.
    basket = pd.concat([tees(40, qty=2, consignee_id=[f"B{i % 3}" for i in range(40)]), _freight_basket("BL2")], ignore_index=True)
    basket = basket.assign(row_number=np.arange(2, len(basket) + 2))
    whole = compare_fulfilment(basket, as_of=DAY, assumptions=aset, options=one_month())
    monkeypatch.setattr("costimpact.decide.fulfilment.BATCH_ROWS", 5)
    batched = compare_fulfilment(basket, as_of=DAY, assumptions=aset, options=one_month())
    pd.testing.assert_frame_equal(whole.per_sku, batched.per_sku, rtol=0, atol=0)
    pd.testing.assert_frame_equal(whole.portfolio, batched.portfolio)


@pytest.mark.parametrize(("units", "duty"), [(100, 0.0), (101, 50 * 3.84 + 1.92)])
def test_a_buyers_parcels_of_one_freight_line_share_the_de_minimis_test(aset, units: int, duty: float) -> None:  # noqa: ANN001, F811
    # Before 2025 ($800 de minimis for China, pre-2025 scenario): one buyer's air line of T-shirts at $8 becomes
    # parcels of 2 ($16) on one day. 100 units = $800: the day qualifies, no duty. 101 units = $808: no parcel
    # does; each 2-unit parcel pays MFN 16.5% $2.64 + Section 301 7.5% $1.20 = $3.84, the last 1-unit parcel
    # $1.92. The model prices the 50 identical parcels as one row; the other 49 still count in the buyer's day.
    lines = pd.concat([tees(3, qty=2), tees(1, qty=units, consignee_id="B1").assign(order_id="AIR", shipping_mode="air_freight")], ignore_index=True)
    lines = lines.assign(row_number=np.arange(2, len(lines) + 2))
    row = compare_fulfilment(lines, scenario="pre-2025", as_of=DAY, assumptions=aset, options=one_month()).per_sku.iloc[0]
    assert row["direct_duty_per_unit_usd"] * (units + 6) == pytest.approx(duty, abs=1e-9)


def test_parcels_priced_as_one_row_per_kind_cost_what_every_parcel_costs(aset, monkeypatch) -> None:  # noqa: ANN001, F811
    # Buyers with several freight lines and parcels on one day, in USD and CNY, under both scenarios: pricing a
    # buyer's identical parcels once (with their value kept in the buyer's day) changes no figure.
    rng = np.random.default_rng(7)
    n = 40
    freight = tees(n, qty=0, consignee_id=[f"B{i % 6}" for i in range(n)]).assign(
        quantity=rng.integers(3, 120, n), unit_value=np.round(rng.uniform(2, 30, n), 2), currency=np.where(np.arange(n) % 4 == 0, "CNY", "USD"),
        shipping_mode=np.where(np.arange(n) % 3 == 0, "ocean_freight", "air_freight"), ship_date=pd.Timestamp("2024-12-02") + pd.to_timedelta(np.arange(n) % 3, unit="D"),
        order_id=[f"F{i}" for i in range(n)],
    )
    parcels = tees(20, qty=2, consignee_id=[f"B{i % 6}" for i in range(20)]).assign(ship_date=pd.Timestamp("2024-12-02") + pd.to_timedelta(np.arange(20) % 3, unit="D"))
    basket = pd.concat([parcels, freight], ignore_index=True).assign(row_number=lambda f: np.arange(2, len(f) + 2))
    for scen in ("pre-2025", "actual"):
        fast = compare_fulfilment(basket, scenario=scen, as_of=DAY, assumptions=aset, options=one_month())
        with monkeypatch.context() as m:
            m.setattr("costimpact.decide.fulfilment._rates", lambda *a, **k: None)  # every parcel a row
            slow = compare_fulfilment(basket, scenario=scen, as_of=DAY, assumptions=aset, options=one_month())
        pd.testing.assert_frame_equal(fast.per_sku, slow.per_sku, check_exact=False, rtol=1e-12, atol=0)
        pd.testing.assert_frame_equal(fast.portfolio, slow.portfolio, check_exact=False, rtol=1e-12, atol=0)
