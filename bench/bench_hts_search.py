"""How fast ``hts search`` answers: index build vs cached load, one query, and a cold command-line search.

    .venv/bin/python bench/bench_hts_search.py

Baselines from the same run: a plain substring scan of the same 11,414 descriptions (what the quick estimate did
before, over 319 lines) for the per-query time, and ``python -c "import costimpact.cli"`` for the cold command.
Targets: a query well under 100 ms once the index is loaded; a cold command-line search in a couple of seconds.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "data" / "hts_search_queries.csv"


def _best(fn, runs: int = 3) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    cache = tempfile.mkdtemp(prefix="hts-search-bench-")
    os.environ["COSTIMPACT_CACHE"] = cache
    from costimpact.assumptions import load_assumptions
    from costimpact.hts_search import index as hts_index

    aset = load_assumptions()
    build = _best(lambda: hts_index.build_index(aset))

    def cold_load() -> None:
        hts_index._INDEXES.clear()
        hts_index.get_index(aset)

    cold_load()  # writes the disk cache
    load = _best(cold_load)
    queries = [r["query"] for r in csv.DictReader(QUERIES.open(encoding="utf-8"))]
    hts_index.search_hts(aset, queries[0], 5)  # first call imports rapidfuzz
    per_query = []
    for q in queries:
        t0 = time.perf_counter()
        hts_index.search_hts(aset, q, 5)
        per_query.append(time.perf_counter() - t0)
    lines = aset.table(hts_index.LINES)
    text = (lines["description"] + " " + lines["detail"]).str.lower()

    def scan() -> None:
        for q in queries:
            mask = text.str.contains(q.split()[0].lower(), regex=False)
            lines[mask].head(5)

    scan_per_query = _best(scan, 1) / len(queries)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "costimpact.cli", "hts", "search", "蓝牙耳机", "--top", "5"]
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # the disk cache exists from here on
    cli = _best(lambda: subprocess.run(cmd, env=env, capture_output=True, check=True))
    bare = _best(lambda: subprocess.run([sys.executable, "-c", "import costimpact.cli"], env=env, capture_output=True, check=True))
    print(f"index build from the tables: {build:.2f} s; load from the disk cache: {load * 1000:.0f} ms ({build / load:.0f}x faster)")
    print(
        f"query ({len(queries)} seller names): median {statistics.median(per_query) * 1000:.1f} ms, "
        f"max {max(per_query) * 1000:.1f} ms; a substring scan of the same texts: {scan_per_query * 1000:.1f} ms "
        f"({statistics.median(per_query) / scan_per_query:.2f}x)"
    )
    print(f"cold `costimpact hts search 蓝牙耳机`: {cli:.2f} s; `import costimpact.cli` alone: {bare:.2f} s (search adds {cli - bare:.2f} s)")


if __name__ == "__main__":
    main()
