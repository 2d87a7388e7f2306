"""Mexico, priced in MXN. Rules: ``assumptions/mx/``.

Shipments worth up to US$2,500 (``mx/courier_ceiling``) through a registered courier (RGCE rule 3.7.35) pay one
global rate on the customs value instead of IGI and IVA (``duty_global_rate``): for goods not shipped from the US
or Canada 19% from 2025-01-01 and 33.5% from 2025-08-15 (``mx/courier_global_rate``; up to US$50 exempt before
2025, ``mx/courier_exempt_ceiling``); for goods shipped from the US or Canada (USMCA, by ``ship_from_country``,
default the origin) exempt to US$50, 17% to US$117, 19% above (``mx/usmca_bands``, ``mx/usmca_rates``). Above
US$2,500: a formal entry, IGI at the line's own ``mfn_rate`` (no built-in LIGIE table), DTA (``mx/dta_rate``)
and IVA (``mx/iva``) on value plus IGI and DTA. The customs value includes freight (``mx/base_includes_freight``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.landed.pipeline import Destination, Work, usmca_partners


def price_mx(w: Work) -> None:
    P = w.P
    key = lambda k: pd.Series(k, index=P.index)  # noqa: E731
    with_freight = w.flag("mx/base_includes_freight")
    base = P["goods"].to_numpy() + np.where(with_freight, P["freight_local"].to_numpy(), 0.0)
    value_usd = w.ship_sum(P["goods_usd"].to_numpy() + np.where(with_freight, P["freight_usd"].to_numpy(), 0.0))
    courier = value_usd <= w.rule("mx/courier_ceiling") + 1e-9
    usmca = courier & w.ship_first(P["ship_from"].isin(usmca_partners(w, "MX")).to_numpy()).astype(bool)
    other = courier & ~usmca
    exempt_upto = np.where(usmca, w.rule("mx/usmca_bands", key("exempt_upto"), applies=usmca), w.rule("mx/courier_exempt_ceiling", applies=other))
    exempt = courier & (value_usd <= exempt_upto + 1e-9)
    low = usmca & ~exempt & (value_usd <= w.rule("mx/usmca_bands", key("low_upto"), applies=usmca & ~exempt) + 1e-9)
    rate = np.select(
        [exempt, low, usmca, other],
        [0.0, w.rule("mx/usmca_rates", key("low"), applies=low), w.rule("mx/usmca_rates", key("high"), applies=usmca & ~exempt & ~low), w.rule("mx/courier_global_rate", applies=other & ~exempt)],
        0.0,
    )
    w.charge("duty_global_rate", rate * base, courier & ~exempt)

    formal = ~courier
    P["duty_rate"] = np.where(formal, P["mfn_user"].to_numpy(), np.where(courier, rate, np.nan))
    P["rate_user_supplied"] = formal & P["mfn_user"].notna().to_numpy()
    w.needs_rate |= formal
    w.charge("duty_igi", np.nan_to_num(P["mfn_user"].to_numpy()) * base, formal)
    w.charge("fee_dta", w.rule("mx/dta_rate", applies=formal) * base, formal)
    igi_dta = w.cents("duty_igi", "fee_dta") / 100.0
    w.charge("tax_iva", w.rule("mx/iva", applies=formal) * (base + igi_dta), formal)

    P["tested_value"], P["threshold"] = value_usd, np.where(courier, exempt_upto, w.rule("mx/courier_ceiling"))
    P["entry"] = np.select([exempt, courier], ["de_minimis", "informal"], "formal")
    P["regime"] = np.select([exempt, usmca, other], ["mx_courier_exempt", "mx_courier_usmca", "mx_courier_global"], "mx_formal")
    P["scheme_applied"] = np.where(courier, "courier_simplified", "standard")


MX = Destination("MX", "MXN", ("MX",), price_mx)
