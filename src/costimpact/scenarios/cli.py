"""``costimpact outlook`` and ``costimpact sensitivity``: what may come next, and what moves the basket's cost most."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from costimpact.errors import ArgumentError


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("outlook", help="the basket's landed cost under pending policy events, with P10/P50/P90")
    p.add_argument("orders", help="order file: CSV or XLSX")
    p.add_argument("--horizon", required=True, metavar="YYYY-MM-DD", help="the date the outlook looks to")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="today's date for the outlook (default: today)")
    p.add_argument("--runs", type=int, help="Monte Carlo draws (default: exact enumeration when few events can move prices)")
    p.add_argument("--seed", type=int, default=0, help="random seed for the draws (default 0): the same seed gives the same file")
    p.add_argument("--by", choices=("sku", "channel"), default="sku", help="one row per SKU (default) or per channel, plus * for the basket")
    p.add_argument("--prob", action="append", default=[], metavar="EVENT=P", help="set an event's probability (0-1); repeatable")
    p.add_argument("--scenario", default="actual", help="the law the events change (default: actual)")
    p.add_argument("--out", required=True, metavar="FILE.csv", help="write one row per group here")
    p.add_argument("--path", metavar="FILE.csv", help="also write the month-by-month path (basket and channels)")
    p.add_argument("--events", metavar="FILE.csv", help="also write the events with their probabilities and effects")
    p.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: built-in)")
    p.set_defaults(func=run_outlook)

    s = sub.add_parser("sensitivity", help="a tornado: each assumption moved to its low/high and each event on/off")
    s.add_argument("orders", help="order file: CSV or XLSX")
    s.add_argument("--as-of", metavar="YYYY-MM-DD", help="price the basket as of this date (default: today)")
    s.add_argument("--scenario", default="actual", help="the law to start from (default: actual)")
    s.add_argument("--out", required=True, metavar="FILE.csv", help="write one row per driver here, largest swing first")
    s.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: built-in)")
    s.set_defaults(func=run_sensitivity)


def probabilities(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ArgumentError(f"--prob {item!r}: write EVENT=P with P from 0 to 1, e.g. --prob flip-struck-down=0.4")
    return out


def _csv_path(value: str, flag: str) -> Path:
    path = Path(value)
    if path.suffix.lower() != ".csv":
        raise ArgumentError(f"{flag} {value}: write a .csv file")
    return path


def run_outlook(args: argparse.Namespace) -> int:
    from costimpact import api
    from costimpact.assumptions import load_assumptions
    from costimpact.csvout import write_csv
    from costimpact.landed.cli import scenario_arg
    from costimpact.scenarios.outlook import outlook

    out = _csv_path(args.out, "--out")
    aset = load_assumptions(args.assumptions)
    imported = api.read(args.orders)
    o = outlook(
        imported, horizon=args.horizon, as_of=args.as_of, assumptions=aset, scenario=scenario_arg(args.scenario, aset),
        probabilities=probabilities(args.prob), by=args.by, runs=args.runs, seed=args.seed,
    )
    from costimpact.report.safe_csv import protect_frame

    write_csv(protect_frame(o.groups), out)  # SKUs are the seller's text: never a formula in Excel
    if args.path:
        write_csv(o.path, _csv_path(args.path, "--path"))
    if args.events:
        write_csv(o.events, _csv_path(args.events, "--events"))
    star = o.groups.iloc[0]
    how = "exact enumeration" if o.method == "exact" else f"{o.runs} Monte Carlo draws, seed {o.seed}"
    print(
        f"read {imported.rows_read} rows: {o.lines_priced} in the outlook, {o.lines_left_out + len(imported.rejects)} left out; "
        f"{o.horizon}: expected ${star.expected_landed_cost_usd:,.2f} (P10 ${star.p10_landed_cost_usd:,.2f}, "
        f"P90 ${star.p90_landed_cost_usd:,.2f}) against ${star.as_of_landed_cost_usd:,.2f} on {o.as_of}; {how}",
        file=sys.stderr,
    )
    for r in o.refund.itertuples(index=False):
        print(f"IEEPA refund, apart: expected ${r.expected_refund_usd:,.2f} of ${r.exposure_usd:,.2f} paid (probability {r.probability:.0%})", file=sys.stderr)
    return 0


def run_sensitivity(args: argparse.Namespace) -> int:
    from costimpact import api
    from costimpact.assumptions import load_assumptions
    from costimpact.csvout import write_csv
    from costimpact.landed.cli import scenario_arg
    from costimpact.scenarios.sensitivity import sensitivity

    out = _csv_path(args.out, "--out")
    aset = load_assumptions(args.assumptions)
    imported = api.read(args.orders)
    table = sensitivity(imported, as_of=args.as_of, assumptions=aset, scenario=scenario_arg(args.scenario, aset))
    write_csv(table, out)
    top = ", ".join(f"{r.driver}{'[' + r.key + ']' if r.key not in ('', '*') else ''} ${r.swing_usd:,.2f}" for r in table.head(3).itertuples(index=False))
    print(f"read {imported.rows_read} rows; {len(table)} drivers; largest swings: {top}", file=sys.stderr)
    return 0
