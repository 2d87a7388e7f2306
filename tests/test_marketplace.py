"""Marketplace exports recognised by their headers, and the product catalogue joined by SKU.

The samples in examples/marketplace/ are synthetic, written from each platform's documented export columns.
Expected values are read off the sample files by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from costimpact import api
from costimpact.cli import main
from costimpact.errors import FileRefused
from costimpact.orders import read_orders
from costimpact.orders.catalogue import SOURCE_COLUMN, SOURCE_DECLARED, SOURCE_PRICE, read_catalogue, read_catalogue_path
from costimpact.orders.marketplace import detect, local_date, plain_money, presets

SAMPLES = Path(__file__).resolve().parent.parent / "examples" / "marketplace"
CATALOGUE = SAMPLES / "catalogue.csv"


def _read(name: str, catalogue: Path | None = CATALOGUE):
    cat = read_catalogue_path(catalogue) if catalogue else None
    return read_orders((SAMPLES / name).read_bytes(), name, catalogue=cat)


def _conserved(r) -> None:  # noqa: ANN001
    assert r.rows_read == r.rows_priced + r.rows_rejected + r.rows_skipped


# name, preset, rows read, priced, rejected, skipped
CASES = [
    ("shopify_orders_export.csv", "shopify", 8, 5, 1, 2),
    ("amazon_all_orders.txt", "amazon", 5, 3, 1, 1),
    ("tiktok_shop_orders.csv", "tiktok", 4, 3, 0, 1),
    ("temu_orders.csv", "temu", 3, 2, 0, 1),
    ("shein_orders.csv", "shein", 3, 2, 0, 1),
    ("dianxiaomi_orders.csv", "dianxiaomi", 4, 2, 1, 1),
    ("mabang_orders.csv", "mabang", 3, 2, 0, 1),
]


@pytest.mark.parametrize(("name", "preset", "read", "priced", "rejected", "skipped"), CASES)
def test_every_preset_is_recognised_and_conserves_rows(name, preset, read, priced, rejected, skipped) -> None:  # noqa: ANN001
    r = _read(name)
    assert r.preset == preset
    assert (r.rows_read, r.rows_priced, r.rows_rejected, r.rows_skipped) == (read, priced, rejected, skipped)
    _conserved(r)
    assert set(r.lines["row_number"]).isdisjoint(r.rejects["row_number"])
    assert set(r.lines["row_number"]).isdisjoint(r.skipped["row_number"])
    assert (r.lines["hts_code"].str.len() >= 8).all() and r.lines["origin_country"].notna().all()


def test_every_shipped_preset_has_a_sample() -> None:
    recognised = {detect(list(pd.read_csv(SAMPLES / n, sep=None, engine="python", nrows=0,
                                          encoding="gb18030" if n.startswith(("shein", "dianxiaomi")) else "utf-8-sig").columns)).name
                  for n, *_ in CASES}
    assert recognised == {p.name for p in presets()}


def test_shopify_continuation_rows_offset_dates_and_cancelled_orders() -> None:
    r = _read("shopify_orders_export.csv")
    lines = r.lines.set_index("row_number")
    # #1001 spans rows 2-4; rows 3 and 4 carry only line fields and inherit the order's
    for row in (2, 3, 4):
        assert lines.loc[row, "order_id"] == "#1001"
        assert lines.loc[row, "currency"] == "USD"
        assert lines.loc[row, "destination_country"] == "US"
        assert lines.loc[row, "consignee_id"] == "ann@example.com"
        # "2025-04-30 21:15:00 -0400" is 2025-05-01 in UTC: the order's own calendar date is kept
        assert lines.loc[row, "ship_date"] == pd.Timestamp("2025-04-30")
    assert lines.loc[4, "quantity"] == 3 and lines.loc[4, "unit_value"] == 12.0
    # #1002 was cancelled (Cancelled at on its first row only): both of its rows are skipped, not priced
    assert sorted(r.skipped["row_number"]) == [5, 6]
    assert set(r.skipped["order_id"]) == {"#1002"}
    assert "#1002" not in set(r.lines["order_id"])
    assert "skipped" in r.summary()


def test_amazon_item_price_is_the_line_total() -> None:
    lines = _read("amazon_all_orders.txt").lines.set_index("row_number")
    assert lines.loc[2, "unit_value"] == pytest.approx(12.99)  # item-price 25.98 for 2 units
    assert lines.loc[5, "unit_value"] == pytest.approx(9.99)  # 29.97 for 3
    assert lines.loc[2, "ship_date"] == pd.Timestamp("2025-06-15")


def test_tiktok_month_first_dates_and_mabang_inherited_currency() -> None:
    tt = _read("tiktok_shop_orders.csv").lines
    assert set(tt["ship_date"]) == {pd.Timestamp("2025-06-20"), pd.Timestamp("2025-06-22")}
    mb = _read("mabang_orders.csv").lines.set_index("row_number")
    assert mb.loc[3, "currency"] == "CNY" and mb.loc[3, "ship_date"] == pd.Timestamp("2025-08-10")


def test_customs_value_from_the_line_price_unless_the_catalogue_declares_one() -> None:
    lines = _read("shopify_orders_export.csv").lines.set_index("row_number")
    assert lines.loc[2, SOURCE_COLUMN] == SOURCE_PRICE and lines.loc[2, "unit_value"] == 12.0
    assert lines.loc[3, SOURCE_COLUMN] == SOURCE_DECLARED and lines.loc[3, "unit_value"] == 6.0  # sold at 15.00
    assert lines.loc[3, "unit_price"] == 15.0  # the retail price stays for margins
    temu = _read("temu_orders.csv").lines.set_index("row_number")
    assert temu.loc[2, SOURCE_COLUMN] == "declared price (export)" and temu.loc[2, "unit_value"] == 3.5
    assert temu.loc[3, SOURCE_COLUMN] == SOURCE_DECLARED


def test_sku_matches_ignoring_case_and_spaces_and_fills_only_empty_cells() -> None:
    lines = _read("shopify_orders_export.csv").lines.set_index("row_number")
    assert lines.loc[8, "hts_code"] == "61091000" and lines.loc[8, "origin_country"] == "CN"  # " tshirt-blk "
    assert lines.loc[4, "origin_country"] == "VN"
    orders = pd.DataFrame({"order_id": ["A", "B"], "sku": ["TSHIRT-BLK", "TSHIRT-BLK"], "origin_country": ["", "MX"],
                           "unit_value": [10, 10]})
    got = api.read(orders, catalogue=CATALOGUE).lines
    assert list(got["origin_country"]) == ["CN", "MX"]  # the line's own origin wins


def test_a_line_whose_sku_is_not_in_the_catalogue_is_rejected_naming_it() -> None:
    r = _read("shopify_orders_export.csv")
    rej = r.rejects.set_index("row_number")
    assert rej.loc[7, "column"] == "sku" and "GIFT-25" in rej.loc[7, "problem"] and "GIFT-25" in rej.loc[7, "problem_zh"]


def test_catalogue_problems_are_reported_once_per_sku_with_catalogue_rows() -> None:
    cat = read_catalogue_path(CATALOGUE)
    probs = cat.problems.set_index("sku")
    # CASE-02 and "case-02 " (rows 8 and 9) are one SKU with two codes
    assert list(cat.problems["sku"]).count("CASE-02") == 1
    assert "8, 9" in probs.loc["CASE-02", "problem"]
    assert "CASE-01" not in probs.index  # 3926.90: six digits are a code (the engine judges whether it is enough)
    assert probs.loc["LAMP-01", "catalogue_row"] == 10 and probs.loc["LAMP-01", "column"] == "hts_code"  # "94O5.40"
    assert len(cat.problems) == 2
    # the lines of a SKU the catalogue cannot stand behind are rejected with the catalogue's reason
    dx = _read("dianxiaomi_orders.csv").rejects.set_index("row_number")
    assert "two different values" in dx.loc[5, "problem"]


def test_same_lines_typed_by_hand_price_to_the_cent() -> None:
    """The export + catalogue gives the same duty and landed cost as the lines typed into an order file."""
    by_hand = pd.DataFrame({
        "order_id": ["#1001", "#1001", "#1001", "#1004", "#1005"],
        "hts_code": ["6109.10.00", "9503.00.00", "6109.10.00", "6109.10.00", "9503.00.00"],
        "origin_country": ["CN", "CN", "VN", "CN", "CN"],
        "unit_value": [12.00, 6.00, 12.00, 11.50, 6.00],
        "quantity": [2, 1, 3, 4, 2],
        "currency": ["USD", "USD", "USD", "USD", "EUR"],
        "ship_date": ["2025-04-30", "2025-04-30", "2025-04-30", "2025-06-11", "2025-09-03"],
        "destination_country": ["US"] * 5,
    })
    a = api.price_orders(_read("shopify_orders_export.csv"), as_of="2026-01-15").lines
    b = api.price_orders(by_hand, as_of="2026-01-15").lines
    for col in ("customs_value_usd", "duty_total_usd", "fees_total_usd", "landed_cost_usd", "entry_type"):
        assert list(a[col]) == list(b[col]), col
    assert a["duty_total_usd"].sum() > 0


def test_value_rules() -> None:
    s = pd.Series(["2025-04-30 21:15:00 -0400", "2025-06-15T08:12:45+00:00", "06/20/2025 10:15:30 AM", "soon"])
    assert list(local_date(s, "mdy")) == ["2025-04-30", "2025-06-15", "2025-06-20", "soon"]
    assert list(local_date(pd.Series(["20/06/2025 10:15"]), "dmy")) == ["2025-06-20"]
    assert list(plain_money(pd.Series(["$12.50", "USD 9.90", "US$1,234.00", "12", "n/a"]))) == ["12.50", "9.90", "1,234.00", "12", "n/a"]


def test_a_plain_order_file_is_not_taken_for_an_export() -> None:
    assert detect(["order_id", "hts_code", "origin_country", "unit_value", "sku"]) is None


def test_catalogue_without_sku_column_is_refused_in_one_line() -> None:
    with pytest.raises(FileRefused, match="no SKU column"):
        read_catalogue(b"hts_code,origin_country\n61091000,CN\n", "cat.csv")


def test_cli_landed_report_decide_take_the_catalogue(tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "lines.csv"
    rc = main(["landed", str(SAMPLES / "shopify_orders_export.csv"), "--catalogue", str(CATALOGUE), "--out", str(out),
               "--as-of", "2026-01-15"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "read 8 rows: 5 priced, 1 rejected, 2 skipped" in err
    assert err.count("catalogue: SKU CASE-02") == 1 and "catalogue: SKU LAMP-01" in err  # once per SKU
    assert SOURCE_COLUMN in pd.read_csv(out).columns
    rc = main(["report", str(SAMPLES / "amazon_all_orders.txt"), "--catalogue", str(CATALOGUE),
               "--out", str(tmp_path / "r.xlsx"), "--as-of", "2026-01-15"])
    assert rc == 0 and (tmp_path / "r.xlsx").stat().st_size > 0
    rc = main(["decide", "origin", str(SAMPLES / "tiktok_shop_orders.csv"), "--catalogue", str(CATALOGUE),
               "--as-of", "2026-01-15", "--out", str(tmp_path / "o.csv")])
    assert rc == 0
    rc = main(["landed", str(SAMPLES / "shopify_orders_export.csv"), "--catalogue", str(tmp_path / "none.csv")])
    assert rc == 2 and "none.csv" in capsys.readouterr().err


def test_an_export_without_its_catalogue_says_what_to_give() -> None:
    with pytest.raises(FileRefused, match="--catalogue") as info:
        _read("shopify_orders_export.csv", catalogue=None)
    assert "Shopify 订单导出" in info.value.message("zh") and "商品表" in info.value.message("zh")


def test_landed_lists_the_skipped_rows(tmp_path, capsys) -> None:  # noqa: ANN001
    skipped = tmp_path / "skipped.csv"
    rc = main(["landed", str(SAMPLES / "shopify_orders_export.csv"), "--catalogue", str(CATALOGUE), "--out",
               str(tmp_path / "p.xlsx"), "--skipped", str(skipped), "--as-of", "2026-01-15"])
    assert rc == 0
    got = pd.read_csv(skipped, encoding="utf-8-sig")
    assert list(got["row_number"]) == [5, 6] and set(got["order_id"]) == {"#1002"}
    assert pd.read_excel(tmp_path / "p.xlsx", sheet_name="skipped", engine="openpyxl")["row_number"].tolist() == [5, 6]


def test_mapping_file_round_trip_and_local_profile(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from costimpact.ui import catalogue_widget as w

    monkeypatch.setenv("COSTIMPACT_HOME", str(tmp_path))
    m = {"Ref": "order_id", "Tariff": "hts_code", "Made": "origin_country", "Val": "unit_value"}
    assert w.parse_mapping_file(w.mapping_file(m)) == m
    assert w.parse_mapping_file(b'{"Ref": "order_id"}') is None  # not a file costimpact saved
    assert w.parse_mapping_file(b"\xff\xfe") is None
    w.remember(m)
    w.remember({"A": "order_id"})
    w.remember(m)
    assert w._profile() == [m, {"A": "order_id"}]  # newest first, kept once


def test_xlsx_export_and_xlsx_catalogue_with_number_cells(tmp_path) -> None:  # noqa: ANN001
    """Excel turns codes and prices into numbers and may hold real dates: the join still matches."""
    orders = pd.read_csv(SAMPLES / "shopify_orders_export.csv", dtype=str, keep_default_na=False)
    orders["Lineitem price"] = pd.to_numeric(orders["Lineitem price"])
    orders["Lineitem quantity"] = pd.to_numeric(orders["Lineitem quantity"])
    orders["Created at"] = orders["Created at"].astype(object)
    orders.loc[0, "Created at"] = pd.Timestamp("2025-04-30 21:15:00")  # a date cell, no offset
    cat = pd.DataFrame({"SKU": ["TSHIRT-BLK", "TSHIRT-WHT", "TOY-CAR"], "HS Code": [6109100010, 6109100012, 9503000073],
                        "Country of origin": ["China", "Vietnam", "CN"], "Declared value": [None, None, 6]})
    o, c = tmp_path / "orders.xlsx", tmp_path / "catalogue.xlsx"
    orders.to_excel(o, index=False)
    cat.to_excel(c, index=False)
    r = read_orders(o.read_bytes(), o.name, catalogue=read_catalogue(c.read_bytes(), c.name))
    _conserved(r)
    assert r.preset == "shopify" and r.rows_skipped == 2
    lines = r.lines.set_index("row_number")
    assert lines.loc[2, "hts_code"] == "6109100010" and lines.loc[2, "origin_country"] == "CN"
    assert lines.loc[4, "origin_country"] == "VN" and lines.loc[3, "unit_value"] == 6.0
    assert lines.loc[2, "ship_date"] == pd.Timestamp("2025-04-30")


def test_report_headline_counts_skipped_rows(tmp_path) -> None:  # noqa: ANN001
    import openpyxl

    out = tmp_path / "r.xlsx"
    assert main(["report", str(SAMPLES / "shopify_orders_export.csv"), "--catalogue", str(CATALOGUE), "--out", str(out),
                 "--as-of", "2026-01-15"]) == 0
    wb = openpyxl.load_workbook(out)
    values = {}
    for name in ("RowsRead", "LinesPriced", "RowsRejected", "RowsSkipped"):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        values[name] = wb[sheet][ref.replace("$", "")].value
    assert values == {"RowsRead": 8, "LinesPriced": 5, "RowsRejected": 1, "RowsSkipped": 2}
