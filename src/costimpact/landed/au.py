"""Australia, priced in AUD. Rules: ``assumptions/au/``.

A consignment worth up to A$1,000 (``au/low_value_ceiling``) pays nothing at the border: the vendor or marketplace
charges GST (``au/gst``) at sale on the price including shipping. Above it: duty by origin (``au/general_duty``,
5% general, China 0% under ChAFTA, both unverified) on the customs value (FOB), and GST at the border on the
customs value plus duty plus freight. The import processing charge is not priced.
"""

from __future__ import annotations

import numpy as np

from costimpact.landed.pipeline import Destination, Work


def price_au(w: Work) -> None:
    P = w.P
    ceiling = w.rule("au/low_value_ceiling")
    value = w.ship_sum(P["goods"].to_numpy())
    low = value <= ceiling + 1e-9
    rate = w.rule("au/general_duty", P["origin"], applies=~low)
    P["duty_rate"] = np.where(low, np.nan, rate)
    w.charge("duty_customs", rate * P["goods"].to_numpy(), ~low)
    duty = w.cents("duty_customs") / 100.0
    gst = w.rule("au/gst")
    w.charge("tax_gst_at_sale", gst * (P["price"].to_numpy() + P["freight_local"].to_numpy()), low)
    w.charge("tax_gst_import", gst * (P["cif"].to_numpy() + duty), ~low)
    P["tested_value"], P["threshold"] = value, ceiling
    P["entry"] = np.where(low, "de_minimis", "formal")
    P["regime"] = np.where(low, "au_gst_at_sale", "au_duty_gst_import")
    P["scheme_applied"] = np.where(low, "marketplace", "standard")


AU = Destination("AU", "AUD", ("AU",), price_au)
