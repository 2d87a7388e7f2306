"""The app's analyses on a 100k-line basket: time and peak memory of the policy timeline and each Decisions model.

    .venv/bin/python bench/bench_app_100k.py [--lines 100000] [--baseline per-date|one-frame|none]

Each step runs in a forked child process, so its peak RSS (above the process it started from: the app server
with the basket read, the "idle server") is its own and no step inherits another's freed memory. The steps are
what the app's data layer (costimpact.ui.data) calls when a page opens:

- the policy timeline (``timeline``), and as the in-process baseline the same timeline priced the old way:
  ``one-frame`` (every change date tiled into one frame, one engine call: what the app did) or ``per-date``
  (one engine call per date, no date skipped);
- Decisions: fulfilment under the scenario and under the baseline (the page's scenario grid), the origin
  comparison (17 default origins), the margin pricing.

Targets (issue 18): timeline < 10 s and < 1.5 GB above idle; Decisions (the four calls) < 5 s.

Measured 2026-12-02 on the shared 2-core machine (load average about 6, so times are 2-3x an idle machine's):
timeline 29 s, 0.63 GB (per-date baseline 43 s, 0.25 GB; the old one-frame timeline 190 s, 5.4 GB); fulfilment
45 s, 2.9 GB (before: 23M parcel rows, 260 s only to build them; the step did not finish); origins 43 s, 0.96 GB
(2.9 GB with every priced line kept); pricing 4.8 s, 0.2 GB. A second run (load about 6 again): timeline 53 s,
0.64 GB; fulfilment 55 s, 2.9 GB even with its parcels priced in batches: the peak is building the 1.86M parcel
rows (air freight lines with a buyer named, split into parcels of their SKU's size) before pricing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import multiprocessing as mp
import os
import resource
import time

from costimpact import orders
from costimpact.assumptions import load_assumptions
from costimpact.decide.fulfilment import FulfilmentOptions, compare_fulfilment
from costimpact.decide.origin import DEFAULT_ORIGINS, compare_origins
from costimpact.decide.pricing import price_for_margin
from costimpact.orders.synthetic import synthetic_orders
from costimpact.scenarios.timeline import timeline

TIMELINE_S, TIMELINE_GB, DECISIONS_S = 10.0, 1.5, 5.0
DAY = dt.date(2026, 11, 26)


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _child(fn, out) -> None:  # noqa: ANN001
    start = _rss_kb()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    out.send((seconds, max(0, peak - start) / 1e6, _size(result)))


def _size(result) -> str:  # noqa: ANN001
    """How big the result the app would cache is (rows of its frames)."""
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        return f"{len(result):,} rows"
    frames = {k: v for k, v in getattr(result, "__dict__", {}).items() if isinstance(v, pd.DataFrame)}
    return ", ".join(f"{k} {len(v):,}" for k, v in frames.items())


def measure(label: str, fn) -> tuple[float, float]:  # noqa: ANN001
    """(seconds, GB of peak RSS above the parent) of ``fn()`` run in a forked child."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(fn, send))
    p.start()
    send.close()  # so a child that dies (out of memory) ends the wait
    try:
        seconds, gb, size = recv.recv()
    except EOFError:
        p.join()
        print(f"{label:58} died (exit code {p.exitcode})", flush=True)
        return float("nan"), float("nan")
    p.join()
    print(f"{label:58} {seconds:8.2f} {gb:8.2f}   {size}", flush=True)
    return seconds, gb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--baseline", choices=("per-date", "one-frame", "none"), default="per-date")
    args = ap.parse_args()
    aset = load_assumptions()
    imp = orders.read_orders(synthetic_orders(args.lines).to_csv(index=False).encode("utf-8"), "orders.csv")
    print(f"basket: {len(imp.lines):,} lines; idle RSS {_rss_kb() / 1e6:.2f} GB\n")
    print(f"{'step':58} {'seconds':>8} {'GB peak':>8}   result size")

    batched = "batch_rows" in inspect.signature(timeline).parameters
    t_new, gb_new = measure("timeline (actual, 2024-2027)", lambda: timeline(imp, assumptions=aset))
    t_old = None
    if args.baseline != "none" and batched:
        rows = 10**12 if args.baseline == "one-frame" else len(imp.lines)
        t_old, gb_old = measure(f"timeline, baseline: {args.baseline}, no date skipped", lambda: timeline(imp, assumptions=aset, batch_rows=rows, skip_unchanged=False))

    lines = imp.lines
    steps = [
        ("decisions: fulfilment, actual", lambda: compare_fulfilment(lines, scenario="actual", as_of=DAY, options=FulfilmentOptions(), assumptions=aset)),
        ("decisions: fulfilment, pre-2025 (the page's grid)", lambda: compare_fulfilment(lines, scenario="pre-2025", as_of=DAY, options=FulfilmentOptions(), assumptions=aset)),
        (f"decisions: origins ({len(DEFAULT_ORIGINS)})", lambda: compare_origins(lines, origins=DEFAULT_ORIGINS, scenario="actual", as_of=DAY, assumptions=aset, keep_lines=False)),
        ("decisions: pricing (actual vs pre-2025)", lambda: price_for_margin(lines, scenario="actual", baseline="pre-2025", as_of=DAY, assumptions=aset)),
    ]
    dec = [measure(label, fn) for label, fn in steps]
    total = sum(s for s, _ in dec)
    print()
    print(f"timeline: {t_new:.2f} s ({'ok' if t_new < TIMELINE_S else 'SLOW'} vs {TIMELINE_S:.0f} s), peak {gb_new:.2f} GB above idle "
          f"({'ok' if gb_new < TIMELINE_GB else 'OVER'} vs {TIMELINE_GB} GB)")
    if t_old:
        print(f"timeline vs baseline ({args.baseline}): x{t_old / t_new:.1f} faster, {gb_old:.2f} -> {gb_new:.2f} GB")
    print(f"decisions, all four calls: {total:.2f} s ({'ok' if total < DECISIONS_S else 'SLOW'} vs {DECISIONS_S:.0f} s); "
          f"peak {max(g for _, g in dec):.2f} GB")


if __name__ == "__main__":
    main()
