"""Value rules of the destination columns of the order file: ``destination_region``, ``import_scheme`` and
``carrier`` (``destination_country`` and ``ship_from_country`` are countries, read by the country check).

One cell alone is read by :func:`scheme_codes` and :func:`carrier_codes` (the per-column checks of the import);
the rules that need the line's destination are in :func:`resolve_destinations`, used by the import and by the
destination pipeline for frames handed to it directly:

- ``destination_country`` ``EU`` (欧盟) names no country: the member state goes in ``destination_region``
  (``DE``, ``Germany``, ``德国``) and becomes the line's destination; anything else there is refused;
- for Canada and Brazil the region is a province or state (``CA-ON``, ``ON``, ``Ontario``, ``安大略省``;
  ``BR-SP``, ``SP``, ``São Paulo``, ``圣保罗州``), written back as its ISO 3166-2 code; an unknown one is refused
  (it picks the GST/HST or ICMS rate); elsewhere the region is kept as written, upper case;
- ``import_scheme`` must be one the destination knows (:data:`SCHEMES_BY_DEST`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

EU_MEMBERS = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
              "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
EU_WORDS = ("EU", "European Union", "Europe", "欧盟", "欧洲", "欧盟国家")

SCHEMES = ("standard", "ioss", "marketplace", "remessa_conforme", "courier_simplified")
# the schemes a destination knows; a destination not named here knows only ``standard``
SCHEMES_BY_DEST = {
    **{m: ("standard", "ioss") for m in EU_MEMBERS},
    "GB": ("standard", "marketplace"),
    "AU": ("standard", "marketplace"),
    "BR": ("standard", "remessa_conforme"),
    "MX": ("standard", "courier_simplified"),
}
_SCHEME_WORDS = {
    # yes/no cells (a column headed IOSS) answer the one yes/no question a scheme column can hold: IOSS or not
    "standard": ("standard", "import vat", "import_vat", "non ioss", "no ioss", "normal", "进口增值税", "进口缴税", "标准", "一般清关",
                 "非IOSS", "正常清关", "no", "n", "false", "否", "不是"),
    "ioss": ("ioss", "ioss vat", "ioss号", "ioss申报", "一站式进口", "进口一站式", "yes", "y", "true", "是"),
    "marketplace": ("marketplace", "marketplace vat", "vat at sale", "平台代扣", "平台代收", "平台代缴", "平台代扣代缴", "销售时征税"),
    "remessa_conforme": ("remessa conforme", "remessa_conforme", "prc", "rc", "合规计划", "巴西合规计划", "合规认证计划"),
    "courier_simplified": ("courier simplified", "courier_simplified", "courier", "simplified", "快件简易", "简易清关", "快件清关"),
}
_CARRIER_WORDS = {
    "usps": ("usps", "美国邮政"), "ups": ("ups",), "fedex": ("fedex", "联邦快递"), "dhl": ("dhl", "敦豪"),
    "postnl": ("postnl", "荷兰邮政"), "royal_mail": ("royal mail", "英国皇家邮政", "皇家邮政"),
    "canada_post": ("canada post", "加拿大邮政"), "correos_mx": ("correos de mexico", "correos mx", "墨西哥邮政"),
    "china_post": ("china post", "中国邮政", "邮政小包", "e邮宝", "epacket"), "ems": ("ems",),
    "yunexpress": ("yunexpress", "yun express", "云途", "云途物流"), "yanwen": ("yanwen", "燕文", "燕文物流"),
    "4px": ("4px", "递四方"), "sf_express": ("sf express", "sf", "顺丰", "顺丰速运"), "cainiao": ("cainiao", "菜鸟"),
}
# Chinese names of Canada's provinces and territories and Brazil's states (ISO 3166-2 codes)
_ZH_REGIONS = {
    "CA-ON": ("安大略",), "CA-QC": ("魁北克",), "CA-BC": ("不列颠哥伦比亚", "卑诗"), "CA-AB": ("阿尔伯塔", "艾伯塔"),
    "CA-MB": ("曼尼托巴", "马尼托巴"), "CA-SK": ("萨斯喀彻温", "萨斯喀彻温"), "CA-NS": ("新斯科舍",), "CA-NB": ("新不伦瑞克",),
    "CA-NL": ("纽芬兰与拉布拉多", "纽芬兰和拉布拉多", "纽芬兰"), "CA-PE": ("爱德华王子岛",), "CA-NT": ("西北地区",),
    "CA-YT": ("育空",), "CA-NU": ("努纳武特",),
    "BR-AC": ("阿克里",), "BR-AL": ("阿拉戈斯",), "BR-AP": ("阿马帕",), "BR-AM": ("亚马孙",), "BR-BA": ("巴伊亚",),
    "BR-CE": ("塞阿拉",), "BR-DF": ("联邦区", "巴西利亚联邦区"), "BR-ES": ("圣埃斯皮里图",), "BR-GO": ("戈亚斯",),
    "BR-MA": ("马拉尼昂",), "BR-MT": ("马托格罗索",), "BR-MS": ("南马托格罗索",), "BR-MG": ("米纳斯吉拉斯",),
    "BR-PA": ("帕拉",), "BR-PB": ("帕拉伊巴",), "BR-PR": ("巴拉那",), "BR-PE": ("伯南布哥",), "BR-PI": ("皮奥伊",),
    "BR-RJ": ("里约热内卢",), "BR-RN": ("北里奥格兰德",), "BR-RS": ("南里奥格兰德",), "BR-RO": ("朗多尼亚",),
    "BR-RR": ("罗赖马",), "BR-SC": ("圣卡塔琳娜",), "BR-SP": ("圣保罗",), "BR-SE": ("塞尔希培",), "BR-TO": ("托坎廷斯",),
}
REGION_COUNTRIES = ("CA", "BR")  # where the region picks a rate, so it must be known
_IOSS_NUMBER = re.compile(r"im\d{10}")
_SUFFIX = re.compile(r"(省|州|地区|特区)$")


def word_key(text: str) -> str:
    """A cell's matching key: NFKC, accents dropped, lower case, letters and digits only."""
    plain = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(text)))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", plain.lower())


def _index(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word_key(w): code for code, ws in words.items() for w in (code, *ws)}


_SCHEME_INDEX = _index(_SCHEME_WORDS)
_CARRIER_INDEX = _index(_CARRIER_WORDS)


def scheme_codes(cells: pd.Series) -> np.ndarray:
    """Each cell's scheme code (``ioss``, ``standard`` ...), None where the cell names no scheme. An IOSS
    number (``IM`` and ten digits) means ``ioss``."""
    def one(x: str) -> str | None:
        key = word_key(x)
        return "ioss" if _IOSS_NUMBER.fullmatch(key) else _SCHEME_INDEX.get(key)
    return cells.map(one).to_numpy(dtype=object)


def carrier_codes(cells: pd.Series) -> np.ndarray:
    """Each cell's carrier code: a known carrier's (``DHL快递`` is not one, ``DHL`` is), else the text in lower
    case with spaces as underscores (carriers are open-ended: the code only picks presets)."""
    def one(x: str) -> str:
        return _CARRIER_INDEX.get(word_key(x)) or re.sub(r"\s+", "_", unicodedata.normalize("NFKC", x).strip().lower())
    return cells.map(one).to_numpy(dtype=object)


@functools.cache
def _regions(country: str) -> dict[str, str]:
    """``{key: ISO 3166-2 code}`` for the subdivisions of ``country`` (code, short code, names in English and Chinese)."""
    import pycountry

    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        short = sub.code.split("-", 1)[1]
        for w in (sub.code, short, sub.name):
            out[word_key(w)] = sub.code
    for code, names in _ZH_REGIONS.items():
        if code.startswith(country + "-"):
            for w in names:
                out[word_key(w)] = code
    return out


@functools.cache
def _members() -> dict[str, str]:
    from costimpact.orders.normalize import _countries

    out = {k: v for k, v in _countries().items() if v in EU_MEMBERS}
    out.update({word_key("EU-" + m): m for m in EU_MEMBERS})
    return out


def _region_of(country: str, cell: str) -> str | None:
    table = _regions(country)
    key = word_key(cell)
    return table.get(key) or table.get(word_key(_SUFFIX.sub("", unicodedata.normalize("NFKC", cell).strip())))


def is_eu_word(cells: pd.Series) -> np.ndarray:
    keys = {word_key(w) for w in EU_WORDS}
    return cells.map(lambda x: word_key(x) in keys).to_numpy(dtype=bool)


def resolve_destinations(dest: pd.Series, region: pd.Series, scheme: pd.Series) -> tuple[pd.Series, pd.Series, list[tuple[np.ndarray, str, str]]]:
    """(destination, region, problems) for lines with ``dest`` (ISO code or ``EU``; blank: US), ``region`` as
    written and ``scheme`` as a code (blank: the destination's default).

    Problems are ``(lines, column, key)`` with ``key`` a message ``orders.problem.<key>``. The work is done once
    per distinct (destination, region) pair.
    """
    dest = dest.fillna("").astype(str).str.strip().str.upper().replace("", "US")
    region = region.fillna("").astype(str).str.strip()
    scheme = scheme.fillna("").astype(str).str.strip()
    pair = dest + "\x1f" + region
    codes, uniq = pd.factorize(pair)
    d_u = np.empty(len(uniq), dtype=object)
    r_u = np.empty(len(uniq), dtype=object)
    bad_u = np.full(len(uniq), "", dtype=object)
    for i, p in enumerate(uniq):  # distinct (destination, region) pairs, not rows
        d, r = p.split("\x1f", 1)
        d_u[i], r_u[i] = d, r.upper()
        if d == "EU":
            member = _members().get(word_key(r)) if r else None
            d_u[i], r_u[i] = (member, "") if member else (d, r)
            bad_u[i] = "" if member else "eu_member_unknown"
        elif d in REGION_COUNTRIES and r:
            got = _region_of(d, r)
            r_u[i] = got or r
            bad_u[i] = "" if got else f"region_unknown_{d.lower()}"
    new_dest = pd.Series(d_u[codes], index=dest.index, dtype="str") if len(dest) else dest
    new_region = pd.Series(r_u[codes], index=dest.index, dtype="str") if len(dest) else region
    problems: list[tuple[np.ndarray, str, str]] = []
    bad = bad_u[codes] if len(dest) else np.zeros(0, dtype=object)
    for key in ("eu_member_unknown", "region_unknown_ca", "region_unknown_br"):
        hit = bad == key
        if hit.any():
            problems.append((hit, "destination_region", key))
    dest_scheme = new_dest.astype(str) + "\x1f" + scheme
    sc_codes, sc_uniq = pd.factorize(dest_scheme)
    wrong_u = np.array([s != "" and s not in SCHEMES_BY_DEST.get(d, ("standard",)) for d, s in (p.split("\x1f", 1) for p in sc_uniq)], dtype=bool)
    wrong = (wrong_u[sc_codes] if len(dest) else np.zeros(0, dtype=bool)) & (bad == "")
    if wrong.any():
        problems.append((wrong, "import_scheme", "scheme_not_for_destination"))
    return new_dest, new_region, problems
