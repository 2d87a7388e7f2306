"""Japan, priced in JPY. Rules: ``assumptions/jp/``.

Goods a consumer buys for personal use are valued at a share of their overseas retail price
(``jp/personal_use_share``, 60%: the line's ``unit_price``, else its value) plus freight to Japan. A parcel whose
total value is at most ¥10,000 (``jp/low_value_ceiling``) pays no customs duty and no consumption tax, except
goods outside the exemption (``jp/exemption_excluded``, by the start of the tariff code: leather goods, knitwear,
footwear). Other goods pay customs duty at the line's own ``mfn_rate`` (there is no built-in Japanese tariff: a
line without one is rejected) and consumption tax (``jp/consumption_tax``, 10%) on value plus duty.
"""

from __future__ import annotations

import numpy as np

from costimpact.landed.engine import _grade_rank
from costimpact.landed.money import round_cents
from costimpact.landed.pipeline import Destination, Work


def excluded_from_exemption(w: Work) -> tuple[np.ndarray, np.ndarray]:
    """(lines whose code starts with a prefix of ``jp/exemption_excluded``, the grade rank of that row)."""
    table = w.aset.table("jp/exemption_excluded")
    hit = np.zeros(w.m, dtype=bool)
    grade = np.zeros(w.m, dtype=int)
    for prefix, evidence in zip(table["prefix"], table["evidence"]):  # a few table rows, not order lines
        mine = w.P["code"].str.startswith(str(prefix)).to_numpy()
        hit |= mine
        grade = np.maximum(grade, np.where(mine, _grade_rank(np.array([evidence]))[0], 0))
    return hit, grade


def price_jp(w: Work) -> None:
    P = w.P
    share = w.rule("jp/personal_use_share")
    value = round_cents(share * P["price"].to_numpy()) + P["freight_local"].to_numpy()
    parcel = w.ship_sum(value)
    ceiling = w.rule("jp/low_value_ceiling")
    low = parcel <= ceiling + 1e-9
    excluded, grade = excluded_from_exemption(w)
    w.grade = np.maximum(w.grade, np.where(low & excluded, grade, 0))
    exempt = low & ~excluded
    dutiable = ~exempt
    rate = P["mfn_user"].to_numpy()
    P["duty_rate"] = np.where(dutiable, rate, np.nan)
    P["rate_user_supplied"] = dutiable & ~np.isnan(rate)
    P["rate_matched"] = np.where(P["rate_user_supplied"], "user", "")
    w.grade = np.maximum(w.grade, np.where(P["rate_user_supplied"], 2, 0))
    w.needs_rate |= dutiable
    w.charge("duty_customs", np.nan_to_num(rate) * value, dutiable)
    duty = w.cents("duty_customs") / 100.0
    w.charge("tax_consumption", w.rule("jp/consumption_tax", applies=dutiable) * (value + duty), dutiable)
    P["tested_value"], P["threshold"] = parcel, ceiling
    postal = (P["mode"] == "postal").to_numpy()
    P["entry"] = np.select([exempt, postal, low], ["de_minimis", "postal", "informal"], "formal")
    P["regime"] = np.select([exempt, low], ["jp_exempt", "jp_excluded_goods"], "jp_duty_tax")
    P["scheme_applied"] = "standard"


JP = Destination("JP", "JPY", ("JP",), price_jp)
