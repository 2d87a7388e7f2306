"""European Union (the 27 member states), priced in EUR. Rules: ``assumptions/eu/``.

A consignment is tested on its intrinsic value (the goods' price, without transport shown separately) against
the €150 ceiling (``eu/low_value_ceiling``):

- at or under it, until 2026-06-30 no customs duty (``eu/duty_relief``); from 2026-07-01 to 2028-07-01 a flat
  duty per item (``eu/flat_duty_per_item``, €3), an item being a distinct (subheading, origin) pair of the
  parcel (``eu/item_digits``), in every B2C channel or only IOSS and postal parcels (``eu/flat_duty_all_channels``);
- otherwise the common customs tariff (``eu/cct_2020``, or the line's ``mfn_rate``) on the customs value: goods
  plus transport to the EU border (CIF, UCC art. 70-72).

VAT at the member state's standard rate (``eu/vat_standard``): under IOSS (parcels at or under €150;
``eu/ioss_default`` when the line does not say) charged at sale on what the buyer pays, goods plus delivery plus
the duty the seller passes on (``eu/ioss_base_includes_duty``); otherwise import VAT on the customs value plus
duty (VAT Directive art. 85-86). Fees, outside the VAT base: the EU handling fee per item (``eu/handling_fee``,
0 until confirmed), Romania's fee per parcel under €150 (in RON), France's per item and Italy's per shipment at
or under €150.
"""

from __future__ import annotations

import numpy as np

from costimpact.landed.pipeline import Destination, Work, tariff_rate
from costimpact.orders.destinations import EU_MEMBERS


def price_eu(w: Work) -> None:
    P = w.P
    state = P["dest"]
    ceiling = w.rule("eu/low_value_ceiling")
    iv = w.ship_sum(P["goods"].to_numpy())
    low = iv <= ceiling + 1e-9
    relief = low & w.flag("eu/duty_relief")
    flat = w.rule("eu/flat_duty_per_item", applies=low & ~relief)
    said = P["scheme"].to_numpy()
    wants_ioss = np.where(said == "ioss", True, np.where(said == "standard", False, w.flag("eu/ioss_default")))
    ioss = w.ship_first(wants_ioss).astype(bool) & low
    postal = (P["mode"] == "postal").to_numpy()
    in_flat = low & ~relief & (flat > 0) & (w.flag("eu/flat_duty_all_channels") | ioss | postal)
    tariff = ~relief & ~in_flat
    items = w.items(w.rule("eu/item_digits", applies=in_flat))

    w.spread("duty_flat_item", flat, items, in_flat)
    rate = tariff_rate(w, "eu/cct_2020")
    P["duty_rate"] = np.where(tariff, rate, np.nan)
    w.needs_rate |= tariff
    w.charge("duty_tariff", np.nan_to_num(rate) * P["cif"].to_numpy(), tariff)
    duty = w.cents("duty_flat_item", "duty_tariff") / 100.0

    vat = w.rule("eu/vat_standard", state)
    pass_on = w.flag("eu/ioss_base_includes_duty")
    w.charge("tax_vat_at_sale", vat * (P["price"].to_numpy() + P["freight_local"].to_numpy() + np.where(pass_on, duty, 0.0)), ioss)
    w.charge("tax_vat_import", vat * (P["cif"].to_numpy() + duty), ~ioss)

    handling = w.rule("eu/handling_fee")
    w.spread("fee_eu_handling", handling, items, handling > 0)
    ro = (state == "RO").to_numpy() & (iv < ceiling - 1e-9)  # Law 239/2025: parcels *under* €150
    w.spread("fee_national", w.convert(np.where(ro, w.rule("eu/national_fee_ro", applies=ro), 0.0), "RON"), P["ship"].to_numpy(), ro)
    fr = (state == "FR").to_numpy() & low
    w.spread("fee_national", w.rule("eu/national_fee_fr", applies=fr), items, fr)
    it = (state == "IT").to_numpy() & low
    w.spread("fee_national", w.rule("eu/national_fee_it", applies=it), P["ship"].to_numpy(), it)

    P["tested_value"], P["threshold"] = iv, ceiling
    P["entry"] = np.select([relief, postal, low], ["de_minimis", "postal", "informal"], "formal")
    P["regime"] = np.select([relief, in_flat], ["eu_relief", "eu_flat_per_item"], "eu_tariff")
    P["scheme_applied"] = np.where(ioss, "ioss", "standard")


MEMBERS = EU_MEMBERS
EU = Destination("EU", "EUR", MEMBERS, price_eu)
