"""A million-row CSV keeps every row: read = priced + rejected (speed is measured in bench/bench_import.py, not here)."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from costimpact.orders import read_orders
from costimpact.orders.synthetic import synthetic_orders


def test_million_row_csv_conserves_every_row():
    n = 1_000_000
    df = synthetic_orders(n, seed=7)
    bad = np.arange(0, n, 100_000)
    df["quantity"] = df["quantity"].astype("str")
    df.loc[bad, "quantity"] = "1.5"
    buf = io.BytesIO()
    pacsv.write_csv(pa.Table.from_pandas(df.astype("str"), preserve_index=False), buf)
    data = buf.getvalue()
    res = read_orders(data, "million.csv")
    assert res.rows_read == n
    assert len(res.lines) == n - len(bad)
    assert res.rejects["row_number"].tolist() == (bad + 2).tolist()
