"""The standard formulas of the compute model, vectorised: every argument may be a scalar, a numpy array or a
pandas Series (one element per route), and the result has the same shape. No loops, no defaults, no numbers
other than unit conversions (3600 s/h, 24 h/day, 8760 h/year, 365 days/year) and the factors that define the
formulas themselves (6 N D, 2 N B, the one-half of a uniform cut-off).

References (cited in the app as well):
- Training compute C = 6 N D (Kaplan et al. 2020; Hoffmann et al. 2022); GPU-hours = C / (peak x MFU x 3600)
  (Epoch AI, training-cost-trends; cli99/llm-analysis).
- Owned cost: capital recovery factor r(1+r)^n / ((1+r)^n - 1) (standard annuity) with Epoch's overhead,
  server-power and draw ratios (arXiv 2405.21015).
- Inference decode roofline: t = max(2 N B / (g peak eta_c), (N w + B ctx kv) / (g BW eta_m)) (Williams et al.
  2009 roofline; fergusfinn.com inference arithmetic; tensoreconomics.com).
- Risk: p_cut(T) = 1 - exp(-hazard T) (constant-hazard survival); expected cost by route kind as in
  ``shared/spec/compute-scenario.md``.
"""

from __future__ import annotations

import numpy as np

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 8760.0
DAYS_PER_YEAR = 365.0


def training_flops(active_params, train_tokens):
    """C = 6 N D: forward and backward passes over D tokens for N active parameters."""
    return 6.0 * active_params * train_tokens


def train_gpu_hours(flops, peak_flops, mfu):
    """GPU-hours = C / (peak_flops x mfu x 3600)."""
    return flops / (peak_flops * mfu * SECONDS_PER_HOUR)


def wall_days(gpu_hours, gpus):
    """Wall-clock days = gpu_hours / gpus / 24 (no restarts)."""
    return gpu_hours / gpus / HOURS_PER_DAY


def capital_recovery_factor(rate, years):
    """CRF = r (1+r)^n / ((1+r)^n - 1); the limit 1/n when r = 0."""
    rate = np.asarray(rate, dtype=float)
    years = np.asarray(years, dtype=float)
    growth = np.power(1.0 + rate, years)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = np.where(rate > 0, rate * growth / (growth - 1.0), 1.0 / years)
    return crf


def owned_cost_per_hour(*, chip_price, levy_rate, levy_passthrough, overhead, capital_rate, life_years, allocation,
                        opex_rate, system_kw, draw, pue, power_price_kwh):
    """Owned hardware, cost per accelerator-hour, and its parts.

    capex = chip_price (1 + levy_rate x levy_passthrough) x overhead; hours = 8760 x allocation;
    capital = capex x CRF / hours; opex = capex x opex_rate / hours; energy = system_kw x draw x pue x price.
    Returns a dict of arrays: capex, crf, hours, capital, opex, energy, cost_per_hour.
    """
    capex = chip_price * (1.0 + levy_rate * levy_passthrough) * overhead
    crf = capital_recovery_factor(capital_rate, life_years)
    hours = HOURS_PER_YEAR * allocation
    capital = capex * crf / hours
    opex = capex * opex_rate / hours
    energy = system_kw * draw * pue * power_price_kwh
    return {"capex": capex, "crf": crf, "hours": hours, "capital": capital, "opex": opex, "energy": energy,
            "cost_per_hour": capital + opex + energy}


def system_kw(tdp_kw, server_ratio, given=None):
    """Power per accelerator at system level: the given value where known, else tdp_kw x server_ratio."""
    derived = np.asarray(tdp_kw, dtype=float) * np.asarray(server_ratio, dtype=float)
    if given is None:
        return derived
    given = np.asarray(given, dtype=float)
    return np.where(np.isnan(given), derived, given)


def rented_cost_per_hour(list_price, commit_discount, intermediary_premium):
    """cost = list_price x (1 - commit_discount) x (1 + intermediary_premium)."""
    return list_price * (1.0 - commit_discount) * (1.0 + intermediary_premium)


def route_cost(gpu_hours, cost_per_hour, egress_gb, egress_price, fixed_cost):
    """Cost before risk = gpu_hours x cost_per_hour + egress_gb x egress_price + fixed_cost."""
    return gpu_hours * cost_per_hour + egress_gb * egress_price + fixed_cost


def decode_roofline(*, active_params, batch, context_tokens, weight_bytes, kv_bytes_per_token, gpus_per_replica,
                    peak_flops, mem_bw, eta_compute, eta_memory):
    """Decode step time of one replica of g accelerators at batch B (roofline).

    t_compute = 2 N B / (g peak eta_c); t_memory = (N w + B ctx kv) / (g BW eta_m); t = max of the two;
    tokens_per_s = B / t. Returns a dict: t_compute, t_memory, t, tokens_per_s, memory_bound.
    """
    t_compute = 2.0 * active_params * batch / (gpus_per_replica * peak_flops * eta_compute)
    t_memory = (active_params * weight_bytes + batch * context_tokens * kv_bytes_per_token) / (
        gpus_per_replica * mem_bw * eta_memory
    )
    t = np.maximum(t_compute, t_memory)
    return {"t_compute": t_compute, "t_memory": t_memory, "t": t, "tokens_per_s": batch / t,
            "memory_bound": np.asarray(t_memory) >= np.asarray(t_compute)}


def usd_per_m_tokens(gpus_per_replica, cost_per_hour, tokens_per_s):
    """$ per million tokens = g x cost_per_hour / (tokens_per_s x 3600) x 1e6."""
    return gpus_per_replica * cost_per_hour / (tokens_per_s * SECONDS_PER_HOUR) * 1e6


def serve_gpu_hours(serve_tokens, tokens_per_s, gpus_per_replica):
    """GPU-hours to serve ``serve_tokens``: tokens / tokens_per_s / 3600 x g."""
    return serve_tokens / tokens_per_s / SECONDS_PER_HOUR * gpus_per_replica


def p_cut(hazard_per_year, years):
    """Probability the route is cut within ``years``: 1 - exp(-hazard x T)."""
    return 1.0 - np.exp(-np.asarray(hazard_per_year, dtype=float) * np.asarray(years, dtype=float))


def risk_licensed(*, p_approve, cost, fallback_cost, cost_of_delay_per_day, lead_days):
    """Licensed purchase, decided after the lead time L: E = p (cost + D L) + (1 - p)(fallback_cost + D L)."""
    delay = cost_of_delay_per_day * lead_days
    return p_approve * (cost + delay) + (1.0 - p_approve) * (fallback_cost + delay)


def risk_domestic(*, cost, cost_of_delay_per_day, lead_days):
    """Domestic: E = cost + D L."""
    return cost + cost_of_delay_per_day * lead_days


def risk_rented(*, cost, compute_cost, fallback_cost, cost_of_delay_per_day, lead_days, p_cut, switch_cost,
                switch_days, risk_premium):
    """Rented: E = cost + D L + p_cut (switch_cost + 0.5 max(0, fallback_cost - compute_cost) + D switch_days)
    + risk_premium x compute_cost. A uniform-time cut leaves half the run on average; checkpoints are kept."""
    extra = np.maximum(0.0, fallback_cost - compute_cost)
    return (cost + cost_of_delay_per_day * lead_days
            + p_cut * (switch_cost + 0.5 * extra + cost_of_delay_per_day * switch_days)
            + risk_premium * compute_cost)
