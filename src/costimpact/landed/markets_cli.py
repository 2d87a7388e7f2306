"""``costimpact compare-markets ORDERS --markets US,DE,GB,MX,BR,CA [--as-of DATE] [--out FILE]``: the same basket
priced into each market on one date, one row per market (CSV to stdout, or --out .csv/.xlsx with the lines)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from costimpact.errors import ArgumentError


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("compare-markets", help="price the same basket into several markets (US, EU states, GB, MX, BR, CA, AU, JP) side by side")
    p.add_argument("orders", help="order file: CSV or XLSX")
    p.add_argument("--markets", default="US,DE,GB,MX,BR,CA", help="comma-separated ISO codes (default US,DE,GB,MX,BR,CA; any EU state, AU, JP)")
    p.add_argument("--regions", default="", help="state or province where tax depends on it, e.g. BR-SP,CA-ON (default: the market's general rate)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="price every line as of this date (default: today)")
    p.add_argument("--scenario", default="today", help="scenario (default: today, every line on the as-of date)")
    p.add_argument("--out", metavar="FILE.csv|FILE.xlsx", help="write the comparison here (xlsx adds the priced lines and rejects)")
    p.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: built-in)")
    p.set_defaults(func=run)
    t = sub.add_parser("import-taric", help="read a TARIC duties export and write an EU tariff table (eu/cct_2020.csv) for --assumptions")
    t.add_argument("file", help="the TARIC 'Duties import' export (XLSX or CSV)")
    t.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="keep the measures in force on this date")
    t.add_argument("--out", required=True, metavar="DIR", help="the eu/ folder of a copy of assumptions/")
    t.set_defaults(func=run_import_taric)
    c = sub.add_parser("import-cbsa", help="read the CBSA Customs Tariff schedule and write a Canadian MFN table (ca/mfn_ca.csv) for --assumptions")
    c.add_argument("file", help="the Customs Tariff schedule (01-99) as XLSX or CSV, with Tariff Item and MFN Tariff columns")
    c.add_argument("--out", required=True, metavar="DIR", help="the ca/ folder of a copy of assumptions/")
    c.set_defaults(func=run_import_cbsa)


def run_import_cbsa(args: argparse.Namespace) -> int:
    from costimpact.landed.tariffs import read_cbsa_schedule, write_tariff_table

    path, out = Path(args.file), Path(args.out)
    if not path.is_file():
        raise ArgumentError(f"{path}: no such file; download the Customs Tariff schedule (01-99) from the CBSA")
    if not out.is_dir():
        raise ArgumentError(f"--out {out}: not a folder; copy assumptions/ and point --out at its ca/ folder")
    table = read_cbsa_schedule(path.read_bytes(), path.name)
    written = write_tariff_table(table, out, "mfn_ca")
    print(f"wrote {len(table)} tariff items to {written}; run with --assumptions on the copied folder", file=sys.stderr)
    return 0


def run_import_taric(args: argparse.Namespace) -> int:
    from costimpact import api
    from costimpact.landed.tariffs import read_taric_export, write_tariff_table

    path, out = Path(args.file), Path(args.out)
    if not path.is_file():
        raise ArgumentError(f"{path}: no such file; download 'Duties import' from the Commission's TARIC pages")
    if not out.is_dir():
        raise ArgumentError(f"--out {out}: not a folder; copy assumptions/ and point --out at its eu/ folder")
    table = read_taric_export(path.read_bytes(), path.name, api.as_date(args.on))
    written = write_tariff_table(table, out, "cct_2020")
    print(f"wrote {len(table)} codes to {written}; run with --assumptions on the copied folder", file=sys.stderr)
    return 0


def parse_regions(text: str) -> dict[str, str]:
    regions = {}
    for item in filter(None, (x.strip().upper() for x in text.split(","))):
        country, sep, sub = item.partition("-")
        if not sep or len(country) != 2 or not sub:
            raise ArgumentError(f"--regions {item!r}: write ISO 3166-2 codes such as BR-SP or CA-ON")
        regions[country] = item
    return regions


def run(args: argparse.Namespace) -> int:
    from costimpact import api
    from costimpact.csvout import write_csv
    from costimpact.landed.engine import resolve_scenario
    from costimpact.landed.cli import scenario_arg

    aset = api.assumptions_of(args.assumptions)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise ArgumentError(f"--out {args.out}: write .csv or .xlsx")
    scenario = resolve_scenario(aset, scenario_arg(args.scenario, aset))
    cmp = api.compare_markets(args.orders, markets=args.markets, regions=parse_regions(args.regions), scenario=scenario, as_of=args.as_of, assumptions=aset)
    if out is None:
        write_csv(cmp.summary, sys.stdout.buffer, bom=False)
    elif out.suffix.lower() == ".csv":
        write_csv(cmp.summary, out)
    else:
        import pandas as pd

        from costimpact.report.safe_csv import protect_frame

        with pd.ExcelWriter(out, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}) as xw:
            cmp.summary.to_excel(xw, sheet_name="markets", index=False)
            protect_frame(cmp.lines).to_excel(xw, sheet_name="lines", index=False)
            protect_frame(cmp.rejects).to_excel(xw, sheet_name="rejects", index=False)
    print(cmp.summary_line(), file=sys.stderr)
    return 0
