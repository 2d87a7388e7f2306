"""A seeded, vectorised generator of a Chinese cross-border seller's order lines (sample file, tests, benchmark).

Every code used here is in the built-in HTS table. Values are plausible, not real: declared values in USD (or
CNY on some lines), retail prices and costs for margins, orders of one to four lines, buyers who order twice on
one day, and a few ocean shipments of thousands of units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# (hts_code, description, category, declared value USD, retail price USD, origin weights key)
PRODUCTS: tuple[tuple[str, str, str, float, float], ...] = (
    ("6109100012", "Men's cotton crew-neck T-shirt", "apparel", 3.20, 12.99),
    ("61102020", "Cotton pullover sweatshirt", "apparel", 6.50, 24.99),
    ("62046280", "Women's cotton trousers", "apparel", 5.80, 22.99),
    ("62034245", "Men's cotton shorts", "apparel", 4.10, 16.99),
    ("61044320", "Women's knit dress, synthetic", "apparel", 5.40, 21.99),
    ("42029231", "Canvas tote bag", "apparel", 2.60, 11.99),
    ("42022215", "Handbag, plastic outer", "apparel", 4.80, 19.99),
    ("63026000", "Cotton bath towel set", "home", 4.30, 17.99),
    ("39241040", "Silicone kitchen utensil set", "home", 2.10, 9.99),
    ("39269099", "Plastic phone stand", "electronics_acc", 0.90, 6.99),
    ("73239300", "Stainless steel food container", "home", 3.70, 14.99),
    ("82119150", "Steak knife set", "home", 4.90, 19.99),
    ("33049950", "Facial sheet masks, 10 pack", "home", 1.80, 9.99),
    ("71171990", "Fashion earrings, base metal", "apparel", 0.70, 7.99),
    ("95030000", "Building block toy set", "home", 5.20, 24.99),
    ("95069100", "Resistance band set", "home", 3.10, 15.99),
    ("94036080", "Bamboo storage shelf", "furniture", 14.50, 49.99),
    ("9401614011", "Upholstered wooden armchair", "furniture", 48.00, 159.00),
    ("82055980", "Multi-tool hand tool", "home", 3.60, 16.99),
    ("84672100", "Cordless drill", "electronics", 18.00, 59.99),
    ("8507600020", "Power bank 10000 mAh, lithium-ion", "power_bank", 6.80, 25.99),
    ("85044095", "USB-C wall charger 20W", "electronics_acc", 2.40, 12.99),
    ("85176200", "Bluetooth tracker tag", "electronics", 3.90, 15.99),
    ("85183020", "Wireless earbuds", "electronics", 7.50, 29.99),
    ("84733051", "USB hub adapter", "electronics_acc", 3.30, 14.99),
    ("85444290", "USB-C charging cable", "electronics_acc", 0.80, 7.99),
    ("87089981", "Car phone mount", "electronics_acc", 2.20, 11.99),
    ("73269086", "Steel wall hook set", "home", 1.40, 8.99),
    ("76151071", "Aluminium baking tray", "home", 2.90, 12.99),
    ("63079098", "Reusable fabric face cover", "apparel", 0.60, 5.99),
)
MODES = ("postal", "express", "air_freight", "ocean_freight")
ORIGINS = ("CN", "VN", "HK", "IN", "MY", "BD")
ORIGIN_P = (0.82, 0.07, 0.03, 0.03, 0.03, 0.02)
CNY_PER_USD = 7.1
START, END = pd.Timestamp("2024-11-01"), pd.Timestamp("2026-11-30")


def synthetic_orders(n: int, seed: int = 20250901, mode_p: tuple[float, ...] = (0.36, 0.34, 0.17, 0.13)) -> pd.DataFrame:
    """``n`` order lines with the canonical columns, vectorised (a million lines in a few seconds)."""
    rng = np.random.default_rng(seed)
    n_orders = max(1, int(n / 1.7))
    order_of_line = np.sort(rng.integers(0, n_orders, n))
    order_of_line = np.unique(order_of_line, return_inverse=True)[1]  # no gaps
    n_orders = int(order_of_line.max()) + 1

    span = (END - START).days
    order_day = rng.integers(0, span + 1, n_orders)
    order_mode = rng.choice(4, n_orders, p=mode_p)
    n_buyers = max(1, n_orders // 3)
    order_buyer = rng.integers(0, n_buyers, n_orders)
    # some buyers order twice on one day: copy day and buyer onto the next order
    twice = rng.random(n_orders) < 0.06
    twice[-1] = False
    nxt = np.flatnonzero(twice) + 1
    order_day[nxt] = order_day[nxt - 1]
    order_buyer[nxt] = order_buyer[nxt - 1]
    order_mode[nxt] = order_mode[nxt - 1]
    order_cny = rng.random(n_orders) < 0.1

    codes = np.array([p[0] for p in PRODUCTS], dtype=object)
    desc = np.array([p[1] for p in PRODUCTS], dtype=object)
    cat = np.array([p[2] for p in PRODUCTS], dtype=object)
    value = np.array([p[3] for p in PRODUCTS])
    price = np.array([p[4] for p in PRODUCTS])
    weights = np.where(cat == "furniture", 0.15, 1.0)
    product = rng.choice(len(PRODUCTS), n, p=weights / weights.sum())

    mode = order_mode[order_of_line]
    ocean = mode == 3
    small = rng.choice([1, 1, 1, 1, 2, 2, 3, 5], n)
    qty = np.select([ocean, mode == 2], [rng.integers(800, 6000, n), rng.integers(20, 400, n)], small)
    jitter = rng.uniform(0.85, 1.15, n)
    unit_value = np.round(value[product] * jitter, 2)
    unit_price = np.round(price[product] * rng.uniform(0.9, 1.1, n), 2)
    unit_cost = np.round(unit_value * rng.uniform(0.75, 0.95, n), 2)
    freight_per_unit = np.select([mode == 0, mode == 1, mode == 2, mode == 3], [2.8, 6.5, 1.9, 0.35])
    freight = np.round(freight_per_unit * qty * rng.uniform(0.8, 1.2, n), 2)
    cny = order_cny[order_of_line]
    fx = np.where(cny, CNY_PER_USD, 1.0)

    origin = np.array(ORIGINS, dtype=object)[rng.choice(len(ORIGINS), n, p=ORIGIN_P)]
    day = START + pd.to_timedelta(order_day[order_of_line], unit="D")
    order_id = np.char.add("SO", (2411000000 + order_of_line).astype(str)).astype(object)
    shipment = np.where(ocean, np.char.add("BL", (880000 + order_of_line // 7).astype(str)).astype(object), order_id)
    buyer = np.char.add("B", (100000 + order_buyer[order_of_line]).astype(str)).astype(object)
    sku = np.char.add(np.char.add("SKU-", np.char.zfill((product + 1).astype(str), 3)), "-A").astype(object)
    metal = np.where(np.isin(codes[product], ["73239300", "73269086", "76151071", "82119150", "82055980"]), 0.6, np.nan)

    return pd.DataFrame({
        "order_id": order_id,
        "hts_code": codes[product],
        "origin_country": origin,
        "unit_value": np.round(unit_value * fx, 2),
        "quantity": qty.astype(np.int64),
        "currency": np.where(cny, "CNY", "USD").astype(object),
        "ship_date": day.strftime("%Y-%m-%d"),
        "shipping_mode": np.array(MODES, dtype=object)[mode],
        "destination_country": "US",
        "shipment_id": shipment,
        "consignee_id": np.where(ocean, "", buyer).astype(object),
        "sku": sku,
        "description": desc[product],
        "freight_cost": np.round(freight * fx, 2),
        "unit_price": unit_price,
        "unit_cost": np.round(unit_cost * fx, 2),
        "metal_value_share": metal,
    })
