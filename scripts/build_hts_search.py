"""Build the search tables of ``costimpact hts search`` from the official texts.

Writes, under ``assumptions/us/search/``:

- ``us_lines.csv``: every 8-digit US tariff line of chapters 01-97 that carries a column-1 general rate in the
  USITC HTS 2026 Basic Edition CSV, with its description path below the heading (subheading > ... > line; rows
  without a number continue their parent by indent) and the text of its 10-digit statistical lines;
- ``headings.csv``: each four-digit heading's US description and China's official name for it;
- ``cn_subheadings.csv``: China's official tariff item names for every six-digit HS 2022 subheading (full-width
  characters normalised), the deepest level the two schedules share, with the names of China's own 8- and 10-digit
  lines under it as search words for the subheading (never matched to a US 8-digit line).

The hand-written tables beside them (``seller_names.csv``, ``synonyms.csv``) are not touched.

    python scripts/build_hts_search.py [--usitc CSV] [--china DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the repository (a worktree sits one level deeper)
DATA = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parents[1]) if (p / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data")
USITC_SOURCE = "usitc-2026-basic"
CHINA_SOURCE = "china-tariff-2025"


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text or "")
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def read_us_lines(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """One row per 8-digit line with a general rate (its description path below the heading and its statistical
    lines' text), and the description of every four-digit heading."""
    lines: dict[str, dict] = {}
    headings: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            indent = int(row["Indent"] or 0)
            desc = _clean(row["Description"])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            path_parts = [d for _, d in stack] + [desc]
            stack.append((indent, desc))
            digits = (row["HTS Number"] or "").replace(".", "").strip()
            if len(digits) >= 4 and indent == 0:
                headings[digits[:4]] = desc
            if len(digits) < 8 or not digits[:2].isdigit() or not 1 <= int(digits[:2]) <= 97:
                continue
            hts8 = digits[:8]
            has_rate = bool((row["General Rate of Duty"] or "").strip())
            line = lines.get(hts8)
            if line is None:
                # A 10-digit row carrying the rate is the 8-digit line itself; otherwise it is a statistical split.
                own = path_parts if len(digits) == 8 or has_rate else path_parts[:-1]
                line = lines[hts8] = {"path": own, "detail": [], "rated": False}
            if len(digits) > 8 and len(path_parts) > len(line["path"]):
                line["detail"].extend(p for p in path_parts[len(line["path"]):] if p and p not in line["detail"])
            line["rated"] |= has_rate
    out = []
    for hts8 in sorted(lines):
        line = lines[hts8]
        if not line["rated"]:
            continue
        if line["path"][0] != headings.get(hts8[:4]):
            raise ValueError(f"{path}: line {hts8} does not sit under its heading {hts8[:4]}")
        parts = [p for p in line["path"][1:] if p]
        out.append(
            {
                "hts": hts8,
                "description": " > ".join(parts),
                "detail": "; ".join(line["detail"]),
                "source": USITC_SOURCE,
                "evidence": "confirmed",
            }
        )
    return out, headings


def read_cn_names(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """China's official names of the four-digit headings and six-digit subheadings; NFKC removes full-width forms."""

    def table(name: str) -> dict[str, str]:
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            return {r["code"].strip(): unicodedata.normalize("NFKC", r["name"]).strip() for r in csv.DictReader(fh)}

    return table("heading.csv"), table("subheading.csv")


def read_cn_details(folder: Path) -> dict[str, str]:
    """China's 8- and 10-digit item names grouped by their six-digit subheading: search words only. China's
    national lines are not the US lines, so they are never matched to a US 8-digit code, only to the subheading
    the two schedules share."""
    names: dict[str, dict[str, None]] = {}
    for name in ("tariff-item.csv", "extension.csv"):
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                text = unicodedata.normalize("NFKC", r["name"]).strip()
                names.setdefault(r["code"].strip()[:6], {})[text] = None
    return {code: "; ".join(found) for code, found in names.items()}


def write(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--usitc", type=Path, default=DATA / "usitc-hts-2026" / "hts_2026_basic_edition.csv")
    ap.add_argument("--china", type=Path, default=DATA / "china-tariff-names")
    ap.add_argument("--out", type=Path, default=ROOT / "assumptions" / "us" / "search")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    us, us_heads = read_us_lines(args.usitc)
    cn_heads, cn_subs = read_cn_names(args.china)
    kept = {line["hts"][:4] for line in us}
    heads = [
        {"hs4": h, "description": us_heads[h], "name_zh": cn_heads.get(h, ""), "source": f"{USITC_SOURCE}; {CHINA_SOURCE}", "evidence": "confirmed"}
        for h in sorted(kept)
    ]
    details = read_cn_details(args.china)
    subs = [
        {
            "hs6": code,
            "name_zh": name,
            "detail_zh": "; ".join(x for x in details.get(code, "").split("; ") if x and x != name),
            "source": CHINA_SOURCE,
            "evidence": "confirmed",
        }
        for code, name in sorted(cn_subs.items())
        if len(code) == 6 and code[:4] in kept
    ]
    write(us, args.out / "us_lines.csv")
    write(heads, args.out / "headings.csv")
    write(subs, args.out / "cn_subheadings.csv")
    print(f"wrote {len(us)} US 8-digit lines, {len(heads)} headings and {len(subs)} Chinese subheading names to {args.out}")


if __name__ == "__main__":
    main()
