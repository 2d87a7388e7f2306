"""Read the official USITC Harmonized Tariff Schedule export (JSON or CSV) into the ``us/hts/hts_us`` table shape.

The USITC publishes the whole schedule at https://hts.usitc.gov/ ("Export" → JSON or CSV, or the REST
``exportList`` endpoint). Each record is one printed line: a heading, subheading, 8-digit tariff line,
10-digit statistical line or an uncoded label ("Other:"). Rates are printed on the line that sets them (usually
the 8-digit line); statistical lines below it carry no rate and inherit it.

Use:

    official = read_usitc(path.read_bytes(), path.name)
    table = merge_official(built_in, official)      # official rates, our 301/232 scope and flags
    write_table(table, copy_of_assumptions / "us" / "hts")

Rate text that the grammar below does not understand is never turned into a number: ``mfn_ad_valorem`` is
left NaN, ``mfn_parsed`` is false and the line is named in a warning, so the user can fix it by hand.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from costimpact.errors import FileRefused

log = logging.getLogger(__name__)

#: The table's columns, in file order, with the type and meaning the header declares.
COLUMN_SPECS: dict[str, tuple[str, str]] = {
    "hts": ("str", "HTSUS number, digits only: the 8-digit tariff line, or a 10-digit statistical line where its treatment differs from its 8-digit line"),
    "description": ("str", "Short English description from the HTSUS (parent levels joined where the line alone says 'Other')"),
    "description_zh": ("str", "Short Chinese product name a seller would search for"),
    "mfn_text": ("str", "Column 1 general rate as the HTSUS prints it (footnote marks removed), e.g. 16.5%, Free, 37.5¢/kg + 5.1%"),
    "mfn_ad_valorem": ("float", "Ad valorem part of the general rate as a fraction of customs value (0.165); 0 for Free or a purely specific rate; empty where the text could not be parsed"),
    "mfn_specific_usd": ("float", "Specific part of the general rate in USD per mfn_specific_unit (37.5¢/kg -> 0.375); 0 if none"),
    "mfn_specific_unit": ("str", "Unit of the specific part: empty, or one of no, kg, doz, pr, doz_pr, l, m2"),
    "s301_list": ("str", "China Section 301 list: empty (none), 1, 2, 3, 4A, 4B (suspended, no duty), or a 2024 four-year-review group (li_ion_ev, li_ion_nonev, battery_parts, semis, solar, ppe_masks, medical_gloves, syringes, ev, steel_alu_301, graphite_magnets, critical_minerals, tungsten, cranes); the rates live in us/layers/s301"),
    "s232": ("str", "Section 232 scope: empty, or steel_alu, steel_alu_deriv, alu_deriv, copper, copper_deriv, autos, auto_parts, timber, upholstered, cabinets, trucks, semis, pharma; the rates live in us/layers/s232"),
    "ieepa_exempt": ("bool", "Exempt from the IEEPA reciprocal tariff (EO 14257 Annex II or the April 2025 electronics exemption)"),
    "fentanyl_exempt": ("bool", "Carved out of the IEEPA fentanyl tariffs"),
    "s122_exempt": ("bool", "Exempt from the 2026 Section 122 surcharge"),
    "flip_exempt": ("bool", "Listed in Annex II Part A of the 2026 Section 301 forced-labor action (false where not confirmed)"),
    "source": ("str", "Where the row's figures come from"),
    "evidence": ("str", "confirmed (primary text read), secondary (compiled dataset or secondary site) or unverified"),
}
TABLE_COLUMNS = list(COLUMN_SPECS)
CLASSIFICATION_COLUMNS = ["s301_list", "s232", "ieepa_exempt", "fentanyl_exempt", "s122_exempt", "flip_exempt"]
BOOL_COLUMNS = [c for c, (t, _) in COLUMN_SPECS.items() if t == "bool"]
SPECIFIC_UNITS = ("", "no", "kg", "doz", "pr", "doz_pr", "l", "m2")
_GRADE_ORDER = {"confirmed": 2, "secondary": 1, "unverified": 0}

# ---------------------------------------------------------------------------------------------------------
# Rate grammar. A general rate is "Free", or one or two terms joined by "+": an ad valorem term "6.5%" and/or
# one specific term "37.5¢/kg", "$1.05/doz.", "25¢/pr.", "0.4¢ each". Anything else is left unparsed.
# ---------------------------------------------------------------------------------------------------------

_FOOTNOTE = re.compile(r"(?<=[%.a-zA-Z\s])(?:\d{1,2}/)+(?=\s|\+|$)|[\u00b9\u00b2\u00b3\u2070-\u2079]+")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_SPECIFIC = re.compile(
    r"^(?:(?P<usd>\$\s*\d+(?:\.\d+)?)|(?P<cents>\d+(?:\.\d+)?)\s*(?:¢|cents?))\s*(?:/\s*|\s+per\s+|\s+)(?P<unit>[a-z0-9². ]+?)\.?$",
    re.IGNORECASE,
)
_UNIT_WORDS = {
    "kg": "kg",
    "doz": "doz",
    "dozen": "doz",
    "pr": "pr",
    "pair": "pr",
    "doz. pr": "doz_pr",
    "doz pr": "doz_pr",
    "doz.pr": "doz_pr",
    "l": "l",
    "liter": "l",
    "litre": "l",
    "m2": "m2",
    "m²": "m2",
    "each": "no",
    "no": "no",
    "head": "no",
    "piece": "no",
}


def clean_rate_text(text: Any) -> str:
    """The rate as printed, whitespace collapsed and footnote marks ("1/", superscripts) removed."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = re.sub(r"<[^>]+>", "", str(text))  # the JSON export sometimes wraps marks in <sup>
    s = " ".join(s.split())
    return _FOOTNOTE.sub("", s).strip()


def parse_rate(text: str) -> tuple[float, float, str] | None:
    """``(ad_valorem_fraction, specific_usd, specific_unit)`` for a general rate, or None if not understood."""
    s = clean_rate_text(text)
    if not s:
        return None
    if s.lower() == "free":
        return (0.0, 0.0, "")
    ad_valorem = 0.0
    specific = 0.0
    unit = ""
    seen_pct = seen_spec = False
    for term in (t.strip() for t in s.split("+")):
        m = _PERCENT.match(term)
        if m and not seen_pct:
            ad_valorem = round(float(m.group(1)) / 100.0, 6)
            seen_pct = True
            continue
        m = _SPECIFIC.match(term)
        if m and not seen_spec:
            word = m.group("unit").strip().lower().rstrip(".")
            word = re.sub(r"\s+", " ", word)
            if word not in _UNIT_WORDS:
                return None
            unit = _UNIT_WORDS[word]
            if m.group("usd"):
                specific = float(m.group("usd").replace("$", "").strip())
            else:
                specific = float(m.group("cents")) / 100.0
            specific = round(specific, 6)
            seen_spec = True
            continue
        return None
    return (ad_valorem, specific, unit)


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
    out = []
    for r in doc:
        extra = r.get("additionalDuties") or r.get("addiitionalDuties")  # USITC ships the misspelt key too
        out.append({**r, "additionalDuties": extra})
    return out


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
            rec = {name: (row[i] if i < len(row) else "") for i, name in enumerate(names) if name}
            out.append(rec)
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


def _digits(htsno: Any) -> str:
    return re.sub(r"\D", "", str(htsno or ""))


def _short(desc: Any) -> str:
    s = re.sub(r"<[^>]+>", "", str(desc or ""))
    return " ".join(s.split()).rstrip(":").strip()


def read_usitc(data: bytes, filename: str) -> pd.DataFrame:
    """Parse a USITC HTS export (JSON or CSV, chosen by content) into the table's columns.

    Returns one row per 8- and 10-digit line, plus ``mfn_parsed`` (false where the general rate text was not
    understood; its ``mfn_ad_valorem`` is then NaN). 10-digit lines that print no rate take their parent's.
    """
    head = data.lstrip()[:1]
    if not data.strip():
        raise _refuse(filename, "empty file")
    if head in (b"[", b"{") or filename.lower().endswith(".json"):
        records = _records_from_json(data, filename)
    else:
        records = _records_from_csv(data, filename)

    source = f"USITC HTS export {filename}"
    stack: list[tuple[int, str, str, str]] = []  # (indent, digits, description, general rate text)
    rows: dict[str, dict[str, Any]] = {}
    unparsed: list[str] = []
    for rec in records:
        ind = _indent(rec.get("indent"))
        digits = _digits(rec.get("htsno"))
        desc = _short(rec.get("description"))
        general = clean_rate_text(rec.get("general"))
        while stack and stack[-1][0] >= ind:
            stack.pop()
        if len(digits) == 4:  # a new heading starts a new context whatever the indent says
            stack.clear()
        context = [d for _, _, d, _ in stack if d]
        stack.append((ind, digits, desc, general))
        if len(digits) not in (8, 10):
            continue
        text = general
        if not text and len(digits) == 10:
            for _, anc_digits, _, anc_rate in reversed(stack[:-1]):
                if anc_rate and digits.startswith(anc_digits[:8]) and len(anc_digits) >= 8:
                    text = anc_rate
                    break
        if not text:
            continue  # an 8-digit line with no rate of its own (rare); nothing to price it with
        parsed = parse_rate(text)
        if parsed is None:
            unparsed.append(digits)
        full = " > ".join([*context[-3:], desc]) if desc.lower().startswith("other") or len(desc) < 25 else desc
        rows[digits] = {
            "hts": digits,
            "description": full,
            "description_zh": "",
            "mfn_text": text,
            "mfn_ad_valorem": parsed[0] if parsed else math.nan,
            "mfn_specific_usd": parsed[1] if parsed else 0.0,
            "mfn_specific_unit": parsed[2] if parsed else "",
            "s301_list": "",
            "s232": "",
            **{c: False for c in BOOL_COLUMNS},
            "source": source,
            "evidence": "confirmed",
            "mfn_parsed": parsed is not None,
        }
    # A 10-digit line that prints its own rate with no 8-digit line above it (xxxx.xx.xx.00) also answers
    # for its 8-digit code, so an order that gives 8 digits still finds it.
    for digits in [d for d in rows if len(d) == 10]:
        parent = digits[:8]
        if parent not in rows and not any(len(d) == 10 and d != digits and d.startswith(parent) for d in rows):
            rows[parent] = {**rows[digits], "hts": parent}
    if not rows:
        raise _refuse(filename, "no 8- or 10-digit tariff lines with a general rate were found")
    if unparsed:
        log.warning("%s: %d general rate(s) not understood, left unpriced: %s", filename, len(unparsed), ", ".join(unparsed[:20]))
    frame = pd.DataFrame(list(rows.values()), columns=[*TABLE_COLUMNS, "mfn_parsed"])
    frame = frame.sort_values("hts", kind="stable").reset_index(drop=True)
    frame.attrs["unparsed"] = unparsed
    return frame


# ---------------------------------------------------------------------------------------------------------
# Merging and writing
# ---------------------------------------------------------------------------------------------------------


def _weaker(a: str, b: str) -> str:
    return a if _GRADE_ORDER.get(a, 0) <= _GRADE_ORDER.get(b, 0) else b


def merge_official(built_in: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Official rates for every official line; our 301/232 scope, flags and Chinese names where we know the line.

    A 10-digit official line that our table lacks takes the classification of our 8-digit line. Lines of our
    table that the official file does not carry (e.g. the export covered one chapter) are kept unchanged.
    The row's grade is the weaker of the two sources it was built from.
    """
    ours = built_in.set_index("hts", drop=False)
    out_rows = []
    for rec in official.to_dict("records"):
        hts = rec["hts"]
        mine = None
        if hts in ours.index:
            mine = ours.loc[hts]
        elif len(hts) == 10 and hts[:8] in ours.index:
            mine = ours.loc[hts[:8]]
        row = {c: rec.get(c) for c in TABLE_COLUMNS}
        if mine is not None:
            for c in CLASSIFICATION_COLUMNS:
                row[c] = mine[c]
            if mine["description_zh"]:
                row["description_zh"] = mine["description_zh"]
            row["source"] = f"{rec['source']} (rate); built-in table (301/232 scope, flags): {mine['source']}"
            row["evidence"] = _weaker(str(rec["evidence"]), str(mine["evidence"]))
        out_rows.append(row)
    merged = pd.DataFrame(out_rows, columns=TABLE_COLUMNS)
    missing = built_in[~built_in["hts"].isin(set(official["hts"]))]
    merged = pd.concat([merged, missing[TABLE_COLUMNS]], ignore_index=True)
    for c in BOOL_COLUMNS:
        merged[c] = merged[c].astype(bool)
    return merged.sort_values("hts", kind="stable").reset_index(drop=True)


def _fmt(value: Any, ctype: str) -> str:
    if ctype == "bool":
        return "true" if bool(value) else "false"
    if ctype == "float":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return f"{float(value):.6f}".rstrip("0").rstrip(".") or "0"
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings


def header_toml(label: str = "US tariff lines: MFN rate, Section 301 list, Section 232 scope (refreshed from a USITC export)",
                evidence: str = "confirmed", description: str | None = None) -> str:
    """The TOML header that declares the table's columns (the shape ``TableHeader`` validates)."""
    lines = [
        'kind = "table"',
        f"label = {_toml_str(label)}",
        'label_zh = "美国税则行：最惠国税率、301 清单、232 范围"',
        'file = "hts_us.csv"',
        'key = "hts"',
        f"evidence = {_toml_str(evidence)}",
        'references = [{ title = "USITC Harmonized Tariff Schedule of the United States", url = "https://hts.usitc.gov/" }]',
    ]
    if description:
        lines.append(f"description = {_toml_str(description)}")
    for name, (ctype, desc) in COLUMN_SPECS.items():
        lines += ["", f"[columns.{name}]", f'type = "{ctype}"', f"description = {_toml_str(desc)}"]
    return "\n".join(lines) + "\n"


def write_table(df: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write ``hts_us.csv`` and ``hts_us.toml`` into ``out_dir`` (e.g. ``<copy of assumptions>/us/hts``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    missing = [c for c in TABLE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"write_table: the frame lacks columns {missing}")
    grades = set(df["evidence"].astype(str))
    evidence = min(grades, key=lambda g: _GRADE_ORDER.get(g, 0)) if grades else "confirmed"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    for rec in df[TABLE_COLUMNS].to_dict("records"):
        writer.writerow([_fmt(rec[c], COLUMN_SPECS[c][0]) for c in TABLE_COLUMNS])
    csv_path = out / "hts_us.csv"
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    (out / "hts_us.toml").write_text(
        header_toml(evidence=evidence, description="Written by costimpact.assumptions.usitc.write_table from a USITC HTS export merged with the built-in table."),
        encoding="utf-8",
    )
    return csv_path
