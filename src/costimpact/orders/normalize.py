"""Normalise and check order cells, collecting every problem of every row (pandera's lazy validation shape).

Each canonical column is turned into text once, factorised, and checked on its *unique* values only (a million
rows of a seller's file hold a few hundred countries, modes, dates and codes), then the per-unique outcome is
taken back to the rows. Each check yields, per cell, a normalised value, a problem key (or nothing) and a note
(or nothing). Problems become rejects; a row with any problem is not priced. Notes ride along on priced lines.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from costimpact.orders.columns import BY_NAME, COLUMNS, REQUIRED, resolve_mapping
from costimpact.orders.destinations import carrier_codes, is_eu_word, resolve_destinations, scheme_codes
from costimpact.orders.messages import OrderFileRefused, per_row, text
from costimpact.orders.readers import RawTable

# Sanity ceilings of input checking (not law): a unit worth more than this, or more units than this on one
# line, is a typo or a cell shifted by one column far more often than a real order.
MAX_AMOUNT = 1e9
MAX_QUANTITY = 1e9
MAX_RATE = 5.0
DATE_MIN_YEAR, DATE_MAX_YEAR = 2000, 2100
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

REJECT_COLUMNS = ("row_number", "column", "value", "problem", "problem_zh")
MODES = ("postal", "express", "air_freight", "ocean_freight")
METHODS = ("ad_valorem", "specific")


# ---------------------------------------------------------------------------------------------------------
# cells to text


def cell_text(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text of every cell (``""`` where empty) and a mask of cells that held a number (not text).

    Numbers print without a trailing ``.0`` when whole (an HTS code or an order id typed into a number
    cell), dates and datetimes as ISO text; strings stay as they are.
    """
    n = len(s)
    idx = s.index
    if n == 0:
        return pd.Series([], dtype="str", index=idx), np.zeros(0, dtype=bool)
    if isinstance(s.dtype, pd.CategoricalDtype):  # the text of each category, taken to the rows
        codes, cats_text, cats_num = _category_cells(s)
        return pd.Series(_take_str(cats_text.to_numpy(dtype=object), codes).to_numpy(dtype=object), index=idx,
                         dtype="str"), cats_num[codes]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("str").fillna(""), np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        arr = s.to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(_format_numbers(arr), index=idx, dtype="str"), ~np.isnan(arr)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _format_datetimes(s), np.zeros(n, dtype=bool)
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return s.fillna(""), np.zeros(n, dtype=bool)
    # object: a mix of what a workbook or a caller put in the cells
    types = s.map(type)
    is_str = (types == str).to_numpy()
    if is_str.all():
        return s.astype("str"), np.zeros(n, dtype=bool)
    out = np.full(n, "", dtype=object)
    out[is_str] = s[is_str].to_numpy()
    is_num = types.isin([float, int, np.float64, np.int64, np.float32, np.int32]).to_numpy().copy()
    if is_num.any():
        out[is_num] = _format_numbers(s[is_num].to_numpy(dtype=float))
        is_num &= ~pd.isna(s).to_numpy()
    is_time = types.isin([_dt.datetime, _dt.date, pd.Timestamp]).to_numpy()
    if is_time.any():
        out[is_time] = _format_datetimes(pd.to_datetime(s[is_time], errors="coerce")).to_numpy()
    other = ~(is_str | is_num | is_time) & ~pd.isna(s).to_numpy()
    if other.any():
        out[other] = s[other].astype("str").to_numpy()
    return pd.Series(out, index=idx, dtype="str").fillna(""), is_num


def _format_numbers(arr: np.ndarray) -> np.ndarray:
    out = np.full(arr.shape, "", dtype=object)
    finite = np.isfinite(arr)
    whole = finite & (np.abs(arr) < 1e15) & (np.floor(arr) == arr)
    out[whole] = arr[whole].astype(np.int64).astype(str)
    rest = ~whole & ~np.isnan(arr)
    if rest.any():
        out[rest] = arr[rest].astype(str)  # numpy prints the shortest text that reads back the same
    return out


def _format_datetimes(s: pd.Series) -> pd.Series:
    has_time = (s.dt.hour != 0) | (s.dt.minute != 0) | (s.dt.second != 0)
    day = s.dt.strftime("%Y-%m-%d")
    full = s.dt.strftime("%Y-%m-%d %H:%M:%S")
    return full.where(has_time, day).fillna("").astype("str")


# ---------------------------------------------------------------------------------------------------------
# per-unique checks: each takes the unique stripped texts and returns DataFrame(value, problem, note)


def _result(value, problem, note=None) -> pd.DataFrame:  # noqa: ANN001
    n = len(problem)
    return pd.DataFrame({
        "value": value,
        "problem": pd.Series(problem, dtype=object).fillna("").to_numpy(dtype=object),
        "note": np.full(n, "", dtype=object) if note is None else pd.Series(note, dtype=object).fillna("").to_numpy(dtype=object),
    })


def _check_text(u: pd.Series, **_: object) -> pd.DataFrame:
    return _result(u.to_numpy(dtype=object), np.full(len(u), "", dtype=object))


_HTS_JUNK = re.compile(r"[\s.\-\u3000]")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")


def _check_hts(u: pd.Series, **_: object) -> pd.DataFrame:
    nf = u.map(lambda x: unicodedata.normalize("NFKC", x)).astype("str")
    digits = nf.str.replace(_HTS_JUNK, "", regex=True)
    plain = nf.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    length = digits.str.len().to_numpy()
    all_digits = digits.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    lost_zero = plain & np.isin(length, (5, 7, 9))
    value = np.where(lost_zero, "0" + digits.to_numpy(dtype=object), digits.to_numpy(dtype=object))
    ok = (all_digits & (length >= 6) & (length <= 10)) | lost_zero
    problem = np.where(ok, "", "hts_bad").astype(object)
    problem[_match(nf, _SCIENTIFIC)] = "hts_scientific"
    note = np.full(len(u), "", dtype=object)
    if lost_zero.any():
        note[lost_zero] = [text("note.hts_zero", value=f"{a} -> {b}") for a, b in zip(digits[lost_zero], value[lost_zero])]
    value = np.where(ok, value, None)
    return _result(value, problem, note)


def _match(s: pd.Series, pattern: re.Pattern) -> np.ndarray:
    return s.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


_CURRENCY_MARKS = re.compile(r"^(?:US\$|USD|\$)\s*|\s*(?:USD|US\$|\$)$", re.I)


def _parse_numbers(u: pd.Series, decimal_comma: bool = False, percent: bool = False,
                   numeric: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float values, parse failed, problem key or "") for the unique texts of one column.

    Thousands separators, ``$`` and (optionally) ``%`` are allowed. The decimal mark is decided for the whole
    column from all its cells (:func:`decimal_mark`), never cell by cell: ``2.125`` beside ``0,5`` is 2125, beside
    ``1.5`` it is 2.125. A cell that reads differently under the two marks while the column does not tell which
    is meant is refused with the two readings, not guessed. ``numeric`` marks texts that come from number cells
    (a workbook's): they are numbers already, read as written and left out of the column's decision.
    """
    why = np.full(len(u), "", dtype=object)
    if numeric is not None and numeric.any():
        vals, failed, why = _parse_numbers(u.where(~numeric, ""), decimal_comma, percent)
        vals[numeric] = pd.to_numeric(u[numeric], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        failed[numeric] = np.isnan(vals[numeric]) | np.isinf(vals[numeric])
        return vals, failed, why
    has_comma = u.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)
    if not decimal_comma and not has_comma.any():  # the usual case: dots only, read as decimal points
        vals = pd.to_numeric(u, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
        bad = np.isnan(vals) & (u != "").to_numpy()
        if bad.any():
            rest, pct = _number_text(u[bad], percent)
            vals[bad] = _read_marks(rest, "dot", pct)
    else:
        rest, pct = _number_text(u, percent)
        mark, unsure = decimal_mark(rest, default=None if decimal_comma else "dot")
        vals = _read_marks(rest, mark if mark in ("dot", "comma") else "dot", pct)
        if unsure.any():
            vals[unsure] = np.nan
            why[unsure] = "number_marks_mixed" if mark == "mixed" else "number_ambiguous"
    failed = (np.isnan(vals) & (u != "").to_numpy()) | np.isinf(vals)
    # "nan" and "inf" typed into a cell are not numbers a seller meant
    failed |= u.str.lower().str.strip("+-").isin(["nan", "inf", "infinity"]).to_numpy()
    failed &= why == ""
    return vals, failed, why


def _number_text(u: pd.Series, percent: bool) -> tuple[pd.Series, np.ndarray]:
    """The cells without currency marks, white space (thousands spaces) and, for rates, a trailing ``%``."""
    rest = u.map(lambda x: unicodedata.normalize("NFKC", x)).astype("str")
    rest = rest.str.replace(_CURRENCY_MARKS, "", regex=True).str.strip()
    pct = rest.str.endswith("%").fillna(False).to_numpy(dtype=bool) if percent else np.zeros(len(rest), dtype=bool)
    rest = rest.str.rstrip("%") if percent else rest
    return rest.str.replace(r"[\s\u3000]", "", regex=True), pct


# a single separator followed by exactly three digits after one to three leading digits ("2.125", "1,250"):
# a decimal point or a thousands separator, the cell alone cannot tell
_MARK_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")
_GROUPED = {"dot": re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?"),
            "comma": re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")}
_PLAIN = {"dot": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"), "comma": re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)")}


def decimal_mark(cells: pd.Series, default: str | None) -> tuple[str | None, np.ndarray]:
    """The decimal mark of a column of number texts, decided from all its cells, and the cells it leaves unsure.

    A cell shows the mark when only one reading fits it: ``1,5``/``0,250``/``1.234,5``/``1.234.567`` say comma,
    ``1.5``/``0.250``/``1,234.5``/``1,234,567`` say dot. Returns ``("comma" | "dot", none unsure)`` when the cells
    agree (or none tells and ``default`` is given: the file's convention), ``(None, ambiguous cells)`` when none
    tells and there is no default (a ``;``-separated file: both conventions are common), and ``("mixed", cells that
    read differently under the two marks)`` when the cells disagree.
    """
    ambiguous = _match(cells, _MARK_AMBIGUOUS)
    says = {}
    for mark, other in (("comma", "dot"), ("dot", "comma")):
        fits = _match(cells, _GROUPED[mark]) | _match(cells, _PLAIN[mark])
        fits_other = _match(cells, _GROUPED[other]) | _match(cells, _PLAIN[other])
        says[mark] = fits & ~fits_other & ~ambiguous
    comma, dot = bool(says["comma"].any()), bool(says["dot"].any())
    none = np.zeros(len(cells), dtype=bool)
    if comma and dot:
        differs = cells.str.contains(r"[.,]", regex=True).fillna(False).to_numpy(dtype=bool)
        return "mixed", differs
    if comma or dot:
        return ("comma" if comma else "dot"), none
    if default is not None or not ambiguous.any():
        return default, none
    return None, ambiguous


def _read_marks(rest: pd.Series, mark: str, pct: np.ndarray) -> np.ndarray:
    """Numbers from cleaned texts under one decimal mark (thousands separators of the other kind removed)."""
    sep, dec = (",", ".") if mark == "dot" else (".", ",")
    grouped = _match(rest, _GROUPED[mark])
    plain = rest.str.replace(dec, ".", regex=False) if mark == "comma" else rest
    text_ = plain.where(~grouped, rest.str.replace(sep, "", regex=False).str.replace(dec, ".", regex=False))
    ok = grouped | _match(rest, _PLAIN[mark]) | ~rest.str.contains(r"[.,]", regex=True).fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_numeric(text_.where(ok, ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    parsed[(text_ == "").to_numpy()] = np.nan
    return np.where(pct, parsed / 100.0, parsed)


# problem keys of number cells by a small code (0: fine), so a million cells cost an int8 array, not objects
_NUMBER_KEYS = np.array(["", "value_not_positive", "too_large", "negative", "quantity_fraction", "quantity_below_one",
                         "share_range", "rate_range", "number_bad", "missing", "weight_not_positive"], dtype=object)
_NK = {k: np.int8(i) for i, k in enumerate(_NUMBER_KEYS)}


def _number_problem_codes(vals: np.ndarray, failed: np.ndarray, kind: str) -> np.ndarray:
    """Problem codes (indices into ``_NUMBER_KEYS``, 0 where fine) of parsed numbers for a column kind."""
    code = np.zeros(len(vals), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        if kind == "money_positive":
            code[vals <= 0] = _NK["value_not_positive"]
            code[vals > MAX_AMOUNT] = _NK["too_large"]
        elif kind == "money":
            code[vals < 0] = _NK["negative"]
            code[vals > MAX_AMOUNT] = _NK["too_large"]
        elif kind == "weight":
            code[vals <= 0] = _NK["weight_not_positive"]
        elif kind == "quantity":
            code[np.floor(vals) != vals] = _NK["quantity_fraction"]
            code[vals < 1] = _NK["quantity_below_one"]
            code[vals > MAX_QUANTITY] = _NK["too_large"]
        elif kind == "share":
            code[(vals < 0) | (vals > 1)] = _NK["share_range"]
        elif kind == "rate":
            code[(vals < 0) | (vals > MAX_RATE)] = _NK["rate_range"]
    code[failed] = _NK["number_bad"]
    return code


def _number_problems(vals: np.ndarray, failed: np.ndarray, kind: str, why: np.ndarray | None = None) -> np.ndarray:
    """Problem keys ("" where fine) of parsed numbers for a column kind; ``why`` (a reading refused) comes first."""
    keys = _NUMBER_KEYS[_number_problem_codes(vals, failed, kind)]
    return keys if why is None else np.where(why != "", why, keys)


def _check_number(kind: str):  # noqa: ANN202
    def check(u: pd.Series, decimal_comma: bool = False, numeric: np.ndarray | None = None, **_: object) -> pd.DataFrame:
        vals, failed, why = _parse_numbers(u, decimal_comma, percent=kind in ("share", "rate"), numeric=numeric)
        problem = _number_problems(vals, failed, kind, why)
        return _result(np.where(problem == "", vals, np.nan), problem)

    return check


def _fast_numbers(raw_text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(values, empty, failed) when Arrow parses every non-empty cell as a plain number, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if str(raw_text.dtype) != "str" or len(raw_text) == 0:
        return None
    try:
        arr = pa.array(raw_text)
        empty = pc.equal(arr, "")
        vals = pc.cast(pc.if_else(empty, pa.scalar(None, pa.string()), arr), pa.float64())
    except (pa.ArrowException, TypeError, ValueError):
        return None
    v = vals.to_numpy(zero_copy_only=False).astype(float, copy=True)
    e = empty.to_numpy(zero_copy_only=False).astype(bool)
    return v, e, ~e & ~np.isfinite(v)


def _key(x: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", x).lower())


def _lookup(u: pd.Series, table: dict[str, str], fallback=None) -> np.ndarray:  # noqa: ANN001
    keys = u.map(_key)
    out = keys.map(table).to_numpy(dtype=object)
    if fallback is not None:
        miss = pd.isna(out)
        if miss.any():
            out[miss] = [fallback(k) for k in keys[miss]]
    return out


@functools.cache
def _countries() -> dict[str, str]:
    import pycountry

    table: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)):
            if name:
                table.setdefault(_key(name), c.alpha_2)
    for c in pycountry.countries:
        table[_key(c.alpha_3)] = c.alpha_2
    for c in pycountry.countries:
        table[_key(c.alpha_2)] = c.alpha_2
    table.update({_key(k): v for k, v in _COUNTRY_EXTRA.items()})
    return table


_COUNTRY_EXTRA = {
    "UK": "GB", "Britain": "GB", "Great Britain": "GB", "England": "GB", "USA": "US", "U.S.": "US", "U.S.A.": "US",
    "America": "US", "United States of America": "US", "PRC": "CN", "P.R.C.": "CN", "P.R. China": "CN",
    "Mainland China": "CN", "China Mainland": "CN", "China (Mainland)": "CN", "People's Republic of China": "CN",
    "Hongkong": "HK", "Hong Kong SAR": "HK", "Hong Kong, China": "HK", "Macau": "MO", "Macao SAR": "MO",
    "Taiwan": "TW", "Chinese Taipei": "TW", "Vietnam": "VN", "Viet Nam": "VN", "South Korea": "KR", "Korea": "KR",
    "Republic of Korea": "KR", "North Korea": "KP", "Russia": "RU", "Turkey": "TR", "Turkiye": "TR", "Iran": "IR",
    "Laos": "LA", "Syria": "SY", "Czech Republic": "CZ", "Burma": "MM", "Holland": "NL", "Bolivia": "BO",
    "Venezuela": "VE", "Tanzania": "TZ", "Moldova": "MD", "Ivory Coast": "CI", "Brunei": "BN", "Cape Verde": "CV",
    "中国": "CN", "中国大陆": "CN", "大陆": "CN", "中华人民共和国": "CN", "内地": "CN", "中国内地": "CN",
    "香港": "HK", "中国香港": "HK", "澳门": "MO", "中国澳门": "MO", "台湾": "TW", "中国台湾": "TW",
    "越南": "VN", "印度": "IN", "美国": "US", "墨西哥": "MX", "马来西亚": "MY", "孟加拉": "BD", "孟加拉国": "BD",
    "泰国": "TH", "印度尼西亚": "ID", "印尼": "ID", "柬埔寨": "KH", "菲律宾": "PH", "日本": "JP", "韩国": "KR",
    "朝鲜": "KP", "加拿大": "CA", "德国": "DE", "英国": "GB", "法国": "FR", "意大利": "IT", "西班牙": "ES",
    "荷兰": "NL", "波兰": "PL", "土耳其": "TR", "巴基斯坦": "PK", "斯里兰卡": "LK", "缅甸": "MM", "老挝": "LA",
    "新加坡": "SG", "澳大利亚": "AU", "新西兰": "NZ", "巴西": "BR", "俄罗斯": "RU", "葡萄牙": "PT", "瑞士": "CH",
    "瑞典": "SE", "比利时": "BE", "奥地利": "AT", "以色列": "IL", "阿联酋": "AE", "沙特阿拉伯": "SA", "埃及": "EG",
    "南非": "ZA", "尼日利亚": "NG", "肯尼亚": "KE", "埃塞俄比亚": "ET", "摩洛哥": "MA", "智利": "CL", "秘鲁": "PE",
    "哥伦比亚": "CO", "阿根廷": "AR", "危地马拉": "GT", "洪都拉斯": "HN", "萨尔瓦多": "SV", "尼加拉瓜": "NI",
    "多米尼加": "DO", "约旦": "JO", "尼泊尔": "NP", "蒙古": "MN", "哈萨克斯坦": "KZ", "乌兹别克斯坦": "UZ",
    "爱尔兰": "IE", "丹麦": "DK", "挪威": "NO", "芬兰": "FI", "希腊": "GR", "捷克": "CZ", "匈牙利": "HU",
    "罗马尼亚": "RO", "乌克兰": "UA", "葡萄牙共和国": "PT",
}


def _country_fallback(key: str) -> str | None:
    for prefix in ("madein", "产自", "原产"):
        if key.startswith(prefix) and len(key) > len(prefix):
            return _countries().get(key[len(prefix):])
    return None


def _check_country(u: pd.Series, **_: object) -> pd.DataFrame:
    code = _lookup(u, _countries(), _country_fallback)
    problem = np.where(pd.isna(code), "country_unknown", "").astype(object)
    return _result(code, problem)


_MODE_EXACT = {
    "postal": "postal", "post": "postal", "mail": "postal", "postalmail": "postal", "postal service": "postal",
    "epacket": "postal", "ems": "postal", "usps": "postal", "chinapost": "postal", "airmail": "postal",
    "邮政": "postal", "小包": "postal", "平邮": "postal", "挂号小包": "postal", "邮政小包": "postal", "e邮宝": "postal",
    "中国邮政": "postal", "国际小包": "postal",
    "express": "express", "courier": "express", "expresscourier": "express", "dhl": "express", "ups": "express",
    "fedex": "express", "tnt": "express", "快递": "express", "商业快递": "express", "国际快递": "express",
    "airfreight": "air_freight", "air": "air_freight", "aircargo": "air_freight", "airfreightcargo": "air_freight",
    "空运": "air_freight", "航空": "air_freight", "空派": "air_freight", "航空货运": "air_freight",
    "oceanfreight": "ocean_freight", "ocean": "ocean_freight", "sea": "ocean_freight", "seafreight": "ocean_freight",
    "seacargo": "ocean_freight", "fcl": "ocean_freight", "lcl": "ocean_freight", "vessel": "ocean_freight",
    "海运": "ocean_freight", "海派": "ocean_freight", "船运": "ocean_freight", "整柜": "ocean_freight", "拼箱": "ocean_freight",
}
_MODE_EXACT = {_key(k): v for k, v in _MODE_EXACT.items()}
# a longer channel name ("中国邮政挂号小包", "美森海运", "DHL快递") is read by its first telling word
_MODE_WORDS = (
    ("postal", ("邮政", "小包", "平邮", "邮宝", "epacket", "postal", "airmail", "usps", "chinapost")),
    ("ocean_freight", ("海运", "海派", "船", "ocean", "sea", "fcl", "lcl")),
    ("air_freight", ("空运", "空派", "航空", "airfreight", "aircargo")),
    ("express", ("快递", "dhl", "ups", "fedex", "tnt", "express", "courier")),
)


def _mode_fallback(key: str) -> str | None:
    for mode, words in _MODE_WORDS:
        if any(w in key for w in words):
            return mode
    return None


def _check_mode(u: pd.Series, **_: object) -> pd.DataFrame:
    mode = _lookup(u, _MODE_EXACT, _mode_fallback)
    return _result(mode, np.where(pd.isna(mode), "mode_unknown", "").astype(object))


_METHOD = {_key(k): v for k, v in {
    "ad_valorem": "ad_valorem", "ad valorem": "ad_valorem", "从价": "ad_valorem", "从价税": "ad_valorem",
    "specific": "specific", "per item": "specific", "从量": "specific", "从量税": "specific",
}.items()}


def _check_method(u: pd.Series, **_: object) -> pd.DataFrame:
    m = _lookup(u, _METHOD)
    return _result(m, np.where(pd.isna(m), "method_unknown", "").astype(object))


_CURRENCY_ALIAS = {
    "RMB": "CNY", "人民币": "CNY", "元": "CNY", "CNH": "CNY", "人民币元": "CNY", "美元": "USD", "美金": "USD",
    "US$": "USD", "$": "USD", "USD$": "USD", "欧元": "EUR", "€": "EUR", "港币": "HKD", "港元": "HKD", "HK$": "HKD",
    "英镑": "GBP", "£": "GBP", "日元": "JPY", "日币": "JPY", "円": "JPY", "加元": "CAD", "澳元": "AUD",
    "越南盾": "VND", "泰铢": "THB", "韩元": "KRW", "新台币": "TWD", "马币": "MYR", "令吉": "MYR", "印度卢比": "INR",
    "墨西哥比索": "MXN", "新加坡元": "SGD",
}


def _check_currency(u: pd.Series, **_: object) -> pd.DataFrame:
    import pycountry

    nf = u.map(lambda x: unicodedata.normalize("NFKC", x).strip()).astype("str")
    upper = nf.str.upper()
    known = {c.alpha_3 for c in pycountry.currencies}
    code = upper.where(upper.isin(known)).to_numpy(dtype=object)
    alias = nf.map({k.upper() if k.isascii() else k: v for k, v in _CURRENCY_ALIAS.items()} | _CURRENCY_ALIAS)
    alias = alias.where(alias.notna(), upper.map({k.upper(): v for k, v in _CURRENCY_ALIAS.items() if k.isascii()}))
    code = np.where(pd.isna(code), alias.to_numpy(dtype=object), code)
    problem = np.where(pd.isna(code), "currency_unknown", "").astype(object)
    problem[nf.isin(["¥", "￥", "YEN"]).to_numpy()] = "currency_yen"
    return _result(np.where(problem == "", code, None), problem)


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[T\s].*)?$")
_SERIAL = re.compile(r"^\d{1,7}(\.\d+)?$")


def _check_date(u: pd.Series, **_: object) -> pd.DataFrame:
    nf = u.map(lambda x: unicodedata.normalize("NFKC", x).strip()).astype("str")
    n = len(nf)
    year = np.full(n, np.nan)
    month = np.full(n, np.nan)
    day = np.full(n, np.nan)
    problem = np.full(n, "", dtype=object)
    for pattern in (_YMD, _COMPACT):
        parts = nf.str.extract(pattern)
        hit = parts[0].notna().to_numpy() & np.isnan(year)
        year[hit] = parts[0][hit].astype(float)
        month[hit] = parts[1][hit].astype(float)
        day[hit] = parts[2][hit].astype(float)
    parts = nf.str.extract(_DMY)
    hit = parts[0].notna().to_numpy() & np.isnan(year)
    if hit.any():
        a = parts[0][hit].astype(float).to_numpy()
        b = parts[1][hit].astype(float).to_numpy()
        y = parts[2][hit].astype(float).to_numpy()
        # the order of day and month is the column's, decided from all its cells: one cell with a day past 12
        # (13/01/2025 or 01/13/2025) settles every cell of the column; cells that cannot tell keep no guess
        # when the column never tells, or tells both ways
        day_first = a > 12
        month_first = b > 12
        if day_first.any() != month_first.any():
            day_first = np.full(len(a), bool(day_first.any())) & ~month_first
            month_first = ~day_first
        ambiguous = ~day_first & ~month_first & (a != b)
        idx = np.flatnonzero(hit)
        year[idx] = y
        month[idx] = np.where(day_first, b, a)
        day[idx] = np.where(day_first, a, b)
        problem[idx[ambiguous]] = "date_ambiguous"
        year[idx[ambiguous]] = np.nan
    dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    dates = pd.Series(dates.to_numpy(dtype="datetime64[ns]"))
    serial = _match(nf, _SERIAL) & np.isnan(year)
    if serial.any():
        days = pd.to_numeric(nf[serial], errors="coerce").to_numpy(dtype=float)
        ok = (days >= 1) & (days < 2958466)
        vals = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[ns]")
        vals[ok] = (_EXCEL_EPOCH + pd.to_timedelta(np.floor(days[ok]), unit="D")).to_numpy(dtype="datetime64[ns]")
        dates[serial] = vals
    # month names ("Sep 1, 2025", "1-Sep-2025"): rare, so pandas' own parser on the few left
    worded = dates.isna().to_numpy() & nf.str.contains(r"[A-Za-z]{3}", regex=True).fillna(False).to_numpy(dtype=bool) & (problem == "")
    if worded.any():
        dates[worded] = pd.Series([_worded_date(x) for x in nf[worded]], dtype="datetime64[ns]").to_numpy()
    bad = dates.isna().to_numpy() & (problem == "")
    problem[bad] = "date_bad"
    years = dates.dt.year.to_numpy(dtype=float, na_value=np.nan)
    years = np.where(np.isnan(years), year, years)  # a year pandas cannot hold (0001) is still out of range
    out_of_range = ~np.isnan(years) & ((years < DATE_MIN_YEAR) | (years > DATE_MAX_YEAR))
    problem[out_of_range] = "date_range"
    dates[problem != ""] = pd.NaT
    return _result(dates.dt.normalize().to_numpy(dtype="datetime64[ns]"), problem)


def _worded_date(x: str) -> pd.Timestamp:
    """A date written with a month name; NaT unless it names a four-digit year (no guessing the year)."""
    if not re.search(r"(?<!\d)\d{4}(?!\d)", x):
        return pd.NaT
    try:
        return pd.Timestamp(pd.to_datetime(x, errors="coerce"))
    except (ValueError, OverflowError, TypeError):
        return pd.NaT


_FLAG_TRUE = {"true", "yes", "y", "1", "x", "是", "有", "对", "✓", "√", "99038869", "99038870"}
_FLAG_FALSE = {"false", "no", "n", "0", "否", "无", "不", "✗", "×"}


def _check_flag(u: pd.Series, **_: object) -> pd.DataFrame:
    """Yes/no cells (a claimed Section 301 exclusion): yes, true, 1, 是, ✓ or the claim's HTS heading
    (9903.88.69 / 9903.88.70) mean yes; no, false, 0, 否 or a blank cell mean no."""
    keys = u.map(lambda x: re.sub(r"[\s.]+", "", unicodedata.normalize("NFKC", x).lower())).astype("str")
    yes = keys.isin(_FLAG_TRUE).to_numpy()
    no = keys.isin(_FLAG_FALSE).to_numpy() | (keys == "").to_numpy()
    problem = np.where(yes | no, "", "flag_bad").astype(object)
    return _result(np.where(yes, True, np.where(no, False, None)), problem)


def _check_destination(u: pd.Series, **_: object) -> pd.DataFrame:
    """A destination country, or EU (欧盟): the member state then comes from ``destination_region``."""
    eu = is_eu_word(u)
    out = _check_country(u)
    out.loc[eu, "value"] = "EU"
    out.loc[eu, "problem"] = ""
    return out


def _check_scheme(u: pd.Series, **_: object) -> pd.DataFrame:
    code = scheme_codes(u)
    return _result(code, np.where(pd.isna(code), "scheme_unknown", "").astype(object))


def _check_carrier(u: pd.Series, **_: object) -> pd.DataFrame:
    return _result(carrier_codes(u), np.full(len(u), "", dtype=object))


def _destination_problems(values: dict[str, object], rn: np.ndarray, n: int) -> list[pd.DataFrame]:
    """The checks that need a line's destination (region, scheme; EU + member state): problems, and the
    destination and region written back as the pricing reads them."""
    if not {"destination_region", "import_scheme"} & set(values):
        dest = values.get("destination_country")
        if dest is None or not (pd.Series(dest, dtype=object) == "EU").any():
            return []  # no region, no scheme, no EU: nothing depends on the destination (a big US file stays fast)

    def cells(name: str) -> pd.Series:
        v = values.get(name)
        return pd.Series(np.full(n, "", dtype=object)) if v is None else pd.Series(v, dtype=object).reset_index(drop=True)

    region_in = cells("destination_region")
    dest, region, found = resolve_destinations(cells("destination_country"), region_in, cells("import_scheme"))
    if "destination_country" in values:
        values["destination_country"] = dest.reset_index(drop=True)
    if "destination_region" in values:
        values["destination_region"] = region.where(region != "").reset_index(drop=True)
    shown = {"destination_region": region_in.fillna("").astype(str), "import_scheme": cells("import_scheme").fillna("").astype(str)}
    return [pd.DataFrame({"row_number": rn[m], "column": col, "value": shown[col][m].to_numpy(dtype=object), "key": key})
            for m, col, key in found]


_CHECKS = {
    "region": _check_text,
    "scheme": _check_scheme,
    "carrier": _check_carrier,
    "text": _check_text,
    "hts": _check_hts,
    "country": _check_country,
    "quantity": _check_number("quantity"),
    "weight": _check_number("weight"),
    "share": _check_number("share"),
    "rate": _check_number("rate"),
    "date": _check_date,
    "mode": _check_mode,
    "currency": _check_currency,
    "method": _check_method,
    "flag": _check_flag,
}


def _check_for(name: str):  # noqa: ANN202
    col = BY_NAME[name]
    if col.kind == "money":
        return _check_number("money_positive" if name == "unit_value" else "money")
    if name == "destination_country":
        return _check_destination
    return _CHECKS[col.kind]


@dataclass
class ColumnCheck:
    """One canonical column checked: its normalised values, its problems (rows, values, keys), the notes it
    puts on rows, and (for the duplicate-row test) its cells as codes or, for free text, as read."""

    value: object
    problems: pd.DataFrame | None = None
    notes: np.ndarray | None = None
    codes: np.ndarray | None = None
    text: pd.Series | None = None


def check_column(name: str, series: pd.Series, rn: np.ndarray, decimal_comma: bool = False) -> ColumnCheck:
    """Check and normalise the cells of canonical column ``name`` (one place for files, frames and the engine).

    ``rn`` holds the row number of every cell. Problems come back as a frame of ``row_number, column, value,
    key`` (``key`` names a message ``orders.problem.<key>``); nothing stops at the first.
    """
    col = BY_NAME[name]
    n = len(series)
    kind = "money_positive" if col.name == "unit_value" else col.kind
    if kind == "text":  # ids, SKUs, descriptions: nothing to check but presence, so no detour through uniques
        raw_text = cell_text(series)[0]
        stripped = _strip(raw_text)
        empty = (stripped == "").to_numpy(dtype=bool)
        problems = None
        if col.required and empty.any():
            problems = pd.DataFrame({
                "row_number": rn[empty], "column": col.name,
                "value": raw_text[empty].to_numpy(dtype=object), "key": "missing",
            })
        return ColumnCheck(stripped.where(~empty), problems, text=raw_text)
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return _check_datetimes(col, series, rn)
    if kind == "flag" and pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
        return ColumnCheck(series.to_numpy(dtype=bool), codes=series.to_numpy(dtype=np.int64))
    fast, shown = None, None
    if kind in ("share", "rate"):  # numbers already (a caller's frame, the engine's input): checked whole
        fast = _typed_numbers(series)
    elif kind in ("money_positive", "money", "quantity", "weight") and not decimal_comma:
        fast = _typed_numbers(series)  # a column read as numbers (an Excel number column, Arrow's float64)
        if fast is None:
            raw_text = cell_text(series)[0]
            fast = _fast_numbers(raw_text)
            shown = raw_text
    if fast is not None:  # plain numbers (the usual case): checked whole, no detour through unique texts
        v, empty, failed = fast
        code = _number_problem_codes(v, failed, kind)
        code[empty] = _NK["missing"] if col.required else 0
        bad = code != 0
        problems = None
        if bad.any():
            problems = pd.DataFrame({
                "row_number": rn[bad], "column": col.name,
                "value": shown[bad].to_numpy(dtype=object) if shown is not None else _format_numbers(v[bad]),
                "key": _NUMBER_KEYS[code[bad]],
            })
        v[bad | empty] = np.nan
        return ColumnCheck(v, problems, codes=np.where(np.isnan(v), -1.0, v).view(np.int64))
    codes, u_raw, is_num = _unique_cells(series)
    u = u_raw.str.strip()
    empty_u = (u == "").to_numpy(dtype=bool)
    numeric_u = np.zeros(len(u), dtype=bool)  # texts of number cells (a workbook's): numbers, whatever the marks
    numeric_u[codes[is_num]] = True
    res = _check_for(col.name)(u, decimal_comma=decimal_comma, numeric=numeric_u)
    problem_u = res["problem"].to_numpy(dtype=object).copy()
    problem_u[empty_u] = "missing" if col.required else ""
    bad_u = problem_u != ""
    bad = bad_u[codes] if n else np.zeros(0, dtype=bool)
    problems = None
    if bad.any():
        key = problem_u[codes[bad]]
        if col.kind == "hts" and is_num.any():  # a number cell that lost digits after the point
            shown = u_raw.to_numpy(dtype=object)[codes[bad]]
            frac = (key == "hts_bad") & is_num[bad] & np.array(["." in str(x) for x in shown], dtype=bool)
            key = np.where(frac, "hts_number_fraction", key)
        problems = pd.DataFrame({
            "row_number": rn[bad], "column": col.name,
            "value": u_raw.to_numpy(dtype=object)[codes[bad]], "key": key,
        })
    value_u = res["value"]
    ok_u = ~bad_u & ~empty_u
    if col.kind in _FLOAT_KINDS or col.kind == "quantity":
        v = np.where(ok_u, value_u.to_numpy(dtype=float, na_value=np.nan), np.nan)
        value = v[codes]
    elif col.kind == "flag":
        v = np.where(ok_u, value_u.to_numpy(dtype=object) == True, False)  # noqa: E712 - objects, not bools
        value = v[codes]
    elif col.kind == "date":
        v = value_u.to_numpy(dtype="datetime64[ns]").copy()
        v[~ok_u] = np.datetime64("NaT")
        value = v[codes]
    else:
        v = value_u.to_numpy(dtype=object).copy()
        v[~ok_u] = None
        value = _take_str(v, codes)
    note_u = res["note"].to_numpy(dtype=object)
    has_note_u = (note_u != "") & ok_u
    notes = None
    if has_note_u.any():
        rows = np.flatnonzero(has_note_u[codes])
        notes = np.full(n, "", dtype=object)
        notes[rows] = note_u[codes[rows]]
    return ColumnCheck(value, problems, notes, codes)


def _check_datetimes(col, series: pd.Series, rn: np.ndarray) -> ColumnCheck:  # noqa: ANN001
    """A column that already holds datetimes (a caller's frame): the calendar day as written, also when the
    values carry a time zone (the local day, not converted to UTC); years outside the range are problems."""
    s = series
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    days = s.dt.normalize().to_numpy(dtype="datetime64[ns]").copy()
    years = pd.Series(days).dt.year.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isnan(years) & ((years < DATE_MIN_YEAR) | (years > DATE_MAX_YEAR))
    problems = None
    if bad.any():
        problems = pd.DataFrame({"row_number": rn[bad], "column": col.name,
                                 "value": pd.Series(days[bad]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
                                 "key": "date_range"})
    empty = np.isnat(days)
    if col.required and empty.any():
        miss = pd.DataFrame({"row_number": rn[empty], "column": col.name, "value": "", "key": "missing"})
        problems = miss if problems is None else pd.concat([problems, miss], ignore_index=True)
    days[bad] = np.datetime64("NaT")
    return ColumnCheck(days, problems, codes=days.view(np.int64))


# ---------------------------------------------------------------------------------------------------------
# the whole table


def normalize_raw(raw: RawTable, mapping: dict[str, str] | None, file_name: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """(lines, rejects, mapping used) for a raw table; refuses the file when a required column is missing."""
    used = resolve_mapping(raw.headers, mapping)
    present = set(used.values())
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        raise OrderFileRefused(
            "missing_columns", file=file_name,
            missing=", ".join(missing),
            found=", ".join(raw.headers) if raw.headers else "(none)",
            examples="; ".join(f"{m} / {BY_NAME[m].zh}" for m in missing),
        )
    frame = raw.frame
    n = len(frame)
    rn = np.asarray(raw.row_numbers, dtype=np.int64)
    by_canonical = {v: k for k, v in used.items()}

    problems: list[pd.DataFrame] = []
    if raw.cell_problems:
        cp = pd.DataFrame(raw.cell_problems, columns=["row_number", "column", "value", "key"])
        cp["column"] = cp["column"].map(lambda h: used.get(h, h)).astype(object)
        problems.append(cp)
    notes = pd.Series(np.full(n, "", dtype=object), dtype=object, copy=False)
    values: dict[str, object] = {}
    all_codes: list[np.ndarray] = []
    free_text: list[pd.Series] = []  # plain text columns: compared only to confirm duplicate rows
    for col in COLUMNS:
        header = by_canonical.get(col.name)
        if header is None:
            continue
        got = check_column(col.name, frame[header].reset_index(drop=True), rn, raw.decimal_comma)
        values[col.name] = got.value
        if got.problems is not None:
            problems.append(got.problems)
        if got.codes is not None:
            all_codes.append(got.codes)
        if got.text is not None:
            free_text.append(got.text)
        if got.notes is not None:
            notes = _add_note(notes, pd.Series(got.notes, dtype=object))

    problems.extend(_destination_problems(values, rn, n))

    if raw.merged:
        m = pd.DataFrame(raw.merged, columns=["row_number", "header"])
        m["what"] = m["header"].map(lambda h: used.get(h, h))
        msg = m.groupby("row_number")["what"].agg(lambda s: text("note.merged", value=", ".join(s)))
        notes = _add_note(notes, pd.Series(rn).map(msg).fillna("").astype(object))

    if n:  # exact duplicate rows are priced (two identical lines are a real order often enough); say so
        for header in raw.headers:
            if header not in used:
                free_text.append(frame[header].reset_index(drop=True))
        first = _duplicate_of(all_codes, rn, free_text)
        dup = first > 0
        if dup.any():
            new = np.full(n, "", dtype=object)
            new[dup] = per_row("note.duplicate", pd.Series(first[dup]).astype("str")).to_numpy(dtype=object)
            notes = _add_note(notes, pd.Series(new, dtype=object))

    rejects = _rejects(problems)
    lines = _assemble(raw, used, values, rn, notes, n)
    if len(rejects):
        rejected = np.isin(rn, rejects["row_number"].to_numpy())
        lines = lines.loc[~rejected].reset_index(drop=True)
    return lines, rejects, used


def _strip(s: pd.Series) -> pd.Series:
    """``s.str.strip()``, skipped when no cell could start or end with white space.

    The test reads each cell's first and last byte straight from Arrow's buffers: a control byte, a space or
    any non-ASCII byte (which may be part of an ideographic or no-break space) means stripping for real.
    """
    import pyarrow as pa

    if str(s.dtype) != "str" or not len(s):
        return s.str.strip()
    for chunk in s.array.__arrow_array__().chunks:
        if not len(chunk):
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return s.str.strip()
        _, off_buf, data_buf = chunk.buffers()
        off_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(off_buf, dtype=off_type)[chunk.offset: chunk.offset + len(chunk) + 1]
        if data_buf is None or offsets[-1] == offsets[0]:
            continue
        data = np.frombuffer(data_buf, dtype=np.uint8)
        filled = offsets[1:] > offsets[:-1]
        edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
        if ((edges <= 0x20) | (edges >= 0x7F)).any():
            return s.str.strip()
    return s


def _typed_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(values, empty, failed) for a column that already holds numbers (float or int), else None."""
    if not (pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype)) or \
            pd.api.types.is_bool_dtype(s.dtype):
        return None
    v = s.to_numpy(dtype=float, na_value=np.nan, copy=True)
    empty = np.isnan(v)
    return v, empty, np.isinf(v)


def _unique_cells(s: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """(codes, unique texts, number-cell mask) of a column: its categories when the reader dictionary-encoded
    it (no second pass over the rows), else its cells turned into text and factorised."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, u, cats_num = _category_cells(s)
        return codes, u, cats_num[codes]
    raw_text, is_num = cell_text(s)
    codes, u = _factorize(raw_text)
    return codes, u, is_num


def _category_cells(s: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """(codes, text of each category, number-category mask) of a categorical column; a missing cell takes the
    code of an extra last category, ``""``."""
    cats, cats_num = cell_text(pd.Series(s.cat.categories.to_numpy(dtype=object), dtype=object))
    codes = s.cat.codes.to_numpy(dtype=np.int64)
    codes = np.where(codes < 0, len(cats), codes)
    return codes, pd.Series(np.append(cats.to_numpy(dtype=object), ""), dtype="str"), np.append(cats_num, False)


def _factorize(raw_text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, unique texts); no missing values in ``raw_text`` (empty cells are ``""``)."""
    codes, uniq = pd.factorize(raw_text, sort=False)
    u = pd.Series(uniq.array if hasattr(uniq, "array") else uniq)
    return codes, (u if u.dtype == "str" else u.astype("str")).fillna("")


def _take_str(values_u: np.ndarray, codes: np.ndarray) -> pd.Series:
    """``values_u[codes]`` as a pandas ``str`` Series, taken in Arrow (no million Python strings)."""
    import pyarrow as pa

    arr = pa.array(values_u, type=pa.string(), from_pandas=True)
    return pd.Series(arr.take(pa.array(codes)).to_pandas() if len(codes) else pd.Series([], dtype="str"))


def _duplicate_of(all_codes: list[np.ndarray], rn: np.ndarray, free_text: list[pd.Series] = ()) -> np.ndarray:
    """For each row, the row number of the first earlier row with identical cells, else 0.

    Candidates come from the checked columns' codes (a hash, then an exact comparison); the free-text columns
    are compared only for those candidates, cell by cell, which spares factorizing a million distinct ids."""
    n = len(rn)
    # multiply-xor over the columns, then one final mix (splitmix64's): two cheap operations per column, and
    # every candidate is confirmed exactly below, so a collision costs a comparison, never a wrong note
    h = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in all_codes:
            h ^= c.view(np.uint64) if c.dtype.itemsize == 8 else c.astype(np.uint64)
            h *= np.uint64(0x100000001B3 | (1 << 63) | 0x9E3779B9)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
    hs = pd.Series(h, copy=False)
    dup = hs.duplicated().to_numpy()
    out = np.zeros(n, dtype=np.int64)
    if not dup.any():
        return out
    first_pos = hs.groupby(h).cumcount().to_numpy()  # 0 for the first of its hash
    pos = np.arange(n)
    first_idx = pd.Series(pos).groupby(h).transform("first").to_numpy()
    cand = np.flatnonzero(first_pos > 0)
    same = np.ones(len(cand), dtype=bool)
    for c in all_codes:  # confirm: a hash collision must not call two different rows the same
        same &= c[cand] == c[first_idx[cand]]
    for column in free_text:  # cells as read: equal values, or both empty
        a = column.iloc[cand].to_numpy(dtype=object)
        b = column.iloc[first_idx[cand]].to_numpy(dtype=object)
        same &= (a == b) | (pd.isna(a) & pd.isna(b))
    out[cand[same]] = rn[first_idx[cand[same]]]
    return out


def _add_note(notes: pd.Series, new: pd.Series) -> pd.Series:
    new = new.reset_index(drop=True).fillna("")
    has_new = (new != "").to_numpy()
    has_old = (notes != "").to_numpy()
    both = has_new & has_old
    out = notes.copy()
    out[has_new & ~has_old] = new[has_new & ~has_old]
    if both.any():
        out[both] = notes[both] + "; " + new[both]
    return out


def _rejects(problems: list[pd.DataFrame]) -> pd.DataFrame:
    if not problems:
        return empty_rejects()
    allp = pd.concat(problems, ignore_index=True)
    allp = allp.drop_duplicates(["row_number", "column"], keep="first")  # a reader's problem is the cause
    allp = allp.sort_values("row_number", kind="stable").reset_index(drop=True)
    value = allp["value"].astype("str").fillna("")
    en = pd.Series("", index=allp.index, dtype="str")
    zh = pd.Series("", index=allp.index, dtype="str")
    for key, idx in allp.groupby("key", sort=False).groups.items():
        fmt = {"limit": f"{MAX_AMOUNT:,.0f}"}
        en[idx] = per_row(f"problem.{key}", value[idx], "en", **fmt)
        zh[idx] = per_row(f"problem.{key}", value[idx], "zh", **fmt)
    return pd.DataFrame({
        "row_number": allp["row_number"].astype("int64"),
        "column": allp["column"].astype("str"),
        "value": value,
        "problem": en,
        "problem_zh": zh,
    })


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({
        "row_number": pd.Series([], dtype="int64"), "column": pd.Series([], dtype="str"),
        "value": pd.Series([], dtype="str"), "problem": pd.Series([], dtype="str"),
        "problem_zh": pd.Series([], dtype="str"),
    })


_FLOAT_KINDS = ("money", "share", "rate", "weight")


def _assemble(raw: RawTable, used: dict[str, str], values: dict[str, object], rn: np.ndarray,
              notes: pd.Series, n: int) -> pd.DataFrame:
    import pyarrow as pa

    out: dict[str, object] = {"row_number": pd.Series(rn, dtype="int64", copy=False)}
    for col in COLUMNS:
        v = values.get(col.name)
        if col.kind in _FLOAT_KINDS:
            s = pd.Series(np.full(n, np.nan) if v is None else v, dtype="float64", copy=False)
            if col.default is not None:
                s = s.fillna(float(col.default))
        elif col.kind == "quantity":
            q = np.full(n, float(col.default)) if v is None else np.where(np.isnan(v), float(col.default), v)
            q = np.where(np.isfinite(q) & (q < 2.0**62), q, 1.0)  # only rejected rows, which are dropped
            s = pd.Series(q.astype(np.int64), copy=False)
        elif col.kind == "date":
            s = pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]") if v is None else v,
                          dtype="datetime64[ns]", copy=False)
        elif col.kind == "flag":
            s = pd.Series(np.zeros(n, dtype=bool) if v is None else np.asarray(v, dtype=bool), copy=False)
        else:
            s = pd.Series(pa.nulls(n, pa.string()).to_pandas()) if v is None else v
            if col.default is not None:
                s = s.fillna(str(col.default))
        out[col.name] = s.reset_index(drop=True)
    out["shipment_id"] = out["shipment_id"].fillna(out["order_id"])
    has_notes = bool(len(notes)) and bool((notes.to_numpy(dtype=object) != "").any())
    out["notes"] = notes.astype("str").reset_index(drop=True) if has_notes else pd.Series(
        pa.array(np.array([""], dtype=object)).take(pa.array(np.zeros(n, dtype=np.int64))).to_pandas())
    # The seller's own columns come first, in the file's order, as read and under the file's headers (the
    # contract: input columns pass through unchanged). A header that is a canonical name is that column,
    # normalised; a header mapped to a canonical column (HS编码, "HS Code") passes through beside it.
    taken = set(out)
    first: list[str] = ["row_number"]
    passed: dict[str, pd.Series] = {}
    for header in raw.headers:
        if used.get(header) == header:
            first.append(header)
            continue
        name = header
        while name in taken:
            name = f"{name} (input)"
        taken.add(name)
        first.append(name)
        passed[name] = _as_read(raw.frame[header])
    out.update(passed)
    order = first + [c for c in out if c not in set(first)]
    return pd.DataFrame({c: out[c] for c in order}, copy=False)  # this function's own arrays: no copy


def _as_read(s: pd.Series) -> pd.Series:
    """A column as read, for passing through: text stays text, numbers and dates stay themselves; a column of
    mixed cells (an XLSX column of numbers and text) or a dictionary-encoded one becomes its cells' text."""
    s = s.reset_index(drop=True)
    if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
        return cell_text(s)[0]
    return s
