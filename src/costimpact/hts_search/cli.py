"""``costimpact hts search QUERY [--top N] [--format table|csv]``."""

from __future__ import annotations

import argparse
import sys
import unicodedata

import pandas as pd

from costimpact.assumptions.loader import load_assumptions
from costimpact.assumptions.models import EVIDENCE_MARK
from costimpact.errors import ArgumentError
from costimpact.hts_search.index import format_hts, search_hts

CSV_COLUMNS = ["hts", "description", "description_zh", "mfn_text", "mfn_evidence", "seller_names", "in_schedule", "score"]


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    p = sub.add_parser("hts", help="find US tariff lines by code or by a product's words (Chinese or English)")
    inner = p.add_subparsers(dest="action", required=True)
    s = inner.add_parser("search", help="the US 8-digit lines best matching a product name or a code prefix")
    s.add_argument("query", nargs="+", help="product words (e.g. 蓝牙耳机, 'LED strip lights') or a code prefix (8518.30)")
    s.add_argument("--top", type=int, default=10, metavar="N", help="how many lines to show (default 10)")
    s.add_argument("--format", choices=("table", "csv"), default="table", help="table (default) or csv on stdout")
    s.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: the built-in one)")
    s.set_defaults(func=_search)


def _search(args: argparse.Namespace) -> int:
    query = " ".join(args.query).strip()
    if not query:
        raise ArgumentError("hts search: the query is empty; give product words or a code, e.g. costimpact hts search 蓝牙耳机")
    if not 1 <= args.top <= 500:
        raise ArgumentError(f"--top {args.top}: expected a number of lines from 1 to 500")
    hits = search_hts(load_assumptions(args.assumptions), query, limit=args.top)
    out = hits.assign(hts=hits["hts"].map(format_hts), mfn_evidence=hits["evidence"])[CSV_COLUMNS]
    if args.format == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        print(render_table(out))
    if out.empty:
        print(f"hts search: nothing matches {query!r}; try other words (Chinese or English) or a shorter code", file=sys.stderr)
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, room: int) -> str:
    """``text`` cut to ``room`` display columns (a Chinese character takes two), padded."""
    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > room - (1 if len(out) < len(text) - 1 else 0):
            out += "…"
            used += 1
            break
        out, used = out + ch, used + w
    return out + " " * max(room - used, 0)


def render_table(hits: pd.DataFrame) -> str:
    """One line per hit: code, rate text, Chinese name, seller names (graded U), English description."""
    if hits.empty:
        return "(no match)"
    lines = [f"{'hts':<11} {'mfn':<14} {_cut('中文名称 description_zh', 30)} {_cut('seller names (U)', 30)} description"]
    for r in hits.itertuples(index=False):
        rate = f"{r.mfn_text} ({EVIDENCE_MARK.get(r.mfn_evidence, '?')})" if r.mfn_text else "-"
        lines.append(f"{r.hts:<11} {_cut(rate, 14)} {_cut(r.description_zh, 30)} {_cut(r.seller_names or '-', 30)} {r.description[-90:]}")
    lines.append(
        "mfn: the loaded schedule's column-1 rate and its grade (C confirmed, C2 secondary, U unverified; '-' where the"
        " schedule lacks the line); 中文名称: China's official six-digit name; seller names: the team's (U). A suggestion,"
        " not a ruling."
    )
    return "\n".join(lines)
