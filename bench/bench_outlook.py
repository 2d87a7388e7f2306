"""Outlook for N synthetic lines under 10 pending events, against the naive way in the same run.

The naive way prices the whole basket once per combination of event outcomes at every month of the path (what a
spreadsheet of scenarios would do); it is timed on a few combinations at one date and scaled, since running all of
them would take hours. Ours prices each event alone on the lines it may touch, and only the travel groups that
several events move under their joint combinations (see costimpact.scenarios.outlook).

Usage: python bench/bench_outlook.py [N]   (default 100,000). Goal: under 10 s for 100k lines and 10 events.

The workers are started and primed with the assumption set first, as the app does when its server starts.
Measured 2026-12-02 18:10-18:20 on a fresh 2-core machine (load 1.0-1.5), eleven runs after step 4's pricings joined
step 3's call and the engine stopped taking input columns nobody asked for: 6.3-7.8 s (7.0, 6.3, 6.6, 7.2, 7.8, 6.6,
7.1, 7.4, 6.5, 6.9, 6.7 s); before those two changes, on the same machine, 6.5-8.6 s. On the previous session's
machine (load 0.7-1.0) the same code before them ran 9.0-10.4 s, and 14.2-15.7 s the session before. 1.20M line
pricings; main process peak RSS 1.09 GB, workers 0.83-0.85 GB together (0.94-0.96 GB before the engine's narrower
take); expected $280,075,667, P10 $264,874,957, P90 $289,226,447 throughout.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import costimpact
from costimpact.assumptions import load_assumptions
from costimpact.landed import pool
from costimpact.landed.engine import price_lines
from costimpact.orders import normalize_frame
from costimpact.orders.synthetic import synthetic_orders
from costimpact.scenarios.outlook import flips, month_points, outlook, scenario_with

# Extra test events on top of the built-in ones, so that ten move US prices: a forced-labor rate change per origin.
EXTRA = [("CN", "2027-02-01", 0.15), ("VN", "2027-03-01", 0.15), ("IN", "2027-04-01", 0.125), ("MY", "2027-05-01", 0.125), ("HK", "2027-06-01", 0.15), ("BD", "2027-08-01", 0.125)]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def assumptions_with_extra_events(root: Path):  # noqa: ANN201
    builtin = Path(costimpact.__file__).resolve().parents[2] / "assumptions"
    shutil.copytree(builtin, root)
    for origin, day, rate in EXTRA:
        (root / "outlook" / "events" / f"flip-{origin.lower()}-up.toml").write_text(
            f'''kind = "pending_event"
label = "forced-labor rate on {origin} raised to {rate:.1%}"
label_zh = "{origin} 强迫劳动税率升至 {rate:.1%}"
description = "benchmark event"
description_zh = "基准测试事件"
date = {day}
probability = 0.2
probability_note = "benchmark value"
probability_note_zh = "基准测试值"
references = [{{ title = "benchmark event" }}]

[[overrides]]
param = "us/layers/s301_forced_labor"
keys = ["{origin}"]
from = {day}
value = {rate}
''',
            encoding="utf-8",
        )
    return load_assumptions(root)


def main(n: int = 100_000) -> None:
    frame = synthetic_orders(n)
    imported = normalize_frame(frame)
    with tempfile.TemporaryDirectory() as tmp:
        aset = assumptions_with_extra_events(Path(tmp) / "assumptions")
        moving = [f for f in flips(aset) if f.event.destination == "US" and f.event.refund is None and f.changes_prices and f.p_flip > 0]
        print(f"{n:,} lines; {len(aset.events)} events, {len(moving)} of which move US prices with some chance")
        pool.warm(wait=True, aset=aset)  # what the app does when the server starts with this set (ui.data.start_workers)
        t0 = time.perf_counter()
        o = outlook(imported, horizon="2027-12-31", as_of="2026-12-02", assumptions=aset)
        ours = time.perf_counter() - t0
        workers = pool.worker_pids()
        print(f"ours: {ours:.1f} s ({o.method}, {o.outcomes:,} outcomes at the busiest date, {o.line_pricings:,} line pricings, peak RSS {rss_mb():,.0f} MB; "
              f"{len(workers)} worker processes, peak RSS {sum(_peak_mb(p) for p in workers):,.0f} MB together)")
        # the naive way: the whole basket once per combination and month; time 3 combinations at one date
        points = month_points(pd.Timestamp("2026-12-02").date(), pd.Timestamp("2027-12-31").date())
        base = aset.scenarios["actual"]
        t1 = time.perf_counter()
        for k in range(3):
            on = moving[:k]
            price_lines(imported.lines, aset, scenario_with(base, on), points[-1].date())
        per_pricing = (time.perf_counter() - t1) / 3
        combos = sum(2 ** sum(f.start <= t for f in moving) for t in points)
        naive = per_pricing * combos
        print(f"naive: {per_pricing:.2f} s per basket pricing x {combos:,} (combination, month) pairs = {naive:,.0f} s (scaled)")
        print(f"ratio: ours is {naive / ours:,.0f}x faster than the naive way; goal < 10 s: {'met' if ours < 10 else 'NOT met'}")
        star = o.groups.iloc[0]
        print(f"basket: now ${star.as_of_landed_cost_usd:,.0f}; 2027-12-31 expected ${star.expected_landed_cost_usd:,.0f}, P10 ${star.p10_landed_cost_usd:,.0f}, P90 ${star.p90_landed_cost_usd:,.0f}")



if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
