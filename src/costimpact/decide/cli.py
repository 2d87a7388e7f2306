"""``costimpact decide fulfilment|origin|pricing ORDERS``: the decisions on the command line.

Exit 0 when the orders were read (a one-line summary goes to stderr), 2 when the file or an argument is unusable
(the dispatcher in costimpact.cli prints the one-line message). Output: CSV to ``--out``, else a table on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from costimpact.errors import ArgumentError


def _read(args: argparse.Namespace):  # noqa: ANN202 - orders.ImportResult
    """Check ``--out`` before any work, then read the orders."""
    from costimpact.api import read

    if args.out and Path(args.out).suffix.lower() != ".csv":
        raise ArgumentError(f"--out {args.out}: decisions are written as CSV; give a file name ending in .csv")
    from costimpact.orders.catalogue import report_problems

    imported = read(args.orders, catalogue=args.catalogue)
    report_problems(imported)
    return imported


def _write(frame: pd.DataFrame, out: str | None) -> None:
    if out:
        target = Path(out)
        try:
            frame.to_csv(target, index=False, encoding="utf-8")
        except OSError as err:
            raise ArgumentError(f"--out {out}: cannot write the file ({err.strerror}); check the folder exists and is writable") from None
        return
    with pd.option_context("display.max_columns", 12, "display.width", 160, "display.max_rows", 200):
        print(frame.to_string(index=False))


def _summary(imported, what: str) -> None:  # noqa: ANN001
    print(f"costimpact decide {what}: read {imported.rows_read} rows, {len(imported.lines)} usable", file=sys.stderr)


def _fulfilment(args: argparse.Namespace) -> int:
    from costimpact.decide.fulfilment import FulfilmentOptions, compare_fulfilment

    imported = _read(args)
    opt = FulfilmentOptions(bulk_mode=args.bulk_mode, direct_mode=args.direct_mode, ocean_load=args.ocean_load, months=args.months, bulk_value_ratio=args.bulk_value_ratio)
    res = compare_fulfilment(imported, scenario=args.scenario, as_of=args.as_of, options=opt)
    _summary(imported, "fulfilment")
    port = res.portfolio.iloc[0]
    be = port["break_even_units_per_month"]
    print(
        f"basket (goods' value aside): direct {port['direct_cost_per_unit_usd']:.2f} vs warehouse {port['warehouse_cost_per_unit_usd']:.2f} USD/unit at "
        f"{port['units_per_month']:.0f} units/month; break-even {'never' if pd.isna(be) else f'{be:.0f} units/month'}",
        file=sys.stderr,
    )
    _write(res.per_sku, args.out)
    return 0


def _origin(args: argparse.Namespace) -> int:
    from costimpact.decide.origin import DEFAULT_ORIGINS, compare_origins

    imported = _read(args)
    origins = [o for o in (args.origins.split(",") if args.origins else DEFAULT_ORIGINS)]
    res = compare_origins(imported, origins=origins, scenario=args.scenario, as_of=args.as_of)
    _summary(imported, "origin")
    _write(res.by_sku if args.by_sku else res.ranking, args.out)
    return 0


def _pricing(args: argparse.Namespace) -> int:
    from costimpact.decide.pricing import price_for_margin

    imported = _read(args)
    res = price_for_margin(
        imported, scenario=args.scenario, baseline=args.baseline, as_of=args.as_of, elasticity=args.elasticity,
        hurdle_margin=args.hurdle, value_follows_price=args.value_follows_price,
    )
    _summary(imported, "pricing")
    port = res.portfolio.iloc[0]
    print(
        f"SKUs: {port['skus_keep']} keep, {port['skus_raise_price']} raise price, {port['skus_lower_price']} lower price, {port['skus_stop']} stop "
        f"(pushed below the hurdle), {port['skus_below_hurdle_before']} below the hurdle before the change, {port['skus_without_price']} without price/cost",
        file=sys.stderr,
    )
    from costimpact.i18n import t

    for warning in res.warnings:
        print("warning: " + t(f"decide.prc.warn.{warning}", "en", e=res.elasticity), file=sys.stderr)
    _write(res.per_sku, args.out)
    return 0


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    p = sub.add_parser("decide", help="decisions: direct parcels vs a US warehouse, sourcing origin, the price that holds the margin")
    dsub = p.add_subparsers(dest="decision", required=True, parser_class=type(p))

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("orders", metavar="ORDERS", help="order file (CSV or XLSX)")
        q.add_argument("--scenario", default="actual", help="scenario name (default: actual = the law on the as-of date)")
        q.add_argument("--as-of", dest="as_of", default=None, help="date every line is priced on, YYYY-MM-DD (default: today)")
        q.add_argument("--out", default=None, help="write the table to FILE.csv (default: print it)")
        q.add_argument("--catalogue", metavar="FILE", default=None, help="product catalogue (CSV/XLSX: SKU, HS code, origin, declared value) joined to the lines by SKU")

    f = dsub.add_parser("fulfilment", help="direct parcels vs bulk freight into a US warehouse, and the break-even volume")
    common(f)
    f.add_argument("--bulk-mode", dest="bulk_mode", choices=["ocean_freight", "air_freight"], default="ocean_freight")
    f.add_argument("--direct-mode", dest="direct_mode", choices=["as_is", "postal", "express"], default="as_is")
    f.add_argument("--ocean-load", dest="ocean_load", choices=["auto", "fcl", "lcl"], default="auto", help="full containers, a shared container (LCL), or the cheaper (default)")
    f.add_argument("--months", type=float, default=None, help="months of demand the orders cover (default: the span of ship dates)")
    f.add_argument("--bulk-value-ratio", dest="bulk_value_ratio", type=float, default=None, help="bulk transaction value / parcel declared value")
    f.set_defaults(func=_fulfilment)

    o = dsub.add_parser("origin", help="the basket priced as if made in other countries, ranked")
    common(o)
    o.add_argument("--origins", default=None, help="comma-separated ISO codes, MX-USMCA/CA-USMCA for USMCA goods (default: a list of 17)")
    o.add_argument("--by-sku", dest="by_sku", action="store_true", help="landed cost per unit by SKU x origin instead of the ranking")
    o.set_defaults(func=_origin)

    r = dsub.add_parser("pricing", help="margins before/after, the price that holds the margin, units and profit")
    common(r)
    r.add_argument("--baseline", default="pre-2025", help="the 'before' scenario (default: pre-2025)")
    r.add_argument("--elasticity", type=float, default=None, help="own-price elasticity (default: the assumption, -1.5)")
    r.add_argument("--hurdle", type=float, default=None, help="margin (fraction) below which a SKU is not worth selling")
    r.add_argument("--value-follows-price", dest="value_follows_price", action="store_true", help="the declared value moves with the price (DDP at sale price)")
    r.set_defaults(func=_pricing)
