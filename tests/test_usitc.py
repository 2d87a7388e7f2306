"""The USITC HTS export loader: rate forms, both export formats, the schedule written and read back."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from costimpact.assumptions.loader import _load_table, _parse_toml
from costimpact.assumptions.models import TableHeader
from costimpact.assumptions.usitc import SCHEDULE_COLUMNS, classify_rate, parse_rate, read_usitc, write_schedule
from costimpact.errors import FileRefused

FIX = Path(__file__).parent / "fixtures" / "usitc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Free", (0.0, 0.0, "")),
        ("Free1/", (0.0, 0.0, "")),
        ("6.5%", (0.065, 0.0, "")),
        ("37.5¢/kg", (0.0, 0.375, "kg")),
        ("2.4¢/kg + 5%", (0.05, 0.024, "kg")),
        ("$1.05/doz. + 6%", (0.06, 1.05, "doz")),
        ("25¢/pr.", (0.0, 0.25, "pr")),
        ("90¢/pr.1/ + 20%", (0.2, 0.9, "pr")),
        ("0.4¢ each + 6.1%", (0.061, 0.004, "no")),
        ("$1.58/doz. pr. + 5%", (0.05, 1.58, "doz_pr")),
        ("3¢/gross + 4%", (0.04, 0.03, "gross")),
        ("$5/t", (0.0, 5.0, "t")),
        ("0.3¢/1000", (0.0, 0.003, "thousand")),
    ],
)
def test_rate_grammar(text, expected):
    got = parse_rate(text)
    assert got is not None
    assert got[:2] == pytest.approx(expected[:2]) and got[2] == expected[2]


@pytest.mark.parametrize(
    ("text", "form", "needs"),
    [
        ("3.2¢/liter", "unit", "liters"),
        ("51¢ each + 6.25% on the case + 5.3% on the strap", "component", "component"),
        ("The rate applicable to each garment in the ensemble if separately entered", "reference", "another provision"),
        ("5.4¢/kg on drained weight", "unit", "drained weight"),
        ("1.7¢/kg on lead content", "unit", "metal content"),
        ("", "reference", "general rate"),
    ],
)
def test_rates_an_order_cannot_compute_name_what_is_missing(text, form, needs):
    got = classify_rate(text)
    assert got.form == form and needs in got.needs and parse_rate(text) is None


@pytest.fixture(params=["hts_sample.json", "hts_sample.csv"])
def official(request) -> pd.DataFrame:
    return read_usitc((FIX / request.param).read_bytes(), request.param)


def test_both_formats_give_the_same_schedule():
    a = read_usitc((FIX / "hts_sample.json").read_bytes(), "hts_sample.json")
    b = read_usitc((FIX / "hts_sample.csv").read_bytes(), "hts_sample.csv")
    pd.testing.assert_frame_equal(a, b)


def test_parsed_lines(official):
    t = official.set_index("hts")
    assert list(official.columns) == SCHEDULE_COLUMNS
    assert sorted(t.index) == ["01022940", "01042000", "61019005", "61091000", "64041989", "85076000", "91021110", "95030000"]
    assert (t.loc["61091000", "mfn_text"], t.loc["61091000", "mfn_ad_valorem"], t.loc["61091000", "mfn_form"]) == ("16.5%", 0.165, "ad_valorem")
    assert (t.loc["61019005", "mfn_ad_valorem"], t.loc["61019005", "mfn_specific_usd"], t.loc["61019005", "mfn_specific_unit"]) == (0.16, 0.617, "kg")
    assert (t.loc["64041989", "mfn_text"], t.loc["64041989", "mfn_form"]) == ("90¢/pr. + 20%", "compound")
    assert (t.loc["01042000", "mfn_specific_usd"], t.loc["01042000", "mfn_specific_unit"]) == (0.68, "no")  # printed on the .00 line
    assert t.loc["91021110", "mfn_form"] == "component" and math.isnan(t.loc["91021110", "mfn_ad_valorem"])
    assert "Electric storage batteries" in t.loc["85076000", "description"] or "Lithium-ion" in t.loc["85076000", "description"]
    assert official.attrs["forms"]["component"] == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "empty.json"),
        (b"{not json", "broken.json"),
        (b'[{"code": "6109", "rate": "16.5%"}]', "other.json"),
        (b"sku,qty,price\nA,1,2\n", "orders.csv"),
        (b"PK\x03\x04\x00\x00binary", "book.xlsx"),
    ],
)
def test_files_that_are_not_an_export_are_refused(data, name):
    with pytest.raises(FileRefused) as err:
        read_usitc(data, name)
    msg = str(err.value)
    assert msg.startswith(name) and "hts.usitc.gov" in msg and "\n" not in msg


def test_write_schedule_round_trips_through_the_strict_loader(official, tmp_path):
    write_schedule(official, tmp_path, "USITC test edition")
    header = TableHeader.model_validate({**_parse_toml(tmp_path / "schedule.toml", "us/hts/schedule.toml"), "id": "us/hts/schedule"})
    assert header.source == "USITC test edition"
    frame = _load_table(header, tmp_path, "us/hts/schedule.toml")
    assert len(frame) == len(official)
    t = frame.set_index("hts")
    assert t.loc["64041989", "mfn_specific_usd"] == 0.9 and t.loc["64041989", "mfn_specific_unit"] == "pr"
    assert math.isnan(t.loc["91021110", "mfn_ad_valorem"]) and t.loc["91021110", "mfn_needs"]


def test_built_in_schedule_header_declares_the_loader_columns():
    p = Path(__file__).resolve().parents[1] / "assumptions" / "us" / "hts" / "schedule.toml"
    header = TableHeader.model_validate({**_parse_toml(p, "us/hts/schedule.toml"), "id": "us/hts/schedule"})
    assert list(header.columns) == SCHEDULE_COLUMNS and "2026 Basic Edition" in header.source


DATA = next((p / "shared" / "data" for p in (Path(__file__).resolve().parents[1].parent, Path(__file__).resolve().parents[2].parent)
             if (p / "shared" / "data").is_dir()), None)
REAL = DATA / "usitc-hts-2026" / "hts_2026_basic_edition.csv" if DATA else None


def _import_and_price(export: Path, tmp_path: Path, codes: list[str]):
    import datetime as dt
    import shutil

    from costimpact.assumptions import default_dir, load_assumptions
    from costimpact.cli import main
    from costimpact.landed.engine import price_lines, resolve_scenario

    folder = tmp_path / "asm"
    shutil.copytree(default_dir(), folder)
    assert main(["assumptions", "import-hts", str(export), "--out", str(folder)]) == 0
    aset = load_assumptions(folder)
    lines = pd.DataFrame({"row_number": range(2, len(codes) + 2), "order_id": [f"o{i}" for i in range(len(codes))], "hts_code": codes,
                          "origin_country": "CN", "unit_value": 100.0, "quantity": 2, "ship_date": pd.Timestamp("2025-09-01"), "unit_weight_kg": 0.5})
    out, rejects, _ = price_lines(lines, aset, resolve_scenario(aset, "actual"), dt.date(2026, 11, 26))
    return aset, out.set_index("hts_code"), rejects


def test_import_of_a_small_export_replaces_the_schedule_and_keeps_scope(tmp_path):
    aset, out, rejects = _import_and_price(FIX / "hts_sample.csv", tmp_path, ["61091000", "8507600020", "61019005"])
    assert len(aset.table("us/hts/schedule")) == 8 and "hts_sample.csv" in aset.tables["us/hts/schedule"].header.source
    assert rejects.empty
    assert out.loc["61091000", "duty_mfn_usd"] == 33.0  # 16.5% of 200
    assert out.loc["61091000", "duty_s301_usd"] == 15.0  # List 4A 7.5%: the scope table still applies
    assert out.loc["61019005", "duty_mfn_usd"] == pytest.approx(round(0.617 * 1.0 + 0.16 * 200, 2))  # 61.7¢/kg x 1 kg + 16%


@pytest.mark.skipif(REAL is None or not REAL.is_file(), reason="../shared/data is not present")
def test_import_of_the_real_2026_export_prices(tmp_path):
    import time

    t0 = time.perf_counter()
    aset, out, rejects = _import_and_price(REAL, tmp_path, ["61091000", "9401614011", "33030030", "85183020"])
    assert time.perf_counter() - t0 < 30  # loose here; bench and the README report the import alone (about 4 s)
    assert len(aset.table("us/hts/schedule")) == 11414 and rejects.empty
    assert out.loc["9401614011", "duty_s301_usd"] == 50.0 and out.loc["61091000", "duty_mfn_usd"] == 33.0
