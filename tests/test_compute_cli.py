"""`costimpact compute`: exit codes, output columns, one-line errors, the built-in example."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from costimpact.compute import CONTRACT_COLUMNS, parse_compute_scenario
from test_compute_support import compute_dir  # noqa: F401 - fixture


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Through the top-level CLI, as a user runs it."""
    from costimpact.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def example_file(tmp_path, capsys):
    code, out, _ = run_cli(["compute", "--example"], capsys)
    assert code == 0
    p = tmp_path / "scenario.toml"
    p.write_text(out, encoding="utf-8")
    return p


def test_example_is_a_valid_scenario_with_five_routes(example_file):
    sc = parse_compute_scenario(example_file.read_text(encoding="utf-8"))
    assert {r.kind for r in sc.route} == {"licensed_purchase", "domestic", "hyperscaler_abroad", "operator_abroad", "us_api"}
    assert "#" in example_file.read_text(encoding="utf-8")  # commented


def test_csv_to_stdout(example_file, compute_dir, capsys):
    code, out, err = run_cli(["compute", str(example_file), "--assumptions", str(compute_dir)], capsys)
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert len(frame) == 5
    api = frame.set_index("route_id").loc["us_api"]
    assert not api["available"] and "closed" in api["reason"] and pd.isna(api["cost_usd"])


def test_out_file_and_inputs(example_file, compute_dir, tmp_path, capsys):
    out_csv, inputs_csv = tmp_path / "routes.csv", tmp_path / "inputs.csv"
    code, out, err = run_cli(["compute", str(example_file), "--out", str(out_csv), "--inputs-out", str(inputs_csv),
                              "--assumptions", str(compute_dir)], capsys)
    assert code == 0 and out == ""
    assert "5 routes written" in err
    assert set(CONTRACT_COLUMNS) <= set(pd.read_csv(out_csv).columns)
    inputs = pd.read_csv(inputs_csv)
    assert {"route_id", "input", "value", "origin", "assumption_id", "evidence", "source"} <= set(inputs.columns)


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda s: s.replace("mfu = 0.40", "mfu = 1.5"), "route[0] (id 'h200_licensed').mfu"),
    (lambda s: s.replace("gpus_per_replica = 2", "gpus_per_repl = 2"), "route[1] (id 'ascend').gpus_per_repl: unknown key"),
    (lambda s: s.replace('fallback = "ascend"', 'fallback = "nope"', 1), "route[0].fallback: 'nope'"),
    (lambda s: s.replace('accelerator = "H200"', 'accelerator = "X9"', 1), "route[0] (id 'h200_licensed').accelerator: 'X9'"),
    (lambda s: s + "\n[[route\n", "not valid TOML"),
])
def test_bad_file_exits_2_with_one_line(example_file, compute_dir, capsys, edit, needle):
    example_file.write_text(edit(example_file.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, err = run_cli(["compute", str(example_file), "--assumptions", str(compute_dir)], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("costimpact: scenario.toml: ")
    assert needle in err


def test_missing_file_and_no_argument(tmp_path, compute_dir, capsys):
    code, _, err = run_cli(["compute", str(tmp_path / "none.toml"), "--assumptions", str(compute_dir)], capsys)
    assert code == 2 and "no such scenario file" in err and err.count("\n") == 1
    code, _, err = run_cli(["compute"], capsys)
    assert code == 2 and "--example" in err
