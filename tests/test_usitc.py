"""The USITC HTS export loader: rate grammar, inheritance, both export formats, merge and write."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from costimpact.assumptions.loader import _load_table, _parse_toml
from costimpact.assumptions.models import TableHeader
from costimpact.assumptions.usitc import TABLE_COLUMNS, merge_official, parse_rate, read_usitc, write_table
from costimpact.errors import FileRefused

FIX = Path(__file__).parent / "fixtures" / "usitc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Free", (0.0, 0.0, "")),
        ("Free1/", (0.0, 0.0, "")),
        ("6.5%", (0.065, 0.0, "")),
        ("6.5% 1/", (0.065, 0.0, "")),
        ("37.5¢/kg", (0.0, 0.375, "kg")),
        ("2.4¢/kg + 5%", (0.05, 0.024, "kg")),
        ("$1.05/doz. + 6%", (0.06, 1.05, "doz")),
        ("25¢/pr.", (0.0, 0.25, "pr")),
        ("90¢/pr.1/ + 20%", (0.2, 0.9, "pr")),
        ("0.4¢ each + 6.1%", (0.061, 0.004, "no")),
        ("$1.58/doz. pr. + 5%", (0.05, 1.58, "doz_pr")),
        ("3.7¢/liter", (0.0, 0.037, "l")),
    ],
)
def test_rate_grammar(text, expected):
    got = parse_rate(text)
    assert got is not None
    assert got[:2] == pytest.approx(expected[:2]) and got[2] == expected[2]


@pytest.mark.parametrize(
    "text",
    ["", "The duty provided in the applicable subheading + 25%", "51¢ each + 6.25% on the case + 5.3% on the strap", "5% + 6%"],
)
def test_rate_grammar_refuses_to_guess(text):
    assert parse_rate(text) is None


@pytest.fixture(params=["hts_sample.json", "hts_sample.csv"])
def official(request) -> pd.DataFrame:
    return read_usitc((FIX / request.param).read_bytes(), request.param)


def test_both_formats_give_the_same_table():
    a = read_usitc((FIX / "hts_sample.json").read_bytes(), "hts_sample.json").drop(columns="source")
    b = read_usitc((FIX / "hts_sample.csv").read_bytes(), "hts_sample.csv").drop(columns="source")
    pd.testing.assert_frame_equal(a, b)


def test_parsed_lines(official):
    t = official.set_index("hts")
    assert list(official.columns) == [*TABLE_COLUMNS, "mfn_parsed"]
    assert sorted(t.index) == sorted(
        ["01022940", "0102294024", "0102294028", "01042000", "0104200000", "61019005", "6101900500", "61091000", "6109100004",
         "6109100012", "64041989", "6404198930", "85076000", "8507600010", "8507600020", "91021110", "95030000", "9503000090"]
    )
    assert (t.loc["61091000", "mfn_text"], t.loc["61091000", "mfn_ad_valorem"]) == ("16.5%", 0.165)
    # 10-digit statistical lines inherit their 8-digit line's rate
    for child in ("6109100004", "6109100012"):
        assert t.loc[child, "mfn_text"] == "16.5%" and t.loc[child, "mfn_ad_valorem"] == 0.165
    assert t.loc["8507600020", "mfn_ad_valorem"] == 0.034
    # compound and specific rates are kept as such
    assert (t.loc["6101900500", "mfn_ad_valorem"], t.loc["6101900500", "mfn_specific_usd"], t.loc["6101900500", "mfn_specific_unit"]) == (0.16, 0.617, "kg")
    assert (t.loc["0102294028", "mfn_ad_valorem"], t.loc["0102294028", "mfn_specific_usd"], t.loc["0102294028", "mfn_specific_unit"]) == (0.0, 0.01, "kg")
    assert (t.loc["6404198930", "mfn_text"], t.loc["6404198930", "mfn_specific_usd"], t.loc["6404198930", "mfn_ad_valorem"]) == ("90¢/pr. + 20%", 0.9, 0.2)
    assert (t.loc["0104200000", "mfn_specific_usd"], t.loc["0104200000", "mfn_specific_unit"]) == (0.68, "no")
    # a 10-digit line that prints its own rate also answers for its 8-digit code
    assert t.loc["01042000", "mfn_text"] == "68¢/head"
    assert (t.loc["9503000090", "mfn_text"], t.loc["9503000090", "mfn_ad_valorem"]) == ("Free", 0.0)
    # parents' descriptions give "Other" lines their context
    assert "Electric storage batteries" in t.loc["8507600020", "description"]
    # defaults: no 301/232, flags false, graded confirmed, named source
    assert (t["s301_list"] == "").all() and (t["s232"] == "").all() and not t["ieepa_exempt"].any()
    assert (t["evidence"] == "confirmed").all() and t["source"].str.startswith("USITC HTS export hts_sample.").all()


def test_unparseable_rate_is_flagged_not_invented(official, caplog):
    t = official.set_index("hts")
    assert not t.loc["91021110", "mfn_parsed"]
    assert math.isnan(t.loc["91021110", "mfn_ad_valorem"])
    assert t.loc["91021110", "mfn_text"].startswith("51¢ each + 6.25% on the case")
    assert official.attrs["unparsed"] == ["91021110"]
    assert t.drop(index="91021110")["mfn_parsed"].all()


def test_misspelt_additional_duties_field_is_accepted():
    raw = (FIX / "hts_sample.json").read_text(encoding="utf-8")
    assert '"addiitionalDuties"' in raw
    read_usitc(raw.encode(), "hts_sample.json")


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


def _built_in() -> pd.DataFrame:
    row = dict.fromkeys(TABLE_COLUMNS, "")
    row.update(mfn_ad_valorem=0.1, mfn_specific_usd=0.0, ieepa_exempt=False, fentanyl_exempt=False, s122_exempt=False, flip_exempt=False)
    a = {**row, "hts": "61091000", "description_zh": "棉制针织T恤", "mfn_text": "10%", "s301_list": "4A", "source": "ours", "evidence": "secondary"}
    b = {**row, "hts": "8507600020", "description_zh": "锂电池", "mfn_text": "3.4%", "s301_list": "li_ion_nonev", "ieepa_exempt": True, "source": "ours", "evidence": "secondary"}
    c = {**row, "hts": "39269099", "mfn_text": "5.3%", "s301_list": "3", "source": "ours", "evidence": "unverified"}
    return pd.DataFrame([a, b, c], columns=TABLE_COLUMNS)


def test_merge_keeps_our_scope_and_takes_official_rates(official):
    m = merge_official(_built_in(), official).set_index("hts")
    assert m.loc["61091000", "mfn_ad_valorem"] == 0.165  # official rate wins
    assert m.loc["61091000", "s301_list"] == "4A" and m.loc["61091000", "description_zh"] == "棉制针织T恤"
    assert m.loc["6109100012", "s301_list"] == "4A"  # 8-digit inheritance
    assert m.loc["8507600020", "s301_list"] == "li_ion_nonev" and bool(m.loc["8507600020", "ieepa_exempt"])
    assert m.loc["8507600010", "s301_list"] == ""  # we know neither it nor its 8-digit line
    assert m.loc["61091000", "evidence"] == "secondary"  # the weaker of the two sources
    assert m.loc["95030000", "evidence"] == "confirmed"
    assert m.loc["39269099", "mfn_text"] == "5.3%"  # ours, absent from the export, kept


def test_write_table_round_trips_through_the_strict_loader(official, tmp_path):
    merged = merge_official(_built_in(), official)
    write_table(merged, tmp_path / "us" / "hts")
    header_path = tmp_path / "us" / "hts" / "hts_us.toml"
    header = TableHeader.model_validate({**_parse_toml(header_path, "us/hts/hts_us.toml"), "id": "us/hts/hts_us"})
    frame = _load_table(header, header_path.parent, "us/hts/hts_us.toml")
    assert len(frame) == len(merged)
    t = frame.set_index("hts")
    assert t.loc["6404198930", "mfn_specific_usd"] == 0.9 and t.loc["6404198930", "mfn_specific_unit"] == "pr"
    assert math.isnan(t.loc["91021110", "mfn_ad_valorem"])
    assert header.evidence == "unverified"


def test_built_in_header_declares_the_loader_columns():
    p = Path(__file__).resolve().parents[1] / "assumptions" / "us" / "hts" / "hts_us.toml"
    header = TableHeader.model_validate({**_parse_toml(p, "us/hts/hts_us.toml"), "id": "us/hts/hts_us"})
    assert list(header.columns) == TABLE_COLUMNS
