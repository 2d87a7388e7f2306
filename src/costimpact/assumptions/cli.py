"""``costimpact assumptions check|show|import-hts|import-fx``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from costimpact.assumptions.loader import AssumptionSet, load_assumptions
from costimpact.assumptions.lookup import value_at
from costimpact.assumptions.models import EVIDENCE_MARK
from costimpact.errors import ArgumentError


def register(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("assumptions", help="validate and show the dated, sourced assumptions")
    inner = p.add_subparsers(dest="action", required=True)
    check = inner.add_parser("check", help="load every file strictly; exit 2 naming the file and key on error")
    check.add_argument("--assumptions", metavar="DIR", help="assumptions folder (default: the built-in one)")
    check.set_defaults(func=_check)
    show = inner.add_parser("show", help="the rules in force on a date, with sources and evidence grades")
    show.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
    show.add_argument("--origin", default="CN", help="ISO alpha-2 origin (default CN)")
    show.add_argument("--hts", help="an HTS code to resolve product-specific layers")
    show.add_argument("--assumptions", metavar="DIR")
    show.set_defaults(func=_show)
    imp = inner.add_parser("import-hts", help="read a USITC HTS export (JSON or CSV) and write a table for --assumptions")
    imp.add_argument("file", help="the USITC export (hts.usitc.gov: Export as JSON or CSV)")
    imp.add_argument("--out", required=True, metavar="DIR", help="an assumptions folder (its us/hts/schedule.* are replaced) or a folder to write schedule.csv and schedule.toml into")
    imp.add_argument("--assumptions", metavar="DIR", help="built-in table to merge 301/232 columns from")
    fx = inner.add_parser("import-fx", help="turn CBP/FRBNY certified exchange rates (Fed H.10 download, or date,currency,per_usd) into a scenario")
    fx.add_argument("file", help="FRB_H10.csv from the Federal Reserve Data Download Program, or a CSV with date, currency, per_usd")
    fx.add_argument("--out", required=True, metavar="FILE.toml", help="the scenario to write; price with --scenario FILE.toml")
    fx.add_argument("--monthly", action="store_true", help="average each month's daily rates (one rate per currency and month)")
    fx.add_argument("--name", default="certified-fx", help="scenario name (default certified-fx)")
    fx.set_defaults(func=_import_fx)
    imp.set_defaults(func=_import_hts)


def _check(args: argparse.Namespace) -> int:
    aset = load_assumptions(args.assumptions)
    n_values = sum(len(p.values) for p in aset.params.values())
    print(
        f"ok: {aset.root} version {aset.version} hash {aset.short_hash}: {len(aset.params)} parameters "
        f"({n_values} dated values), {len(aset.tables)} tables, {len(aset.postal)} postal regime, {len(aset.scenarios)} scenarios"
    )
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentError(f"--as-of {text!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-26") from None


def _fmt(value: float, unit: str) -> str:
    if unit.startswith("fraction"):
        return f"{value * 100:g}%"
    if unit.startswith("usd"):
        return f"${value:,.2f}"
    return f"{value:g}"


def show_rows(aset: AssumptionSet, day: dt.date, origin: str, hts: str | None = None) -> list[dict[str, str]]:
    """The layers and entry rules in force for an origin (and product) on a day, as display rows."""
    from costimpact.assumptions.tariff import tariff_lines
    from costimpact.landed.engine import layer_name, resolve_hts

    product = None
    if hts:
        import pandas as pd

        key, why = resolve_hts(pd.Series([hts.replace(".", "").replace(" ", "")]), tariff_lines(aset))
        if why.iloc[0]:
            raise ArgumentError(f"--hts {hts}: {why.iloc[0]} code; give the 8- or 10-digit code from the table")
        product = tariff_lines(aset).set_index("hts").loc[key.iloc[0]]
    rows: list[dict[str, str]] = []

    def add(name: str, key: str, period, unit: str, grade_default: str) -> None:  # noqa: ANN001
        grade = period.evidence or grade_default
        rows.append(
            {
                "rule": name,
                "key": key,
                "value": _fmt(period.value, unit) + (" (inclusive)" if period.inclusive else "") + (" on metal share" if period.base == "metal_share" else ""),
                "from": str(period.from_),
                "until": str(period.until or ""),
                "grade": EVIDENCE_MARK[grade],
                "source": period.source,
            }
        )

    if product is not None:
        rows.append({"rule": "mfn", "key": str(product.name), "value": str(product.get("mfn_text", product["mfn_ad_valorem"])), "from": "", "until": "", "grade": EVIDENCE_MARK[product["evidence"]], "source": product["source"]})
    for layer in aset.layers():
        name = layer_name(layer)
        if layer.applies_to_origins is not None and origin not in layer.applies_to_origins:
            continue
        if layer.key == "origin" or layer.key is None:
            period = value_at(layer, day, origin if layer.key else "*")
            if period is not None and period.value > 0:
                add(name, origin if layer.key else "*", period, layer.unit, layer.evidence)
            continue
        keys = str(product[layer.key]).split("|") if product is not None else sorted({v.key for v in layer.values})
        for key in keys:
            if not key:
                continue
            period = value_at(layer, day, key)
            if period is not None and period.value > 0:
                add(name, key, period, layer.unit, layer.evidence)
        if layer.claimable_exclusion is not None:  # whether a claimed product exclusion still holds
            flag = aset.param(layer.claimable_exclusion)
            period = value_at(flag, day)
            if period is not None:
                add(f"{name} exclusions", "claimed lines", period, flag.unit, flag.evidence)
                rows[-1]["value"] = "in force" if period.value else "lapsed"
    dm = aset.param("us/entry/de_minimis")
    period = value_at(dm, day, origin)
    if period is not None:
        add("de_minimis", origin, period, dm.unit, dm.evidence)
    for pid in ("us/entry/informal_limit", "us/fees/mpf_formal", "us/fees/mpf_informal", "us/fees/hmf"):
        param = aset.param(pid)
        period = value_at(param, day)
        if period is not None:
            add(pid.rsplit("/", 1)[-1], "*", period, param.unit, param.evidence)
            if period.min is not None:
                rows[-1]["value"] += f" (min ${period.min:,.2f}, max ${period.max:,.2f})"
    regime = aset.postal["us/entry/postal"]
    for p in regime.periods:
        if (origin in p.origins or "*" in p.origins) and p.from_ <= day and (p.until is None or day < p.until):
            rows.append({"rule": "postal", "key": ",".join(p.origins), "value": p.treatment, "from": str(p.from_), "until": str(p.until or ""), "grade": EVIDENCE_MARK[p.evidence or regime.evidence], "source": p.source})
            break
    return rows


def _show(args: argparse.Namespace) -> int:
    aset = load_assumptions(args.assumptions)
    day = _date(args.as_of)
    origin = args.origin.strip().upper()
    rows = show_rows(aset, day, origin, args.hts)
    print(f"Rules in force on {day} for origin {origin}" + (f", HTS {args.hts}" if args.hts else "") + f" (assumptions {aset.version}, {aset.short_hash})")
    if not any(r["rule"].startswith("ieepa") for r in rows):
        print("  (no IEEPA tariff in force)")
    dm = next((r for r in rows if r["rule"] == "de_minimis"), None)
    if dm and dm["value"] in ("$0.00",):
        print("  (no de minimis: every shipment pays duty)")
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in ("rule", "key", "value", "from", "until", "grade")}
    head = "  ".join(k.ljust(widths[k]) for k in widths) + "  source"
    print(head)
    for r in rows:
        print("  ".join(r[k].ljust(widths[k]) for k in widths) + "  " + r["source"])
    return 0


def _import_hts(args: argparse.Namespace) -> int:
    """Replace the schedule (rates) only: the scope tables and the Chinese-name overlay keep applying."""
    from costimpact.assumptions import usitc

    path = Path(args.file)
    if not path.is_file():
        raise ArgumentError(f"{path}: no such file; download the export from hts.usitc.gov (Export: JSON or CSV)")
    schedule = usitc.read_usitc(path.read_bytes(), path.name)
    out = Path(args.out)
    target = out / "us" / "hts" if (out / "manifest.toml").is_file() else out
    usitc.write_schedule(schedule, target, f"USITC HTS export {path.name}")
    forms = ", ".join(f"{k} {v}" for k, v in sorted(schedule.attrs["forms"].items()))
    print(f"wrote {len(schedule)} lines to {target / 'schedule.csv'} ({forms}); "
          + ("use --assumptions " + str(out) if target != out else "copy them into <assumptions>/us/hts/ and use --assumptions"), file=sys.stderr)
    return 0


def _import_fx(args: argparse.Namespace) -> int:
    from costimpact.assumptions import fxrates

    path = Path(args.file)
    if not path.is_file():
        raise ArgumentError(f"{path}: no such file; download FRB_H10.csv from federalreserve.gov/datadownload (H.10) or write date,currency,per_usd")
    rates = fxrates.read_rates(path.read_bytes(), path.name)
    if args.monthly:
        rates = fxrates.monthly(rates)
    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        raise ArgumentError(f"--out {out}: write a .toml scenario file")
    out.write_text(fxrates.scenario_toml(rates, args.name, path.name, is_monthly=args.monthly), encoding="utf-8")
    print(f"wrote {len(rates)} rates ({', '.join(sorted(rates['currency'].unique()))}) to {out}; price with --scenario {out}", file=sys.stderr)
    return 0
