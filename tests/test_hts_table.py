"""Health of the built-in US tables: the schedule, the scope tables and the overlay, compiled into tariff lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from costimpact.assumptions import load_assumptions
from costimpact.assumptions.tariff import tariff_lines

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table():
    return tariff_lines(load_assumptions(ROOT / "assumptions")).set_index("hts")


def test_every_8_digit_line_of_the_2026_edition(table):
    eight = table.index[table.index.str.len() == 8]
    assert len(eight) == 11414
    assert table.index.str.fullmatch(r"\d{8}|\d{10}").all() and table.index.is_unique


def test_every_line_computable_or_says_what_is_missing(table):
    computable = table["mfn_form"].isin(["free", "ad_valorem", "specific", "compound"])
    assert (computable == (table["mfn_needs"] == "")).all()
    assert table.loc[computable, "mfn_ad_valorem"].between(0, 3.5).all()  # tobacco 350% is the highest
    assert ((table["mfn_specific_usd"] > 0) == (table["mfn_specific_unit"] != "")).all()


def test_overlay_names_and_scope_anchors(table):
    assert table.loc["61091000", "description_zh"] == "棉制针织T恤" and table.loc["61091000", "mfn_ad_valorem"] == 0.165
    assert table.loc["61091000", "s301_list"] == "4A"
    assert "4A" in table.loc["8507600020", "s301_list"] and "9903.91.06" in table.loc["8507600020", "s301_list"]
    assert table.loc["95030000", "s301_list"] == "4B"
    assert table.loc["9401614011", "s232"] == "upholstered"
    assert str(table.loc["33030030", "s232_from"].date()) == "2025-08-18"
    assert bool(table.loc["02011005", "s122_exempt"]) and not bool(table.loc["94051140", "s122_exempt"])
    assert bool(table.loc["94051140", "s122_aircraft"])
