"""A Shopify orders export with its product catalogue: import + price vs a bare pandas read of the same file.

    .venv/bin/python bench/bench_marketplace.py [--lines 200000] [--skus 3000] [--keep DIR]

Writes a synthetic Shopify export (the layout of Shopify's order CSV: one row per line item, the order's fields on
its first row only, ``Created at`` with its UTC offset, about 2% cancelled orders, store currencies USD, EUR, GBP,
CAD, AUD and CNY) and a catalogue (SKU -> HS code, origin, weight; some declared values), both from the products of
``costimpact.orders.synthetic``. Then, each in a fresh process so their peak RSS are their own:

- ours: read the catalogue, read the export (preset detection, continuation rows, cancelled rows skipped, SKU join,
  every check) and price every line (dated FX, duties, fees), as ``costimpact landed --catalogue`` does;
- baseline: ``pandas.read_csv`` of the same export, nothing else.

Prints both times, the ratio and each process's peak RSS. The assumption set is loaded before the clock starts
(its load time is printed apart): it is paid once per process, whatever the file.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing", "Currency",
          "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method", "Created at",
          "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
          "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Shipping Name",
          "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Notes", "Cancelled at", "Payment Method",
          "Refunded Amount", "Vendor", "Id", "Tags", "Risk Level", "Source"]
ORDER_ONLY = ["Email", "Financial Status", "Paid at", "Fulfillment Status", "Accepts Marketing", "Currency", "Subtotal", "Shipping",
              "Taxes", "Total", "Discount Amount", "Shipping Method", "Created at", "Billing Name", "Shipping Name", "Shipping City",
              "Shipping Zip", "Shipping Province", "Shipping Country", "Cancelled at", "Payment Method", "Refunded Amount", "Vendor",
              "Id", "Risk Level", "Source"]
# store currency -> (share of orders, rough units per USD for plausible prices)
CURRENCIES = {"USD": (0.70, 1.0), "EUR": (0.08, 0.86), "GBP": (0.05, 0.75), "CAD": (0.06, 1.38), "AUD": (0.05, 1.52), "CNY": (0.06, 7.1)}


def write_files(folder: Path, n_lines: int, n_skus: int, seed: int = 16) -> tuple[Path, Path]:
    from costimpact.orders.synthetic import ORIGIN_P, ORIGINS, PRODUCTS

    rng = np.random.default_rng(seed)
    # catalogue: each SKU one product of the synthetic range, an origin, a weight; one in ten with a declared value
    prod = rng.integers(0, len(PRODUCTS), n_skus)
    skus = np.char.add("SKU-", np.char.zfill(np.arange(n_skus).astype(str), 5))
    declared = np.array([p[3] for p in PRODUCTS])[prod]
    catalogue = pd.DataFrame({
        "sku": skus, "hts_code": np.array([p[0] for p in PRODUCTS])[prod], "origin_country": rng.choice(ORIGINS, n_skus, p=ORIGIN_P),
        "description": np.array([p[1] for p in PRODUCTS])[prod], "unit_weight_kg": np.round(rng.uniform(0.05, 3.0, n_skus), 2),
        "declared_value": np.where(rng.random(n_skus) < 0.1, np.round(declared, 2).astype(str), ""),
    })
    cat_path = folder / "catalogue.csv"
    catalogue.to_csv(cat_path, index=False)

    # orders of 1-4 lines until n_lines
    sizes = rng.choice([1, 2, 3, 4], n_lines, p=[0.55, 0.25, 0.12, 0.08])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_lines) + 1]
    sizes[-1] -= sizes.sum() - n_lines
    n_orders = len(sizes)
    order_of_line = np.repeat(np.arange(n_orders), sizes)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    is_first = np.zeros(n_lines, dtype=bool)
    is_first[first] = True

    names = list(CURRENCIES)
    cur = rng.choice(names, n_orders, p=[CURRENCIES[c][0] for c in names])
    rate = np.array([CURRENCIES[c][1] for c in names])[pd.Index(names).get_indexer(cur)]
    start = pd.Timestamp("2024-03-01").value // 10**9
    end = pd.Timestamp("2026-10-31").value // 10**9
    created = pd.to_datetime(rng.integers(start, end, n_orders), unit="s")
    offset = rng.choice(["-0400", "-0500", "+0800", "+0000"], n_orders)
    created_text = created.strftime("%Y-%m-%d %H:%M:%S").to_numpy().astype(object) + " " + offset
    cancelled = rng.random(n_orders) < 0.02

    line_sku = rng.integers(0, n_skus, n_lines)
    retail = np.array([p[4] for p in PRODUCTS])[prod[line_sku]]
    price = np.round(retail * rate[order_of_line] * rng.uniform(0.9, 1.1, n_lines), 2)
    qty = rng.choice([1, 1, 1, 2, 3], n_lines)

    frame = pd.DataFrame({c: "" for c in HEADER}, index=range(n_lines))
    frame["Name"] = np.char.add("#", (1001 + order_of_line).astype(str))
    frame["Lineitem quantity"] = qty.astype(str)
    frame["Lineitem name"] = catalogue["description"].to_numpy()[line_sku]
    frame["Lineitem price"] = np.char.mod("%.2f", price)
    frame["Lineitem sku"] = skus[line_sku]
    frame["Lineitem requires shipping"] = "true"
    frame["Lineitem taxable"] = "true"
    frame["Lineitem fulfillment status"] = "pending"
    subtotal = pd.Series(price * qty).groupby(order_of_line).sum().to_numpy()
    order_cols = {
        "Email": np.char.add(np.char.add("buyer", rng.integers(0, n_orders // 2 + 1, n_orders).astype(str)), "@example.com"),
        "Financial Status": np.where(cancelled, "refunded", "paid"), "Paid at": created_text, "Fulfillment Status": "unfulfilled",
        "Accepts Marketing": "no", "Currency": cur, "Subtotal": np.char.mod("%.2f", subtotal), "Shipping": "4.99", "Taxes": "0.00",
        "Total": np.char.mod("%.2f", subtotal + 4.99), "Discount Amount": "0.00", "Shipping Method": "Standard", "Created at": created_text,
        "Billing Name": "A. Buyer", "Shipping Name": "A. Buyer", "Shipping City": "Columbus", "Shipping Zip": "43004",
        "Shipping Province": "OH", "Shipping Country": "US", "Cancelled at": np.where(cancelled, created_text, ""),
        "Payment Method": "Shopify Payments", "Refunded Amount": "0.00", "Vendor": "Demo Store",
        "Id": (5_000_000_000 + np.arange(n_orders)).astype(str), "Risk Level": "Low", "Source": "web",
    }
    for col, values in order_cols.items():
        frame.loc[first, col] = np.broadcast_to(np.asarray(values, dtype=object), (n_orders,))
    orders_path = folder / "orders_export.csv"
    frame.to_csv(orders_path, index=False)
    return orders_path, cat_path


def _ours(orders_path: str, cat_path: str, queue) -> None:  # noqa: ANN001
    from costimpact import api
    from costimpact.assumptions import load_assumptions
    from costimpact.orders import read_orders
    from costimpact.orders.catalogue import read_catalogue

    t0 = time.perf_counter()
    aset = load_assumptions()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    catalogue = read_catalogue(Path(cat_path).read_bytes(), "catalogue.csv")
    imported = read_orders(Path(orders_path).read_bytes(), "orders_export.csv", catalogue=catalogue)
    import_s = time.perf_counter() - t0
    res = api.price_orders(imported, assumptions=aset, as_of="2026-11-26")
    total_s = time.perf_counter() - t0
    grades = res.lines["evidence_grade"].value_counts().to_dict()
    queue.put({"load_s": load_s, "import_s": import_s, "total_s": total_s, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "rows_read": res.rows_read, "priced": len(res.lines), "rejected": res.rows_rejected, "skipped": getattr(res, "rows_skipped", None),
               "grades": grades})


def _pandas(orders_path: str, queue) -> None:  # noqa: ANN001
    t0 = time.perf_counter()
    frame = pd.read_csv(orders_path)
    queue.put({"total_s": time.perf_counter() - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": len(frame)})


def _run(target, *args):  # noqa: ANN001, ANN202
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--skus", type=int, default=3000)
    ap.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        orders_path, cat_path = write_files(folder, args.lines, args.skus)
        print(f"wrote {args.lines:,} line rows ({orders_path.stat().st_size / 1e6:.1f} MB) and a {args.skus:,}-SKU catalogue in {time.perf_counter() - t0:.1f} s")
        base = _run(_pandas, str(orders_path))
        ours = _run(_ours, str(orders_path), str(cat_path))
    print(f"rows read {ours['rows_read']:,} = priced {ours['priced']:,} + rejected {ours['rejected']:,} + skipped {ours['skipped']}; line grades {ours['grades']}")
    print(f"assumption set loaded in {ours['load_s']:.2f} s (once per process, not timed below)")
    print(f"{'':<40}{'seconds':>9}{'peak RSS MB':>13}")
    print(f"{'pandas.read_csv (baseline)':<40}{base['total_s']:>9.2f}{base['rss_mb']:>13.0f}")
    print(f"{'ours: import + catalogue join':<40}{ours['import_s']:>9.2f}")
    print(f"{'ours: import + join + price':<40}{ours['total_s']:>9.2f}{ours['rss_mb']:>13.0f}")
    print(f"ratio ours / pandas.read_csv: {ours['total_s'] / base['total_s']:.1f}x (import only {ours['import_s'] / base['total_s']:.1f}x)")


if __name__ == "__main__":
    sys.exit(main())
