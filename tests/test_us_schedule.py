"""The whole US schedule prices: MFN of every ad valorem line, China 301 of every listed line, Section 122 lists.

Expected values are read here straight from the source files (the USITC CSV; the USTR lists as compiled by the
Yale tracker, an independent reading of the same notices), never from the project's tables. Skipped where
../shared/data is absent (CI has it beside the clone).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costimpact.assumptions import load_assumptions
from costimpact.landed.engine import price_lines, resolve_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data")
HTS_CSV = DATA / "usitc-hts-2026" / "hts_2026_basic_edition.csv"
YALE_301 = DATA / "yale-tariff-rate-tracker" / "s301_product_lists.csv"
need_data = pytest.mark.skipif(not HTS_CSV.is_file(), reason="../shared/data is not present")

# Rates printed in the chapter 99 headings (read by hand): lists 1-3 25%, 4A 7.5% since 2020-02-14, 4B suspended;
# the 2024-review headings with their start (and end) dates.
LIST_RATE = {"1": 0.25, "2": 0.25, "3": 0.25, "4A": 0.075}
REVIEW = {"9903.91.01": (0.25, "2024-09-27", None), "9903.91.02": (0.50, "2024-09-27", None), "9903.91.03": (1.00, "2024-09-27", None),
          "9903.91.04": (0.25, "2025-01-01", "2026-01-01"), "9903.91.05": (0.50, "2025-01-01", None), "9903.91.06": (0.25, "2026-01-01", None),
          "9903.91.07": (0.50, "2026-01-01", None), "9903.91.08": (1.00, "2026-01-01", None), "9903.91.11": (0.25, "2025-01-01", None)}
# Where the 2026 notes and the Yale lists disagree, the notes win (README, "Scope tables"): List 3/4A/4B for this one.
# 6307.90.98: heading 9903.91.07 covers only the mask and respirator statistical lines (note 31(h)), which the
# Yale file spreads over the whole subheading; the 10-digit lines are checked in test_review_heading_at_ten_digits.
NOTES_WIN = {"84433210", "63079098"}


def _orders(codes: list[str], day: str, origin: str = "CN") -> pd.DataFrame:
    n = len(codes)
    return pd.DataFrame({
        "row_number": np.arange(2, n + 2), "order_id": [f"o{i}" for i in range(n)], "hts_code": codes, "origin_country": origin,
        "unit_value": 1000.0, "quantity": 1, "ship_date": pd.Timestamp(day), "shipping_mode": "ocean_freight", "unit_weight_kg": 1.0,
    })


def _price(codes: list[str], day: str, **extra) -> pd.DataFrame:
    aset = load_assumptions()
    lines = _orders(codes, day)
    for k, v in extra.items():
        lines[k] = v
    out, rejects, _ = price_lines(lines, aset, resolve_scenario(aset, "actual"), dt.date(2026, 11, 26))
    assert rejects.empty, rejects.head().to_dict("records")
    return out.set_index("hts_code")


def _usitc_general_rates() -> dict[str, str]:
    rates = {}
    with HTS_CSV.open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            digits = re.sub(r"\D", "", row["HTS Number"])
            general = re.sub(r"(?<=[%\s.a-z])\d/", "", row["General Rate of Duty"]).strip()
            if len(digits) in (8, 10) and general and "01" <= digits[:2] <= "97":
                rates.setdefault(digits[:8], general)
    return rates


@need_data
def test_every_line_prices_or_names_what_is_missing():
    rates = _usitc_general_rates()
    aset = load_assumptions()
    codes = sorted(rates)
    assert len(codes) == 11414
    out, rejects, _ = price_lines(_orders(codes, "2026-11-26"), aset, resolve_scenario(aset, "actual"), dt.date(2026, 11, 26))
    assert len(out) + rejects["row_number"].nunique() == len(codes)
    # every reject is a rate the order cannot compute, and it says what is missing
    assert set(rejects["column"]) == {"hts_code"}
    assert rejects["problem"].str.contains("does not carry|specific duty per").all()
    assert len(rejects) < 400


@need_data
def test_mfn_of_every_ad_valorem_line():
    rates = _usitc_general_rates()
    ad_valorem = {c: float(r[:-1]) / 100 for c, r in rates.items() if re.fullmatch(r"\d+(\.\d+)?%", r)}
    assert len(ad_valorem) > 5800
    out = _price(list(ad_valorem), "2024-06-01")
    expected = pd.Series(ad_valorem).reindex(out.index) * 1000.0
    got = out["duty_mfn_usd"]
    wrong = got[(got - expected.round(2)).abs() > 0.005]
    assert wrong.empty, wrong.head(10).to_dict()


def _yale_301() -> tuple[dict[str, float], dict[str, set[str]]]:
    lists: dict[str, float] = {}
    review: dict[str, set[str]] = {}
    with YALE_301.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["list"] in LIST_RATE:
                lists[r["hts8"]] = max(lists.get(r["hts8"], 0.0), LIST_RATE[r["list"]])
            if r["ch99_code"] in REVIEW:
                review.setdefault(r["hts8"], set()).add(r["ch99_code"])
    # Li-ion batteries were on List 4A until the review (84 FR 43304, 89 FR 76581; ../shared/data/README.md):
    # the Yale file lists them under 4B only.
    lists["85076000"] = 0.075
    return lists, review


def _expected_301(code: str, day: str, lists: dict[str, float], review: dict[str, set[str]]) -> float:
    rate = lists.get(code, 0.0)
    for heading in review.get(code, ()):
        r, start, end = REVIEW[heading]
        if start <= day and (end is None or day < end):
            rate = max(rate, r)
    return rate


@need_data
@pytest.mark.parametrize("day", ["2024-06-01", "2026-11-26"])
def test_china_301_of_every_listed_line(day):
    rates = _usitc_general_rates()
    lists, review = _yale_301()
    codes = sorted(c for c in (set(lists) | set(review)) if c in rates and c not in NOTES_WIN)
    aset = load_assumptions()
    out, rejects, _ = price_lines(_orders(codes, day), aset, resolve_scenario(aset, "actual"), dt.date(2026, 11, 26))
    out = out.set_index("hts_code")
    # lines whose MFN cannot be computed are rejected; price their 301 with a user mfn_rate
    if not rejects.empty:
        left = _orders(codes, day).iloc[rejects["row_number"].to_numpy() - 2].assign(mfn_rate=0.0)
        more, rej2, _ = price_lines(left.reset_index(drop=True), aset, resolve_scenario(aset, "actual"), dt.date(2026, 11, 26))
        assert rej2.empty
        out = pd.concat([out, more.set_index("hts_code")])
    assert len(out) == len(codes)
    expected = pd.Series({c: round(_expected_301(c, day, lists, review) * 1000.0, 2) for c in codes})
    got = out["duty_s301_usd"].reindex(expected.index)
    wrong = got[(got - expected).abs() > 0.005]
    assert wrong.empty, {c: (got[c], expected[c]) for c in wrong.index[:10]}


@need_data
def test_section_122_lists():
    # 0201.10.05 (beef) is on the general list 9903.03.03; 9405.11.40 (lamps) and 8507.60.00 (Li-ion batteries)
    # only on the civil-aircraft list 9903.03.05; 6109.10.00 (T-shirts) on neither (note 2, subchapter III).
    day = "2026-03-02"
    codes = ["02011005", "94051140", "85076000", "61091000"]
    plain = _price(codes, day)
    assert plain.loc["02011005", "duty_s122_usd"] == 0.0
    for c in ("94051140", "85076000", "61091000"):
        assert plain.loc[c, "duty_s122_usd"] == 100.0  # 10% of 1,000
    claimed = _price(codes, day, civil_aircraft=True)
    assert claimed.loc["94051140", "duty_s122_usd"] == 0.0 and claimed.loc["85076000", "duty_s122_usd"] == 0.0
    assert claimed.loc["61091000", "duty_s122_usd"] == 100.0  # not on the aircraft list: a claim changes nothing
    after = _price(codes, "2026-07-24")
    assert (after["duty_s122_usd"] == 0).all()  # the surcharge expired


def test_perfume_pays_no_232_before_it_joined_the_derivative_list():
    # 3303.00.30 joined the aluminium derivative list on 2025-08-18 (90 FR 40326): a $1,000 bottle entered
    # 2025-07-01 owes no Section 232 duty; on 2025-09-01 the duty falls on its metal content only.
    before = _price(["33030030"], "2025-07-01")
    assert before.loc["33030030", "duty_s232_usd"] == 0.0
    after = _price(["33030030"], "2025-09-01", metal_value_share=0.02)
    assert after.loc["33030030", "duty_s232_usd"] == 10.0  # 50% x 2% x 1,000
    aset = load_assumptions()
    lines = _orders(["33030030"], "2025-09-01")
    _, _, used = price_lines(lines, aset, resolve_scenario(aset, "actual"), dt.date(2026, 11, 26))
    share = used[used["parameter"] == "us/scope/metal_share"]
    assert len(share) == 1 and share["evidence"].iloc[0] == "unverified"


def test_specific_rates_take_their_quantity_from_the_order():
    # 6404.19.89: 90¢/pr. + 20% (pairs = quantity); 0104.20.00: 68¢/head (pieces = quantity), USITC 2026.
    out = _price(["64041989", "01042000"], "2024-06-01")
    assert out.loc["64041989", "duty_mfn_usd"] == pytest.approx(0.90 + 200.0)
    assert out.loc["01042000", "duty_mfn_usd"] == pytest.approx(0.68)


def test_review_heading_at_ten_digits():
    # note 31(h): 6307.90.9870 face masks +50% from 2026-01-01; the rest of 6307.90.98 stays on List 4A (7.5%).
    out = _price(["6307909870", "6307909889"], "2026-11-26")
    assert out.loc["6307909870", "duty_s301_usd"] == 500.0
    assert out.loc["6307909889", "duty_s301_usd"] == 75.0


def test_section_232_lists_read_from_the_notes():
    # note 37(b) softwood lumber 4407.11.00 (10% from 2025-10-14), 37(f) kitchen cabinets 9403.40.9060 (25%; 50% from
    # 2027-01-01), note 38(b) truck tractors 8701.21.00 (25% from 2025-11-01), note 33(b) cars 8703.23.01 (25%).
    # A T-shirt is on none of them.
    out = _price(["44071100", "9403409060", "87012100", "87032301", "61091000"], "2026-11-26")
    assert out.loc["44071100", "duty_s232_usd"] == 100.0
    assert out.loc["87012100", "duty_s232_usd"] == 250.0 and out.loc["87032301", "duty_s232_usd"] == 250.0
    assert out.loc["61091000", "duty_s232_usd"] == 0.0
    cab = out.loc["9403409060", "duty_s232_usd"]
    later = _price(["9403409060"], "2027-01-01").loc["9403409060", "duty_s232_usd"]
    assert (cab, later) == (250.0, 500.0)
    before = _price(["44071100"], "2025-10-13")
    assert before.loc["44071100", "duty_s232_usd"] == 0.0


def test_reciprocal_exemption_list_read_from_the_notes():
    # note 2(v)(iii)(a): smartphones 8517.13.00 exempt; computers under the 4-digit entry 8471; beef 0201.10.05
    # only from the November 2025 agricultural order; T-shirts never. China reciprocal 10% on 2025-09-01.
    codes = ["85171300", "84713001", "02011005", "61091000"]
    sept = _price(codes, "2025-09-01")
    assert (sept.loc["85171300", "duty_ieepa_reciprocal_usd"], sept.loc["84713001", "duty_ieepa_reciprocal_usd"]) == (0.0, 0.0)
    assert sept.loc["02011005", "duty_ieepa_reciprocal_usd"] == 100.0 and sept.loc["61091000", "duty_ieepa_reciprocal_usd"] == 100.0
    dec = _price(codes, "2025-12-01")
    assert dec.loc["02011005", "duty_ieepa_reciprocal_usd"] == 0.0 and dec.loc["61091000", "duty_ieepa_reciprocal_usd"] == 100.0


def test_metals_restructure_of_2026_04_06():
    # note 16(c)(iii) articles of steel (heading 7208): 25% in 2024, 50% from 2025-06-04, 50% on 2026-05-01 (9903.82.02).
    # (ix)-(x) derivatives (8417.90.00, column 1 rate 3.9% in the USITC CSV): topped up to 15%, i.e. 11.1% (9903.82.10).
    # Perfume 3303.00.30 left the lists on 2026-04-06 (on 19(k) from 2025-08-18, on no list of 16(c)).
    assert _price(["72085100"], "2024-06-01").loc["72085100", "duty_s232_usd"] == 250.0
    assert _price(["72085100"], "2025-09-01").loc["72085100", "duty_s232_usd"] == 500.0
    may = _price(["72085100", "84179000", "33030030"], "2026-05-01")
    assert may.loc["72085100", "duty_s232_usd"] == 500.0
    assert may.loc["84179000", "duty_s232_usd"] == 111.0
    assert may.loc["33030030", "duty_s232_usd"] == 0.0


def test_aluminium_derivative_inclusions_from_the_notes():
    # note 19(k) (9903.85.08, from 2025-08-18): beer 2203.00.00 on its aluminium content only (50%); nothing before.
    before = _price(["22030000"], "2025-08-17", metal_value_share=0.1)
    after = _price(["22030000"], "2025-08-18", metal_value_share=0.1)
    assert before.loc["22030000", "duty_s232_usd"] == 0.0
    assert after.loc["22030000", "duty_s232_usd"] == 50.0  # 50% x 10% x 1,000


def test_auto_parts_listed_outside_chapter_87_need_the_claim():
    # note 33(g) lists 4011.10.10 (car tyres) among auto parts; goods outside chapter 87 are auto parts only as parts of
    # passenger vehicles, which the line says with auto_part. Car tyres 2025-09-01: 25% (9903.94.05) when claimed.
    plain = _price(["40111010"], "2025-09-01")
    claimed = _price(["40111010"], "2025-09-01", auto_part=True)
    assert plain.loc["40111010", "duty_s232_usd"] == 0.0 and plain.loc["40111010", "duty_ieepa_reciprocal_usd"] == 100.0
    assert claimed.loc["40111010", "duty_s232_usd"] == 250.0 and claimed.loc["40111010", "duty_ieepa_reciprocal_usd"] == 0.0
    # a chapter 87 part needs no claim: 8708.10.30 bumpers
    assert _price(["87081030"], "2025-09-01").loc["87081030", "duty_s232_usd"] == 250.0
