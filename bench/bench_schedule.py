"""What the whole US schedule costs a cold `costimpact landed` start.

Runs `costimpact landed` on a two-line file in fresh processes, alternately with (A) the built-in assumptions
(11,414-line schedule and its scope tables) and (B) a copy whose schedule and scope tables keep only the 319
curated lines (the size of the old built-in table), each with its compiled cache already written (the state of
every start after the first). Prints the medians and the difference (goal: at most 0.3 s).

Usage: python bench/bench_schedule.py [RUNS]   (default 7)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def small_copy(target: Path) -> Path:
    shutil.copytree(ROOT / "assumptions", target)
    keep = set(pd.read_csv(target / "us" / "hts" / "hts_us.csv", dtype=str)["hts"].str[:8])
    for csv_path in [target / "us" / "hts" / "schedule.csv", *(target / "us" / "scope").glob("*.csv")]:
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        frame[frame["hts"].str[:8].isin(keep)].to_csv(csv_path, index=False)
    return target


def run(orders: Path, folder: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "costimpact.cli", "landed", str(orders), "--assumptions", str(folder), "--out", str(orders.with_name("out.csv"))],
                   check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COSTIMPACT_CACHE": str(tmp_path / "cache")}
        orders = tmp_path / "orders.csv"
        orders.write_text("order_id,hts_code,origin_country,unit_value,ship_date\nA,6109.10.00,CN,24,2025-09-01\nB,8507.60.0020,CN,4,2025-12-15\n", encoding="utf-8")
        full, small = ROOT / "assumptions", small_copy(tmp_path / "small")
        run(orders, full, env), run(orders, small, env)  # write both compiled caches
        a, b = [], []
        for _ in range(runs):
            a.append(run(orders, full, env))
            b.append(run(orders, small, env))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"cold `costimpact landed`, median of {runs}: full schedule {ma:.2f} s, 319-line schedule {mb:.2f} s; "
              f"the full schedule adds {ma - mb:+.2f} s (goal <= 0.30 s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
