"""The destination columns of the order-file contract: Chinese headers reach the pricing, cells are read as the
contract says, and a region or scheme that does not fit the line's destination is rejected with its row number.

The expected amounts are worked by hand from assumptions/ca/, assumptions/br/ and assumptions/eu/ (rates quoted in
each comment). Without the destination columns declared, the headers 省份/州, 进口方式, 发货国 pass through unread:
the EU line (目的国 欧盟) is refused, Ontario's HST becomes GST 5% and the US-shipped parcel loses its CUSMA relief.
"""

from __future__ import annotations

import pandas as pd
import pytest

from costimpact import api
from costimpact.orders import read_orders_path

HEADERS = ["订单号", "HS编码", "原产国", "申报单价", "币种", "运费", "入境日期", "目的国", "省份/州", "IOSS/进口增值税", "承运商", "发货国"]
ROWS = [
    # row 2: EU, the member state in 省份/州, IOSS
    ["E1", "6109.10.00", "中国", 20, "EUR", 5, "2026-09-01", "欧盟", "德国", "IOSS", "DHL", ""],
    # row 3: Canada, Ontario in Chinese, from China
    ["C1", "6109.10.00", "中国", 100, "CAD", 10, "2026-09-01", "加拿大", "安大略省", "", "加拿大邮政", ""],
    # row 4: Canada, shipped from the US by courier, C$35: CUSMA, nothing to pay
    ["C2", "6109.10.00", "中国", 35, "CAD", 0, "2026-09-01", "加拿大", "ON", "", "UPS", "美国"],
    # row 5: Brazil, Minas Gerais in Chinese, Remessa Conforme in Chinese
    ["B1", "6109.10.00", "中国", 200, "BRL", 20, "2026-09-01", "巴西", "米纳斯吉拉斯州", "合规计划", "", ""],
    # row 6: Brazil, São Paulo as its ISO code without the country
    ["B2", "6109.10.00", "中国", 200, "BRL", 20, "2026-09-01", "巴西", "SP", "remessa conforme", "", ""],
    # rows 7-10: one problem each
    ["E2", "6109.10.00", "中国", 20, "EUR", 5, "2026-09-01", "欧盟", "火星", "IOSS", "", ""],
    ["C3", "6109.10.00", "中国", 100, "CAD", 10, "2026-09-01", "加拿大", "Texas", "", "", ""],
    ["B3", "6109.10.00", "中国", 200, "BRL", 20, "2026-09-01", "巴西", "ZZ", "", "", ""],
    ["B4", "6109.10.00", "中国", 200, "BRL", 20, "2026-09-01", "巴西", "BR-SP", "IOSS", "", ""],
    # row 11: a scheme no destination knows
    ["E3", "6109.10.00", "中国", 20, "EUR", 5, "2026-09-01", "德国", "", "海运拼箱", "", ""],
]


@pytest.fixture(scope="module")
def order_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("contract") / "订单.csv"
    pd.DataFrame(ROWS, columns=HEADERS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def imported(order_file):
    return read_orders_path(order_file)


def test_chinese_headers_map_to_the_destination_columns(imported):
    used = imported.mapping
    assert used["省份/州"] == "destination_region"
    assert used["IOSS/进口增值税"] == "import_scheme"
    assert used["承运商"] == "carrier"
    assert used["发货国"] == "ship_from_country"
    lines = imported.lines.set_index("order_id")
    assert lines.loc["E1", "destination_country"] == "DE"  # 欧盟 + 德国: the member state is the destination
    assert lines.loc["C1", "destination_region"] == "CA-ON"
    assert lines.loc["C2", "destination_region"] == "CA-ON"
    assert lines.loc["C2", "ship_from_country"] == "US"
    assert lines.loc["B1", "destination_region"] == "BR-MG"
    assert lines.loc["B2", "destination_region"] == "BR-SP"
    assert lines.loc["E1", "import_scheme"] == "ioss" and lines.loc["B1", "import_scheme"] == "remessa_conforme"
    assert lines.loc["E1", "carrier"] == "dhl" and lines.loc["C1", "carrier"] == "canada_post"
    assert lines.loc["E1", "省份/州"] == "德国"  # the seller's own column passes through as typed


def test_bad_regions_and_schemes_are_rejected_with_row_and_reason(imported):
    rej = imported.rejects.set_index("row_number")
    assert list(rej.index) == [7, 8, 9, 10, 11]
    assert rej.loc[7, "column"] == "destination_region" and "member state" in rej.loc[7, "problem"] and "火星" in rej.loc[7, "problem"]
    assert rej.loc[8, "column"] == "destination_region" and "Canadian province" in rej.loc[8, "problem"]
    assert "加拿大" in rej.loc[8, "problem_zh"]
    assert rej.loc[9, "column"] == "destination_region" and "Brazilian state" in rej.loc[9, "problem"]
    assert rej.loc[10, "column"] == "import_scheme" and "does not apply" in rej.loc[10, "problem"]
    assert rej.loc[11, "column"] == "import_scheme" and "expected an import scheme" in rej.loc[11, "problem"]
    assert imported.rows_read == len(imported.lines) + len(rej) == 10


def test_each_destination_is_priced_from_the_chinese_columns(imported):
    res = api.price_orders(imported, as_of="2026-11-01")
    assert res.rejects["row_number"].tolist() == [7, 8, 9, 10, 11]  # the import's, nothing more
    out = res.lines.set_index("order_id")
    # EU, 2026-09-01, IOSS parcel of €20 (<= €150): €3 for one item; VAT DE 19% x (20 + 5 + 3) = 5.32
    assert out.loc["E1", "duty_total_local"] == pytest.approx(3.00)
    assert out.loc["E1", "tax_vat_at_sale_local"] == pytest.approx(5.32)
    # Canada from China, VFD C$100 (freight out) > C$20: MFN 18% = 18.00; HST ON 13% x 118 = 15.34
    assert out.loc["C1", "duty_total_local"] == pytest.approx(18.00)
    assert out.loc["C1", "tax_total_local"] == pytest.approx(15.34)
    # Canada, courier from the US, C$35 <= C$40: no duty, no tax
    assert out.loc["C2", "regime"] == "ca_remitted" and out.loc["C2", "landed_cost_local"] == pytest.approx(35.00)
    # Brazil, R$220 with freight (about US$40, <= US$50): II 20% = 44.00; ICMS MG 20% por dentro: 264 x 0.2 / 0.8 = 66.00
    assert out.loc["B1", "duty_total_local"] == pytest.approx(44.00)
    assert out.loc["B1", "tax_total_local"] == pytest.approx(66.00)
    # ... and SP 17%: 264 x 0.17 / 0.83 = 54.0722 -> 54.07
    assert out.loc["B2", "tax_total_local"] == pytest.approx(54.07)


def test_a_frame_handed_to_the_pricing_is_read_the_same_way(aset):
    from conftest import AS_OF, make_lines
    from costimpact.landed.engine import resolve_scenario
    from costimpact.landed.markets import price_any

    lines = make_lines([
        {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 100.0, "currency": "CAD", "ship_date": "2026-09-01",
         "destination_country": "CA", "destination_region": "Ontario"},
        {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 100.0, "currency": "CAD", "ship_date": "2026-09-01",
         "destination_country": "CA", "destination_region": "Nowhere"},
        {"hts_code": "6109.10.00", "origin_country": "CN", "unit_value": 20.0, "currency": "EUR", "ship_date": "2026-09-01",
         "destination_country": "DE", "import_scheme": "remessa_conforme"},
    ])
    out, rejects, _ = price_any(lines, aset, resolve_scenario(aset, "actual"), AS_OF)
    assert out["tax_total_local"].tolist() == [pytest.approx(15.34)]  # HST ON 13% x (100 + 18)
    assert rejects["row_number"].tolist() == [3, 4]
    assert rejects["column"].tolist() == ["destination_region", "import_scheme"]


def test_cells_are_read_as_the_contract_says():
    from costimpact.orders.destinations import carrier_codes, resolve_destinations, scheme_codes

    schemes = scheme_codes(pd.Series(["IOSS", "进口增值税", "IM2760000001", "yes", "否", "平台代扣", "合规计划", "快件简易", "sea"]))
    assert list(schemes[:8]) == ["ioss", "standard", "ioss", "ioss", "standard", "marketplace", "remessa_conforme", "courier_simplified"]
    assert pd.isna(schemes[8])  # no scheme: the import rejects the cell
    assert list(carrier_codes(pd.Series(["DHL", "中国邮政", "Canada Post", "Some Local Courier"]))) == ["dhl", "china_post", "canada_post", "some_local_courier"]
    dest, region, problems = resolve_destinations(
        pd.Series(["CA", "CA", "BR", "BR", "EU", "US", "GB"]),
        pd.Series(["Québec", "ns", "Rio de Janeiro", "南里奥格兰德州", "France", "California", "ioss"]),
        pd.Series(["", "", "", "", "", "", "marketplace"]),
    )
    assert list(dest) == ["CA", "CA", "BR", "BR", "FR", "US", "GB"]
    assert list(region) == ["CA-QC", "CA-NS", "BR-RJ", "BR-RS", "", "CALIFORNIA", "IOSS"]
    assert problems == []
