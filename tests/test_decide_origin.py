"""Origin comparison: one vectorised pricing of copies of the basket, ranked, on three dates of the 2024-26 law."""

from __future__ import annotations

import pandas as pd
import pytest
from test_decide_helpers import aset  # noqa: F401 - fixture

from costimpact.decide.origin import compare_origins
from costimpact.errors import ArgumentError

ORIGINS = ["CN", "VN", "MX", "MX-USMCA", "IN", "BD", "KH", "MY", "TH", "TW"]


def container() -> pd.DataFrame:
    """A container of T-shirts and power banks into a warehouse: one formal ocean entry (no de minimis)."""
    return pd.DataFrame(
        {
            "order_id": ["BL1", "BL1"],
            "shipment_id": ["BL1", "BL1"],
            "sku": ["TEE", "PB"],
            "hts_code": ["6109100012", "8507600020"],
            "origin_country": ["CN", "CN"],
            "unit_value": [3.0, 6.0],
            "quantity": [5000, 2000],
            "currency": ["USD", "USD"],
            "shipping_mode": ["ocean_freight", "ocean_freight"],
            "freight_cost": [600.0, 300.0],
        }
    )


def rank(day: str, aset) -> pd.DataFrame:  # noqa: ANN001
    return compare_origins(container(), origins=ORIGINS, as_of=day, assumptions=aset).ranking.set_index("origin")


def test_2024_cn_worst_because_of_301(aset) -> None:  # noqa: ANN001, F811
    r = rank("2024-12-31", aset)
    assert r["rank"].idxmax() == "CN"
    assert r.loc["CN", "duty_s301_usd"] > 0
    others = r.drop(index=["CN", "MX-USMCA"])
    assert others["landed_cost_usd"].nunique() == 1  # MFN only, the same everywhere
    assert r["landed_cost_usd"].idxmin() == "MX-USMCA"  # no MFN, no MPF
    assert r.loc["MX-USMCA", "fee_mpf_usd"] == 0


def test_2025_04_15_cn_far_worst(aset) -> None:  # noqa: ANN001, F811
    r = rank("2025-04-15", aset)
    assert r["rank"].idxmax() == "CN"
    assert r.loc["CN", "duty_rate_effective"] > 1.25  # 125% reciprocal + 20% fentanyl + 301 + MFN
    assert r.drop(index="CN")["duty_rate_effective"].max() < 0.5
    assert r.loc["CN", "duty_ieepa_reciprocal_usd"] == pytest.approx(1.25 * 27000, abs=0.05)


def test_2026_11_26_after_ieepa(aset) -> None:  # noqa: ANN001, F811
    r = rank("2026-11-26", aset)
    assert r["rank"].idxmax() == "CN"  # legacy 301 + forced-labor 12.5% remain
    assert r[["duty_ieepa_reciprocal_usd", "duty_ieepa_fentanyl_usd", "duty_s122_usd"]].to_numpy().sum() == 0
    assert r["landed_cost_usd"].idxmin() == "MX-USMCA"
    assert r.loc["MX", "duty_s301_forced_labor_usd"] > 0 and r.loc["MX-USMCA", "duty_s301_forced_labor_usd"] == 0
    assert r.loc["CN", "delta_vs_current_usd"] == 0 and bool(r.loc["CN", "current_origin"])


def test_copies_and_totals(aset) -> None:  # noqa: ANN001, F811
    res = compare_origins(container(), origins=ORIGINS, as_of="2026-11-26", assumptions=aset)
    assert len(res.lines) == len(container()) * len(ORIGINS)
    assert list(res.ranking["rank"]) == sorted(res.ranking["rank"])
    rk = res.ranking.set_index("origin")
    layers = rk[list(res.duty_columns)].sum(axis=1)
    assert (layers - rk["duty_total_usd"]).abs().max() < 0.011
    assert (rk["customs_value_usd"] + rk["freight_usd"] + rk["duty_total_usd"] + rk["fees_total_usd"] - rk["landed_cost_usd"]).abs().max() < 0.011
    assert set(res.by_sku["origin"]) == set(ORIGINS)


def test_bad_origins(aset) -> None:  # noqa: ANN001, F811
    with pytest.raises(ArgumentError):
        compare_origins(container(), origins=["China"], assumptions=aset)
    with pytest.raises(ArgumentError):
        compare_origins(container(), origins=["VN-USMCA"], assumptions=aset)


@pytest.mark.parametrize(("day", "mx", "ca"), [("2025-10-15", 5.00, 7.00), ("2026-03-15", 2.00, 2.00)])
def test_usmca_parcels_pay_no_postal_duty(aset, day: str, mx: float, ca: float) -> None:  # noqa: ANN001, F811
    """A $20 T-shirt by post. On 2025-10-15 the postal duty is collected in lieu of the IEEPA duties: Mexico 25% =
    $5.00, Canada 35% = $7.00; on 2026-03-15 in lieu of the Section 122 10% = $2.00. USMCA goods pay neither IEEPA
    nor Section 122, so the MX-USMCA and CA-USMCA parcels land at $20.00 (main kept $5/$7 and $2 on them)."""
    parcel = pd.DataFrame({"order_id": ["P1"], "hts_code": ["6109100012"], "origin_country": ["CN"], "unit_value": [20.0], "quantity": [1], "shipping_mode": ["postal"], "ship_date": [day]})
    r = compare_origins(parcel, origins=["CN", "MX", "MX-USMCA", "CA", "CA-USMCA"], as_of=day, assumptions=aset).ranking.set_index("origin")
    assert r.loc["MX", "duty_total_usd"] == pytest.approx(mx)
    assert r.loc["CA", "duty_total_usd"] == pytest.approx(ca)
    for variant in ("MX-USMCA", "CA-USMCA"):
        assert r.loc[variant, "duty_total_usd"] == 0
        assert r.loc[variant, "landed_cost_usd"] == pytest.approx(20.00)
        assert r.loc[variant, "rank"] == 1


def test_copies_keep_the_lines_exclusion_claim(aset) -> None:  # noqa: ANN001, F811
    """On 2026-10-15 (exclusions in force) a China line that claims a Section 301 exclusion pays no list 4A 301 as
    CN: 5,000 x $3 T-shirts, 301 7.5% = $1,125.00 without the claim, $0 with it; VN never pays China 301."""
    lines = container().head(1).assign(ship_date="2026-10-15")
    plain = compare_origins(lines, origins=["CN", "VN"], as_of="2026-10-15", assumptions=aset).ranking.set_index("origin")
    claimed = compare_origins(lines.assign(s301_exclusion=True), origins=["CN", "VN"], as_of="2026-10-15", assumptions=aset).ranking.set_index("origin")
    assert plain.loc["CN", "duty_s301_usd"] == pytest.approx(1125.00)
    assert claimed.loc["CN", "duty_s301_usd"] == 0
    assert claimed.loc["CN", "landed_cost_usd"] == pytest.approx(plain.loc["CN", "landed_cost_usd"] - 1125.00, abs=0.011)


def test_each_copy_is_its_own_buyers_day(aset) -> None:  # noqa: ANN001, F811
    """A buyer's $300 T-shirt parcel on 2024-12-20, when de minimis was $800 for every origin: whatever the origin,
    the parcel enters free (duty and fees 0, landed = $300 + $4 postage). Main tested the buyer's day over all the
    copies at once (3 x $300 > $800), so the copies paid duty."""
    parcel = pd.DataFrame(
        {"order_id": ["P1"], "consignee_id": ["B1"], "hts_code": ["6109100012"], "origin_country": ["CN"], "unit_value": [30.0], "quantity": [10],
         "shipping_mode": ["express"], "ship_date": ["2024-12-20"], "freight_cost": [4.0]}
    )
    r = compare_origins(parcel, origins=["CN", "VN", "IN"], as_of="2024-12-20", assumptions=aset).ranking.set_index("origin")
    assert (r["duty_total_usd"] == 0).all() and (r["fees_total_usd"] == 0).all()
    assert (r["landed_cost_usd"] == 304.0).all()


def mixed_basket() -> pd.DataFrame:
    """Parcels and freight of the five test codes: buyers with two orders a day, one shipment of two lines, CNY."""
    codes = ["6109100012", "8507600020", "9401614011", "42029231", "39241040"]
    n = 60
    i = pd.RangeIndex(n)
    return pd.DataFrame(
        {
            "order_id": [f"O{k // 2}" for k in i], "consignee_id": [f"B{k // 4}" if k % 5 else "" for k in i],
            "hts_code": [codes[k % 5] for k in i], "origin_country": [("CN", "VN", "MX")[k % 3] for k in i],
            "unit_value": [7.0 + (k * 37 % 90) for k in i], "quantity": [1 + k % 4 for k in i],
            "currency": ["CNY" if k % 7 == 0 else "USD" for k in i],
            "shipping_mode": [("postal", "express", "air_freight")[k % 3] for k in i],
            "ship_date": [f"2025-0{1 + k % 9}-1{k % 3}" for k in i], "freight_cost": [3.0] * n,
        }
    )


@pytest.mark.parametrize("day", ["2024-12-31", "2025-04-15", "2025-09-01", "2026-11-26"])
def test_origins_priced_once_per_class_equal_every_origin_priced(aset, day: str) -> None:  # noqa: ANN001, F811
    """The app's path (origins the law treats alike priced once, one origin per engine call) gives exactly the
    figures of every origin priced in one call."""
    origins = ["CN", "HK", "VN", "MX", "MX-USMCA", "IN", "TH", "CA-USMCA", "JP"]
    fast = compare_origins(mixed_basket(), origins=origins, as_of=day, assumptions=aset, keep_lines=False, batch_rows=60)
    full = compare_origins(mixed_basket(), origins=origins, as_of=day, assumptions=aset, keep_lines=True)
    pd.testing.assert_frame_equal(fast.ranking, full.ranking, check_exact=True)
    pd.testing.assert_frame_equal(fast.by_sku, full.by_sku, check_exact=True)
