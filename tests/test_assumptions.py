"""The assumptions folder: one health test over every file, strict loading errors, scenarios, the CLI.

Every dated value is checked against the sources in test_dated_values.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from costimpact.assumptions import default_dir, load_assumptions, value_at, with_scenario
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


def test_compiled_caches_are_kept_apart_per_pandas_and_numpy(monkeypatch, tmp_path):
    """Pickled frames written by one pandas are never read by another (CI runs pandas 3 and the 2.2.3 floor)."""
    import numpy as np
    import pandas as pd

    from costimpact.assumptions.loader import cache_dir

    monkeypatch.setenv("COSTIMPACT_CACHE", str(tmp_path))
    assert cache_dir().parent == tmp_path
    assert f"pandas{pd.__version__}" in cache_dir().name and f"numpy{np.__version__}" in cache_dir().name
