"""The app's analyses on a 100k-line basket: time and peak memory of the policy timeline and of Decisions, first
visit and revisit, against the old ways of computing them in the same process.

    .venv/bin/python bench/bench_app_100k.py [--lines 100000] [--no-baseline]

Every step calls what the pages call, the app's data layer (``costimpact.ui.data``: the same functions, caches
and cache keys as ``streamlit run``), in a forked child of the "idle server" (the parent, with the basket read
into its session), so each step's peak RSS above the idle server is its own. Each step runs twice in its child:
the first visit (computed) and the revisit (served from the cache).

- timeline: the policy timeline page (2024-2027, the ``actual`` scenario);
- Decisions: opening the page computes the tab shown first, fulfilment under the scenario; the other tabs (the
  origin comparison, 17 origins; the margin pricing) and the baseline's fulfilment (the comparison expander)
  are computed when the seller opens them, each timed on its own.

Baselines, the old ways (``--no-baseline`` skips them): the timeline with every line priced on every date; the
fulfilment with every parcel of a freight line a row of its own; the origin comparison with every origin priced.

Targets (issue 18): timeline < 10 s and < 1.5 GB above the idle server; Decisions < 5 s, instant on a revisit.

Measured 2026-12-02 07:36 UTC on the shared 2-core machine (load average 3.3-4.4), engine of main c86de67:
timeline 24.3 s, 0.73 GB (every line on every date: 43.1 s, 0.28 GB), revisit 0.008 s; Decisions page open
(fulfilment) 2.1 s, 0.27 GB (every parcel a row: 38.3 s, 2.98 GB), revisit 0.008 s; the baseline's fulfilment
2.0 s; origin tab 7.8 s, 0.72 GB (every origin priced: 25.9 s, 1.23 GB); pricing tab 3.3 s; every tab opened
15.3 s. At 08:02 (load 2.0, --no-baseline), after the engine's categorical keys and per-code HTS treatment:
timeline 16.9 s, 0.70 GB; page open 1.7 s; origins 5.1 s; pricing 1.7 s; every tab 10.3 s.

Next session, on a machine about 1.9x slower (the same code priced 1M lines in 13.4 s, not 7.0 s): at 13:00 the
timeline took 34.1 s; at 14:27, with the faster lookups, cent allocation, postal and HTS steps and the engine
calls shared out between 2 worker processes (landed/pool.py; their peaks count in the GB column): timeline 14.1 s
and 1.35 GB (load 0.8), page open 3.0 s, revisit 0.016 s, origins 7.2 s, every tab 15.9 s. The timeline still
prices about 2.0M lines (a change for China, for every origin or for MPF's fiscal year moves nearly every line of
this 82%-Chinese basket).

Next session (16:00, load 0.7): timeline 14.0 s, 1.33 GB at the start; at 17:00, with the basket sent to each
worker once (pool.Shared), engine calls keeping only the figures totalled (price_lines(columns=)), a product
exclusion or a carrier fee moving only the lines that read it, and workers primed at server start (as the app does):
timeline 7.0-7.7 s, 0.64-0.65 GB (about 1.86M line pricings over 39 dates, three more than before: the carrier fee
changes and the exclusions' lapse); page open 2.4-2.5 s; origins 6.1-6.6 s; every tab 12.9-13.0 s.
"""

from __future__ import annotations

import os

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # the data layer runs without a streamlit server here

import argparse
import contextlib
import datetime as dt
import hashlib
import logging
import multiprocessing as mp
import resource
import subprocess
import time
from unittest import mock

import numpy as np

from costimpact.decide import common
from costimpact.decide.origin import DEFAULT_ORIGINS
from costimpact.landed import pool
from costimpact.orders.synthetic import synthetic_orders
from costimpact.scenarios.timeline import timeline
from costimpact.ui import data

TIMELINE_S, TIMELINE_GB, DECISIONS_S, REVISIT_S = 10.0, 1.5, 5.0, 0.5
DAY = dt.date(2026, 11, 26)
START, END = "2024-01-01", "2027-12-31"
OPTIONS = {"bulk_mode": "ocean_freight", "direct_mode": "as_is", "ocean_load": "auto"}


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _quiet() -> None:
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _child(fn, twice: bool, out) -> None:  # noqa: ANN001
    _quiet()
    pool.warm(wait=True, aset=data.assumption_set())  # what the app does when the server starts (ui.data.start_workers)
    start = _rss_kb()
    base = {pid: _peak_kb(pid) for pid in pool.worker_pids()}
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    if twice:
        fn()
    again = time.perf_counter() - t0 if twice else float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    helpers = sum(max(0, _peak_kb(pid) - base.get(pid, 0)) for pid in pool.worker_pids())  # the workers' peaks above their idle size count too
    out.send((first, again, (max(0, peak - start) + helpers) / 1e6))


def _peak_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


def measure(label: str, fn, twice: bool = True) -> tuple[float, float, float]:  # noqa: ANN001
    """(seconds first visit, seconds revisit, GB of peak RSS above the parent) of ``fn()`` in a forked child."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(fn, twice, send))
    p.start()
    send.close()  # so a child that dies (out of memory) ends the wait
    try:
        first, again, gb = recv.recv()
    except EOFError:
        p.join()
        print(f"{label:62} died (exit code {p.exitcode})", flush=True)
        return float("nan"), float("nan"), float("nan")
    p.join()
    print(f"{label:62} {first:8.2f} {again:8.3f} {gb:8.2f}", flush=True)
    return first, again, gb


@contextlib.contextmanager
def _nothing():  # noqa: ANN202
    yield


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    raw = synthetic_orders(args.lines).to_csv(index=False).encode("utf-8")
    basket = data.Basket("orders.csv", hashlib.sha256(raw).hexdigest(), "", raw)
    imp = data.imported(basket)  # the idle server: the basket read into the session, nothing priced
    aset = data.assumption_set()
    _quiet()
    e, h = (common.preset(aset, p, DAY).value for p in (common.P_ELASTICITY, common.P_HURDLE))
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"basket: {len(imp.lines):,} lines; idle RSS {_rss_kb() / 1e6:.2f} GB; {load}\n")
    print(f"{'step':62} {'first s':>8} {'again s':>8} {'GB peak':>8}")

    t_tl, again_tl, gb_tl = measure("timeline page (2024-2027, actual)", lambda: data.timeline(basket, "actual", START, END))
    page, again_page, gb_page = measure("Decisions page open: fulfilment under the scenario", lambda: data.fulfilment(basket, "actual", DAY, OPTIONS))
    tabs = [
        measure("Decisions: baseline's fulfilment (comparison opened)", lambda: data.fulfilment(basket, "pre-2025", DAY, OPTIONS)),
        measure(f"Decisions: origin tab ({len(DEFAULT_ORIGINS)} origins)", lambda: data.origins(basket, DEFAULT_ORIGINS, "actual", DAY)),
        measure("Decisions: pricing tab (actual vs pre-2025)", lambda: data.pricing(basket, "actual", "pre-2025", DAY, e, h, False)),
    ]

    old = {}
    if not args.no_baseline:
        print("\nbaselines, the old ways (no cache: computed once)")
        lines = imp.lines

        def patched(target: str | None, value, fn):  # noqa: ANN001, ANN202
            def run():  # noqa: ANN202
                with mock.patch(target, value) if target else _nothing():
                    return fn()
            return run

        old["timeline"] = measure("timeline, every line priced on every date", patched(None, None, lambda: timeline(imp, assumptions=aset, batch_rows=len(lines), skip_unchanged=False)), twice=False)
        from costimpact.decide.fulfilment import FulfilmentOptions, compare_fulfilment
        from costimpact.decide.origin import compare_origins

        old["fulfilment"] = measure("fulfilment, every parcel a row", patched("costimpact.decide.fulfilment._rates", lambda *a, **k: None,
                                    lambda: compare_fulfilment(lines, scenario="actual", as_of=DAY, options=FulfilmentOptions(**OPTIONS), assumptions=aset)), twice=False)
        old["origins"] = measure("origins, every origin priced", patched("costimpact.decide.origin.origin_classes", lambda a, s, d, o: np.arange(len(o)),
                                 lambda: compare_origins(lines, origins=DEFAULT_ORIGINS, scenario="actual", as_of=DAY, assumptions=aset, keep_lines=False)), twice=False)

    print()
    print(f"timeline: {t_tl:.2f} s ({'ok' if t_tl < TIMELINE_S else 'SLOW'} vs {TIMELINE_S:.0f} s), peak {gb_tl:.2f} GB above idle "
          f"({'ok' if gb_tl < TIMELINE_GB else 'OVER'} vs {TIMELINE_GB} GB); revisit {again_tl:.3f} s")
    print(f"Decisions page open: {page:.2f} s ({'ok' if page < DECISIONS_S else 'SLOW'} vs {DECISIONS_S:.0f} s), peak {gb_page:.2f} GB; "
          f"revisit {again_page:.3f} s ({'ok' if again_page < REVISIT_S else 'SLOW'} vs {REVISIT_S} s)")
    print(f"Decisions, every tab and the comparison opened: {page + sum(t[0] for t in tabs):.2f} s; slowest revisit {max(again_page, *(t[1] for t in tabs)):.3f} s; "
          f"peak {max(gb_page, *(t[2] for t in tabs)):.2f} GB")
    for name, new in (("timeline", (t_tl, gb_tl)), ("fulfilment", (page, gb_page)), ("origins", tabs[1][::2])):
        if name in old:
            print(f"{name} vs the old way: x{old[name][0] / new[0]:.1f} faster, peak {old[name][2]:.2f} -> {new[1]:.2f} GB")


if __name__ == "__main__":
    main()
