"""Fast CSV output for priced lines (pyarrow's C++ writer: about 8x pandas' ``to_csv`` on a million lines)."""

from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """Columns as Arrow writes them well: categoricals and objects as text, midnight timestamps as plain dates."""
    arrays, names = [], []
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):  # decoded in C++, not through Python strings
            codes = pa.array(col.cat.codes.to_numpy(), mask=col.isna().to_numpy())
            cats = pa.array(col.cat.categories.astype(str).to_numpy(dtype=object), type=pa.string())
            arrays.append(pa.DictionaryArray.from_arrays(codes, cats).cast(pa.string()))
            names.append(str(name))
            continue
        if col.dtype == object:
            col = col.astype("str")
        if col.dtype.kind == "M":
            values = col.to_numpy(dtype="datetime64[ns]")
            real = values[~np.isnat(values)]
            if (real == real.astype("datetime64[D]")).all():
                arrays.append(pa.array(values.astype("datetime64[D]"), type=pa.date32()))
                names.append(str(name))
                continue
        arrays.append(pa.Array.from_pandas(col))
        names.append(str(name))
    return pa.Table.from_arrays(arrays, names=names)


def write_csv(frame: pd.DataFrame, target: str | os.PathLike[str] | io.IOBase, *, bom: bool = True) -> None:
    """Write ``frame`` as UTF-8 CSV (with a BOM by default so Excel reads Chinese text right)."""
    table = _arrow_table(frame)
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, write_options=pacsv.WriteOptions(quoting_style="needed"))
    data = (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue()
    if isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as fh:
            fh.write(data)
    elif isinstance(target, io.TextIOBase):
        target.write(data.decode("utf-8-sig" if bom else "utf-8"))
    else:
        target.write(data)
