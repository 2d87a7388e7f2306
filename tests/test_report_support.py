"""Order lines and a priced comparison for the report tests and bench/bench_report.py.

Uses the sample orders file and the built-in HTS table when they exist. Until they do (both are being
finished elsewhere), it prices a small frame of order lines against a copy of the assumptions with a
stand-in HTS table built from the USITC fixture, through the real engine.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import types
from functools import cache
from pathlib import Path

import pandas as pd

import costimpact
from costimpact.landed.result import REJECT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "costimpact" / "data" / "sample_orders.csv"
HTS = ROOT / "assumptions" / "us" / "hts" / "hts_us.csv"
FIXTURE = ROOT / "tests" / "fixtures" / "usitc" / "hts_sample.json"

# The band quoted for direct-mail sellers, as the report reads it from the assumption set. Not yet in the
# built-in assumptions (see the issue note); the stand-in copy carries it so the Summary block is exercised.
BAND_TOML = '''kind = "parameter"
label = "Cost rise quoted for direct-mail sellers (all charges together)"
label_zh = "直邮小包卖家的成本上升幅度（各项合计）"
unit = "fraction"
evidence = "secondary"
references = [{ title = "Source report (context/source-report-zh.txt): 加总抬升成本约30%-50%" }]

[[values]]
from = 2025-02-01
value = 0.4
min = 0.3
max = 0.5
source = "Source report: short-term cost rise of about 30%-50% for direct-mail sellers"
'''

INJECTION = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def small_orders() -> pd.DataFrame:
    """Twelve order lines over the four channels, three origins and a few HTS lines; one unknown code."""
    rows = [
        ("A1", "6109100012", "CN", 6.5, 3, "postal", "2025-09-01", 4.0, "TSHIRT-RED", "Cotton T-shirt"),
        ("A1", "9503000090", "CN", 12.0, 1, "postal", "2025-09-01", 2.0, "TOY-CAR", "Toy car"),
        ("A2", "8507600020", "CN", 35.0, 2, "express", "2025-09-02", 12.0, "BATT-20K", "Power bank"),
        ("A3", "6404198930", "VN", 18.0, 4, "express", "2025-06-15", 9.0, "SHOE-CANVAS", "Canvas shoes"),
        ("A4", "6109100012", "CN", 3.2, 400, "air_freight", "2025-10-10", 180.0, "TSHIRT-RED", "Cotton T-shirt"),
        ("A5", "8507600020", "VN", 30.0, 300, "ocean_freight", "2025-11-20", 450.0, "BATT-20K", "Power bank"),
        ("A6", "9503000090", "CN", 7.5, 1000, "ocean_freight", "2026-02-03", 900.0, "TOY-CAR", "Toy car"),
        ("A7", "6109100012", "IN", 4.0, 2, "postal", "2024-11-05", 3.0, "TSHIRT-BLUE", "Cotton T-shirt"),
        ("A8", "6404198930", "CN", 22.0, 1, "express", "2026-03-01", 8.0, "SHOE-CANVAS", "Canvas shoes"),
        ("A9", "8507600020", "CN", 40.0, 1, "postal", "2026-01-20", 5.0, "BATT-10K", "Power bank"),
        ("A10", "9503000090", "VN", 9.0, 50, "air_freight", "2025-12-01", 60.0, "TOY-PLANE", "Toy plane"),
        ("A11", "9401614011", "CN", 80.0, 2, "ocean_freight", "2025-09-01", 40.0, "CHAIR-1", "Upholstered chair"),
    ]
    cols = ["order_id", "hts_code", "origin_country", "unit_value", "quantity", "shipping_mode", "ship_date", "freight_cost", "sku", "description"]
    return pd.DataFrame(rows, columns=cols)


def injected_orders() -> pd.DataFrame:
    """The small frame with formula-like text in sku and description."""
    df = small_orders()
    for i, text in enumerate(INJECTION):
        df.loc[i, "sku"] = text
        df.loc[len(df) - 1 - i, "description"] = text
    return df


@cache
def assumptions_dir() -> str:
    """A temporary copy of the built-in assumptions, with a stand-in HTS table (from the USITC fixture) if the
    built-in one is missing, and the direct-mail band if the set does not carry it yet."""
    from costimpact.assumptions import usitc

    tmp = Path(tempfile.mkdtemp(prefix="costimpact-report-")) / "assumptions"
    shutil.copytree(ROOT / "assumptions", tmp)
    if not HTS.exists():
        table = usitc.read_usitc(FIXTURE.read_bytes(), FIXTURE.name)
        usitc.write_table(table, tmp / "us" / "hts")
    band = tmp / "us" / "benchmarks" / "direct_mail_cost_rise.toml"
    if not band.exists():
        band.parent.mkdir(parents=True, exist_ok=True)
        band.write_text(BAND_TOML, encoding="utf-8")
    return str(tmp)


@cache
def assumptions():
    return costimpact.load_assumptions(assumptions_dir())


def imported(df: pd.DataFrame, name: str = "orders.csv"):
    """An ImportResult for ``df``: the real reader when it exists, else the frame as already-normal lines."""
    try:
        return costimpact.api.read(df)
    except AttributeError:
        lines = df.copy()
        lines.insert(0, "row_number", range(2, len(df) + 2))
        digest = hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()
        rejects = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else object) for c in REJECT_COLUMNS})
        return types.SimpleNamespace(lines=lines, rejects=rejects, rows_read=len(df), file_name=name, sha256=digest)


def orders_frame() -> pd.DataFrame:
    if SAMPLE.exists():
        return pd.read_csv(SAMPLE, dtype=str)
    return small_orders()


def comparisons(df: pd.DataFrame | None = None, scenarios=("actual",), baseline="pre-2025", as_of="2026-11-26"):
    imp = imported(orders_frame() if df is None else df)
    aset = assumptions()
    return [costimpact.compare(imp, scenario=s, baseline=baseline, as_of=as_of, assumptions=aset) for s in scenarios]
