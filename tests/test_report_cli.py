"""``costimpact report``: exit 0 with a workbook and a one-line summary, exit 2 with one line on bad input."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import test_report_support as support  # noqa: E402

from costimpact.cli import main  # noqa: E402


@pytest.fixture()
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    df = support.small_orders()
    for i, text in enumerate(support.INJECTION[:4]):  # = + - @ (tab and CR are covered by the frame tests)
        df.loc[i, "sku"] = text
        df.loc[len(df) - 1 - i, "description"] = text
    df.iloc[:10].to_csv(path, index=False)
    return path


def test_report_writes_the_workbook(orders, tmp_path, capsys):
    out = tmp_path / "report.xlsx"
    code = main(["report", str(orders), "--out", str(out), "--scenario", "actual", "--scenario", "no-ieepa", "--as-of", "2026-11-26", "--lang", "zh", "--assumptions", support.assumptions_dir()])
    err = capsys.readouterr().err
    assert code == 0
    assert out.exists()
    assert "read 10 rows: 10 priced, 0 rejected" in err
    assert str(out) in err
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames[0] == "摘要"
    about = [c.value for row in wb["关于"].iter_rows() for c in row]
    assert "orders.csv" in about


def test_report_defaults_actual_against_pre_2025(orders, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(orders), "--out", str(out), "--as-of", "2026-11-26", "--assumptions", support.assumptions_dir()]) == 0
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    ws = wb["About"]
    names = [row[1].value for row in ws[ws.tables["AboutScenarios"].ref]][1:]
    assert names == ["pre-2025", "actual"]


@pytest.mark.parametrize(
    "args",
    [
        ["report", "missing.csv", "--out", "{tmp}/r.xlsx"],
        ["report", "{orders}", "--out", "{tmp}/r.csv"],
        ["report", "{orders}", "--out", "{tmp}/no/such/dir/r.xlsx"],
        ["report", "{orders}", "--out", "{tmp}/r.xlsx", "--scenario", "bogus"],
        ["report", "{orders}", "--out", "{tmp}/r.xlsx", "--baseline", "bogus"],
        ["report", "{orders}", "--out", "{tmp}/r.xlsx", "--as-of", "2026-13-01"],
        ["report", "{orders}", "--out", "{tmp}/r.xlsx", "--assumptions", "{tmp}/nowhere"],
        ["report", "{orders}"],
    ],
)
def test_unusable_input_exits_2_with_one_line(args, orders, tmp_path, capsys):
    argv = [a.format(tmp=tmp_path, orders=orders) for a in args]
    code = main(argv) if "--out" in argv else _exit_code(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("costimpact")
    assert "Traceback" not in err
    assert not (tmp_path / "r.xlsx").exists()


def _exit_code(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


def test_not_a_spreadsheet_exits_2(tmp_path, capsys):
    bad = tmp_path / "orders.csv"
    bad.write_bytes(b"\x00\x01\x02 not a table")
    assert main(["report", str(bad), "--out", str(tmp_path / "r.xlsx")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("name", ["sample_orders.csv", "sample_orders.xlsx"])
def test_report_on_the_sample_orders(name, tmp_path, capsys):
    path = support.SAMPLE.with_name(name)
    out = tmp_path / "sample.xlsx"
    assert main(["report", str(path), "--out", str(out), "--as-of", "2026-11-26"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("read ") and str(out) in err
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames == ["Summary", "Comparison", "Lines", "Rejects", "Assumptions", "About"]
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
