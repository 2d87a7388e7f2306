"""Canada, priced in CAD. Rules: ``assumptions/ca/``.

The value for duty (VFD) leaves out freight after the place of direct shipment (``ca/vfd_includes_freight``).
Parcels from outside the US and Mexico, and all mail: duty and tax remitted at or under C$20; above, MFN duty
(``ca/mfn_ca`` or the line's ``mfn_rate``) on the VFD and GST/HST on VFD plus duty (``ca/gst_hst`` by
``destination_region``; provincial sales tax of QC, BC, MB and SK runs separately and is not priced). Courier
parcels shipped from the US or Mexico (``ship_from_country``, default the origin; CUSMA de minimis): nothing at or
under C$40, tax only to C$150, duty and tax above (MFN: CUSMA origin is not checked). Canada Post charges its
handling fee on mail that owes duty or tax (``ca/canada_post_fee``). Thresholds: ``ca/thresholds``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.landed.pipeline import Destination, Work, tariff_rate, usmca_partners


def price_ca(w: Work) -> None:
    P = w.P
    key = lambda k: pd.Series(k, index=P.index)  # noqa: E731
    vfd = P["goods"].to_numpy() + np.where(w.flag("ca/vfd_includes_freight"), P["freight_local"].to_numpy(), 0.0)
    P["vfd"] = vfd
    ship_vfd = w.ship_sum(vfd)
    postal = (P["mode"] == "postal").to_numpy()
    cusma = w.ship_first(P["ship_from"].isin(usmca_partners(w, "CA")).to_numpy()).astype(bool) & ~postal
    tax_free_upto = np.where(cusma, w.rule("ca/thresholds", key("cusma_tax"), applies=cusma), w.rule("ca/thresholds", key("remission"), applies=~cusma))
    free = ship_vfd <= tax_free_upto + 1e-9
    dutiable = ~free & (~cusma | (ship_vfd > w.rule("ca/thresholds", key("cusma_duty"), applies=cusma & ~free) + 1e-9))
    rate = tariff_rate(w, "ca/mfn_ca")
    P["duty_rate"] = np.where(dutiable, rate, np.nan)
    w.needs_rate |= dutiable
    w.charge("duty_mfn", np.nan_to_num(rate) * vfd, dutiable)
    duty = w.cents("duty_mfn") / 100.0
    w.charge("tax_gst_hst", w.rule("ca/gst_hst", P["region"].replace("", "*"), applies=~free) * (vfd + duty), ~free)
    mail_fee = postal & ~free
    w.spread("fee_canada_post", w.rule("ca/canada_post_fee", applies=mail_fee), P["ship"].to_numpy(), mail_fee)
    P["tested_value"], P["threshold"] = ship_vfd, tax_free_upto
    P["entry"] = np.select([free, postal], ["de_minimis", "postal"], "informal")
    P["regime"] = np.select([free, cusma & ~dutiable], ["ca_remitted", "ca_cusma_tax_only"], np.where(cusma, "ca_cusma_duty_tax", "ca_duty_tax"))
    P["scheme_applied"] = np.where(cusma, "cusma", "standard")


CA = Destination("CA", "CAD", ("CA",), price_ca)
