"""``costimpact landed ORDERS``: price every line, write the priced lines (CSV or XLSX) and the rejects."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from costimpact.errors import ArgumentError


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("landed", help="price every order line under the US rules of its date")
    p.add_argument("orders", help="order file (CSV, XLSX or Parquet) or a folder of CSV/Parquet parts")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="price lines without a ship_date (and the 'today' scenario) as of this date")
    p.add_argument("--scenario", default="actual", help="built-in scenario name or a scenario .toml file (default: actual)")
    p.add_argument("--baseline", help="also price this scenario and add baseline_landed_cost_usd, delta_usd, delta_pct")
    p.add_argument("--out", metavar="FILE.csv|FILE.xlsx|FILE.parquet|DIR", help="write priced lines here: CSV, XLSX, Parquet, or a folder (partitioned Parquet dataset); default: CSV to stdout")
    p.add_argument("--rejects", metavar="FILE.csv", help="write rejected rows here")
    p.add_argument("--skipped", metavar="FILE.csv", help="write the rows skipped (cancelled marketplace orders) here")
    p.add_argument("--catalogue", metavar="FILE", help="product catalogue (CSV/XLSX: SKU, HS code, origin, declared value) joined to the lines by SKU")
    p.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: built-in)")
    p.add_argument("--no-protect", action="store_true", help="do not guard text cells that start with = + - @ against spreadsheet formula injection")
    p.add_argument("--engine", choices=("stream", "memory", "dask"), default="stream",
                   help="stream (default): any file size in bounded memory; memory: all lines at once; dask: a Dask cluster (needs --out DIR)")
    p.add_argument("--workers", type=int, metavar="N", help="--engine dask: start N local worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="--engine dask: a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--spill-dir", metavar="DIR", help="temporary files of a streamed run go here (default: the system temp folder)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def scenario_arg(value: str, aset):  # noqa: ANN001, ANN201
    """A built-in name, or a path to a scenario TOML file."""
    from costimpact.assumptions import load_scenario_text

    if value in aset.scenarios:
        return aset.scenarios[value]
    path = Path(value)
    if path.suffix == ".toml" and path.is_file():
        return load_scenario_text(path.read_text(encoding="utf-8"), str(path))
    raise ArgumentError(f"--scenario {value!r}: not a built-in scenario ({', '.join(sorted(aset.scenarios))}) nor a .toml file")


def run(args: argparse.Namespace) -> int:
    from costimpact import api
    from costimpact.assumptions import load_assumptions

    aset = load_assumptions(args.assumptions)
    scenario = scenario_arg(args.scenario, aset)
    out_path = Path(args.out) if args.out else None
    from costimpact.landed.stream import needs_memory, run_cli

    if args.engine == "dask" or args.engine == "stream" and not needs_memory(args, out_path):
        from costimpact.landed.stream import OtherDestinations

        try:
            return run_cli(args, aset, scenario, scenario_arg(args.baseline, aset) if args.baseline else None)
        except OtherDestinations as err:
            if args.engine == "dask":
                raise
            print(f"costimpact: {err}; pricing in memory", file=sys.stderr)
    if out_path is not None and out_path.suffix.lower() not in (".csv", ".xlsx"):
        raise ArgumentError(f"--out {args.out}: --engine memory writes .csv or .xlsx")
    imported = api.read(args.orders, catalogue=args.catalogue)
    from costimpact.orders.catalogue import report_problems

    report_problems(imported)
    if args.baseline:
        baseline = scenario_arg(args.baseline, aset)
        cmp = api.compare(imported, scenario=scenario, baseline=baseline, as_of=args.as_of, assumptions=aset)
        result, lines = cmp.scenario, cmp.lines
    else:
        result = api.price_orders(imported, scenario=scenario, as_of=args.as_of, assumptions=aset)
        lines = result.lines
    rejects = result.rejects
    if not args.no_protect:
        from costimpact.report.safe_csv import protect_frame

        lines, rejects = protect_frame(lines), protect_frame(rejects)
    from costimpact.csvout import write_csv

    if out_path is None:
        write_csv(lines, sys.stdout.buffer, bom=False)
    elif out_path.suffix.lower() == ".csv":
        write_csv(lines, out_path)
    else:
        import pandas as pd

        # text stays text: no cell the user typed becomes a formula
        with pd.ExcelWriter(out_path, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}) as xw:
            lines.to_excel(xw, sheet_name="lines", index=False)
            rejects.to_excel(xw, sheet_name="rejects", index=False)
            if getattr(imported, "rows_skipped", 0):
                imported.skipped.to_excel(xw, sheet_name="skipped", index=False)
    if args.rejects:
        write_csv(rejects, args.rejects)
    if args.skipped and imported.skipped is not None:
        write_csv(imported.skipped, args.skipped)
    print(result.summary(), file=sys.stderr)
    if args.baseline:
        print(cmp.summary(), file=sys.stderr)
    return 0
