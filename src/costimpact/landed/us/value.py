"""US steps: the exchange rate in force on each line's date, and the customs value (transaction value, FOB) in USD."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet, attach
from costimpact.landed.money import round_cents
from costimpact.landed.work import _Rejects, _Versions, _Work

P_FX = "fx/per_usd"


def apply_currency(base: pd.DataFrame, aset: AssumptionSet, rej: _Rejects, versions: _Versions | None = None) -> None:
    """The exchange rate in force on the line's date (units of its currency per USD; ``fx/per_usd``).
    CBP converts at the certified rate of the date of exportation (19 CFR 159.32); the built-in rates are the
    Federal Reserve's monthly averages (``import-fx`` loads CBP's certified rates). A currency without a rate on the
    line's date is rejected."""
    fx = attach(aset.param(P_FX), base["date"], base["currency"]) if versions is None else versions.attach(P_FX, base["date"], base["currency"])
    base["per_usd"] = fx["value"]
    base["fx_grade"] = fx["evidence"]
    base["fx_pid"] = fx["period_id"]
    bad = fx["value"].isna().to_numpy() | ~(fx["value"] > 0).to_numpy()
    rej.add(bad, base["row"], "currency", base["currency"], "engine.reject.currency", date=lambda: base["date"].dt.strftime("%Y-%m-%d"))


def apply_customs_value(w: _Work, unit_value: np.ndarray, freight: np.ndarray) -> None:
    """Customs value = unit_value x quantity in USD, rounded to the cent: the US duty base is the transaction
    value, FOB; international freight and insurance are not dutiable (19 U.S.C. 1401a). Freight is converted
    too, for the landed cost. Adds ``value`` and ``freight_usd``."""
    per_usd = w.P["per_usd"].to_numpy()
    w.P["value"] = round_cents(unit_value * w.P["qty"].to_numpy() / per_usd)
    w.P["freight_usd"] = round_cents(freight / per_usd)
