"""The assumptions folder: one health test over every file, strict loading errors, lookups on every dated change."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from costimpact.assumptions import attach, default_dir, load_assumptions, value_at, with_scenario
from costimpact.assumptions.models import EVIDENCE_MARK, UNITS
from costimpact.errors import AssumptionError


def test_every_file_loads_sourced_and_graded(aset):
    assert aset.version and len(aset.content_hash) == 64
    files = list(default_dir().rglob("*.toml"))
    assert len(files) >= 30
    for param in aset.params.values():
        assert param.references, param.id
        assert param.unit in UNITS
        for v in param.values:
            assert v.source.strip(), param.id
            assert (v.evidence or param.evidence) in EVIDENCE_MARK
    for table in aset.tables.values():
        if table.header.source:  # one source and grade for the whole table, in its header
            assert len(table.header.source) > 10 and table.header.evidence in EVIDENCE_MARK
        else:
            assert table.frame["source"].str.len().min() > 0
            assert table.frame["evidence"].isin(list(EVIDENCE_MARK)).all()


def test_layers_cover_the_contract_columns(aset):
    columns = {p.column for p in aset.layers()}
    for needed in ("duty_s301_usd", "duty_s232_usd", "duty_ieepa_fentanyl_usd", "duty_ieepa_reciprocal_usd", "duty_s122_usd", "duty_s301_forced_labor_usd"):
        assert needed in columns


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "asm"
    shutil.copytree(default_dir(), target)
    return target


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace('unit = "fraction"', 'unit = "percent"', 1), "unknown unit"),
        (lambda s: s.replace('evidence = "confirmed"', 'evidence = "confirmed"\ncolour = "red"', 1), "colour: unknown key"),
        (lambda s: s.replace('value = 0.10\nsource = "Proclamation 11012', 'value = 12\nsource = "Proclamation 11012', 1), "outside"),
        (lambda s: s.replace("from = 2026-02-24", "from = 2026-08-24", 1), "until 2026-07-24 must be after from"),
    ],
    ids=["unknown-unit", "unknown-key", "rate-out-of-range", "until-before-from"],
)
def test_strict_loader_names_file_and_key(tmp_path, edit, message):
    root = _copy(tmp_path)
    path = root / "us" / "layers" / "s122.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(AssumptionError) as err:
        load_assumptions(root)
    assert "us/layers/s122.toml" in str(err.value)
    assert message in str(err.value)


def test_unsorted_periods_are_refused(tmp_path):
    root = _copy(tmp_path)
    path = root / "us" / "fees" / "mpf_informal.toml"
    text = path.read_text(encoding="utf-8").replace("from = 2025-10-01", "from = 2024-06-01")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssumptionError, match=r"mpf_informal.toml.*not after the previous start"):
        load_assumptions(root)


def test_missing_source_is_refused(tmp_path):
    root = _copy(tmp_path)
    path = root / "us" / "fees" / "hmf.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('source = "26 U.S.C. 4461(c) as amended"\n', ""), encoding="utf-8")
    with pytest.raises(AssumptionError, match=r"hmf.toml: values.0.source: Field required"):
        load_assumptions(root)


def test_bad_table_row_names_row_and_column(tmp_path):
    root = _copy(tmp_path)
    path = root / "us" / "scope" / "metal_share.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "metal_share"] = "maybe"
    frame.to_csv(path, index=False)
    with pytest.raises(AssumptionError, match=r"metal_share.csv, row 2, metal_share: got 'maybe'; expected a number"):
        load_assumptions(root)


# Every dated change: (parameter, key, day of change, value the day before, value on the day)
CHANGES = [
    ("us/entry/de_minimis", "CN", "2025-05-02", 800, 0),
    ("us/entry/de_minimis", "VN", "2025-08-29", 800, 0),
    ("us/layers/ieepa_fentanyl", "CN", "2025-02-04", None, 0.10),
    ("us/layers/ieepa_fentanyl", "CN", "2025-03-04", 0.10, 0.20),
    ("us/layers/ieepa_fentanyl", "CN", "2025-11-10", 0.20, 0.10),
    ("us/layers/ieepa_fentanyl", "CN", "2026-02-24", 0.10, None),
    ("us/layers/ieepa_fentanyl", "CA", "2025-08-01", 0.25, 0.35),
    ("us/layers/ieepa_reciprocal", "CN", "2025-04-05", None, 0.10),
    ("us/layers/ieepa_reciprocal", "CN", "2025-04-09", 0.10, 0.84),
    ("us/layers/ieepa_reciprocal", "CN", "2025-04-10", 0.84, 1.25),
    ("us/layers/ieepa_reciprocal", "CN", "2025-05-14", 1.25, 0.10),
    ("us/layers/ieepa_reciprocal", "CN", "2026-02-24", 0.10, None),
    ("us/layers/ieepa_reciprocal", "VN", "2025-08-07", 0.10, 0.20),
    ("us/layers/ieepa_reciprocal", "DE", "2025-08-07", 0.10, 0.15),
    ("us/layers/ieepa_reciprocal", "CH", "2025-11-14", 0.39, 0.15),
    ("us/layers/ieepa_country", "BR", "2025-08-06", None, 0.40),
    ("us/layers/ieepa_country", "IN", "2026-02-07", 0.25, None),
    ("us/layers/s122", "*", "2026-02-24", None, 0.10),
    ("us/layers/s122", "*", "2026-07-24", 0.10, None),
    ("us/layers/s301_forced_labor", "CN", "2026-07-24", None, 0.125),
    ("us/layers/s301_forced_labor", "IN", "2026-07-24", None, 0.10),
    ("us/layers/s301_brazil", "BR", "2026-07-22", None, 0.25),
    ("us/layers/s301", "li_ion_nonev", "2026-01-01", 0.075, 0.25),
    ("us/layers/s301", "semis", "2025-01-01", 0.25, 0.50),
    ("us/layers/s301", "medical_gloves", "2026-01-01", 0.50, 1.00),
    ("us/layers/s232", "steel_alu", "2025-06-04", 0.25, 0.50),
    ("us/layers/s232", "upholstered", "2025-10-14", None, 0.25),
    ("us/layers/s232", "upholstered", "2027-01-01", 0.25, 0.30),
    ("us/layers/s232", "copper", "2025-08-01", None, 0.50),
    ("us/fees/mpf_informal", "*", "2025-10-01", 2.62, 2.69),
    ("us/fees/mpf_informal", "*", "2026-10-01", 2.69, 2.77),
    ("us/fees/mpf_formal", "*", "2026-10-01", 0.003464, 0.003464),
]


@pytest.mark.parametrize(("pid", "key", "day", "before", "after"), CHANGES, ids=[f"{c[0].rsplit('/', 1)[-1]}-{c[1]}-{c[2]}" for c in CHANGES])
def test_day_before_and_day_of_every_change(aset, pid, key, day, before, after):
    param = aset.param(pid)
    d = dt.date.fromisoformat(day)
    got_before = value_at(param, d - dt.timedelta(days=1), key)
    got_after = value_at(param, d, key)
    assert (got_before.value if got_before else None) == (pytest.approx(before) if before is not None else None)
    assert (got_after.value if got_after else None) == (pytest.approx(after) if after is not None else None)
    # the vectorised lookup agrees with the scalar one
    frame = attach(param, pd.Series(pd.to_datetime([d - dt.timedelta(days=1), d])), pd.Series([key, key]))
    expect = [before, after]
    for i in range(2):
        if expect[i] is None:
            assert pd.isna(frame["value"].iloc[i])
        else:
            assert frame["value"].iloc[i] == pytest.approx(expect[i])


def test_mpf_minimum_and_maximum_by_fiscal_year(aset):
    p = aset.param("us/fees/mpf_formal")
    assert (value_at(p, "2025-09-30").min, value_at(p, "2025-09-30").max) == (32.71, 634.62)
    assert (value_at(p, "2025-10-01").min, value_at(p, "2025-10-01").max) == (33.58, 651.50)
    assert (value_at(p, "2026-10-01").min, value_at(p, "2026-10-01").max) == (34.58, 670.86)


def test_scenario_override_changes_only_its_window(aset):
    scen = aset.scenarios["de-minimis-restored"]
    changed = with_scenario(aset, scen).param("us/entry/de_minimis")
    assert value_at(changed, "2025-09-01", "CN").value == 800
    assert value_at(changed, "2025-09-01", "CN").scenario == "de-minimis-restored"
    assert value_at(changed, "2025-01-01", "CN").value == 800
    assert value_at(aset.param("us/entry/de_minimis"), "2025-09-01", "CN").value == 0


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "costimpact.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_show_2025_09_01_china():
    run = _cli("assumptions", "show", "--as-of", "2025-09-01", "--origin", "CN")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert any(line.startswith("ieepa_fentanyl") and " 20% " in line for line in out.splitlines())
    assert any(line.startswith("ieepa_reciprocal") and " 10% " in line for line in out.splitlines())
    assert "no de minimis" in out
    assert "EO 14228" in out  # the source is shown


def test_cli_show_today_china():
    run = _cli("assumptions", "show", "--as-of", "2026-11-26", "--origin", "CN", "--hts", "6109.10.00")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("s301_forced_labor") and "12.5%" in line and " C2 " in line for line in lines)
    assert not any(line.startswith("ieepa") for line in lines)
    assert "no IEEPA tariff in force" in run.stdout


def test_cli_check_ok_and_bad_folder(tmp_path):
    assert _cli("assumptions", "check").returncode == 0
    bad = _cli("assumptions", "check", "--assumptions", str(tmp_path / "nope"))
    assert bad.returncode == 2
    assert "no such assumptions folder" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_every_built_in_scenario_round_trips_through_toml(aset):
    from costimpact.assumptions import load_scenario_text, scenario_toml

    for scen in aset.scenarios.values():
        text = scenario_toml(scen)
        assert load_scenario_text(text, scen.name) == scen
    assert 'kind = "scenario"' in scenario_toml(aset.scenarios["pre-2025"])
    assert "fixed_date = 2024-12-31" in scenario_toml(aset.scenarios["pre-2025"])


def test_a_users_scenario_file_is_checked_strictly():
    from costimpact.assumptions import load_scenario_text

    with pytest.raises(AssumptionError, match=r"my.toml: overrides.0.valu: unknown key"):
        load_scenario_text('kind = "scenario"\nname = "x"\nlabel = "x"\nlabel_zh = "x"\ndescription = "x"\ndescription_zh = "x"\n[[overrides]]\nparam = "us/fees/hmf"\nfrom = 2025-01-01\nvalue = 0\nvalu = 1\n', "my.toml")


def _every_change(aset_):
    for param in aset_.params.values():
        for i, period in enumerate(param.values):
            yield pytest.param(param.id, i, id=f"{param.id}[{period.key}]@{period.from_}")


def _expected(param, key, day):
    """What should be in force: the latest period of ``key`` started by ``day`` and not ended; else ``*``'s."""
    for k in ([key, "*"] if key != "*" else ["*"]):
        started = [p for p in param.values if p.key == k and p.from_ <= day]
        if started:
            last = max(started, key=lambda p: p.from_)
            if last.until is None or day < last.until:
                return last
    return None


@pytest.mark.parametrize(("pid", "i"), list(_every_change(load_assumptions())))
def test_every_dated_value_on_the_day_before_and_the_day_of(aset, pid, i):
    param = aset.param(pid)
    period = param.values[i]
    day = period.from_
    assert value_at(param, day, period.key) == period  # the day it takes effect
    before = value_at(param, day - dt.timedelta(days=1), period.key)
    assert before == _expected(param, period.key, day - dt.timedelta(days=1))
    assert before != period
    if period.until is not None:  # and the day it ends
        assert value_at(param, period.until, period.key) != period
