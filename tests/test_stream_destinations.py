"""Streaming a file bound for every destination: the same bytes as the in-memory run, in bounded memory.

The file mixes US, EU (DE, FR, RO), GB, MX, BR, CA and AU lines; consignments of several lines (EU parcels
whose €3 counts distinct subheadings, Brazilian parcels whose import tax and ICMS are split over the lines, Canadian
parcels tested against C$20) are scattered through the file so that they straddle chunk boundaries; some lines
are rejected at import (a bad province) or by the pricing (a code with no rate). Chunks are a few kilobytes,
partitions a few hundred lines, so a consignment split between chunks would be priced twice and show.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from costimpact import api
from costimpact.cli import main
from costimpact.landed import stream

AS_OF = "2026-11-01"
SMALL = dict(chunk_bytes=4096, chunk_rows=97, part_rows=150)
DESTS = [("US", "", "", "USD"), ("DE", "", "ioss", "EUR"), ("FR", "", "", "EUR"), ("RO", "", "standard", "EUR"),
         ("GB", "", "", "GBP"), ("MX", "", "", "USD"), ("BR", "BR-SP", "remessa_conforme", "USD"), ("BR", "MG", "", "BRL"),
         ("CA", "ON", "", "CAD"), ("CA", "", "", "USD"), ("AU", "", "", "AUD")]
CODES = ["6109.10.00", "6110.20.20"]
DAYS = ["2026-06-30", "2026-07-01", "2026-07-15", "2026-08-03", "2026-09-01", "2026-09-02", "2026-10-10", "2026-10-31"]


def mixed_orders(n_parcels: int = 420, seed: int = 17) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_parcels):
        dest, region, scheme, cur = DESTS[p % len(DESTS)]
        day = DAYS[(p % len(DESTS) + 3 * int(rng.integers(2))) % len(DAYS)]  # two days per destination: partitions miss some
        for j in range(int(rng.integers(1, 6))):
            rows.append({
                "order_id": f"O{p}", "shipment_id": f"S{p}", "hts_code": CODES[rng.integers(len(CODES))],
                "origin_country": "CN", "unit_value": round(float(rng.uniform(2, 70)), 2), "quantity": int(rng.integers(1, 4)),
                "currency": cur, "freight_cost": round(float(rng.uniform(0, 9)), 2), "ship_date": day,
                "shipping_mode": "postal" if p % 7 == 0 else "express", "destination_country": dest,
                "destination_region": region, "import_scheme": scheme, "description": f"item {p}-{j}",
            })
    df = pd.DataFrame(rows)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)  # every parcel scattered through the file
    df.loc[[4, 800], "destination_region"] = "Atlantis"  # a CA or BR line, or a place ignored elsewhere
    df.loc[df.index[(df["destination_country"] == "CA") & (df["destination_region"] == "ON")][:2], "destination_region"] = "Nowhere"
    return df


@pytest.fixture(scope="module")
def orders_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("mixed") / "orders.csv"
    mixed_orders().to_csv(path, index=False)
    return path


def test_consignments_of_every_destination_straddle_chunk_boundaries(orders_csv):
    chunks = list(stream.read_chunks(orders_csv, chunk_bytes=SMALL["chunk_bytes"]))
    assert len(chunks) > 20
    seen = pd.concat([c.lines[["shipment_id", "destination_country"]].assign(chunk=i) for i, c in enumerate(chunks)])
    span = seen.groupby(["destination_country", "shipment_id"])["chunk"].agg(["min", "max"])
    split = span[span["max"] > span["min"]].reset_index()["destination_country"]
    assert {"DE", "FR", "GB", "MX", "BR", "CA", "AU"} <= set(split)


def test_stream_prices_every_destination_like_memory(orders_csv, tmp_path):
    out, rej = tmp_path / "mem.csv", tmp_path / "mem_rejects.csv"
    assert main(["landed", str(orders_csv), "--engine", "memory", "--as-of", AS_OF, "--out", str(out), "--rejects", str(rej)]) == 0
    aset = api.assumptions_of(None)
    res = stream.stream_landed(orders_csv, tmp_path / "out.csv", aset=aset, as_of=api.as_date(AS_OF),
                               rejects_path=tmp_path / "rej.csv", quiet=True, **SMALL)
    assert res.partitions > 3
    df = pd.read_csv(orders_csv)
    part = stream.travel_day(df, AS_OF) % res.partitions
    currencies = [set(df.loc[part == k, "destination_country"]) for k in np.unique(part)]
    assert min(map(len, currencies)) < df["destination_country"].nunique()  # some partitions lack destinations
    assert (tmp_path / "out.csv").read_bytes() == out.read_bytes()
    assert (tmp_path / "rej.csv").read_bytes() == rej.read_bytes()
    mem = pd.read_csv(io.BytesIO(out.read_bytes()), encoding="utf-8-sig", keep_default_na=False)
    assert set(mem["destination_currency"]) == {"USD", "EUR", "GBP", "MXN", "BRL", "CAD", "AUD"}
    rejects = pd.read_csv(rej, encoding="utf-8-sig")
    assert {"destination_region"} <= set(rejects["column"])  # the bad provinces, with their row numbers
    assert res.rows_read == len(mem) + rejects["row_number"].nunique()
    # the €3 is charged once per distinct (HS6, origin) of a parcel, however its lines were chunked
    eu = mem[(mem["destination_currency"] == "EUR") & (mem["regime"] == "eu_flat_per_item")].copy()
    eu["h6"] = eu["hts_code"].astype(str).str.zfill(10).str[:6]
    per_parcel = eu.groupby("shipment_id").agg(duty=("duty_flat_item_local", "sum"), items=("h6", "nunique"))
    assert len(per_parcel) > 20
    assert (per_parcel["duty"].round(2) == 3.0 * per_parcel["items"]).all()


def test_command_line_streams_a_mixed_file(orders_csv, tmp_path, capsys):
    assert main(["landed", str(orders_csv), "--as-of", AS_OF, "--out", str(tmp_path / "s.csv")]) == 0
    assert "pricing in memory" not in capsys.readouterr().err


def test_a_parquet_folder_out_holds_the_same_lines(orders_csv, tmp_path):
    """Every partition has the whole file's columns, so the Parquet pieces share one schema and read back as the
    in-memory run's lines."""
    from costimpact.csvout import write_csv
    from costimpact.report.safe_csv import protect_frame
    from test_landed_stream import dataset_csv

    aset = api.assumptions_of(None)
    stream.stream_landed(orders_csv, tmp_path / "out", aset=aset, as_of=api.as_date(AS_OF), quiet=True, **SMALL)
    whole = api.price_orders(orders_csv, as_of=AS_OF, assumptions=aset)
    buf = io.BytesIO()
    write_csv(protect_frame(whole.lines), buf)
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) > 1
    assert dataset_csv(tmp_path / "out") == buf.getvalue()
