"""Brazil, priced in BRL. Rules: ``assumptions/br/``.

A parcel (remessa) up to US$3,000 with freight and insurance (``br/rts_ceiling``) is taxed under the simplified
regime on its value including freight (Portaria MF 1.086/2024): under Remessa Conforme (``import_scheme``
remessa_conforme; default ``br/remessa_default``) the import tax II is 20% up to US$50 and 60% less US$20 above
(``br/remessa_conforme`` low/high, ``br/remessa_amounts``); outside the programme 60%. ICMS of the state
(``br/icms`` by ``destination_region``) is charged 'por dentro': (value + II) x t / (1 - t). Both are
computed once per parcel and split over its lines by value. Parcels above US$3,000 are rejected (formal import).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.landed.money import round_cents
from costimpact.landed.pipeline import Destination, Work


def price_br(w: Work) -> None:
    P = w.P
    key = lambda k: pd.Series(k, index=P.index)  # noqa: E731
    value_usd = w.ship_sum(P["goods_usd"].to_numpy() + P["freight_usd"].to_numpy())
    value = w.ship_sum(P["cif"].to_numpy())
    w.refuse(value_usd > w.rule("br/rts_ceiling") + 1e-9, "destination_country", "markets.reject.br_formal")
    said = P["scheme"].to_numpy()
    rc = w.ship_first(np.where(said == "remessa_conforme", True, np.where(said == "standard", False, w.flag("br/remessa_default")))).astype(bool)
    low = rc & (value_usd <= w.rule("br/remessa_amounts", key("band_limit"), applies=rc) + 1e-9)
    high = rc & ~low
    deduction = w.rule("br/remessa_amounts", key("deduction_usd"), applies=high) * P["per_usd_local"].to_numpy()
    tax = np.select(
        [low, high],
        [w.rule("br/remessa_conforme", key("low"), applies=low) * value, w.rule("br/remessa_conforme", key("high"), applies=high) * value - deduction],
        w.rule("br/remessa_conforme", key("outside"), applies=~rc) * value,
    )
    ii = round_cents(np.maximum(tax, 0.0))
    w.spread("duty_import_tax", ii, P["ship"].to_numpy(), ii > 0, weight="cif")
    t = w.rule("br/icms", P["region"].replace("", "*"))
    w.spread("tax_icms", (value + ii) * t / (1.0 - t), P["ship"].to_numpy(), t > 0, weight="cif")
    P["duty_rate"] = np.nan
    P["tested_value"], P["threshold"] = value_usd, np.where(rc, w.rule("br/remessa_amounts", key("band_limit")), np.nan)
    P["entry"] = np.where((P["mode"] == "postal").to_numpy(), "postal", "informal")
    P["regime"] = np.select([low, high], ["br_remessa_conforme_20", "br_remessa_conforme_60"], "br_outside_programme_60")
    P["scheme_applied"] = np.where(rc, "remessa_conforme", "standard")


BR = Destination("BR", "BRL", ("BR",), price_br)
