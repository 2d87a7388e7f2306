"""Properties of the import over messy generated files: nothing but FileRefused escapes; rows are conserved."""

from __future__ import annotations

import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costimpact.errors import FileRefused
from costimpact.orders import read_orders
from costimpact.orders.columns import COLUMNS

HEADERS = [c.name for c in COLUMNS] + [c.zh for c in COLUMNS] + ["HS Code", "COO", "Qty", "extra", "", "备注"]
CELLS = ["", " ", "A1", "6109.10.00", "610910001", "6.1E+09", "CN", "中国", "Narnia", "12.5", "-1", "0", "1.5",
         "NaN", "inf", "1e400", "2025-09-01", "2025年9月1日", "45901", "1899-01-01", "小包", "DHL", "truck", "RMB",
         "¥", "35%", '"quoted, comma"', '"multi\nline"', "=1+1", "#N/A", "\t", ";", "🙂", "\x00"]


def _check(data: bytes) -> None:
    try:
        res = read_orders(data, "fuzz.csv")
    except FileRefused as err:
        assert str(err) and "\n" not in str(err)
        return
    assert res.rows_read == len(res.lines) + res.rejects["row_number"].nunique()
    assert set(res.lines["row_number"]).isdisjoint(set(res.rejects["row_number"]))
    assert res.lines["row_number"].is_monotonic_increasing
    assert res.summary().startswith(f"read {res.rows_read} rows: {len(res.lines)} priced")
    if len(res.lines):
        assert (res.lines["unit_value"] > 0).all() and (res.lines["quantity"] >= 1).all()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=3000))
def test_random_bytes_never_escape(data):
    _check(data)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    headers=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=10),
    rows=st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=12), max_size=25),
    delim=st.sampled_from([",", ";", "\t"]),
    enc=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    required=st.booleans(),
)
def test_messy_csv_conserves_rows(headers, rows, delim, enc, required):
    if required:
        headers = ["order_id", "hts_code", "origin_country", "unit_value", *headers]
    text = "\n".join(delim.join(r) for r in [headers, *rows])
    try:
        data = text.encode(enc, errors="replace")
    except UnicodeEncodeError:
        return
    _check(data)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(st.sampled_from(CELLS[:26]), min_size=4, max_size=6), max_size=20))
def test_messy_xlsx_conserves_rows(rows):
    frame = pd.DataFrame([r[:4] for r in rows], columns=["order_id", "hts_code", "origin_country", "unit_value"])
    buf = io.BytesIO()
    frame.to_excel(buf, index=False, engine="openpyxl")
    data = buf.getvalue()
    try:
        res = read_orders(data, "fuzz.xlsx")
    except FileRefused:
        return
    assert res.rows_read == len(res.lines) + res.rejects["row_number"].nunique()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab1 \t\n\r\x0b\x1c\u3000\u00a0\u2028\u200b中é")), max_size=6),
                max_size=30), st.integers(min_value=0, max_value=5))
def test_skipping_the_strip_never_changes_a_cell(cells, cut):
    """The text columns skip ``str.strip`` when no cell can start or end with white space: the outcome must be
    exactly the strip's, for any cells (sliced, to reach Arrow arrays that start at an offset)."""
    from costimpact.orders.normalize import _strip

    s = pd.Series(cells, dtype="str").iloc[min(cut, len(cells)):].reset_index(drop=True)
    assert _strip(s).tolist() == s.str.strip().tolist()
