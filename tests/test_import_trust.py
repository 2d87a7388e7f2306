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


# ---------------------------------------------------------------------------------------------------------
# 7. the engine's boundary: one validation place for files, the API and frames handed to the engine


from conftest import AS_OF, make_lines  # noqa: E402

import costimpact  # noqa: E402
from costimpact.landed.engine import price_lines, resolve_scenario  # noqa: E402

# case P1 of the worked cases: a CN cotton T-shirt, $24, express, 2025-09-01; Section 301 (List 1, 7.5%) = $1.80
P1 = {"order_id": "A", "hts_code": "6109.10.00", "origin_country": "CN", "shipping_mode": "express",
      "quantity": 1.0, "unit_value": 24.0, "freight_cost": 8.0, "ship_date": "2025-09-01"}


def _engine(aset, rows, scenario="actual"):  # noqa: ANN001
    return price_lines(make_lines(rows), aset, resolve_scenario(aset, scenario), AS_OF)


@pytest.mark.parametrize("cell", ["no", "No", "否", "false", "0", ""])
def test_engine_reads_a_no_in_s301_exclusion_as_no(aset, cell):
    out, rejects, _ = _engine(aset, [{**P1, "s301_exclusion": cell}])
    assert rejects.empty
    assert out["duty_s301_usd"].tolist() == [1.80] and not out["s301_exclusion_applied"].any()


def test_engine_rejects_an_unreadable_exclusion_cell_instead_of_claiming_it(aset):
    out, rejects, _ = _engine(aset, [{**P1, "s301_exclusion": "maybe"}])
    assert out.empty
    assert rejects[["row_number", "column", "value"]].values.tolist() == [[2, "s301_exclusion", "maybe"]]


def test_engine_names_a_missing_unit_value_as_missing(aset):
    out, rejects, _ = _engine(aset, [{**P1, "unit_value": np.nan}, {**P1, "order_id": "B", "unit_value": -5.0}])
    assert out.empty
    by_row = {int(r.row_number): r.problem for r in rejects.itertuples()}
    assert by_row[2] == "empty; this column is required. Fill it in."
    assert by_row[3].startswith("got -5; expected a number greater than 0")


def test_engine_survives_partly_missing_row_numbers(aset):
    frame = make_lines([P1, {**P1, "order_id": "B"}, {**P1, "order_id": "C"}])
    frame["row_number"] = [5, np.nan, 7]
    out, rejects, _ = price_lines(frame, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert rejects.empty
    # the line without a number is numbered on from the largest given, so no two lines share one
    assert out["row_number"].tolist() == [5, 8, 7]
    assert out["duty_s301_usd"].tolist() == [1.80, 1.80, 1.80]


def test_engine_prices_a_timezone_aware_date_on_its_local_day(aset):
    frame = make_lines([P1])
    frame["ship_date"] = pd.Series([pd.Timestamp("2025-09-01 23:30", tz="America/Los_Angeles")])
    out, rejects, _ = price_lines(frame, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert rejects.empty
    assert out["price_date"].tolist() == [pd.Timestamp("2025-09-01")]
    assert out["duty_s301_usd"].tolist() == [1.80]


# 6205.30.20, men's shirts of man-made fibres: 29.1 cents/kg + 25.9% (a compound MFN rate per kg)
SHIRT = {"order_id": "S", "hts_code": "6205.30.20", "origin_country": "VN", "shipping_mode": "express",
         "quantity": 4, "unit_value": 10.0, "ship_date": "2025-09-01"}


def test_engine_refuses_a_negative_weight(aset):
    out, rejects, _ = _engine(aset, [{**SHIRT, "unit_weight_kg": -30.0}])
    assert out.empty
    assert rejects[["row_number", "column"]].values.tolist() == [[2, "unit_weight_kg"]]
    assert rejects["problem"][0].startswith("got -30; expected the net weight of one unit in kg, greater than 0")


def test_file_with_a_decimal_comma_weight_prices_the_kg_duty():
    data = ("order_id;hts_code;origin_country;unit_value;quantity;ship_date;unit_weight_kg\n"
            "S;6205.30.20;VN;10;4;2025-09-01;0,250\n")
    res = costimpact.price_orders(data.encode(), as_of=AS_OF)
    assert res.rejects.empty, res.rejects.to_dict("records")
    # 25.9% x $40 = $10.36, plus $0.291/kg x 0.25 kg x 4 = $0.291: $10.651, $10.65 to the cent
    assert res.lines["duty_mfn_usd"].tolist() == [10.65]


def test_file_with_a_negative_weight_is_rejected_at_import():
    res = _csv("order_id,hts_code,origin_country,unit_value,unit_weight_kg\nS,6205.30.20,VN,10,-30\nT,6205.30.20,VN,10,0.5\n")
    assert list(_problems(res)) == [(2, "unit_weight_kg")]
    assert res.lines["unit_weight_kg"].tolist() == [0.5]


# ---------------------------------------------------------------------------------------------------------
# 8. a dispatch date is not the entry date: the entry is assumed dispatch + the mode's transit days


def _priced(text: str):
    return costimpact.price_orders(text.encode(), as_of=AS_OF)


def test_dispatch_date_is_shifted_by_the_transit_days_of_its_mode():
    # de minimis ended for every origin on 2025-08-29. Dispatched by express on 2025-08-26, the goods enter on
    # 2025-08-30 (4 days, assumptions/us/entry/transit_days.toml): no de minimis
    res = _priced("订单号,HS编码,原产国,申报单价,运输方式,发货日期\nA,6109.10.00,VN,50,express,2025-08-26\n")
    line = res.lines.iloc[0]
    assert line["ship_date"] == pd.Timestamp("2025-08-30") and line["price_date"] == pd.Timestamp("2025-08-30")
    assert line["entry_date_assumed_days"] == 4
    assert line["entry_type"] != "de_minimis" and line["duty_total_usd"] > 0
    assert line["evidence_grade"] == "U"  # the transit days are an unverified assumption
    assert "us/entry/transit_days" in set(res.used["parameter"])  # listed with the assumptions used


def test_ocean_dispatch_takes_longer_and_entry_dates_stay_as_given():
    res = _priced("order_id,hts_code,origin_country,unit_value,shipping_mode,dispatch date\n"
                  "A,6109.10.00,VN,50,ocean_freight,2025-08-01\n")
    assert res.lines["ship_date"].tolist() == [pd.Timestamp("2025-08-31")]
    entry = _priced("订单号,HS编码,原产国,申报单价,运输方式,入境日期\nA,6109.10.00,VN,50,express,2025-08-26\n")
    line = entry.lines.iloc[0]
    assert line["ship_date"] == pd.Timestamp("2025-08-26") and line["entry_type"] == "de_minimis"
    assert "entry_date_assumed_days" not in entry.lines or pd.isna(line["entry_date_assumed_days"])


def test_transit_days_are_an_editable_assumption(tmp_path):
    import shutil
    from pathlib import Path

    folder = tmp_path / "assumptions"
    shutil.copytree(Path(costimpact.__file__).resolve().parents[2] / "assumptions", folder)
    path = folder / "us" / "entry" / "transit_days.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'key = "express"\nfrom = 2000-01-01\nvalue = 4', 'key = "express"\nfrom = 2000-01-01\nvalue = 1'), encoding="utf-8")
    res = costimpact.price_orders("订单号,HS编码,原产国,申报单价,运输方式,发货日期\nA,6109.10.00,VN,50,express,2025-08-26\n".encode(),
                                  as_of=AS_OF, assumptions=folder)
    line = res.lines.iloc[0]
    assert line["ship_date"] == pd.Timestamp("2025-08-27") and line["entry_type"] == "de_minimis"


# ---------------------------------------------------------------------------------------------------------
# 4. an empty consignee is no consignee, whatever the pandas version


def test_engine_text_of_a_missing_cell_is_empty():
    from costimpact.landed.engine import _text

    got = _text(pd.Series(["b1 ", None, np.nan, ""], dtype=object))
    assert got.tolist() == ["b1", "", "", ""]


def test_two_orders_without_consignee_are_not_pooled_into_one_buyer():
    # 2025-03-03: de minimis $800 per consignee per day for VN goods. Two $500 orders with no buyer id are two
    # shipments under $800 each; pooled as one "nan" buyer they would be $1,000 and dutiable
    res = _priced("order_id,hts_code,origin_country,unit_value,ship_date,consignee_id,shipping_mode\n"
                  "A1,6109100010,VN,500,2025-03-03,,express\nA2,6109100010,VN,500,2025-03-03,,express\n")
    assert res.lines["entry_type"].tolist() == ["de_minimis", "de_minimis"]
    assert res.lines["duty_total_usd"].tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------------------------------------
# 6. every sheet of a workbook with the order headers is read; the others are named


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.write(i, j, v)
    wb.close()
    return buf.getvalue()


HEAD = ["order_id", "hts_code", "origin_country", "unit_value"]


def test_three_monthly_sheets_are_all_read_and_a_notes_sheet_is_named():
    data = _workbook({
        "Jan": [HEAD, ["J1", "6109100012", "CN", 5], ["J2", "6109100012", "CN", 6]],
        "Notes": [["remarks"], ["prices in USD"]],
        "Feb": [HEAD, ["F1", "6109100012", "CN", 7]],
        "Mar": [["订单号", "HS编码", "原产国", "申报单价"], ["M1", "6109100012", "CN", 8], ["M2", "6109100012", "CN", -1]],
    })
    res = read_orders(data, "orders.xlsx")
    assert res.rows_read == 5 and res.rows_priced == 4 and res.rows_rejected == 1
    assert res.lines["order_id"].tolist() == ["J1", "J2", "F1", "M1"]
    assert res.lines["unit_value"].tolist() == [5.0, 6.0, 7.0, 8.0]
    # the first sheet keeps its spreadsheet rows; the 2nd and 3rd order sheets are numbered apart
    assert res.lines["row_number"].tolist() == [2, 3, 10_000_002, 20_000_002]
    assert res.lines["sheet"].tolist() == ["Jan", "Jan", "Feb", "Mar"]
    assert res.rejects[["row_number", "column", "sheet"]].values.tolist() == [[20_000_003, "unit_value", "Mar"]]
    assert res.sheets == ("Jan", "Feb", "Mar") and res.sheets_skipped == ("Notes",)
    summary = res.summary()
    assert summary.startswith("read 5 rows: 4 priced, 1 rejected; sheets read: Jan, Feb, Mar")
    assert summary.endswith("; sheets not read (no order headers): Notes")


def test_a_named_sheet_is_read_alone():
    data = _workbook({"Jan": [HEAD, ["J1", "6109100012", "CN", 5]], "Feb": [HEAD, ["F1", "6109100012", "CN", 7]]})
    res = read_orders(data, "orders.xlsx", sheet="Feb")
    assert res.lines["order_id"].tolist() == ["F1"] and res.lines["row_number"].tolist() == [2]


def test_a_copied_sheet_is_read_and_its_lines_say_they_repeat_another_sheet():
    rows = [HEAD, ["J1", "6109100012", "CN", 5]]
    res = read_orders(_workbook({"Jan": rows, "Jan (2)": rows}), "orders.xlsx")
    assert res.rows_read == 2 and res.rows_priced == 2
    assert res.lines["notes"].tolist() == ["", "same as row 2 (Jan)"]


def test_workbook_number_cells_keep_their_value_beside_decimal_comma_text():
    # a workbook column of real numbers (2.125) and one text cell written with a decimal comma ("0,5")
    data = _workbook({"orders": [HEAD, ["A", "6109100012", "CN", 2.125], ["B", "6109100012", "CN", "0,5"]]})
    res = read_orders(data, "orders.xlsx")
    assert res.rejects.empty
    assert res.lines["unit_value"].tolist() == [2.125, 0.5]


def test_a_mapping_can_say_that_a_dispatch_header_holds_entry_dates():
    res = read_orders("订单号,HS编码,原产国,申报单价,发货日期\nA,6109.10.00,VN,50,2025-08-26\n".encode(), "o.csv",
                      mapping={"发货日期": "ship_date"})
    assert res.lines["ship_date"].tolist() == [pd.Timestamp("2025-08-26")]
    assert res.lines["dispatch_date"].isna().all()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _comma_text(cents: int) -> str:
    whole, frac = divmod(cents, 100)
    return f"{whole:,}".replace(",", ".") + f",{frac:02d}"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=99_999_999), min_size=1, max_size=8), st.booleans())
def test_any_column_written_in_one_convention_reads_back_exactly(cents, comma):
    # every cell written with two decimals in one convention (thousands grouped): the column decides itself
    cells = [_comma_text(c) if comma else f"{c // 100:,}.{c % 100:02d}" for c in cents]
    body = "".join(f'A{i};610910;CN;"{v}"\n' for i, v in enumerate(cells))
    res = _csv("order_id;hts_code;origin_country;unit_value\n" + body)
    assert res.rejects.empty, (cells, res.rejects.to_dict("records"))
    assert res.lines["unit_value"].tolist() == [c / 100 for c in cents]
