"""The order-file columns: canonical names, their aliases, and header matching.

A header matches a column when its *key* equals the key of the canonical name or of an alias. The key is the
header in Unicode NFKC form, lower-cased, with everything but letters and digits removed (so spaces, dashes,
underscores, dots, slashes and brackets are ignored: ``Unit-Value (USD)`` -> ``unitvalueusd``). When that finds
nothing, a second pass drops a bracketed suffix (``申报价值（美元）`` -> ``申报价值``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from costimpact.errors import ArgumentError


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: str  # text | hts | country | money | quantity | weight | share | rate | date | mode | currency | method | flag
    #            | region | scheme | carrier
    default: object
    zh: str  # the header of the Chinese template
    aliases: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column("order_id", True, "text", None, "订单号", (
        "order", "order no", "order number", "order #", "order ref", "order reference", "po", "po number",
        "platform order id", "订单编号", "订单", "平台订单号", "平台订单编号", "订单ID", "子订单号", "销售单号", "外部订单号",
    )),
    Column("hts_code", True, "hts", None, "HS编码", (
        "hts", "hts code", "hts no", "htsus", "hts us", "hs", "hs code", "hscode", "hs number", "hs no",
        "tariff code", "tariff number", "harmonized code", "harmonized tariff code", "commodity code", "customs code",
        "HS编码", "HS码", "HS代码", "海关编码", "HTS编码", "HTS码", "商品编码", "税则号", "海关商品编码", "美国HTS编码",
    )),
    Column("origin_country", True, "country", None, "原产国", (
        "origin", "country of origin", "coo", "origin country", "made in", "country of manufacture", "manufacture country",
        "原产国", "原产地", "原产国家", "产地", "原产国地区", "原产国/地区", "生产国",
    )),
    Column("unit_value", True, "money", None, "申报单价", (
        "value", "unit value", "declared value", "declared unit value", "customs value", "unit customs value",
        "declared price", "customs price", "unit value usd", "declared value usd", "fob", "fob value", "unit fob",
        "申报价值", "申报单价", "单价", "申报价格", "海关申报价值", "报关单价", "申报金额",
    )),
    Column("quantity", False, "quantity", 1, "数量", (
        "qty", "quantity", "units", "pcs", "pieces", "count", "数量", "件数", "商品数量", "购买数量", "申报数量",
    )),
    Column("currency", False, "currency", "USD", "币种", (
        "currency", "curr", "ccy", "currency code", "币种", "货币", "币别", "结算币种", "申报币种",
    )),
    Column("ship_date", False, "date", None, "入境日期", (
        "date", "ship date", "entry date", "date of entry", "import date", "arrival date", "customs entry date",
        "入境日期", "进口日期", "入境时间", "到港日期", "清关日期",
    )),
    # the day the goods left the seller: the entry date is assumed from it (transit days per mode, an assumption)
    Column("dispatch_date", False, "date", None, "发货日期", (
        "dispatch date", "dispatched date", "shipped date", "date shipped", "shipping date", "shipment date",
        "send date", "发货日期", "发货时间", "出货日期", "发运日期", "发货日",
    )),
    Column("shipping_mode", False, "mode", "express", "运输方式", (
        "mode", "ship mode", "shipping method", "shipping mode", "transport mode", "transport", "shipping", "channel",
        "shipping channel", "logistics", "运输方式", "物流方式", "物流渠道", "运输渠道", "发货方式", "物流", "渠道",
    )),
    Column("destination_country", False, "country", "US", "目的国", (
        "destination", "dest", "destination country", "ship to country", "country of destination", "import country",
        "目的国", "目的地", "目的国家", "收货国家", "进口国",
    )),
    # where in the destination country: the province or state whose tax applies (CA-ON, BR-SP), or for
    # destination_country EU the member state (value rules: orders/destinations.py)
    Column("destination_region", False, "region", None, "目的地区", (
        "region", "destination region", "state", "province", "state province", "province state", "state/province",
        "ship to state", "ship state", "ship-state", "shipping state", "shipping province", "shipping province code",
        "shipping province name", "destination state", "destination province", "state code", "province code",
        "member state", "目的地区", "目的省份", "目的州", "省份", "省", "州", "省/州", "州/省", "省份/州", "州/省份", "收货省份", "收货州",
        "收件人省份", "收件人州", "收货人省/州", "收件省份", "成员国", "目的成员国",
    )),
    Column("import_scheme", False, "scheme", None, "进口方式", (
        "import scheme", "scheme", "vat scheme", "customs scheme", "tax scheme", "clearance scheme", "clearance type",
        "ioss", "ioss number", "ioss no", "ioss/import vat", "进口方式", "进口模式", "清关方式", "清关模式", "计税模式",
        "税务模式", "IOSS/进口增值税", "IOSS号", "IOSS编号",
    )),
    Column("carrier", False, "carrier", None, "承运商", (
        "carrier", "courier", "courier company", "carrier name", "shipping carrier", "logistics provider",
        "logistics company", "last mile carrier", "承运商", "承运人", "快递公司", "物流商", "物流公司", "物流服务商", "尾程承运商",
    )),
    # where the parcel ships from (USMCA/CUSMA thresholds of Mexico and Canada); default the origin
    Column("ship_from_country", False, "country", None, "发货国", (
        "ship from", "ship from country", "shipped from", "ship-from country", "shipping from", "dispatch country",
        "country of dispatch", "export country", "country of export", "发货国", "发货国家", "发货地", "发货国家/地区",
        "起运国", "发运国", "出口国",
    )),
    Column("shipment_id", False, "text", None, "包裹号", (
        "shipment", "shipment no", "shipment number", "parcel", "parcel id", "package id", "tracking", "tracking number",
        "tracking no", "waybill", "awb", "bill of lading", "bl", "包裹号", "运单号", "物流单号", "追踪号", "快递单号", "提单号", "包裹ID",
    )),
    Column("consignee_id", False, "text", None, "收件人ID", (
        "consignee", "buyer", "buyer id", "customer", "customer id", "recipient", "recipient id",
        "收件人", "收件人ID", "买家ID", "买家", "客户ID", "收货人", "顾客ID",
    )),
    Column("sku", False, "text", None, "SKU", (
        "sku", "sku id", "item sku", "seller sku", "product id", "item id", "商品SKU", "SKU编码", "货号", "商品货号", "商品ID",
    )),
    Column("description", False, "text", None, "品名", (
        "product", "product name", "item", "item name", "goods", "goods description", "description of goods", "title",
        "品名", "商品名称", "商品名", "中文品名", "英文品名", "产品名称", "商品描述",
    )),
    Column("freight_cost", False, "money", 0.0, "运费", (
        "freight", "shipping cost", "shipping fee", "postage", "freight cost", "运费", "物流费", "头程运费", "邮费",
    )),
    Column("unit_price", False, "money", None, "售价", (
        "price", "unit price", "unit price usd", "sale price", "selling price", "retail price", "list price",
        "售价", "销售价", "销售单价", "零售价", "商品售价",
    )),
    Column("unit_cost", False, "money", None, "成本", (
        "cost", "unit cost", "purchase price", "purchase cost", "cogs", "product cost",
        "成本", "采购成本", "采购价", "单位成本", "进货价", "成本价",
    )),
    Column("metal_value_share", False, "share", None, "金属价值占比", (
        "metal share", "metal value share", "metal content", "steel share", "232 metal share",
        "金属占比", "金属价值占比", "金属含量占比",
    )),
    Column("postal_duty_method", False, "method", None, "邮政计税方式", (
        "postal duty method", "duty method", "postal method", "邮政计税方式", "邮政征税方式", "计税方式",
    )),
    Column("mfn_rate", False, "rate", None, "最惠国税率", (
        "mfn", "mfn rate", "mfn duty rate", "general rate", "mfn duty", "最惠国税率", "基础税率",
    )),
    Column("s301_list", False, "text", None, "301清单", (
        "301 list", "section 301 list", "s301", "301清单", "301列表",
    )),
    Column("unit_weight_kg", False, "weight", None, "单件净重kg", (
        "unit weight", "unit weight kg", "weight", "weight kg", "net weight", "net weight kg", "unit net weight",
        "单件净重", "单件重量", "净重", "重量", "单位重量", "单件净重kg", "重量kg",
    )),
    Column("s301_exclusion", False, "flag", False, "301排除", (
        "301 exclusion", "section 301 exclusion", "s301 exclusion", "exclusion", "301 excluded", "9903.88.69",
        "301排除", "301排除项", "排除", "301豁免",
    )),
    Column("civil_aircraft", False, "flag", False, "民用航空器", (
        "civil aircraft", "civil aircraft part", "9903.03.05", "民用航空器", "民用飞机零件",
    )),
    Column("auto_part", False, "flag", False, "汽车零部件", (
        "auto part", "automobile part", "car part", "vehicle part", "汽车零部件", "汽车配件",
    )),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
CANONICAL: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)

_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_BRACKETED = re.compile(r"[\(\[（【〔].*?[\)\]）】〕]|[\(\[（【〔].*$")


def header_key(header: object) -> str:
    """The matching key of a header: NFKC, lower case, letters and digits only."""
    text = unicodedata.normalize("NFKC", str(header)).lower()
    return _NON_ALNUM.sub("", text)


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for col in COLUMNS:
        for alias in (col.name, col.zh, *col.aliases):
            index.setdefault(header_key(alias), col.name)
    return index


_INDEX = _alias_index()


def match_header(header: object) -> str | None:
    """The canonical column a header names, or None."""
    key = header_key(header)
    if key in _INDEX:
        return _INDEX[key]
    stripped = header_key(_BRACKETED.sub("", unicodedata.normalize("NFKC", str(header))))
    return _INDEX.get(stripped) if stripped else None


def suggest_mapping(headers) -> dict[str, str]:  # noqa: ANN001 - any iterable of headers
    """``{header: canonical}`` for the headers that name a known column; the first header wins a column."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = match_header(header)
        if name is not None and name not in taken:
            out[str(header)] = name
            taken.add(name)
    return out


def resolve_mapping(headers: list[str], explicit: dict[str, str] | None) -> dict[str, str]:
    """The mapping to use: the explicit ``{header: canonical}`` entries, then automatic matches for the rest.

    An explicit entry naming an unknown canonical column or a header the file does not have is an
    ``ArgumentError`` (a mistake of the caller, not of the file). Mapping a header to ``""`` or ``None`` keeps it
    out of the matching (it passes through as an extra column).
    """
    explicit = dict(explicit or {})
    header_set = set(headers)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for header, name in explicit.items():
        if header not in header_set:
            raise ArgumentError(
                f"mapping: the file has no column {header!r}; columns found: {', '.join(headers)}. "
                "Map one of the columns found."
            )
        if not name:
            continue
        if name not in BY_NAME:
            raise ArgumentError(
                f"mapping: {header!r} -> {name!r} is not a known column; expected one of {', '.join(CANONICAL)}."
            )
        if name in taken:
            raise ArgumentError(f"mapping: two columns are mapped to {name!r}; map each column once.")
        out[header] = name
        taken.add(name)
    for header in headers:
        if header in explicit:
            continue
        name = match_header(header)
        if name is not None and name not in taken:
            out[header] = name
            taken.add(name)
    return out


# how a reader that can type columns while it parses (Arrow, for CSV) may read each kind: plain numbers, or
# dictionary-encoded text for kinds with few distinct values; free text stays text
_READ_AS = {"money": "number", "quantity": "number", "weight": "number", "hts": "category", "country": "category", "date": "category",
            "mode": "category", "currency": "category", "method": "category", "share": "category", "rate": "category",
            "flag": "category", "region": "category", "scheme": "category", "carrier": "category"}


def read_types(headers: list[str], explicit: dict[str, str] | None) -> dict[int, str]:
    """``{column position: "number" | "category"}`` for the headers that map to a checked column.

    Only a speed hint: a mapping the caller got wrong gives no hint here (the checks report it afterwards).
    """
    try:
        used = resolve_mapping(headers, explicit)
    except ArgumentError:
        return {}
    return {j: _READ_AS[BY_NAME[used[h]].kind] for j, h in enumerate(headers)
            if h in used and BY_NAME[used[h]].kind in _READ_AS}
