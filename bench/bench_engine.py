"""Price N synthetic order lines and compare, in one run, against:

1. a straightforward per-row Python loop applying the same duty rules with scalar lookups (run on a subset and
   scaled per line, since the loop is too slow for the full set), and
2. a bare pandas CSV read + write of the same file (the floor for any CSV-in, CSV-out tool).

Usage: python bench/bench_engine.py [N]   (default 1,000,000)
Prints seconds, peak memory (max RSS) and the two ratios. Goals: >= 20x the loop; <= 2x the bare CSV round trip.
"""

from __future__ import annotations

import datetime as dt
import io
import resource
import sys
import time

import numpy as np
import pandas as pd

from costimpact.assumptions import load_assumptions, value_at
from costimpact.csvout import write_csv
from costimpact.assumptions.tariff import tariff_lines
from costimpact.landed.engine import price_lines, resolve_scenario
from costimpact.orders.synthetic import synthetic_orders


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loop_price(lines: pd.DataFrame, aset) -> list[float]:  # noqa: ANN001
    """The same rules one row at a time, as a spreadsheet macro or a first script would: currency, shipment
    totals (a first pass), de minimis, entry type, MFN and every layer with its scope, exemptions and 232
    exclusivity, MPF (formal with minimum/maximum, informal), HMF, broker and ISF. It leaves out the postal
    regimes and the cent-exact allocation of shipment charges, which only flatters the loop."""
    table = tariff_lines(aset).set_index("hts")
    layers = aset.layers()
    p = {k: aset.param(k) for k in ("us/entry/de_minimis", "fx/per_usd", "us/entry/informal_limit", "us/fees/mpf_formal", "us/fees/mpf_informal", "us/fees/hmf", "us/fees/broker_formal", "us/fees/isf")}
    ship_total: dict[tuple, float] = {}
    for row in lines.itertuples(index=False):  # first pass: shipment values
        rate = value_at(p["fx/per_usd"], row.ship_date.date(), row.currency).value
        key = (row.shipment_id, row.shipping_mode, row.ship_date)
        ship_total[key] = ship_total.get(key, 0.0) + round(row.unit_value * row.quantity / rate, 2)
    out = []
    for row in lines.itertuples(index=False):
        day = row.ship_date.date()
        code = str(row.hts_code)
        if code not in table.index and code[:8] not in table.index:
            out.append(float("nan"))  # the engine rejects it too
            continue
        prod = table.loc[code] if code in table.index else table.loc[code[:8]]
        rate = value_at(p["fx/per_usd"], day, row.currency).value
        value = round(row.unit_value * row.quantity / rate, 2)
        shipment = ship_total[(row.shipment_id, row.shipping_mode, row.ship_date)]
        if shipment <= value_at(p["us/entry/de_minimis"], day, row.origin_country).value:
            out.append(value)
            continue
        duty = round(value * prod["mfn_ad_valorem"], 2)
        covered = 0.0
        for layer in layers:
            key = row.origin_country if layer.key == "origin" else (prod[layer.key] if layer.key else "*")
            if layer.applies_to_origins is not None and row.origin_country not in layer.applies_to_origins:
                continue
            period = value_at(layer, day, key)
            if period is None or any(bool(prod[f]) for f in layer.exempt_if):
                continue
            if layer.covers_share and period.value > 0:
                covered = 1.0
            base = value * (1 - covered) if layer.excludes else value
            duty += round(base * period.value, 2)
        share = value / shipment if shipment else 0.0
        fees = 0.0
        if shipment <= value_at(p["us/entry/informal_limit"], day).value:
            if row.shipping_mode != "postal":
                fees += value_at(p["us/fees/mpf_informal"], day).value * share
        else:
            mpf = value_at(p["us/fees/mpf_formal"], day)
            fees += min(max(shipment * mpf.value, mpf.min), mpf.max) * share
            fees += value_at(p["us/fees/broker_formal"], day).value * share
            if row.shipping_mode == "ocean_freight":
                fees += value_at(p["us/fees/isf"], day).value * share
        if row.shipping_mode == "ocean_freight":
            fees += shipment * value_at(p["us/fees/hmf"], day).value * share
        out.append(value + duty + round(fees, 2))
    return out


def main(n: int) -> None:
    aset = load_assumptions()
    scen = resolve_scenario(aset, "actual")
    t0 = time.perf_counter()
    raw = synthetic_orders(n)
    gen_s = time.perf_counter() - t0
    csv_bytes = raw.to_csv(index=False).encode()

    # bare pandas CSV read + write
    t0 = time.perf_counter()
    df = pd.read_csv(io.BytesIO(csv_bytes))
    df.to_csv(io.BytesIO(), index=False)
    bare_s = time.perf_counter() - t0

    # our engine on the same lines (normalised once, as the importer would)
    lines = raw.copy()
    lines["ship_date"] = pd.to_datetime(lines["ship_date"])
    lines["hts_code"] = lines["hts_code"].astype(str)
    lines["row_number"] = np.arange(2, len(lines) + 2)
    rss0 = rss_mb()
    t0 = time.perf_counter()
    priced, rejects, _ = price_lines(lines, aset, scen, dt.date(2026, 11, 26))
    price_s = time.perf_counter() - t0
    write_csv(priced, io.BytesIO())
    engine_s = time.perf_counter() - t0
    rss1 = rss_mb()

    # per-row loop on a subset, scaled per line
    k = min(20_000, n)
    sub = lines.iloc[:k]
    t0 = time.perf_counter()
    loop_price(sub, aset)
    loop_s_per_line = (time.perf_counter() - t0) / k
    t0 = time.perf_counter()
    price_lines(sub, aset, scen, dt.date(2026, 11, 26))
    engine_sub_s = time.perf_counter() - t0

    print(f"lines: {n:,} (generated in {gen_s:.1f} s), priced {len(priced):,}, rejected {rejects['row_number'].nunique():,}")
    print(f"engine: price {price_s:.2f} s + CSV write {engine_s - price_s:.2f} s = {engine_s:.2f} s ({n / engine_s:,.0f} lines/s); peak RSS {rss1:,.0f} MB (+{rss1 - rss0:,.0f} MB while pricing)")
    print(f"bare pandas read_csv + to_csv of the same file: {bare_s:.2f} s -> engine / bare = {engine_s / bare_s:.2f}x (goal <= 2x)")
    print(f"per-row loop: {loop_s_per_line * 1e6:.0f} us/line on {k:,} lines -> {loop_s_per_line * n:.0f} s for {n:,}; engine pricing is {loop_s_per_line * n / price_s:.0f}x faster (goal >= 20x); with the CSV write {loop_s_per_line * n / engine_s:.0f}x")
    print(f"same {k:,}-line subset: loop {loop_s_per_line * k:.2f} s vs engine {engine_sub_s:.2f} s ({loop_s_per_line * k / engine_sub_s:.0f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
