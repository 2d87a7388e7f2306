"""``costimpact report ORDERS --out REPORT.xlsx [--scenario NAME ...] [--baseline NAME] [--as-of DATE] [--lang zh|en]
[--assumptions DIR]``: the Excel scenario report from the command line.

Prints ``read N rows: M priced, K rejected`` and the output path on stderr and exits 0 when the file was read
(even with rejected rows). An unusable file or argument raises a :class:`~costimpact.errors.CostImpactError`,
which the dispatcher prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from costimpact.errors import ArgumentError, CostImpactError
from costimpact.i18n import t


class ReportWriteError(CostImpactError):
    """The report could not be written where --out points."""


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    p = sub.add_parser("report", help=t("report.cli.help", "en"), description=t("report.cli.help", "en"))
    p.add_argument("orders", help="order file (CSV or XLSX)")
    p.add_argument("--out", required=True, help="the workbook to write (.xlsx)")
    p.add_argument("--scenario", action="append", dest="scenarios", metavar="NAME", help="scenario to compare (repeat for several; default: actual)")
    p.add_argument("--baseline", default="pre-2025", metavar="NAME", help="baseline scenario (default: pre-2025)")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="date for lines without a ship_date (default: today)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the workbook (default: en)")
    p.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: the built-in set)")
    p.add_argument("--catalogue", metavar="FILE", help="product catalogue (CSV/XLSX: SKU, HS code, origin, declared value) joined to the lines by SKU")
    p.add_argument("--outlook", metavar="YYYY-MM-DD", help="add Outlook sheets: the basket under pending policy events up to this horizon")
    p.set_defaults(func=run)


def _check_out(out: Path, lang: str) -> None:
    if out.suffix.lower() != ".xlsx":
        raise ArgumentError(t("report.cli.out_suffix", lang, path=out))
    if not out.parent.is_dir():
        raise ArgumentError(t("report.cli.out_dir", lang, path=out))


def run(args: argparse.Namespace) -> int:
    from costimpact import api
    from costimpact.report.workbook import write_report

    out = Path(args.out)
    _check_out(out, args.lang)
    aset = api.assumptions_of(args.assumptions)
    imported = api.read(args.orders, catalogue=args.catalogue)
    from costimpact.orders.catalogue import report_problems

    report_problems(imported)
    as_of = api.as_date(args.as_of)
    comparisons = [
        api.compare(imported, scenario=name, baseline=args.baseline, as_of=as_of, assumptions=aset)
        for name in (args.scenarios or ["actual"])
    ]
    extra = []
    if args.outlook:
        from costimpact.scenarios.outlook import outlook, report_sheets

        extra = report_sheets(outlook(imported, horizon=args.outlook, as_of=as_of, assumptions=aset), args.lang)
    data = write_report(
        comparisons,
        extra_sheets=extra,
        lang=args.lang,
        input_name=getattr(imported, "file_name", "") or Path(args.orders).name,
        input_sha256=getattr(imported, "sha256", ""),
        assumptions=aset,
    )
    try:
        out.write_bytes(data)
    except OSError as err:
        raise ReportWriteError(t("report.cli.out_write", args.lang, path=out, why=err.strerror or type(err).__name__)) from None
    print(comparisons[0].scenario.summary(), file=sys.stderr)
    for cmp in comparisons:
        print(cmp.summary(), file=sys.stderr)
    print(t("report.cli.written", args.lang, path=out), file=sys.stderr)
    return 0
