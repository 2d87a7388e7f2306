"""Build the built-in US tables from the official texts in ../shared/data (or --data DIR).

    python scripts/build_us_tables.py [--data ../shared/data]

Writes, beside the headers kept in git:
- assumptions/us/hts/schedule.csv + .toml: every 8-digit line of chapters 01-97 of the HTS 2026 Basic Edition
  (USITC CSV export) with its column 1 general rate, classified (costimpact.assumptions.usitc);
- assumptions/us/scope/s301.csv: the China Section 301 headings each line falls under, read from HTS chapter 99
  (2026 Revision 6), subchapter III U.S. note 20 (lists 1, 2, 3, 4A, 4B) and note 31 (2024 four-year review);
- assumptions/us/scope/s122.csv: the Section 122 exemption lists of subchapter III U.S. note 2: the general list
  (heading 9903.03.03) and the civil-aircraft list (heading 9903.03.05, a claim a line may make).
Lists are read from the notes text; numbers are HTS codes printed as 1234.56.78 or 1234.56.7890. Prints counts
and the disagreements with the Yale tariff-rate-tracker lists (cross-check only; nothing is taken from them).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from costimpact.assumptions.usitc import read_usitc, write_schedule  # noqa: E402

EDITION = "USITC Harmonized Tariff Schedule of the United States, 2026 Basic Edition (CSV export, effective 2026-01-01)"
NOTES = "HTS 2026 Revision 6, chapter 99 U.S. notes"
CODE = re.compile(r"\b(\d{4})\.(\d{2})\.(\d{2})(\d{2})?\b|\b(\d{4})\.(\d{2})\.(\d{4})\b")


SIX = re.compile(r"(?<![\d.])(\d{4})\.(\d{2})(?![\d.]|\.\d)")


def codes(text: str, six: bool = False) -> list[str]:
    """HTS numbers in ``text`` as digits (8 or 10; with ``six``, 6-digit subheadings too), in order."""
    out = []
    for m in [*CODE.finditer(text), *(SIX.finditer(text) if six else ())]:
        digits = "".join(g for g in m.groups() if g)
        if digits[:2] not in ("98", "99"):
            out.append(digits)
    return out


_TOKEN = re.compile(r"^\d{4}(?:\.\d{2}(?:\.\d{2}(?:\d{2})?|\.\d{4})?)?$")


def table_codes(text: str) -> list[str]:
    """Codes of the printed tables only: lines made entirely of HTS numbers, which may be headings (8542),
    subheadings (8708.22), tariff lines or statistical numbers; prose lines are skipped."""
    out = []
    for line in text.splitlines():
        tokens = line.split()
        if tokens and all(_TOKEN.match(t) for t in tokens):
            out += [t.replace(".", "") for t in tokens if not t.startswith(("98", "99"))]
    return out


def between(lines: list[str], start: str, end: str, after: int = 0) -> tuple[str, int]:
    """The text from the first line matching ``start`` (at or after line ``after``) up to the next matching ``end``."""
    s = next(i for i in range(after, len(lines)) if re.match(start, lines[i]))
    e = next(i for i in range(s + 1, len(lines)) if re.match(end, lines[i]))
    return "\n".join(lines[s:e]), e


def _page_furniture(text: str) -> str:
    """Drop the running heads the PDF rendering repeats on every page (they carry no codes but 'Revision 6 (2026)')."""
    return "\n".join(x for x in text.splitlines() if "Harmonized Tariff Schedule of the United States" not in x)


def listed_items(text: str, heading: str) -> list[tuple[str, str, bool]]:
    """Rows for a numbered list of described products ("1. ... provided for in subheading 4901.99.00, except for ...
    statistical reporting number 4901.99.0040"): the subheading is on the heading, the excepted numbers are not."""
    rows = []
    for item in re.split(r"\n\s*\d+\.\s", "\n" + text)[1:]:
        found = codes(item)
        m = re.search(r"provided\s+for\s+in\s+(?:\[?subheading\]?\s+)?(\d{4}\.\d{2}\.\d{2})\s*,?\s*except", item)
        if m:
            eight = m.group(1).replace(".", "")
            rows.append((eight, heading, False))
            rows += [(c, heading, True) for c in found if len(c) == 10 and c.startswith(eight)]
        else:
            rows += [(c, heading, False) for c in found]
    return rows


def build_s301(lines: list[str]) -> list[tuple[str, str, bool]]:
    rows: list[tuple[str, str, bool]] = []
    start = next(i for i, x in enumerate(lines) if x.startswith("20. (a)  For the purposes of heading 9903.88.01"))
    for sub, heading in (("b", "9903.88.01"), ("d", "9903.88.02"), ("f", "9903.88.03")):
        text, _ = between(lines, rf"^\({sub}\) Heading {heading} applies to", r"^\([a-z]+\) ", start)
        rows += [(c, heading, False) for c in codes(_page_furniture(text).split("read", 1)[-1])]
    text, _ = between(lines, r"^\(g\) For the purposes of heading 9903.88.04", r"^\(h\) ", start)
    rows += listed_items(_page_furniture(text).split("the following products of China:", 1)[-1].split("Notwithstanding", 1)[0], "9903.88.04")
    text, _ = between(lines, r"^\(s\) Heading 9903.88.15 applies to", r"^\(t\) ", start)
    part_i, _, part_ii = _page_furniture(text).partition("(ii) the following products of China")
    rows += [(c, "9903.88.15", False) for c in codes(part_i)]
    rows += listed_items(part_ii, "9903.88.15")
    text, _ = between(lines, r"^\(u\) Heading 9903.88.16 applies to", r"^\(v\) ", start)
    part_i, _, part_ii = _page_furniture(text).partition("ii) the following products of China")
    rows += [(c, "9903.88.16", False) for c in codes(part_i)]
    rows += listed_items(part_ii, "9903.88.16")
    note31 = next(i for i, x in enumerate(lines) if x.startswith("31. (a)  As provided in headings 9903.91.01"))
    for sub, nxt, heading in (("b", "c", "9903.91.01"), ("c", "d", "9903.91.02"), ("d", "e", "9903.91.03"), ("e", "f", "9903.91.04"),
                              ("f", "g", "9903.91.05"), ("g", "h", "9903.91.06"), ("h", "i", "9903.91.07"), ("i", "j", "9903.91.08"),
                              ("j", "k", "9903.91.11")):
        text, _ = between(lines, rf"^\({sub}\)", rf"^\({nxt}\)", note31)
        text = _page_furniture(text)
        if sub == "f":
            text = text.split("(ii) The additional rate", 1)[0]
        body = text.split(":", 1)[-1] if sub not in ("e", "i") else text
        rows += [(c, heading, False) for c in codes(body)]
    return rows


def build_s122(lines: list[str]) -> list[tuple[str, str, bool]]:
    general, _ = between(lines, r"^\(ii\) As provided in heading 9903.03.03", r"^\(iii\) As provided in heading 9903.03.04")
    aircraft, _ = between(lines, r"^\(iv\) As provided in heading 9903.03.05", r"^\(v\) As provided in heading 9903.03.06")
    rows = [(c, "9903.03.03", False) for c in codes(_page_furniture(general).split("left to right", 1)[-1])]
    rows += [(c, "9903.03.05", False) for c in codes(_page_furniture(aircraft).split("left to right", 1)[-1]) if not c.startswith("98")]
    return rows


#: The key each heading has in its layer file (us/layers/s301: the list names, and the review headings themselves).
LAYER_KEY = {"9903.88.01": "1", "9903.88.02": "2", "9903.88.03": "3", "9903.88.04": "3", "9903.88.15": "4A", "9903.88.16": "4B",
             "9903.03.03": "general", "9903.03.05": "civil_aircraft"}


#: Section 232 lists printed in the notes: (group of us/layers/s232, where the list starts, where it ends, heading).
S232_LISTS = (
    ("autos", r"^\(b\) The rates of duty set forth in headings 9903.94.01", r"^\(c\) ", "9903.94.01"),
    ("auto_parts", r"^\(g\) Subject to a manufacturer's import adjustment offset", r"^\(h\) ", "9903.94.05"),
    ("timber", r"^\(b\) The rates of duty set forth in heading 9903.76.01", r"^\(c\) ", "9903.76.01"),
    ("upholstered", r"^\(d\) The rates of duty set forth in headings 9903.76.02", r"^\(e\) ", "9903.76.02"),
    ("cabinets", r"^\(f\) Except for as provided by 9903.76.04, the rates of duty", r"^\(g\) ", "9903.76.03"),
    ("trucks", r"^ *\(b\) The rate of duty set forth in heading 9903.74.01", r"^ *\(c\) ", "9903.74.01"),
)


#: The metals lists of the 2026-04-06 restructure (note 16(c)): subdivision -> key of us/layers/s232. Headings
#: 9903.82.02 (50%) cover (i)-(v), 9903.82.09 (25%) (vi)-(viii), 9903.82.10 (15% with column 1 included) (ix)-(x).
METALS_2026 = {"i": "annex_1a", "ii": "annex_1a", "iii": "annex_1a", "iv": "annex_1a", "v": "annex_1a",
               "vi": "annex_1b", "vii": "annex_1b", "viii": "annex_1b", "ix": "annex_2", "x": "annex_2"}


#: Articles of steel and aluminium (i), (iii) were under Section 232 since 2018 and articles of copper (v) since
#: 2025-08-01 (Proclamations 9704/9705, 10962): they keep those groups' earlier periods.
BEFORE_2026 = {"i": "steel_alu", "iii": "steel_alu", "v": "copper"}


def build_metals_2026(lines: list[str]) -> list[tuple[str, str, str]]:
    """(code, group, subdivision) for the lists of note 16(c), headings, subheadings and lines alike."""
    text, _ = between(lines, r"^\(c\) Headings 9903.82.02", r"^\(d\) Headings 9903.82.04 and 9903.82.05 apply")
    text = re.sub(r"\[Compiler's note:[^\]]*\]", " ", _page_furniture(text), flags=re.S)
    parts = re.split(r"\(([ivx]+)\)\s+(?:Articles|Derivative)[^:]*:", text)
    rows = []
    for sub, body in zip(parts[1::2], parts[2::2]):
        for token in body.split():
            if _TOKEN.match(token) and not token.startswith(("98", "99")):
                rows.append((token.replace(".", ""), METALS_2026[sub], sub))
                if sub in BEFORE_2026:  # the articles themselves were covered before the restructure too
                    rows.append((token.replace(".", ""), BEFORE_2026[sub], sub))
    return rows


#: Aluminium derivative lists before the restructure (note 19(i), (j): 9903.85.04/.07 from 2025-03-12; (k): the
#: 9903.85.08 inclusions from 2025-08-18, 90 FR 40326). The steel derivative lists are no longer printed in Rev. 6.
ALU_DERIVATIVES = (("i", "j", ""), ("j", "k", ""), ("k", "l", "2025-08-18"))


def build_alu_derivatives(lines: list[str]) -> list[tuple[str, str, str]]:
    """(code, joined, subdivision) for the aluminium derivative lists of note 19(i)-(k)."""
    start = next(i for i, x in enumerate(lines) if x.startswith("19. (a)  This note and the tariff provisions"))
    rows = []
    for sub, nxt, joined in ALU_DERIVATIVES:
        text, _ = between(lines, rf"^\({sub}\) The rates of duty", rf"^\({nxt}\) ", start)
        rows += [(c, joined, sub) for c in codes(_page_furniture(text))]
    return rows


def build_s232(lines: list[str]) -> list[tuple[str, str, str]]:
    """(code, group, heading) for the Section 232 product lists the notes print (autos and parts: note 33;
    timber, upholstered furniture, cabinets: note 37; trucks: note 38)."""
    rows = []
    for group, start, end, heading in S232_LISTS:
        text, _ = between(lines, start, end)
        found = codes(_page_furniture(text).split(":", 1)[-1], six=True)
        if group == "auto_parts":
            # the list names provisions (tyres, engines, batteries, even computers 8471) whose goods are auto parts
            # only when they are parts of passenger vehicles: outside chapter 87 the line must say so (auto_part)
            rows += [(c, "auto_parts_claimed", heading) for c in found if not c.startswith("87")]
            found = [c for c in found if c.startswith("87")]
        rows += [(c, group, heading) for c in found]
    return rows + build_metals_2026(lines)


#: The November 2025 order on agricultural goods (beef, coffee, bananas ...) added lines to the reciprocal tariff's
#: exemption list from this date (facts file, graded unverified). The notes print one undated list and the Yale
#: copy is as current, so the food chapters 01-24 (absent from the April 2025 Annex II) are dated from it.
AGRICULTURAL_ADDITIONS = "2025-11-13"


def build_ieepa(lines: list[str], data: Path) -> list[tuple[str, str]]:
    """(code, exempt from) for the reciprocal tariff's exemption list, subchapter III U.S. note 2(v)(iii)(a)
    (heading 9903.01.32: Annex II, the electronics of the 2025-04-11 memorandum and the later additions)."""
    text, _ = between(lines, r"^ *\(a\) As provided for in heading 9903.01.32", r"^\(b\) As provided in heading 9903.02.78")
    text = _page_furniture(text)
    found = list(dict.fromkeys(table_codes(text) + codes(text.split("HTSUS:", 1)[-1])))
    rows = [(c, AGRICULTURAL_ADDITIONS if c[:2] <= "24" else "") for c in found]
    with (data / "yale-tariff-rate-tracker" / "ieepa_exempt_products.csv").open(encoding="utf-8") as fh:
        theirs = {r["hts10"][:8] for r in csv.DictReader(fh)}
    ours = {c[:8] for c in found if len(c) >= 8}
    print(f"ieepa cross-check at 8 digits: notes {len(ours)}, Yale {len(theirs)}; Yale only {len(theirs - ours)} (under a 4/6-digit entry of the notes or not listed), notes only {len(ours - theirs)}")
    return rows


def write_rows(path: Path, rows: list[tuple[str, str, bool]]) -> None:
    seen: dict[tuple[str, str], bool] = {}
    for hts, heading, excluded in rows:
        seen[(hts, heading)] = seen.get((hts, heading), False) or excluded
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["hts", "heading", "key", "excluded"])
        for (hts, heading), excluded in sorted(seen.items()):
            w.writerow([hts, heading, LAYER_KEY.get(heading, heading), "true" if excluded else "false"])


def cross_check(data: Path, s301: list[tuple[str, str, bool]], s122: list[tuple[str, str, bool]]) -> None:
    yale = data / "yale-tariff-rate-tracker"
    if not yale.is_dir():
        return
    name = {"9903.88.04": "3", "9903.88.01": "1", "9903.88.02": "2", "9903.88.03": "3", "9903.88.15": "4A", "9903.88.16": "4B"}
    ours = {(h[:8], name[hd]) for h, hd, ex in s301 if hd in name and not ex}
    theirs = set()
    with (yale / "s301_product_lists.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["list"] in name.values():
                theirs.add((r["hts8"], r["list"]))
    print(f"s301 lists 1-4B: notes {len(ours)} (code, list) pairs, Yale {len(theirs)}")
    # What a line pays is what matters: 25% (lists 1-3), 7.5% (4A) or nothing (4B, none). Compare by that.
    tier = {"1": 2, "2": 2, "3": 2, "4A": 1, "4B": 0}

    def pays(pairs: set[tuple[str, str]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for code, lst in pairs:
            out[code] = max(out.get(code, 0), tier[lst])
        return out

    a, b = pays(ours), pays(theirs)
    diff = sorted(c for c in set(a) | set(b) if a.get(c, 0) != b.get(c, 0) and not c.startswith("98"))
    print(f"s301 rate tier differs on {len(diff)} 8-digit codes (notes vs Yale):")
    for c in diff:
        print(f"    {c}: notes {a.get(c, 0)}, Yale {b.get(c, 0)} (2 = lists 1-3, 1 = list 4A, 0 = none or 4B)")
    gen = {h for h, hd, _ in s122 if hd == "9903.03.03"}
    air = {h for h, hd, _ in s122 if hd == "9903.03.05"}
    with (yale / "s122_exempt_products.csv").open(encoding="utf-8") as fh:
        y122 = {r["hts8"] for r in csv.DictReader(fh)}
    print(f"s122: general list {len(gen)}, civil-aircraft list {len(air)}; Yale's merged list {len(y122)}: "
          f"in Yale but on neither notes list {len(y122 - gen - air)}, on the aircraft list only {len((y122 & air) - gen)}")


#: Steel, aluminium and copper lines (and their derivatives before the 2026-04-06 restructure) are not yet read from
#: the notes: the curated lines' groups are kept, with the 2025-08-18 joining date of the derivative inclusions
#: (Commerce, 90 FR 40326). Each (code, group, joined) below was checked by hand against the Yale lists.
CURATED_METALS = ROOT / "scripts" / "s232_metals_curated.csv"


def write_s232(path: Path, rows: list[tuple[str, str, str]], alu: list[tuple[str, str, str]]) -> None:
    out = {(c, g): "" for c, g, _ in rows}  # groups read from the notes: no joining date beyond the group's own
    for c, joined, _ in alu:
        out[(c, "alu_deriv")] = joined
    with CURATED_METALS.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["group"] in {g for g, *_ in S232_LISTS}:
                continue  # read from the notes instead
            out[(r["hts"], r["group"])] = r["from"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["hts", "group", "from"])
        for (code, group), joined in sorted(out.items()):
            w.writerow([code, group, joined])


def write_metal_shares(data: Path, path: Path) -> int:
    """The default metal share of each 8-digit line: the mean of the Yale tracker's BEA input-output estimates
    of its 10-digit lines (an estimate, graded unverified; the order's metal_value_share always wins)."""
    import pandas as pd

    src = pd.read_csv(data / "yale-tariff-rate-tracker" / "metal_content_shares_bea_hs10.csv", dtype={"hs10": str})
    share = src.assign(hts=src["hs10"].str[:8]).groupby("hts")["metal_share"].mean().clip(0, 1).round(4)
    share.rename("metal_share").reset_index().to_csv(path, index=False, lineterminator="\n")
    return len(share)


def superseded(data: Path, s301: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """Lines the 2026 notes print only under a 2024-review heading (9903.91.xx): their original list (1, 2, 3, 4A)
    was taken out of note 20 when the review heading took over, but it priced them before the review's dates.
    The original list comes from the USTR list notices as compiled by the Yale tracker (graded secondary)."""
    listed = {h[:8] for h, hd, ex in s301 if hd.startswith("9903.88") and not ex}
    review = sorted({h[:8] for h, hd, _ in s301 if hd.startswith("9903.91")} - listed)
    heading = {"1": "9903.88.01", "2": "9903.88.02", "3": "9903.88.03", "4A": "9903.88.15"}
    rows = []
    with (data / "yale-tariff-rate-tracker" / "s301_product_lists.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["hts8"] in review and r["list"] in heading:
                rows.append((r["hts8"], heading[r["list"]], False))
    return rows + [(hts, hd, False) for hts, hd in ON_4A_UNTIL_REVIEW]


#: Lithium-ion batteries: List 4A (84 FR 43304) until the review headings took them over (EV batteries 9903.91.01 from
#: 2024-09-27, all others 9903.91.06 from 2026-01-01; USTR notice 89 FR 76581). Neither the 2026 notes nor the Yale
#: list print the 4A entry any more (see ../shared/data/README.md).
ON_4A_UNTIL_REVIEW = (("85076000", "9903.88.15"),)


#: Lines the 2026 notes print only under a 2024-review heading (9903.91.05, semiconductors) although they paid
#: List 3 before it (83 FR 47974 annex; Yale lists them on List 3 too): kept on List 3 so dates before 2025 price.
SUPERSEDED_LIST3 = ("85411000", "85412100", "85412900")


def cross_check_232(data: Path, s232: list[tuple[str, str, str]]) -> None:
    """The 2026 metals lists against the Yale annex file (annex 1a, 1b, 2, 3)."""
    ours = {c: g for c, g, _ in s232 if g.startswith("annex_")}
    with (data / "yale-tariff-rate-tracker" / "s232_annex_products.csv").open(encoding="utf-8") as fh:
        theirs = {r["hts_prefix"]: r["annex"] for r in csv.DictReader(fh)}
    pairs: dict[tuple[str, str], int] = {}
    for code in set(ours) | set(theirs):
        key = (ours.get(code, "-"), theirs.get(code, "-"))
        pairs[key] = pairs.get(key, 0) + 1
    print("s232 2026 lists, (notes group, Yale annex): count:", dict(sorted(pairs.items())))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    near = [p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").is_dir()]
    ap.add_argument("--data", default=str(near[0] if near else ROOT.parent / "shared" / "data"), help="folder with usitc-hts-2026/ (and the Yale lists to cross-check)")
    args = ap.parse_args()
    data = Path(args.data)
    hts_csv = data / "usitc-hts-2026" / "hts_2026_basic_edition.csv"
    schedule = read_usitc(hts_csv.read_bytes(), hts_csv.name)
    write_schedule(schedule, ROOT / "assumptions" / "us" / "hts", EDITION)
    print(f"schedule: {len(schedule)} lines; rate forms {schedule.attrs['forms']}")
    lines = (data / "usitc-hts-2026" / "chapter99_2026_rev_6_notes.txt").read_text(encoding="utf-8", errors="replace").splitlines()
    scope = ROOT / "assumptions" / "us" / "scope"
    scope.mkdir(parents=True, exist_ok=True)
    s301 = build_s301(lines) + [(c, "9903.88.03", False) for c in SUPERSEDED_LIST3]
    write_rows(scope / "s301.csv", s301)
    s122 = build_s122(lines)
    write_rows(scope / "s122.csv", s122)
    ieepa = build_ieepa(lines, data)
    with (scope / "ieepa_exempt.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["hts", "from"])
        w.writerows(sorted(ieepa))
    print(f"ieepa exemption list: {len(ieepa)} codes, {sum(1 for _, f in ieepa if f)} of them added {AGRICULTURAL_ADDITIONS}")
    s232 = build_s232(lines)
    cross_check_232(data, s232)
    alu = build_alu_derivatives(lines)
    write_s232(scope / "s232.csv", s232, alu)
    print(f"aluminium derivative lists (note 19(i)-(k)): {len(alu)} codes, {sum(1 for _, j, _ in alu if j)} joined 2025-08-18")
    print("s232 lines from the notes by group:", {g: sum(1 for _, gg, _ in s232 if gg == g) for g in sorted({g for _, g, _ in s232})})
    sup = superseded(data, s301)
    write_rows(scope / "s301_superseded.csv", sup)
    print("s301_superseded rows (original lists of lines the notes print only under a review heading):", len(sup))
    print("metal shares:", write_metal_shares(data, scope / "metal_share.csv"), "8-digit lines")
    by_heading: dict[str, int] = {}
    for _, hd, ex in s301 + s122:
        by_heading[hd + (" except" if ex else "")] = by_heading.get(hd + (" except" if ex else ""), 0) + 1
    print("scope rows by heading:", dict(sorted(by_heading.items())))
    cross_check(data, s301, s122)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
