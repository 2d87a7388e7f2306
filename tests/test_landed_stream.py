"""Streaming and distributed ``costimpact landed``: the same bytes as the in-memory run, whatever the chunking.

The order file is built so that shipments and buyers' days straddle every chunk boundary (its rows are
shuffled), with identical rows in different chunks, rejected rows, blank ship dates, a quoted cell holding a
comma and a line break, and a formula-like cell. Chunks are a few kilobytes, partitions a few hundred lines.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pytest

from costimpact import api
from costimpact.cli import main
from costimpact.csvout import write_csv
from costimpact.landed import stream
from costimpact.orders.synthetic import synthetic_orders
from costimpact.report.safe_csv import protect_frame

AS_OF = "2026-11-01"
SMALL = dict(chunk_bytes=4096, chunk_rows=97, part_rows=300)


def awkward_orders(n: int = 2400) -> pd.DataFrame:
    df = synthetic_orders(n, seed=11)
    rng = np.random.default_rng(5)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)  # every group scattered through the file
    df = df.astype({"unit_value": object, "destination_country": object, "ship_date": object, "description": object})
    df.loc[[3, 700, 1500], "unit_value"] = "abc"  # rejected on import
    df.loc[[10, 900], "destination_country"] = "ZZ"  # no such destination: rejected
    df.loc[[20, 21, 1200], "ship_date"] = ""  # travel on the as-of date
    df.loc[5, "description"] = 'Mug, "big"\nsecond line'
    df.loc[6, "description"] = "=HYPERLINK(1)"
    twins = df.iloc[[1, 1, 1, 2, 40]].copy()  # identical rows far apart (other chunks), two of them side by side
    return pd.concat([df.iloc[:1800], twins.iloc[:1], df.iloc[1800:], twins.iloc[1:]], ignore_index=True)


def memory_run(path: Path, tmp: Path, *extra: str) -> tuple[bytes, bytes]:
    out, rej = tmp / "mem.csv", tmp / "mem_rejects.csv"
    assert main(["landed", str(path), "--engine", "memory", "--as-of", AS_OF, "--out", str(out), "--rejects", str(rej), *extra]) == 0
    return out.read_bytes(), rej.read_bytes()


def dataset_csv(folder: Path) -> bytes:
    """A Parquet output folder, in file order, written as the CSV writer writes it (BOM first)."""
    buf = io.BytesIO()
    pacsv.write_csv(pads.dataset(folder, format="parquet").to_table(), buf, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return b"\xef\xbb\xbf" + buf.getvalue()


@pytest.fixture(scope="module")
def orders_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "orders.csv"
    awkward_orders().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def memory(orders_csv, tmp_path_factory) -> tuple[bytes, bytes]:
    return memory_run(orders_csv, tmp_path_factory.mktemp("mem"))


def test_groups_straddle_every_chunk_boundary(orders_csv):
    chunks = list(stream.read_chunks(orders_csv, chunk_bytes=SMALL["chunk_bytes"]))
    assert len(chunks) > 20
    ship = []
    for i, c in enumerate(chunks):
        key = c.lines["shipment_id"].astype(str) + "|" + c.lines["shipping_mode"].astype(str) + "|" + c.lines["ship_date"].astype(str)
        ship.append(pd.DataFrame({"key": key, "chunk": i}))
    ship = pd.concat(ship)
    span = ship.groupby("key")["chunk"].agg(["min", "max"])
    for b in range(len(chunks) - 1):  # between chunk b and b + 1 some shipment has lines on both sides
        assert ((span["min"] <= b) & (span["max"] > b)).any(), b


def test_stream_is_byte_identical_to_memory(orders_csv, memory, tmp_path):
    aset = api.assumptions_of(None)
    res = stream.stream_landed(orders_csv, tmp_path / "out.csv", aset=aset, as_of=api.as_date(AS_OF),
                               rejects_path=tmp_path / "rej.csv", quiet=True, **SMALL)
    lines, rejects = memory
    assert (tmp_path / "out.csv").read_bytes() == lines
    assert (tmp_path / "rej.csv").read_bytes() == rejects
    assert res.partitions > 5
    text = lines.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text  # the guard is in play
    twin_of_row_3 = [line for line in text.splitlines() if "same as row 3" in line]
    assert len(twin_of_row_3) == 3  # row 3's three copies, two of them in one later chunk, all name row 3
    mem = pd.read_csv(io.BytesIO(lines), encoding="utf-8-sig")
    assert res.rows_read == 2405 and res.rows_priced == len(mem) == 2405 - 5
    assert res.totals.totals()["landed_cost_usd"] == round(float(mem["landed_cost_usd"].sum()), 2)


def test_stream_with_baseline_matches_memory(orders_csv, tmp_path, capsys):
    lines, _ = memory_run(orders_csv, tmp_path, "--baseline", "pre-2025")
    memory_summary = capsys.readouterr().err.strip().splitlines()[-2:]
    aset = api.assumptions_of(None)
    res = stream.stream_landed(orders_csv, tmp_path / "out.csv", aset=aset, as_of=api.as_date(AS_OF), baseline="pre-2025", quiet=True, **SMALL)
    assert (tmp_path / "out.csv").read_bytes() == lines
    assert res.summary().splitlines() == memory_summary
    assert memory_summary[1].startswith("compared ")


def test_parquet_folder_in_dataset_out(tmp_path):
    df = awkward_orders(1700)
    folder = tmp_path / "orders"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(df)), 3)):
        df.iloc[part].astype(str).to_parquet(folder / f"part-{i}.parquet", index=False)
    aset = api.assumptions_of(None)
    res = stream.stream_landed(folder, tmp_path / "out", aset=aset, as_of=api.as_date(AS_OF), quiet=True, **SMALL)
    whole = api.price_orders(df.astype(str), as_of=AS_OF, assumptions=aset)
    buf = io.BytesIO()
    write_csv(protect_frame(whole.lines), buf)
    assert dataset_csv(tmp_path / "out") == buf.getvalue()
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) > 1
    # totals and channels from the output, read in batches
    tot = stream.summarize(tmp_path / "out", batch_rows=200)
    assert tot.totals()["landed_cost_usd"] == whole.totals()["landed_cost_usd"] == res.totals.totals()["landed_cost_usd"]
    by = tot.channels().set_index("shipping_mode")["lines"]
    assert by.to_dict() == whole.lines["shipping_mode"].value_counts().to_dict()


def test_dask_local_cluster_matches_memory(orders_csv, memory, tmp_path):
    from distributed import Client, LocalCluster

    from costimpact.landed.distributed import dask_landed

    aset = api.assumptions_of(None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        res = dask_landed(orders_csv, tmp_path / "out", aset=aset, as_of=api.as_date(AS_OF), client=client,
                          rejects_path=tmp_path / "rej.csv", quiet=True, **SMALL)
    lines, rejects = memory
    assert dataset_csv(tmp_path / "out") == lines
    assert (tmp_path / "rej.csv").read_bytes() == rejects
    assert res.partitions > 5 and res.rows_priced == 2405 - 5


def test_count_records_sees_only_line_ends_outside_quotes():
    from costimpact.landed.distributed import count_records

    body = b'a,"x\ny",1\n\nb,"say ""hi""\n",2\r\nc,d,3'  # a quoted line end twice, a blank record, no final line end
    assert count_records(body) == 4
    assert count_records(b"a,b\n") == 1 and count_records(b"") == 0


def test_dask_workers_read_their_own_parts(tmp_path):
    """The workers read and check the input themselves: a CSV part cut into blocks, a Parquet part of many small
    row groups, one of a single big row group read in slices, and a GB18030 CSV (read on the client). Row
    numbers run on across the parts, as the streamed run numbers them."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    from costimpact.landed.distributed import dask_landed, plan_pieces

    df = awkward_orders(1700)
    folder = tmp_path / "orders"
    folder.mkdir()
    df.iloc[:600].to_csv(folder / "part-0.csv", index=False)
    pq.write_table(pa.Table.from_pandas(df.iloc[600:1200].astype(str), preserve_index=False), folder / "part-1.parquet", row_group_size=40)
    pq.write_table(pa.Table.from_pandas(df.iloc[1200:].astype(str), preserve_index=False), folder / "part-2.parquet")
    gbk = tmp_path / "gbk.csv"
    df.iloc[:500].assign(description="陶瓷杯").to_csv(gbk, index=False, encoding="gb18030")

    pieces = plan_pieces(folder, SMALL["chunk_bytes"], SMALL["chunk_rows"])
    kinds = [(Path(p.path).suffix, len(p.row_groups), p.start > 0) for p in pieces]
    assert kinds.count((".csv", 0, True)) > 5  # the CSV in blocks
    assert (".parquet", 3, False) in kinds and (".parquet", 1, True) in kinds  # row groups together; slices of one
    assert plan_pieces(gbk, SMALL["chunk_bytes"], SMALL["chunk_rows"]) is None

    aset = api.assumptions_of(None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        for src in (folder, gbk):
            one = stream.stream_landed(src, tmp_path / "one", aset=aset, as_of=api.as_date(AS_OF), quiet=True,
                                       rejects_path=tmp_path / "one.csv", **SMALL)
            res = dask_landed(src, tmp_path / "dask", aset=aset, as_of=api.as_date(AS_OF), client=client, quiet=True,
                              rejects_path=tmp_path / "dask.csv", **SMALL)
            assert dataset_csv(tmp_path / "dask") == dataset_csv(tmp_path / "one")
            assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
            assert res.summary() == one.summary() and res.totals.cents == one.totals.cents
    # the GBK file holds the first 500 rows (file rows 2-501): a bad value in row 5, an unknown country in row 12
    assert sorted(pd.read_csv(tmp_path / "dask.csv")["row_number"]) == [5, 12] and res.rows_rejected == 2


def test_dask_prices_every_destination_like_the_streamed_run(tmp_path):
    """A file bound for every destination: the workers gather the destinations they read, and every partition is
    priced with the whole file's columns, as in the streamed run."""
    from distributed import Client, LocalCluster
    from test_stream_destinations import SMALL as MIXED_SMALL
    from test_stream_destinations import mixed_orders

    from costimpact.landed.distributed import dask_landed

    path = tmp_path / "mixed.csv"
    mixed_orders().to_csv(path, index=False)
    aset = api.assumptions_of(None)
    one = stream.stream_landed(path, tmp_path / "one", aset=aset, as_of=api.as_date(AS_OF), quiet=True, **MIXED_SMALL)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        res = dask_landed(path, tmp_path / "dask", aset=aset, as_of=api.as_date(AS_OF), client=client, quiet=True, **MIXED_SMALL)
    assert dataset_csv(tmp_path / "dask") == dataset_csv(tmp_path / "one")
    assert res.summary() == one.summary() and res.partitions > 3
    assert "destination_currency" in pd.read_parquet(tmp_path / "dask").columns


def test_a_dask_task_run_again_writes_its_lines_once(orders_csv, tmp_path):
    """A worker lost mid-round makes Dask run its task again elsewhere: the task's output replaces, not adds."""
    from costimpact.landed.distributed import _read_piece, _spilled, plan_pieces

    piece = plan_pieces(orders_csv, SMALL["chunk_bytes"], SMALL["chunk_rows"])[3]
    for _ in range(2):
        got = _read_piece(piece, 3, k=4, as_of=api.as_date(AS_OF), mapping=None, chunk_rows=97, parts_dir=str(tmp_path))
    lines = pd.concat([f for p in got["partitions"] for f in _spilled(tmp_path, p)])
    rejected = sum(r["row_number"].nunique() for r in got["rejects"])
    assert len(lines) == got["rows_read"] - rejected and lines["row_number"].is_unique


def test_local_workers_are_processes_without_the_settings_that_slowed_them():
    """Dask's default worker settings made the engine take about 1.5x the CPU (malloc trim threshold) and sampled
    the task thread every 10 ms; the local cluster of ``--workers N`` runs without both, one thread a worker."""
    import dask
    from distributed import Client

    from costimpact.landed.distributed import local_cluster

    def settings() -> tuple:
        return (os.environ.get("MALLOC_TRIM_THRESHOLD_"), dask.config.get("distributed.worker.profile.enabled"), os.getpid())

    with local_cluster(1) as cluster, Client(cluster) as client:
        (trim, profile, pid), = client.run(settings).values()
        assert trim is None and profile is False and pid != os.getpid()
        assert list(client.nthreads().values()) == [1]
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # nor is it left in this process for what it starts later


def test_interrupted_write_leaves_nothing_under_the_final_name(orders_csv, tmp_path, monkeypatch):
    calls = []
    real = stream.LineWriter.write

    def flaky(self, frame):  # noqa: ANN001
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(self, frame)

    monkeypatch.setattr(stream.LineWriter, "write", flaky)
    out = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        stream.stream_landed(orders_csv, out, aset=api.assumptions_of(None), as_of=api.as_date(AS_OF), quiet=True, **SMALL)
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []  # neither the final name nor a partial file


def test_ctrl_c_on_the_command_line(tmp_path):
    path = tmp_path / "big.csv"
    synthetic_orders(150_000, seed=3).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "costimpact.cli", "landed", str(path), "--out", str(out), "--as-of", AS_OF],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = stream.staged_name(out).name.replace(str(os.getpid()), str(proc.pid))
    deadline = time.monotonic() + 240
    while not (tmp_path / partial).exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (tmp_path / partial).exists(), "the run never started writing"
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    assert proc.returncode == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


def test_progress_on_stderr_and_quiet(orders_csv, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    cmd = [sys.executable, "-m", "costimpact.cli", "landed", str(orders_csv), "--out", str(tmp_path / "o.csv"), "--as-of", AS_OF]
    loud = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    quiet = subprocess.run([*cmd, "--quiet"], env=env, capture_output=True, text=True, timeout=300)
    assert loud.returncode == quiet.returncode == 0
    assert "pricing: 2,400 of ~2,400 lines" in loud.stderr and "writing: 2,400 of ~2,400 lines" in loud.stderr and "lines/s" in loud.stderr and "s left" in loud.stderr
    assert quiet.stderr.strip() == "read 2405 rows: 2400 priced, 5 rejected"


def test_orders_page_says_what_it_takes_and_shows_the_command():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=180)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "up to 200 MB" in captions and "costimpact landed orders.csv --out priced.parquet" in captions


def test_xlsx_in_chunks_matches_memory(tmp_path):
    path = tmp_path / "orders.xlsx"
    awkward_orders(1700).to_excel(path, index=False, sheet_name="orders")
    lines, rejects = memory_run(path, tmp_path)
    res = stream.stream_landed(path, tmp_path / "out.csv", aset=api.assumptions_of(None), as_of=api.as_date(AS_OF),
                               rejects_path=tmp_path / "rej.csv", quiet=True, **SMALL)
    assert (tmp_path / "out.csv").read_bytes() == lines
    assert (tmp_path / "rej.csv").read_bytes() == rejects
    assert res.rows_read == 1705


def test_marketplace_exports_xlsx_and_catalogue_go_to_the_in_memory_engine(orders_csv, tmp_path):
    import argparse

    examples = sorted((Path(__file__).resolve().parents[1] / "examples" / "marketplace").glob("*_orders*.*"))
    assert examples
    args = lambda path, **kw: argparse.Namespace(orders=str(path), catalogue=kw.get("catalogue"), skipped=None)  # noqa: E731
    for path in examples:  # their presets read whole orders: never streamed
        assert stream.needs_memory(args(path), None), path.name
    assert not stream.needs_memory(args(orders_csv), tmp_path / "out.csv")
    assert stream.needs_memory(args(orders_csv, catalogue="c.csv"), None)
    assert stream.needs_memory(args(orders_csv), tmp_path / "out.xlsx")


def test_a_file_with_other_destinations_is_streamed(tmp_path):
    """Each destination adds its own columns: the streamed run lays every partition out for the file's
    destinations and writes what the in-memory engine writes, without falling back to it."""
    df = pd.DataFrame(
        {
            "order_id": ["A", "B", "C"],
            "hts_code": ["6109.10.00", "6109.10.00", "6109.10.00"],
            "origin_country": ["CN", "CN", "CN"],
            "unit_value": [20.0, 30.0, 40.0],
            "currency": ["USD", "USD", "USD"],
            "ship_date": ["2026-09-01"] * 3,
            "destination_country": ["US", "DE", "US"],
        }
    )
    path = tmp_path / "mixed.csv"
    df.to_csv(path, index=False)
    runs = {}
    for engine in ("stream", "memory"):
        out = tmp_path / f"{engine}.csv"
        proc = subprocess.run([sys.executable, "-m", "costimpact.cli", "landed", str(path), "--out", str(out), "--as-of", AS_OF, "--engine", engine],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        runs[engine] = (out.read_bytes(), proc.stderr)
    assert runs["stream"][0] == runs["memory"][0]
    assert "pricing in memory" not in runs["stream"][1]
    assert "Traceback" not in runs["stream"][1]
