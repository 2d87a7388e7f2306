"""Subcommands of the orders area: ``costimpact template``."""

from __future__ import annotations

import sys

from costimpact.orders.template import write_template


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    p = sub.add_parser("template", help="write a blank order file (xlsx or csv) to fill in")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="header language (default zh)")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    p.set_defaults(func=_template)


def _template(args) -> int:  # noqa: ANN001
    path = write_template(args.out, args.lang)
    print(f"wrote {path}", file=sys.stderr)
    return 0
