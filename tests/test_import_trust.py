"""Issue 12: numbers read right or refused at the edges of the import and at the engine's boundary.

Every expected value here is worked by hand from the cells written in the test.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from costimpact.orders import normalize_frame, read_orders


def _csv(text: str, name: str = "orders.csv"):
    return read_orders(text.encode("utf-8"), name)


def _problems(res) -> dict[tuple[int, str], str]:
    return {(int(r.row_number), r.column): r.problem for r in res.rejects.itertuples()}


# ---------------------------------------------------------------------------------------------------------
# 1. the decimal mark is decided per column, from all its cells


def test_semicolon_csv_dot_decimals_stay_decimals():
    # a ;-separated file whose column writes decimals with a point: 2.125 is two and an eighth, not 2125
    res = _csv("order_id;hts_code;origin_country;unit_value\nA1;610910;CN;2.125\nA2;610910;CN;1.5\n")
    assert res.rejects.empty
    assert res.lines["unit_value"].tolist() == [2.125, 1.5]


def test_semicolon_csv_comma_decimals_make_the_point_a_thousands_separator():
    res = _csv("order_id;hts_code;origin_country;unit_value;freight_cost\n"
               "A1;610910;CN;2.125;1.234,50\nA2;610910;CN;1,5;0\n")
    assert res.rejects.empty
    assert res.lines["unit_value"].tolist() == [2125.0, 1.5]
    assert res.lines["freight_cost"].tolist() == [1234.5, 0.0]


def test_semicolon_csv_undecidable_cell_is_refused_with_its_row():
    res = _csv("order_id;hts_code;origin_country;unit_value\nA1;610910;CN;2.125\nA2;610910;CN;3\n")
    assert res.lines["row_number"].tolist() == [3]
    problem = _problems(res)[(2, "unit_value")]
    assert problem.startswith("got 2.125; the mark could be a decimal point or a thousands separator")
    assert res.rows_read == res.rows_priced + res.rows_rejected


def test_column_mixing_both_marks_is_refused_not_guessed():
    res = _csv("order_id;hts_code;origin_country;unit_value\nA1;610910;CN;1.5\nA2;610910;CN;1,5\nA3;610910;CN;7\n")
    assert res.lines["row_number"].tolist() == [4]
    assert set(_problems(res)) == {(2, "unit_value"), (3, "unit_value")}
    assert "both with a point (1.5) and with a comma (1,5)" in _problems(res)[(2, "unit_value")]


def test_comma_csv_reads_a_decimal_comma_column():
    # quoted cells of a comma-separated file: "0,5" can only be a half, so "1,250" in that column is 1.25
    res = _csv('order_id,hts_code,origin_country,unit_value\nA1,610910,CN,"1,250"\nA2,610910,CN,"0,5"\n')
    assert res.rejects.empty
    assert res.lines["unit_value"].tolist() == [1.25, 0.5]


# ---------------------------------------------------------------------------------------------------------
# 8. day/month order per column; dispatch dates become assumed entry dates


def test_day_month_order_is_decided_per_column():
    res = _csv("order_id,hts_code,origin_country,unit_value,ship_date\n"
               "A1,610910,CN,5,09/01/2025\nA2,610910,CN,5,09/15/2025\nA3,610910,CN,5,10/03/2025\n")
    assert res.rejects.empty
    assert res.lines["ship_date"].tolist() == [pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-15"),
                                               pd.Timestamp("2025-10-03")]
    day_first = _csv("order_id,hts_code,origin_country,unit_value,ship_date\n"
                     "A1,610910,CN,5,09/01/2025\nA2,610910,CN,5,15/09/2025\n")
    assert day_first.lines["ship_date"].tolist() == [pd.Timestamp("2025-01-09"), pd.Timestamp("2025-09-15")]


def test_a_column_that_never_tells_the_order_still_refuses_to_guess():
    res = _csv("order_id,hts_code,origin_country,unit_value,ship_date\nA1,610910,CN,5,03/04/2025\nA2,610910,CN,5,05/05/2025\n")
    assert list(_problems(res)) == [(2, "ship_date")]
    assert res.lines["ship_date"].tolist() == [pd.Timestamp("2025-05-05")]
