"""Any volume: peak memory and speed of ``costimpact landed`` on big inputs, one run each.

    .venv/bin/python bench/bench_scale.py [--sizes 2000000 20000000] [--dir /tmp/costimpact-scale] [--csv-ratio]

Inputs are folders of Parquet parts of 500k synthetic lines (``costimpact.orders.synthetic``, each part its own
order, shipment and buyer ids), written part by part: the generator never holds more than one part.

1. Peak RSS and time of the streamed single-machine run (``--engine stream``, the default; Parquet dataset out) at
   each size. Goal: <= 1.5 GB at 2M lines, flat up to 20M.
2. On the first size, right after its streamed run: 2 local Dask workers (``--engine dask --workers 2``), same
   input, same output kind; the ratio of the two times (goal >= 1.5x), the CPU seconds each spent, and a check that
   both outputs hold the same lines and the same cents.
3. With ``--csv-ratio``: 500k lines CSV to CSV, the streamed run vs a bare pandas ``read_csv`` + ``to_csv`` of the
   same file in this process. Goal: <= 3x.

Every run is a fresh ``python -c ... costimpact.cli`` process; its time is ``main()``'s (Dask: cluster start
included); peak RSS and CPU come from ``getrusage`` (the Dask workers': polled every 0.25 s). The load average is
printed beside each run: on a shared machine other work slows one process and two workers differently.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from costimpact.orders.synthetic import synthetic_orders

AS_OF = "2026-11-01"
_RUNNER = """
import json, resource, sys, threading, time
import psutil
from costimpact.cli import main
seen = {}  # Dask workers are not this process's own children (a fork server starts them): poll them
def poll():
    while True:
        for p in psutil.Process().children(recursive=True):
            try:
                t = p.cpu_times()
                seen[p.pid] = (t.user + t.system, max(seen.get(p.pid, (0, 0))[1], p.memory_info().rss))
            except psutil.Error:
                pass
        time.sleep(0.25)
threading.Thread(target=poll, daemon=True).start()
t0 = time.perf_counter()
rc = main(sys.argv[1:])
dt = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rc": rc, "seconds": dt, "cpu": ru.ru_utime + ru.ru_stime, "children_cpu": sum(c for c, _ in seen.values()),
                  "self_mb": ru.ru_maxrss / 1024, "children_mb": max((m for _, m in seen.values()), default=0) / 2**20}))
"""


def _chunk_orders(k: int, m: int) -> pd.DataFrame:
    """Chunk ``k`` of a big synthetic file: ``m`` lines, its own order, shipment and buyer ids."""
    df = synthetic_orders(m, seed=1000 + k)
    for col in ("order_id", "shipment_id"):
        df[col] = f"K{k}-" + df[col]
    df["consignee_id"] = df["consignee_id"].where(df["consignee_id"] == "", f"K{k}-" + df["consignee_id"])
    return df


def write_orders(path: Path, n: int, chunk: int = 500_000) -> None:
    """``n`` synthetic lines as one CSV, written chunk by chunk."""
    if path.exists() and path.stat().st_size > 0:
        return
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for k, a in enumerate(range(0, n, chunk)):
            _chunk_orders(k, min(chunk, n - a)).to_csv(fh, index=False, header=k == 0)
    tmp.rename(path)


def write_parts(folder: Path, n: int, chunk: int = 500_000) -> None:
    """``n`` synthetic lines as a folder of Parquet parts of ``chunk`` lines: never more than one part in memory."""
    if folder.is_dir():
        return
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for k, a in enumerate(range(0, n, chunk)):
        _chunk_orders(k, min(chunk, n - a)).to_parquet(tmp / f"part-{k:05d}.parquet", index=False)
    tmp.rename(folder)


def run(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", _RUNNER, "landed", *args, "--as-of", AS_OF, "--quiet"],
                          env=env, capture_output=True, text=True)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
    out = json.loads(last)
    if proc.returncode or out.get("rc"):
        raise SystemExit(f"run failed: {args}\n{proc.stderr[-2000:]}")
    out["summary"] = proc.stderr.strip().splitlines()[-1]
    out["load"] = f"load {load:.1f} -> {os.getloadavg()[0]:.1f}"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2_000_000, 20_000_000])
    ap.add_argument("--dir", default="/tmp/costimpact-scale")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--csv-ratio", action="store_true", help="also time 500k lines CSV to CSV against bare pandas")
    args = ap.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    from costimpact.landed.stream import summarize

    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("1. streamed run (--engine stream, Parquet parts in, Parquet dataset out): peak RSS")
    for i, n in enumerate(args.sizes):
        src = work / f"parts_{n}"
        t0 = time.perf_counter()
        write_parts(src, n)
        gen = time.perf_counter() - t0
        out = work / f"priced_{n}"
        r = run(str(src), "--out", str(out))
        print(f"   {n:>11,} lines: {r['seconds']:7.1f} s, {n / r['seconds']:8,.0f} lines/s ({n / r['cpu']:,.0f} per CPU second),"
              f" peak RSS {r['self_mb']:7.0f} MB   ({r['summary']}; {r['load']}; input written in {gen:.0f} s)", flush=True)
        if i == 0 and not args.skip_dask:
            print(f"2. {n:,} lines: one process (the run above) vs 2 local Dask workers, same input and output kind")
            d = run(str(src), "--engine", "dask", "--workers", "2", "--out", str(work / "priced_dask"))
            same = summarize(out).cents == summarize(work / "priced_dask").cents
            print(f"   one process {r['seconds']:.1f} s, {r['cpu']:.0f} CPU s; 2 workers {d['seconds']:.1f} s,"
                  f" {d['cpu'] + d['children_cpu']:.0f} CPU s (client {d['cpu']:.0f}) -> {r['seconds'] / d['seconds']:.2f}x"
                  f" (goal >= 1.5x); {d['load']}; peak RSS client {d['self_mb']:.0f} MB, largest worker"
                  f" {d['children_mb']:.0f} MB; same lines and cents as the one-process run: {same}", flush=True)
            shutil.rmtree(work / "priced_dask", ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    if args.csv_ratio:
        n = 500_000
        src = work / f"orders_{n}.csv"
        write_orders(src, n)
        print(f"3. {n:,} lines CSV to CSV vs a bare pandas read + write")
        t0 = time.perf_counter()
        pd.read_csv(src, low_memory=False).to_csv(work / "bare.csv", index=False)
        bare = time.perf_counter() - t0
        ours = run(str(src), "--out", str(work / "ours.csv"))
        mem = run(str(src), "--engine", "memory", "--out", str(work / "ours.csv"))
        print(f"   pandas read_csv + to_csv: {bare:.1f} s; streamed: {ours['seconds']:.1f} s -> {ours['seconds'] / bare:.2f}x"
              f" (goal <= 3x); in memory: {mem['seconds']:.1f} s -> {mem['seconds'] / bare:.2f}x, peak RSS {mem['self_mb']:.0f} MB"
              f" vs streamed {ours['self_mb']:.0f} MB")


if __name__ == "__main__":
    main()
