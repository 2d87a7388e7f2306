"""Read the official USITC Harmonized Tariff Schedule export (JSON or CSV) into the schedule table
``us/hts/schedule``: one row per 8-digit tariff line of chapters 01-97 with its column 1 general rate.

The USITC publishes the whole schedule at https://hts.usitc.gov/ ("Export" → JSON or CSV). Each record is
one printed line: a heading, subheading, 8-digit tariff line, 10-digit statistical line or an uncoded label
("Other:"). Rates are printed on the line that sets them (the 8-digit line, or a 10-digit ``.00`` line that
stands for it). The schedule carries rates only: Section 301/232/122 scope, exemptions and the curated
Chinese names live in their own tables and keep applying when the schedule is replaced (``import-hts``).

Every general rate is classified (:func:`classify_rate`): free, ad valorem, specific or compound rates are
priced from the order's columns (the quantity unit says which: pieces, pairs, dozens, gross, thousands from
``quantity``; kilograms and tonnes from ``quantity x unit_weight_kg``); a rate levied on something the order
file does not carry (liters, square metres, the value of a watch's case, "the rate applicable to ...") keeps
its text and names what is missing in ``mfn_needs``, and such lines are rejected unless the order gives
``mfn_rate``. No rate is guessed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from costimpact.errors import FileRefused

#: The schedule's columns, in file order, with the type and meaning the header declares.
COLUMN_SPECS: dict[str, tuple[str, str]] = {
    "hts": ("str", "HTSUS 8-digit tariff line, digits only"),
    "description": ("str", "English description from the HTSUS (parent levels joined where the line alone says 'Other')"),
    "mfn_text": ("str", "Column 1 general rate as the HTSUS prints it (footnote marks removed)"),
    "mfn_form": ("str", "free, ad_valorem, specific, compound (computable); component, reference, unit (not computable from an order line: see mfn_needs)"),
    "mfn_ad_valorem": ("float", "Ad valorem part of the general rate as a fraction of customs value (0.165)"),
    "mfn_specific_usd": ("float", "Specific part in USD per mfn_specific_unit (37.5¢/kg -> 0.375); 0 if none"),
    "mfn_specific_unit": ("str", "Unit of the specific part: empty, or no, pr, doz, doz_pr, gross, thousand (counted from quantity), kg, t (from quantity x unit_weight_kg)"),
    "mfn_needs": ("str", "Empty where the rate is computable; else what an order line lacks to compute it (the line is rejected unless it gives mfn_rate)"),
}
SCHEDULE_COLUMNS = list(COLUMN_SPECS)
#: How many of the specific unit go in one unit of ``quantity`` (kg and t come from unit_weight_kg instead).
COUNT_UNITS = {"no": 1.0, "pr": 1.0, "doz": 1 / 12, "doz_pr": 1 / 12, "gross": 1 / 144, "thousand": 1 / 1000}
WEIGHT_UNITS = {"kg": 1.0, "t": 1 / 1000}
SPECIFIC_UNITS = ("", *COUNT_UNITS, *WEIGHT_UNITS)
COMPUTABLE_FORMS = ("free", "ad_valorem", "specific", "compound")

# ---------------------------------------------------------------------------------------------------------
# Rate grammar. A general rate is "Free", or terms joined by "+": at most one ad valorem term "6.5%" and at most
# one specific term "37.5¢/kg", "$1.05/doz.", "25¢/pr.", "0.4¢ each". Other shapes are classified, not priced.
# ---------------------------------------------------------------------------------------------------------

_FOOTNOTE = re.compile(r"(?<=[%.a-zA-Z\s])(?:\d{1,2}/)+(?=\s|\+|$)|[\u00b9\u00b2\u00b3\u2070-\u2079]+")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_AMOUNT = re.compile(r"^(?:\$\s*(?P<usd>\d+(?:\.\d+)?)|(?P<cents>\d+(?:\.\d+)?)\s*(?:¢|cents?))\s*(?P<rest>.*)$", re.IGNORECASE)
#: Specific units the order's columns can supply.
_UNIT_WORDS = {
    "each": "no", "/each": "no", "/no": "no", "/head": "no", "/piece": "no", "/article": "no", "per article": "no",
    "/pr": "pr", "/pair": "pr", "/doz": "doz", "/dozen": "doz", "/doz. pr": "doz_pr", "/doz pr": "doz_pr", "/doz.pr": "doz_pr",
    "/gross": "gross", "/1000": "thousand", "/1,000": "thousand", "/thousand": "thousand",
    "/kg": "kg", "/t": "t",
}
#: Specific units no order column supplies, and what to say is missing.
_UNIT_NEEDS = {
    "liter": "the volume in liters", "pf": "the proof liters of alcohol", "m2": "the area in square metres",
    "m²": "the area in square metres", "m3": "the volume in cubic metres", "bbl": "the volume in barrels",
    "clean kg": "the clean (scoured) weight in kilograms", "jewel": "the number of jewels", "line": "the button size in lines",
    "pins": "the number of pins", "degree": "the sugar degree (polarity)", "sugars": "the weight of total sugars",
    "drained": "the drained weight", "content": "the weight of the metal content", "container": "the weight of the contents and container",
    "gram": "the weight in grams",
}


class RateForm(NamedTuple):
    form: str  # free | ad_valorem | specific | compound | component | reference | unit
    ad_valorem: float
    specific_usd: float
    unit: str
    needs: str  # "" where computable


def clean_rate_text(text: Any) -> str:
    """The rate as printed, whitespace collapsed and footnote marks ("1/", superscripts) removed."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = re.sub(r"<[^>]+>", "", str(text))  # the JSON export sometimes wraps marks in <sup>
    s = " ".join(s.split())
    return _FOOTNOTE.sub("", s).strip()


def _unit_of(rest: str) -> tuple[str, str]:
    """(order unit, "") for a unit the order can supply, or ("", what is missing)."""
    low = re.sub(r"\s+", " ", rest.strip().lower()).rstrip(".").strip()
    low = re.sub(r"^/\s*", "/", low)
    if low in _UNIT_WORDS:
        return _UNIT_WORDS[low], ""
    for word, needs in _UNIT_NEEDS.items():
        if word in low:
            return "", needs
    if low.startswith("/kg on") or low.startswith("/kg of") or " on " in low:
        return "", "the weight or value of a component (" + rest.strip() + ")"
    return "", f"the quantity the rate is levied on ({rest.strip() or 'no unit printed'})"


def classify_rate(text: Any) -> RateForm:
    """The form of a general rate and its parts; ``needs`` names what an order line lacks to compute it."""
    s = clean_rate_text(text)
    if not s:
        return RateForm("reference", math.nan, 0.0, "", "a general rate (none is printed for this line)")
    if s.lower() == "free":
        return RateForm("free", 0.0, 0.0, "", "")
    if s.lower().startswith(("the ", "a duty", "see ", "no change")) or "applicable" in s.lower():
        return RateForm("reference", math.nan, 0.0, "", f"the rate of another provision (\"{s}\"): classify the article under that provision")
    ad_valorem, specific, unit = 0.0, 0.0, ""
    seen_pct = seen_spec = False
    for term in (t.strip() for t in s.split("+")):
        m = _PERCENT.match(term)
        if m and not seen_pct:
            ad_valorem, seen_pct = round(float(m.group(1)) / 100.0, 6), True
            continue
        if "%" in term or "percent" in term:
            return RateForm("component", math.nan, 0.0, "", f"the value of each component the rate names (\"{s}\")")
        m = _AMOUNT.match(term)
        if m and not seen_spec:
            got, needs = _unit_of(m.group("rest"))
            if needs:
                return RateForm("unit", math.nan, 0.0, "", f"{needs} (\"{s}\")")
            amount = float(m.group("usd")) if m.group("usd") else float(m.group("cents")) / 100.0
            specific, unit, seen_spec = round(amount, 6), got, True
            continue
        if m:
            got, needs = _unit_of(m.group("rest"))
            return RateForm("unit", math.nan, 0.0, "", f"{needs or 'a second specific quantity'} (\"{s}\")")
        return RateForm("unit", math.nan, 0.0, "", f"the quantity the rate is levied on (\"{s}\")")
    if seen_spec and seen_pct:
        return RateForm("compound", ad_valorem, specific, unit, "")
    if seen_spec:
        return RateForm("specific", 0.0, specific, unit, "")
    return RateForm("ad_valorem", ad_valorem, 0.0, "", "")


def parse_rate(text: str) -> tuple[float, float, str] | None:
    """``(ad_valorem_fraction, specific_usd, specific_unit)`` for a computable general rate, or None."""
    f = classify_rate(text)
    return None if f.needs else (f.ad_valorem, f.specific_usd, f.unit)


# ---------------------------------------------------------------------------------------------------------
# Reading the export
# ---------------------------------------------------------------------------------------------------------

_CSV_NAMES = {
    "hts number": "htsno",
    "indent": "indent",
    "description": "description",
    "unit of quantity": "units",
    "general rate of duty": "general",
    "special rate of duty": "special",
    "column 2 rate of duty": "other",
    "quota quantity": "quotaQuantity",
    "additional duties": "additionalDuties",
}


def _refuse(filename: str, why: str) -> FileRefused:
    return FileRefused(
        f"{filename}: {why}; export the schedule from https://hts.usitc.gov/ (Export → JSON or CSV) and load that file unchanged"
    )


def _records_from_json(data: bytes, filename: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(filename, "not valid JSON") from None
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        doc = lists[0] if len(lists) == 1 else doc
    if not isinstance(doc, list) or not doc or not all(isinstance(r, dict) for r in doc):
        raise _refuse(filename, "expected a JSON list of HTS line objects")
    if not any("htsno" in r for r in doc) or not any("general" in r for r in doc):
        raise _refuse(filename, "the objects have no 'htsno' and 'general' fields, so this is not a USITC HTS export")
    return doc


def _records_from_csv(data: bytes, filename: str) -> list[dict[str, Any]]:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise _refuse(filename, "not readable text")
    if "\x00" in text:
        raise _refuse(filename, "binary content, not a CSV export")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise _refuse(filename, "empty file") from None
    names = [_CSV_NAMES.get(h.strip().lower()) for h in header]
    if "htsno" not in names or "general" not in names:
        raise _refuse(filename, "no 'HTS Number' and 'General Rate of Duty' columns, so this is not a USITC HTS CSV export")
    out = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            out.append({name: (row[i] if i < len(row) else "") for i, name in enumerate(names) if name})
    except csv.Error as exc:
        raise _refuse(filename, f"broken CSV ({exc})") from None
    if not out:
        raise _refuse(filename, "no HTS lines below the header")
    return out


def _indent(value: Any) -> int:
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return 0


def _short(desc: Any) -> str:
    s = re.sub(r"<[^>]+>", "", str(desc or ""))
    return " ".join(s.split()).rstrip(":").strip()


_NON_DIGIT = re.compile(r"\D")


def read_usitc(data: bytes, filename: str) -> pd.DataFrame:
    """Parse a USITC HTS export (JSON or CSV, chosen by content) into the schedule's columns: one row per
    8-digit line of chapters 01-97 that carries a general rate. ``attrs["forms"]`` counts the rate forms."""
    if not data.strip():
        raise _refuse(filename, "empty file")
    head = data.lstrip()[:1]
    if head in (b"[", b"{") or filename.lower().endswith(".json"):
        records = _records_from_json(data, filename)
    else:
        records = _records_from_csv(data, filename)

    stack: list[tuple[int, str]] = []  # (indent, description) of the open parent levels
    rows: dict[str, tuple[str, str]] = {}  # 8-digit code -> (description, rate text)
    for rec in records:
        ind = _indent(rec.get("indent"))
        digits = _NON_DIGIT.sub("", str(rec.get("htsno") or ""))
        desc = _short(rec.get("description"))
        while stack and stack[-1][0] >= ind:
            stack.pop()
        if len(digits) == 4:  # a new heading starts a new context whatever the indent says
            stack.clear()
        context = [d for _, d in stack if d]
        stack.append((ind, desc))
        general = rec.get("general")
        if len(digits) not in (8, 10) or not digits[:2].isdigit() or not "01" <= digits[:2] <= "97":
            continue
        text = clean_rate_text(general)
        if not text or digits[:8] in rows:
            continue
        full = " > ".join([*context[-3:], desc]) if desc.lower().startswith("other") or len(desc) < 25 else desc
        rows[digits[:8]] = (full, text)
    if not rows:
        raise _refuse(filename, "no 8-digit tariff lines of chapters 01-97 with a general rate were found")
    codes = sorted(rows)
    texts = [rows[c][1] for c in codes]
    forms = {t: classify_rate(t) for t in set(texts)}  # a few hundred distinct texts
    frame = pd.DataFrame(
        {
            "hts": codes,
            "description": [rows[c][0] for c in codes],
            "mfn_text": texts,
            "mfn_form": [forms[t].form for t in texts],
            "mfn_ad_valorem": [forms[t].ad_valorem for t in texts],
            "mfn_specific_usd": [forms[t].specific_usd for t in texts],
            "mfn_specific_unit": [forms[t].unit for t in texts],
            "mfn_needs": [forms[t].needs for t in texts],
        },
        columns=SCHEDULE_COLUMNS,
    )
    frame.attrs["forms"] = frame["mfn_form"].value_counts().to_dict()
    return frame


# ---------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------


def _fmt(value: Any, ctype: str) -> str:
    if ctype == "float":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return f"{float(value):.6f}".rstrip("0").rstrip(".") or "0"
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings


def header_toml(edition: str, evidence: str = "confirmed") -> str:
    """The TOML header of the schedule (the shape ``TableHeader`` validates): its source named once."""
    lines = [
        'kind = "table"',
        'label = "US tariff schedule: column 1 general (MFN) rate of every 8-digit line"',
        'label_zh = "美国税则：每个 8 位税号的第一栏普通（最惠国）税率"',
        'file = "schedule.csv"',
        'key = "hts"',
        f"evidence = {_toml_str(evidence)}",
        f"source = {_toml_str(edition)}",
        'references = [{ title = "USITC Harmonized Tariff Schedule of the United States", url = "https://hts.usitc.gov/" }]',
        'description = "Rates only. Section 301/232/122 and IEEPA scope live in us/scope, the curated Chinese names in us/hts/hts_us (an overlay); '
        'replace this table with costimpact assumptions import-hts FILE."',
    ]
    for name, (ctype, desc) in COLUMN_SPECS.items():
        lines += ["", f"[columns.{name}]", f'type = "{ctype}"', f"description = {_toml_str(desc)}"]
    return "\n".join(lines) + "\n"


def write_schedule(df: pd.DataFrame, out_dir: str | Path, edition: str) -> Path:
    """Write ``schedule.csv`` and ``schedule.toml`` into ``out_dir`` (``<assumptions>/us/hts``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SCHEDULE_COLUMNS)
    types = [COLUMN_SPECS[c][0] for c in SCHEDULE_COLUMNS]
    for rec in df[SCHEDULE_COLUMNS].itertuples(index=False):
        writer.writerow([_fmt(v, t) for v, t in zip(rec, types)])
    csv_path = out / "schedule.csv"
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    (out / "schedule.toml").write_text(header_toml(edition), encoding="utf-8")
    return csv_path
