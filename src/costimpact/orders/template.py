"""A blank order file for sellers to fill in: canonical headers (Chinese in ``zh``), HTS column as text,
and (xlsx) an instruction sheet listing every column, whether it is required, and the values it takes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from costimpact.errors import ArgumentError
from costimpact.orders.columns import COLUMNS

_ALLOWED = {
    "order_id": ("text; several lines may share one order", "文本；同一订单可有多行"),
    "hts_code": ("6 to 10 digits, dots allowed: 6109.10.00 or 6109100012", "6 到 10 位数字，可含点：6109.10.00 或 6109100012"),
    "origin_country": ("country code CN, VN, HK ... or a name (中国, Vietnam)", "国家代码 CN、VN、HK……或名称（中国、越南）"),
    "unit_value": ("number > 0, customs value of one unit", "大于 0 的数字，单件申报价值"),
    "quantity": ("whole number >= 1 (default 1)", "大于等于 1 的整数（默认 1）"),
    "currency": ("USD (default), CNY, EUR ...", "USD（默认）、CNY、EUR……"),
    "ship_date": ("date of entry into the US: 2025-09-01, 2025/9/1 (default: the as-of date)",
                  "进入美国的日期：2025-09-01、2025/9/1（默认：计算基准日）"),
    "dispatch_date": ("date the goods were sent, if the entry date is not known: the entry date is assumed as "
                      "this date + the transit days of the mode (assumptions/us/entry/transit_days.toml)",
                      "发货日期（不知道入境日期时填写）：入境日期按此日期加上该运输方式的在途天数估算"
                      "（assumptions/us/entry/transit_days.toml）"),
    "shipping_mode": ("postal, express (default), air_freight, ocean_freight", "邮政、快递（默认）、空运、海运"),
    "destination_country": ("US (default)", "US（默认）"),
    "destination_region": ("province or state where the tax depends on it: CA-ON, BR-SP (or ON, São Paulo, 安大略省); "
                           "for destination EU the member state (DE, 德国)",
                           "税率因省/州而异时填写：CA-ON、BR-SP（或 ON、São Paulo、安大略省）；目的国填 EU 时填写成员国（DE、德国）"),
    "import_scheme": ("blank (the destination's default), standard (import VAT), ioss (EU), marketplace (GB, AU), "
                      "remessa_conforme (BR), courier_simplified (MX)",
                      "留空（按目的国默认）、standard（进口增值税）、ioss（欧盟）、marketplace（英国、澳大利亚）、"
                      "remessa_conforme（巴西）、courier_simplified（墨西哥）"),
    "carrier": ("text: usps, ups, fedex, dhl, royal_mail, canada_post ... (DHL, 中国邮政 accepted)",
                "文本：usps、ups、fedex、dhl、royal_mail、canada_post……（也可写 DHL、中国邮政）"),
    "ship_from_country": ("country the parcel ships from, if not the origin (US or MX: USMCA/CUSMA thresholds)",
                          "发货国（与原产国不同时填写；从美国或墨西哥发货适用 USMCA/CUSMA 门槛）"),
    "shipment_id": ("text; lines with one id travel together (default: order_id)", "文本；同一包裹号的行一起运输（默认：订单号）"),
    "consignee_id": ("text; the buyer, to add up same-day parcels", "文本；买家，用于合计同日包裹"),
    "sku": ("text", "文本"),
    "description": ("text", "文本"),
    "freight_cost": ("number >= 0 (default 0), in currency", "大于等于 0 的数字（默认 0），币种同上"),
    "unit_price": ("number >= 0, retail price of one unit", "大于等于 0 的数字，单件售价"),
    "unit_cost": ("number >= 0, your cost of one unit", "大于等于 0 的数字，单件成本"),
    "metal_value_share": ("0 to 1 (or 35%): steel/aluminium/copper share of value", "0 到 1（或 35%）：钢/铝/铜占价值的比例"),
    "postal_duty_method": ("ad_valorem or specific (postal only)", "ad_valorem（从价）或 specific（从量），仅邮政"),
    "mfn_rate": ("0 to 5 as a fraction (0.12 = 12%); only for codes the tables lack", "0 到 5 的小数（0.12 = 12%）；仅用于表中没有的编码"),
    "s301_list": ("Section 301 list, e.g. 1, 3, 4A; only for codes the tables lack", "301 清单，例如 1、3、4A；仅用于表中没有的编码"),
    "unit_weight_kg": ("number > 0, net weight of one unit in kg (for duties per kg)", "大于 0 的数字，单件净重（千克），用于从量税"),
    "s301_exclusion": ("yes / no (default no): the line claims a USTR Section 301 exclusion (9903.88.69/.70)",
                       "是 / 否（默认否）：该行申报 USTR 301 产品排除（9903.88.69/.70）"),
    "auto_part": ("yes / no (default no): the goods are parts of passenger cars or light trucks (Section 232 auto parts listed outside chapter 87)",
                  "是 / 否（默认否）：货物为乘用车或轻型卡车零部件（第 87 章以外列名的 232 汽车零部件）"),
    "civil_aircraft": ("yes / no (default no): the goods are civil aircraft parts entered under general note 6 (Section 122 list 9903.03.05)",
                       "是 / 否（默认否）：货物为按总注释 6 申报的民用航空器零部件（122 条款清单 9903.03.05）"),
}
_SHEET = {"zh": ("订单", "说明"), "en": ("orders", "instructions")}
_INFO_HEAD = {"zh": ("列名", "英文列名", "是否必填", "允许的值"), "en": ("column", "canonical name", "required", "allowed values")}
_YES_NO = {"zh": ("必填", "选填"), "en": ("required", "optional")}


def template_headers(lang: str) -> list[str]:
    return [c.zh if lang == "zh" else c.name for c in COLUMNS]


def write_template(out: str | Path, lang: str = "zh") -> Path:
    """Write a blank order file (``.xlsx`` or ``.csv``) with the canonical headers in ``lang``."""
    if lang not in ("zh", "en"):
        raise ArgumentError(f"template: --lang {lang!r}; expected zh or en.")
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(template_headers(lang))
        path.write_bytes(buf.getvalue().encode("utf-8-sig"))  # the BOM lets Excel show Chinese headers
        return path
    if suffix != ".xlsx":
        raise ArgumentError(f"template: --out {path.name!r}; expected a name ending in .xlsx or .csv.")
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text_fmt = wb.add_format({"num_format": "@"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    orders_name, info_name = _SHEET[lang]
    ws = wb.add_worksheet(orders_name)
    for j, (col, title) in enumerate(zip(COLUMNS, template_headers(lang))):
        fmt = text_fmt if col.kind in ("hts", "text") else date_fmt if col.kind == "date" else None
        ws.set_column(j, j, max(12, len(title) * 2), fmt)
        ws.write_string(0, j, title, head)
    ws.freeze_panes(1, 0)
    info = wb.add_worksheet(info_name)
    info.write_row(0, 0, _INFO_HEAD[lang], head)
    for i, col in enumerate(COLUMNS, start=1):
        allowed = _ALLOWED[col.name][0 if lang == "en" else 1]
        info.write_row(i, 0, (col.zh if lang == "zh" else col.name, col.name,
                              _YES_NO[lang][0 if col.required else 1], allowed))
    info.set_column(0, 1, 20)
    info.set_column(2, 2, 10)
    info.set_column(3, 3, 70)
    wb.close()
    return path
