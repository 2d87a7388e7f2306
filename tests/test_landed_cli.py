"""``costimpact landed``: exit codes, the stderr summary, CSV and XLSX output, rejects and formula guarding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "costimpact" / "data" / "sample_orders.csv"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "costimpact.cli", "landed", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    pd.DataFrame(
        [
            {"order_id": "A1", "hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 24, "quantity": 1, "ship_date": "2025-09-01", "shipping_mode": "express", "freight_cost": 8, "sku": "=HYPERLINK(\"http://x\",\"y\")"},
            {"order_id": "A2", "hts_code": "9999.99.99", "origin_country": "CN", "unit_value": 10, "quantity": 1, "ship_date": "2025-09-01", "shipping_mode": "express", "freight_cost": 0, "sku": "ok"},
            {"order_id": "A3", "hts_code": "6109.10.00", "origin_country": "Atlantis", "unit_value": 10, "quantity": 1, "ship_date": "2025-09-01", "shipping_mode": "express", "freight_cost": 0, "sku": "ok"},
        ]
    ).to_csv(path, index=False)
    return path


def test_prices_and_summarises(orders, tmp_path):
    out, rej = tmp_path / "priced.csv", tmp_path / "rejects.csv"
    run = _run(str(orders), "--out", str(out), "--rejects", str(rej))
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "read 3 rows: 1 priced, 2 rejected"
    priced = pd.read_csv(out)
    assert list(priced["order_id"]) == ["A1"]
    assert priced["landed_cost_usd"].iloc[0] == 47.58
    for col in ("customs_value_usd", "entry_type", "de_minimis", "duty_mfn_usd", "duty_total_usd", "fee_mpf_usd", "fee_hmf_usd", "fee_other_usd", "fees_total_usd", "freight_usd", "landed_cost_usd"):
        assert col in priced.columns
    assert priced["sku"].iloc[0].startswith("'=")  # guarded against formula injection
    rejects = pd.read_csv(rej)
    assert sorted(rejects["row_number"]) == [3, 4]
    assert set(rejects["column"]) == {"hts_code", "origin_country"}


def test_baseline_adds_delta_columns_and_xlsx_keeps_text(orders, tmp_path):
    out = tmp_path / "priced.xlsx"
    run = _run(str(orders), "--baseline", "pre-2025", "--out", str(out))
    assert run.returncode == 0, run.stderr
    ws = openpyxl.load_workbook(out)["lines"]
    header = [c.value for c in ws[1]]
    for col in ("baseline_landed_cost_usd", "delta_usd", "delta_pct"):
        assert col in header
    row = {h: c for h, c in zip(header, ws[2])}
    assert row["baseline_landed_cost_usd"].value == 32.0 and row["delta_usd"].value == 15.58
    assert row["sku"].data_type == "s"  # text, never a formula


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "does not exist"),
        (["{orders}", "--scenario", "nope"], "not a built-in scenario"),
        (["{orders}", "--as-of", "26/11/2026"], "not a date"),
        (["{orders}", "--out", "x.pdf"], "write .csv or .xlsx"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(orders, args, message):
    run = _run(*[a.format(orders=orders) for a in args])
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_sample_file_prices_without_rejects():
    run = _run(str(SAMPLE))
    assert run.returncode == 0, run.stderr
    summary = run.stderr.strip().splitlines()[-1]
    read, priced = int(summary.split()[1]), int(summary.split()[3])
    assert read >= 300 and read == priced
