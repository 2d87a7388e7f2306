"""Named bad and odd order files, each with its exact outcome (issue 4)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from costimpact.errors import ArgumentError, FileRefused
from costimpact.orders import REJECT_COLUMNS, normalize_frame, read_orders, suggest_mapping

HEAD = "order_id,hts_code,origin_country,unit_value,quantity"


def csv_bytes(*rows: str, head: str = HEAD, enc: str = "utf-8") -> bytes:
    return ("\n".join([head, *rows]) + "\n").encode(enc)


def xlsx_bytes(rows: list[list], sheet: str = "Sheet1", merge: str | None = None, extra_sheets=()) -> bytes:
    """A workbook written by openpyxl: formulas have no saved results (as when a script wrote them)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    for name, srows in extra_sheets:
        other = wb.create_sheet(name)
        for r in srows:
            other.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rejects_of(res) -> list[tuple[int, str, str]]:  # noqa: ANN001
    return [(int(r.row_number), r.column, r.value) for r in res.rejects.itertuples()]


def conserved(res) -> bool:  # noqa: ANN001
    return res.rows_read == len(res.lines) + res.rejects["row_number"].nunique()


# ---------------------------------------------------------------------------------------------- whole files


def test_empty_file_is_refused():
    with pytest.raises(FileRefused, match=r"^orders.csv: the file is empty\."):
        read_orders(b"", "orders.csv")


def test_whitespace_only_file_is_refused_as_empty():
    with pytest.raises(FileRefused, match="is empty"):
        read_orders(b"\xef\xbb\xbf \r\n\r\n", "orders.csv")


def test_header_only_is_zero_rows_not_a_refusal():
    res = read_orders(csv_bytes(), "orders.csv")
    assert res.rows_read == 0 and len(res.lines) == 0 and len(res.rejects) == 0
    assert res.summary() == "read 0 rows: 0 priced, 0 rejected (the file has a header but no order lines)"
    assert list(res.rejects.columns) == list(REJECT_COLUMNS)


def test_missing_required_column_names_it_and_lists_found_columns():
    data = csv_bytes("A1,6109.10.00,12", head="订单号,HS编码,单价")
    with pytest.raises(FileRefused) as err:
        read_orders(data, "orders.csv")
    assert str(err.value) == (
        "orders.csv: no column for origin_country; columns found: 订单号, HS编码, 单价. Rename the columns "
        "(e.g. origin_country / 原产国) or choose them in the mapping step."
    )
    assert "缺少列 origin_country" in err.value.message("zh")


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "this is a PNG image, not a spreadsheet"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF document, not a spreadsheet"),
        (b"<!DOCTYPE html><html><body><table><tr><td>order_id</td></tr></table></body></html>",
         "this is a web page (HTML)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "Workbook".encode("utf-16-le") + bytes(100),
         "an old Excel 97-2003 workbook (.xls). Open it in Excel and save it as .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptionInfo".encode("utf-16-le") + bytes(64)
         + "EncryptedPackage".encode("utf-16-le"), "the workbook is password-protected"),
    ],
    ids=["png", "pdf", "html", "legacy-xls", "encrypted-workbook"],
)
def test_not_a_spreadsheet_is_refused_with_the_fix(data, needle):
    with pytest.raises(FileRefused) as err:
        read_orders(data, "orders.xlsx")
    assert str(err.value).startswith("orders.xlsx: ")
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_random_bytes_are_refused():
    rng = np.random.default_rng(1)
    with pytest.raises(FileRefused, match="binary data"):
        read_orders(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(), "orders.csv")


def test_zip_bomb_is_refused_before_parsing():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 100_000
    with pytest.raises(FileRefused, match=r"unpacks to 20 MB, over the 5 MB limit"):
        read_orders(data, "bomb.xlsx", max_unzipped_bytes=5 * 1024 * 1024)


def test_file_over_the_size_limit_is_refused():
    with pytest.raises(FileRefused, match=r"^big.csv: .* MB is over the 0.1 MB limit"):
        read_orders(csv_bytes(*["A,6109100012,CN,1,1"] * 10_000), "big.csv", max_bytes=100 * 1024 + 1)


def test_zip_that_is_not_a_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRefused, match="this is a Word document"):
        read_orders(buf.getvalue(), "orders.xlsx")


def test_xlsx_without_required_columns_lists_found():
    with pytest.raises(FileRefused, match=r"no column for hts_code, unit_value; columns found: order, COO"):
        read_orders(xlsx_bytes([["order", "COO"], ["A", "CN"]]), "o.xlsx")


# ---------------------------------------------------------------------------------------------- CSV flavours


def test_gb18030_csv_with_chinese_headers_and_values():
    data = csv_bytes("A1,6109.10.00,中国,88,2,人民币,2025年9月1日,小包",
                     head="订单编号,海关编码,原产地,申报价值,件数,货币,发货时间,物流方式", enc="gb18030")
    res = read_orders(data, "订单.csv")
    assert res.encoding == "gb18030"
    row = res.lines.iloc[0]
    assert (row.order_id, row.hts_code, row.origin_country, row.unit_value, row.quantity, row.currency,
            row.shipping_mode) == ("A1", "61091000", "CN", 88.0, 2, "CNY", "postal")
    # 发货时间 is the day the goods left: the engine assumes the entry date from it (issue 12, finding 8)
    assert row.dispatch_date == pd.Timestamp("2025-09-01") and pd.isna(row.ship_date)


def test_utf16_csv_with_bom_and_tabs():
    data = ("\ufeff" + "订单号\tHS编码\t原产国\t单价\nA1\t8507600020\tCN\t6.8\n").encode("utf-16-le")
    data = b"\xff\xfe" + data[2:]
    res = read_orders(data, "export.csv")
    assert res.encoding == "utf-16"
    assert res.lines[["order_id", "hts_code", "unit_value"]].values.tolist() == [["A1", "8507600020", 6.8]]


def test_semicolon_csv_with_decimal_commas():
    data = "order_id;hts_code;origin_country;unit_value;freight_cost\nA1;6109.10.00.12;CN;12,50;1.234,50\n"
    res = read_orders(data.encode(), "eu.csv")
    assert res.lines[["unit_value", "freight_cost", "hts_code"]].values.tolist() == [[12.5, 1234.5, "6109100012"]]


def test_utf8_bom_csv_and_title_row_above_header():
    data = "\ufeff订单导出 2025-09,,,\n订单号,HS编码,原产国,单价\nA1,6109100012,CN,3.2\n".encode()
    res = read_orders(data, "t.csv")
    assert res.encoding == "utf-8-sig"
    assert res.lines["row_number"].tolist() == [3]


def test_blank_lines_are_skipped_and_counted_row_numbers_kept():
    res = read_orders(csv_bytes("A,6109100012,CN,1,1", ",,,,", "", "B,6109100012,CN,x,1"), "o.csv")
    assert res.blank_rows == 2 and res.rows_read == 2
    assert rejects_of(res) == [(5, "unit_value", "x")]
    assert res.summary() == "read 2 rows: 1 priced, 1 rejected (2 blank rows skipped)"


def test_row_with_more_cells_than_header_is_rejected_not_dropped():
    res = read_orders(csv_bytes("A,6109100012,CN,1,1", "B,6109100012,CN,1,1,oops,more"), "o.csv")
    assert [(r[0], r[1]) for r in rejects_of(res)] == [(3, "quantity")]
    assert "more cells than the header" in res.rejects.problem[0]
    assert conserved(res) and res.lines.order_id.tolist() == ["A"]


def test_short_rows_are_padded():
    res = read_orders(csv_bytes("A,6109100012,CN,1"), "o.csv")
    assert res.lines.quantity.tolist() == [1]


def test_quoted_newline_in_a_cell_keeps_the_spreadsheet_row():
    res = read_orders(csv_bytes('A,6109100012,CN,1,1,"two\nlines"', "B,6109100012,CN,-3,1",
                                head=HEAD + ",description"), "o.csv")
    assert res.lines.description.tolist() == ["two\nlines"]
    assert rejects_of(res) == [(3, "unit_value", "-3")]


# ---------------------------------------------------------------------------------------------- XLSX flavours


def test_xlsx_numeric_hts_lost_leading_zero_is_repaired_with_a_note():
    res = read_orders(xlsx_bytes([[*HEAD.split(",")], ["A", 902101015, "CN", 4, 1]]), "o.xlsx")
    assert res.lines.hts_code.tolist() == ["0902101015"]
    assert res.lines.notes.tolist() == ["hts_code: leading zero restored (902101015 -> 0902101015)"]
    assert res.rejects.empty


def test_xlsx_numeric_hts_with_lost_trailing_zero_is_rejected_with_the_fix():
    res = read_orders(xlsx_bytes([[*HEAD.split(",")], ["A", 6109.1, "CN", 4, 1]]), "orders.xlsx")
    assert rejects_of(res) == [(2, "hts_code", "6109.1")]
    assert res.rejects.problem[0] == ("got 6109.1 (a number); expected 6-10 digits as text. "
                                      "Format the column as text so trailing zeros stay.")


def test_xlsx_excel_serial_date_and_date_cells():
    rows = [[*HEAD.split(","), "ship_date"], ["A", "6109100012", "CN", 4, 1, 45901],
            ["B", "6109100012", "CN", 4, 1, dt.datetime(2025, 9, 2, 13, 30)], ["C", "6109100012", "CN", 4, 1, "2025/9/3"]]
    res = read_orders(xlsx_bytes(rows), "o.xlsx")
    assert res.lines.ship_date.tolist() == [pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-02"), pd.Timestamp("2025-09-03")]
    assert str(res.lines.ship_date.dtype) == "datetime64[ns]"


def test_xlsx_numbers_stored_as_text():
    res = read_orders(xlsx_bytes([[*HEAD.split(",")], ["A", "6109100012", "CN", "12.50", "3"]]), "o.xlsx")
    assert res.lines[["unit_value", "quantity"]].values.tolist() == [[12.5, 3]]


def test_xlsx_formula_without_cached_value_rejects_the_row():
    rows = [[*HEAD.split(",")], ["A", "6109100012", "CN", "=2*3", 1], ["B", "6109100012", "CN", 5, 1]]
    res = read_orders(xlsx_bytes(rows), "o.xlsx")
    assert rejects_of(res) == [(2, "unit_value", "=2*3")]
    assert res.rejects.problem[0].startswith("a formula without a saved result (=2*3). Open the file in Excel")
    assert res.lines.order_id.tolist() == ["B"] and conserved(res)


def test_xlsx_formula_without_value_in_last_row_is_not_lost():
    rows = [[*HEAD.split(",")], ["A", "6109100012", "CN", 5, 1], [None, None, None, "=1/0", None]]
    res = read_orders(xlsx_bytes(rows), "o.xlsx")
    assert (3, "unit_value", "=1/0") in rejects_of(res) and res.rows_read == 2


def test_xlsx_formula_with_cached_value_is_read():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("orders")
    ws.write_row(0, 0, HEAD.split(","))
    ws.write_row(1, 0, ["A", "6109100012", "CN"])
    ws.write_formula(1, 3, "=2*3", None, 6)
    ws.write_number(1, 4, 2)
    wb.close()
    res = read_orders(buf.getvalue(), "o.xlsx")
    assert res.lines.unit_value.tolist() == [6.0] and res.sheet == "orders"


def test_xlsx_merged_order_id_fills_the_lines_below():
    rows = [[*HEAD.split(",")], ["A", "6109100012", "CN", 5, 1], [None, "8507600020", "CN", 7, 1]]
    res = read_orders(xlsx_bytes(rows, merge="A2:A3"), "o.xlsx")
    assert res.lines.order_id.tolist() == ["A", "A"]
    assert res.lines.notes.tolist() == ["", "order_id filled from a merged cell"]


def test_xlsx_sheet_named_orders_in_chinese_is_chosen():
    wb = xlsx_bytes([["说明"], ["请填写订单"]], sheet="说明",
                    extra_sheets=[("订单", [["订单号", "HS编码", "原产国", "单价"], ["A", "6109100012", "越南", 3]])])
    res = read_orders(wb, "o.xlsx")
    assert res.sheet == "订单" and res.lines.origin_country.tolist() == ["VN"]


def test_xlsx_excel_error_value_is_rejected():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD.split(","))
    ws.append(["A", "6109100012", "CN", 5, 1])
    ws["D2"].value = "#N/A"
    ws["D2"].data_type = "e"
    buf = io.BytesIO()
    wb.save(buf)
    res = read_orders(buf.getvalue(), "o.xlsx")
    assert rejects_of(res) == [(2, "unit_value", "#N/A")]
    assert res.rejects.problem[0].startswith("an Excel error value (#N/A)")


# ---------------------------------------------------------------------------------------------- row checks


def test_every_problem_of_every_row_is_collected():
    res = read_orders(csv_bytes(
        "A,6109100012,CN,0,1.5",      # 2: value 0, fractional quantity
        "B,61,Atlantis,-2,0",          # 3: bad hts, unknown country, negative value, quantity 0
        ",6109100012,CN,NaN,1",        # 4: missing order id, NaN
        "C,6109100012,CN,1e300,1e12",  # 5: huge
        "D,6.1091E+09,CN,inf,2",       # 6: scientific hts, inf
    ), "o.csv")
    assert rejects_of(res) == [
        (2, "unit_value", "0"), (2, "quantity", "1.5"),
        (3, "hts_code", "61"), (3, "origin_country", "Atlantis"), (3, "unit_value", "-2"), (3, "quantity", "0"),
        (4, "order_id", ""), (4, "unit_value", "NaN"),
        (5, "unit_value", "1e300"), (5, "quantity", "1e12"),
        (6, "hts_code", "6.1091E+09"), (6, "unit_value", "inf"),
    ]
    assert len(res.lines) == 0 and res.rows_read == 5 and conserved(res)
    assert res.summary() == "read 5 rows: 0 priced, 5 rejected"
    by = {(r.row_number, r.column): r for r in res.rejects.itertuples()}
    assert by[(2, "quantity")].problem == ("got 1.5; expected a whole number of units (1, 2, 3 ...). "
                                           "Round the quantity or split the line.")
    assert by[(4, "order_id")].problem == "empty; this column is required. Fill it in."
    assert by[(4, "order_id")].problem_zh == "为空；此列必填，请填写。"
    assert by[(6, "hts_code")].problem.startswith("got 6.1091E+09 (a number in scientific notation")


@pytest.mark.parametrize(
    ("column", "value", "problem_start"),
    [
        ("ship_date", "Sep 1", "got Sep 1; expected a date"),
        ("ship_date", "0001-01-01", "got 0001-01-01; expected a date between 2000 and 2100"),
        ("ship_date", "2025-02-30", "got 2025-02-30; expected a date"),
        ("ship_date", "1999-12-31", "got 1999-12-31; expected a date between 2000 and 2100"),
        ("ship_date", "3/4/2025", "got 3/4/2025; the day and the month could be either way round"),
        ("ship_date", "yesterday", "got yesterday; expected a date"),
        ("shipping_mode", "truck", "got truck; expected postal, express, air_freight or ocean_freight"),
        ("currency", "XYZ", "got XYZ; expected an ISO currency code"),
        ("currency", "¥", "got ¥; the ¥ sign can mean yuan or yen"),
        ("freight_cost", "-1", "got -1; expected 0 or more"),
        ("unit_price", "abc", "got abc; expected a number"),
        ("metal_value_share", "1.5", "got 1.5; expected a share between 0 and 1"),
        ("postal_duty_method", "flat", "got flat; expected ad_valorem or specific"),
        ("mfn_rate", "7", "got 7; expected a duty rate as a fraction between 0 and 5"),
        ("destination_country", "Narnia", "got Narnia; expected a country code"),
    ],
)
def test_optional_column_bad_value_is_rejected(column, value, problem_start):
    res = read_orders(csv_bytes(f"A,6109100012,CN,5,1,{value}", head=f"{HEAD},{column}"), "o.csv")
    assert rejects_of(res) == [(2, column, value)]
    assert res.rejects.problem[0].startswith(problem_start)
    assert res.rejects.problem_zh[0].startswith("读到 ")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("origin_country", "China", "CN"), ("origin_country", "CHN", "CN"), ("origin_country", "vn", "VN"),
        ("origin_country", "香港", "HK"), ("origin_country", "印度", "IN"), ("origin_country", "Viet Nam", "VN"),
        ("origin_country", "Made in China", "CN"), ("origin_country", "墨西哥", "MX"),
        ("shipping_mode", "邮政", "postal"), ("shipping_mode", "平邮", "postal"), ("shipping_mode", "DHL", "express"),
        ("shipping_mode", "商业快递", "express"), ("shipping_mode", "Sea", "ocean_freight"),
        ("shipping_mode", "空运", "air_freight"), ("shipping_mode", "courier", "express"),
        ("shipping_mode", "Post", "postal"), ("shipping_mode", "中国邮政挂号小包", "postal"),
        ("currency", "RMB", "CNY"), ("currency", "美元", "USD"), ("currency", "欧元", "EUR"), ("currency", "usd", "USD"),
        ("postal_duty_method", "从价", "ad_valorem"), ("postal_duty_method", "Specific", "specific"),
    ],
)
def test_values_are_normalised(column, value, expected):
    if column == "origin_country":
        res = read_orders(csv_bytes(f"A,6109100012,{value},5,1"), "o.csv")
    else:
        res = read_orders(csv_bytes(f"A,6109100012,CN,5,1,{value}", head=f"{HEAD},{column}"), "o.csv")
    assert res.rejects.empty
    assert res.lines[column].tolist() == [expected]


@pytest.mark.parametrize("value", ["2025-09-01", "2025/9/1", "2025年9月1日", "20250901", "45901", "2025-09-01 10:15:00",
                                   "2025.09.01", '"Sep 1, 2025"', "13/9/2025"])
def test_date_forms(value):
    res = read_orders(csv_bytes(f"A,6109100012,CN,5,1,{value}", head=f"{HEAD},ship_date"), "o.csv")
    expected = pd.Timestamp("2025-09-13") if value == "13/9/2025" else pd.Timestamp("2025-09-01")
    assert res.lines.ship_date.tolist() == [expected]


def test_defaults_and_types_of_lines():
    res = read_orders(csv_bytes("A,6109.10.00.12,CN,5,"), "o.csv")
    row = res.lines.iloc[0]
    assert (row.quantity, row.currency, row.shipping_mode, row.destination_country, row.shipment_id,
            row.freight_cost) == (1, "USD", "express", "US", "A", 0.0)
    assert pd.isna(row.ship_date) and pd.isna(row.unit_price) and pd.isna(row.consignee_id)
    dtypes = res.lines.dtypes.astype(str).to_dict()
    assert dtypes["row_number"] == "int64" and dtypes["quantity"] == "int64"
    assert dtypes["unit_value"] == dtypes["freight_cost"] == dtypes["unit_price"] == "float64"
    assert dtypes["ship_date"] == "datetime64[ns]"


def test_duplicate_order_ids_across_lines_are_fine_and_exact_duplicate_rows_are_noted():
    res = read_orders(csv_bytes("A,6109100012,CN,5,1", "A,8507600020,CN,7,1", "A,6109100012,CN,5,1"), "o.csv")
    assert len(res.lines) == 3 and res.rejects.empty
    assert res.lines.notes.tolist() == ["", "", "same as row 2"]


def test_extra_columns_pass_through_unchanged_in_place_of_origin():
    res = read_orders(csv_bytes("A,6109100012,CN,5,1,007,x", head=f"{HEAD},店铺,notes"), "o.csv")
    assert res.lines["店铺"].tolist() == ["007"]
    assert res.lines["notes (input)"].tolist() == ["x"]
    assert list(res.lines.columns[:2]) == ["row_number", "order_id"]


def test_thousands_separators_dollar_signs_percent_and_fullwidth():
    res = read_orders(csv_bytes('A,６１０９１０００１２,CN,"$1,234.50",2,35%',
                                head=f"{HEAD},metal_value_share"), "o.csv")
    assert res.lines[["hts_code", "unit_value", "metal_value_share"]].values.tolist() == [["6109100012", 1234.5, 0.35]]


def test_input_order_is_kept_and_summary_counts():
    rows = [f"O{i},6109100012,CN,{'x' if i % 3 == 0 else 5},1" for i in range(10)]
    res = read_orders(csv_bytes(*rows), "o.csv")
    assert res.lines.order_id.tolist() == [f"O{i}" for i in range(10) if i % 3]
    assert res.summary() == "read 10 rows: 6 priced, 4 rejected"
    assert len(res.sha256) == 64 and res.file_name == "o.csv"


# ---------------------------------------------------------------------------------------------- mapping & API


def test_suggest_mapping_on_real_world_headers():
    headers = ["平台订单号", "商品编码", "Country of Origin", "Unit Value (USD)", "Qty", "货币", "发货日期",
               "物流渠道", "运费", "销售价", "采购成本", "商品SKU", "商品名称", "运单号", "买家ID", "店铺"]
    assert suggest_mapping(headers) == {
        "平台订单号": "order_id", "商品编码": "hts_code", "Country of Origin": "origin_country",
        "Unit Value (USD)": "unit_value", "Qty": "quantity", "货币": "currency", "发货日期": "dispatch_date",
        "物流渠道": "shipping_mode", "运费": "freight_cost", "销售价": "unit_price", "采购成本": "unit_cost",
        "商品SKU": "sku", "商品名称": "description", "运单号": "shipment_id", "买家ID": "consignee_id",
    }
    assert suggest_mapping(["HS Code", "COO", "HTS", "hts-code", "Order_ID"]) == {
        "HS Code": "hts_code", "COO": "origin_country", "Order_ID": "order_id"}


def test_explicit_mapping_overrides_and_bad_mapping_is_an_argument_error():
    data = csv_bytes("A,6109100012,CN,5,9", head="ref,code,made,price,n")
    res = read_orders(data, "o.csv", mapping={"ref": "order_id", "code": "hts_code", "made": "origin_country",
                                              "price": "unit_value", "n": "quantity"})
    assert res.lines[["order_id", "unit_value", "quantity"]].values.tolist() == [["A", 5.0, 9]]
    assert res.mapping["price"] == "unit_value"
    with pytest.raises(ArgumentError, match="not a known column"):
        read_orders(data, "o.csv", mapping={"ref": "order_number"})
    with pytest.raises(ArgumentError, match="has no column 'nope'"):
        read_orders(data, "o.csv", mapping={"nope": "order_id"})


def test_normalize_frame_with_numbers_and_datetimes_in_memory():
    df = pd.DataFrame({"order_id": [1001, 1002], "hts_code": [6109100012, 902101015], "origin_country": ["CN", "Vietnam"],
                       "unit_value": [5, 0], "ship_date": pd.to_datetime(["2025-09-01", "2025-09-02"])})
    res = normalize_frame(df)
    assert res.lines[["order_id", "hts_code", "origin_country"]].values.tolist() == [["1001", "6109100012", "CN"]]
    assert rejects_of(res) == [(3, "unit_value", "0")]
    assert conserved(res)


# ---------------------------------------------------------------------------------------------- fast paths
# The CSV reader asks Arrow for number columns as float64 and code columns dictionary-encoded; the XLSX reader
# types whole columns. Each must fall back to the text checks without changing any outcome.


def test_csv_number_column_with_a_dollar_sign_falls_back_to_the_text_parser():
    res = read_orders(csv_bytes("A,6109100012,CN,12.5,1", "B,6109100012,CN,$7.25,2", "C,6109100012,CN,1,1"), "o.csv")
    assert res.lines.unit_value.tolist() == [12.5, 7.25, 1.0] and res.rejects.empty


@pytest.mark.parametrize("typed", ["nan", "NaN", "inf", "-inf", "N/A", "null", "NA"])
def test_csv_number_words_are_rejected_not_read_as_empty(typed):
    res = read_orders(csv_bytes("A,6109100012,CN,12.5,1", f"B,6109100012,CN,{typed},1"), "o.csv")
    assert rejects_of(res) == [(3, "unit_value", typed)]
    assert res.rejects.problem[0] == f"got {typed}; expected a number, e.g. 12.50. Write digits only, without text."
    assert res.lines.order_id.tolist() == ["A"] and conserved(res)


def test_csv_optional_number_words_are_rejected_too():
    res = read_orders(csv_bytes("A,6109100012,CN,12.5,1,nan", "B,6109100012,CN,3,1,", head=HEAD + ",freight_cost"), "o.csv")
    assert rejects_of(res) == [(2, "freight_cost", "nan")]
    assert res.lines.freight_cost.tolist() == [0.0]


def test_csv_quoted_newline_across_the_reader_block_edge():
    """Arrow reads 4 MB blocks split at newlines without looking at quotes: a quoted line break just before a
    block edge must still come back as one cell of one row, with every later row number right."""
    head = HEAD + ",description"
    base = [f"A{i:07d},6109100012,CN,12.5,1,plain" for i in range(150_000)]
    starts = np.cumsum([len(head) + 1] + [len(r) + 1 for r in base])[:-1]  # byte offset of every row
    # the edge (from the file's start or the header's end) falls in the y's; cut there, both halves would be
    # rows of six cells, so only the count of rows against lines gives the cut away
    long_cell = '"two\n' + "y" * 400 + ',a,b,c,d,e"'
    newline_at = len(base[0]) - len("plain") + 4
    at = int(np.searchsorted(starts, (1 << 22) - 100 - newline_at))
    rows = list(base)
    rows[at] = rows[at].replace("plain", long_cell)
    rows[at + 5] = rows[at + 5].replace(",12.5,", ",-3,")
    data = csv_bytes(*rows, head=head)
    assert data.index(b"\n", data.index(b'"two')) < (1 << 22) < data.index(b'yyy,a')
    res = read_orders(data, "o.csv")
    assert res.rows_read == 150_000 and len(res.lines) == 149_999
    assert res.lines.description.iloc[at] == "two\n" + "y" * 400 + ",a,b,c,d,e"
    assert rejects_of(res) == [(at + 7, "unit_value", "-3")]  # row numbers count records, not physical lines


def test_csv_codes_read_as_categories_keep_blanks_and_spaces():
    res = read_orders(csv_bytes("A, 6109100012 ,cn,1,1", "B,6109100012,,1,1", "C,,CN,1,1"), "o.csv")
    assert res.lines.hts_code.tolist() == ["6109100012"] and res.lines.origin_country.tolist() == ["CN"]
    assert sorted(rejects_of(res)) == [(3, "origin_country", ""), (4, "hts_code", "")]


def test_xlsx_number_column_with_blanks_and_a_text_cell():
    rows = [[*HEAD.split(","), "freight_cost"], ["A", "6109100012", "CN", 4, 1, None], ["B", "6109100012", "CN", 5, None, 2.5],
            ["C", "6109100012", "CN", "about 5", 1, None], ["D", "6109100012", "CN", None, 1, None]]
    res = read_orders(xlsx_bytes(rows), "o.xlsx")
    assert res.lines.order_id.tolist() == ["A", "B"]
    assert res.lines.quantity.tolist() == [1, 1] and res.lines.freight_cost.tolist() == [0.0, 2.5]
    assert rejects_of(res) == [(4, "unit_value", "about 5"), (5, "unit_value", "")]


def test_xlsx_reject_shows_the_number_as_typed():
    rows = [[*HEAD.split(",")], ["A", "6109100012", "CN", -2.5, 1], ["B", "6109100012", "CN", 3, 1.5]]
    res = read_orders(xlsx_bytes(rows), "o.xlsx")
    assert rejects_of(res) == [(2, "unit_value", "-2.5"), (3, "quantity", "1.5")]


def test_readers_leave_the_cycle_collector_as_they_found_it():
    import gc

    assert gc.isenabled()
    read_orders(xlsx_bytes([[*HEAD.split(",")], ["A", "6109100012", "CN", 4, 1]]), "o.xlsx")
    read_orders(csv_bytes("A,6109100012,CN,1,1", "B,6109100012,CN,1,1,oops,more"), "o.csv")  # the slow CSV path
    with pytest.raises(FileRefused):
        read_orders(b"PK\x03\x04" + b"\x00" * 100, "o.xlsx")
    assert gc.isenabled()
    gc.disable()
    try:
        read_orders(xlsx_bytes([[*HEAD.split(",")], ["A", "6109100012", "CN", 4, 1]]), "o.xlsx")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_normalize_frame_takes_categorical_columns():
    df = pd.DataFrame({"order_id": ["A", "B", "C"], "hts_code": pd.Categorical(["6109100012", "6109100012", None]),
                       "origin_country": pd.Categorical(["CN", "vn", "CN"]), "unit_value": [1.0, 2.0, 3.0]})
    res = normalize_frame(df)
    assert res.lines.origin_country.tolist() == ["CN", "VN"]
    assert rejects_of(res) == [(4, "hts_code", "")]


def test_input_columns_come_first_as_read_under_the_sellers_headers():
    """The contract: all input columns pass through unchanged, then ours. A Chinese header keeps its column as
    typed; the canonical column beside it holds the normalised value the pricing used."""
    data = "订单号,HS编码,原产国,申报单价,数量,发货日期,备注\nA1,6109.10.0012,中国,12.50,2,2025/9/1,急\n".encode("gb18030")
    res = read_orders(data, "o.csv")
    cols = list(res.lines.columns)
    assert cols[:8] == ["row_number", "订单号", "HS编码", "原产国", "申报单价", "数量", "发货日期", "备注"]
    row = res.lines.iloc[0]
    assert [row["订单号"], row["HS编码"], row["原产国"], row["发货日期"], row["备注"]] == \
        ["A1", "6109.10.0012", "中国", "2025/9/1", "急"]
    assert row["申报单价"] == 12.5 and row["数量"] == 2  # numbers pass through as numbers
    assert [row["hts_code"], row["origin_country"], row["dispatch_date"]] == ["6109100012", "CN", pd.Timestamp("2025-09-01")]
    assert cols.index("notes") > cols.index("order_id") > cols.index("备注")


def test_xlsx_mixed_column_passes_through_as_its_cells_text():
    rows = [["订单号", "HS编码", "原产国", "申报单价"], ["A", 6109100012, "CN", 4], ["B", "6109.10.0012", "CN", 5]]
    res = read_orders(xlsx_bytes(rows), "o.xlsx")
    assert res.lines["HS编码"].tolist() == ["6109100012", "6109.10.0012"]
    assert res.lines["hts_code"].tolist() == ["6109100012", "6109100012"]
