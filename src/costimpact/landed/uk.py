"""United Kingdom (Great Britain), priced in GBP. Rules: ``assumptions/uk/``.

A consignment at or under £135 of intrinsic value (``uk/low_value_ceiling``) pays no customs duty while the relief
holds (``uk/duty_relief``; the scenario uk-relief-ends switches it off) and no import VAT: the seller or the online
marketplace charges UK VAT at sale (``uk/vat_standard``) on the price including delivery (and any duty passed on).
Above £135: UK Global Tariff duty (``uk/ukgt_2021``, or the line's ``mfn_rate``) on goods plus postage, packing
and insurance (CIF), and import VAT on that value plus duty.
"""

from __future__ import annotations

import numpy as np

from costimpact.landed.pipeline import Destination, Work, tariff_rate


def price_uk(w: Work) -> None:
    P = w.P
    ceiling = w.rule("uk/low_value_ceiling")
    iv = w.ship_sum(P["goods"].to_numpy())
    low = iv <= ceiling + 1e-9
    relief = low & w.flag("uk/duty_relief")
    tariff = ~relief
    rate = tariff_rate(w, "uk/ukgt_2021")
    P["duty_rate"] = np.where(tariff, rate, np.nan)
    w.needs_rate |= tariff
    w.charge("duty_tariff", np.nan_to_num(rate) * P["cif"].to_numpy(), tariff)
    duty = w.cents("duty_tariff") / 100.0
    vat = w.rule("uk/vat_standard")
    w.charge("tax_vat_at_sale", vat * (P["price"].to_numpy() + P["freight_local"].to_numpy() + duty), low)
    w.charge("tax_vat_import", vat * (P["cif"].to_numpy() + duty), ~low)
    postal = (P["mode"] == "postal").to_numpy()
    P["tested_value"], P["threshold"] = iv, ceiling
    P["entry"] = np.select([relief, postal], ["de_minimis", "postal"], np.where(low, "informal", "formal"))
    P["regime"] = np.where(relief, "uk_relief_vat_at_sale", np.where(low, "uk_duty_vat_at_sale", "uk_duty_import_vat"))
    P["scheme_applied"] = np.where(low, "marketplace", "standard")


UK = Destination("GB", "GBP", ("GB",), price_uk)
