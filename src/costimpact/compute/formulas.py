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
- Memory fit: N w + B ctx kv <= g HBM x 0.9; prefill 2 N P FLOPs per request (compute-bound).
- Risk: p_cut(T) = 1 - exp(-hazard T) (constant-hazard survival); delay on lead + wall; expected cost by route kind as in
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

    capex = chip_price x (overhead + levy_rate x levy_passthrough): the levy falls on the chip alone, ``overhead``
    is the whole installed cost per accelerator as a multiple of the chip price; hours = 8760 x allocation;
    capital = capex x CRF / hours; opex = capex x opex_rate / hours; energy = system_kw x draw x pue x price.
    Returns a dict of arrays: capex, crf, hours, capital, opex, energy, cost_per_hour.
    """
    capex = chip_price * (overhead + levy_rate * levy_passthrough)
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
    t_memory = replica_bytes(active_params, weight_bytes, batch, context_tokens, kv_bytes_per_token) / (
        gpus_per_replica * mem_bw * eta_memory
    )
    t = np.maximum(t_compute, t_memory)
    return {"t_compute": t_compute, "t_memory": t_memory, "t": t, "tokens_per_s": batch / t,
            "memory_bound": np.asarray(t_memory) >= np.asarray(t_compute)}


#: Share of HBM a replica may fill with weights and KV cache (the rest: activations, runtime); spec value.
HBM_USABLE = 0.9


def replica_bytes(active_params, weight_bytes, batch, context_tokens, kv_bytes_per_token):
    """Bytes a replica must hold: N w + B ctx kv (weights plus the KV cache of the batch)."""
    return active_params * weight_bytes + batch * context_tokens * kv_bytes_per_token


def smallest_replica(need_bytes, hbm_gb):
    """The smallest g with need <= g x hbm_gb x 1e9 x 0.9 (memory-fit rule)."""
    return np.ceil(np.asarray(need_bytes, dtype=float) / (np.asarray(hbm_gb, dtype=float) * 1e9 * HBM_USABLE))


def fits_memory(need_bytes, gpus_per_replica, hbm_gb):
    """Memory-fit rule: N w + B ctx kv <= g x hbm_gb x 1e9 x 0.9."""
    return np.asarray(need_bytes, dtype=float) <= np.asarray(gpus_per_replica, dtype=float) * np.asarray(hbm_gb, dtype=float) * 1e9 * HBM_USABLE


def with_prefill(*, tokens_per_s, active_params, prompt_tokens, output_tokens, gpus_per_replica, peak_flops, eta_compute):
    """Output tokens per second of a replica once each request's prefill (2 N P FLOPs at the compute roofline) is
    paid: seconds per output token = 1 / tokens_per_s + 2 N P / (g peak eta_c) / output_tokens_per_request."""
    prefill_s = 2.0 * active_params * prompt_tokens / (gpus_per_replica * peak_flops * eta_compute)
    return 1.0 / (1.0 / tokens_per_s + prefill_s / output_tokens)


def usd_per_m_tokens(gpus_per_replica, cost_per_hour, tokens_per_s):
    """$ per million tokens = g x cost_per_hour / (tokens_per_s x 3600) x 1e6."""
    return gpus_per_replica * cost_per_hour / (tokens_per_s * SECONDS_PER_HOUR) * 1e6


def serve_gpu_hours(serve_tokens, tokens_per_s, gpus_per_replica):
    """GPU-hours to serve ``serve_tokens``: tokens / tokens_per_s / 3600 x g."""
    return serve_tokens / tokens_per_s / SECONDS_PER_HOUR * gpus_per_replica


def p_cut(hazard_per_year, years):
    """Probability the route is cut within ``years``: 1 - exp(-hazard x T)."""
    return 1.0 - np.exp(-np.asarray(hazard_per_year, dtype=float) * np.asarray(years, dtype=float))


def delay_cost(cost_of_delay_per_day, lead_days, wall_days):
    """Cost of delay on the time to the result: D x (lead_days + wall_days)."""
    return cost_of_delay_per_day * (lead_days + wall_days)


def cutoff_cost(*, cost, fallback_cost, cost_of_delay_per_day, p_cut, switch_cost, switch_days):
    """Expected cost of losing the route mid-run: p_cut (switch_cost + 0.5 max(0, fallback_cost - cost) + D
    switch_days). A uniform-time cut leaves half the run on average; checkpoints are kept."""
    extra = np.maximum(0.0, fallback_cost - cost)
    return p_cut * (switch_cost + 0.5 * extra + cost_of_delay_per_day * switch_days)


def risk_licensed(*, p_approve, cost, fallback_expected, cost_of_delay_per_day, lead_days, wall_days, cutoff=0.0):
    """Licensed purchase, decided after the lead time L. Approved: cost + D (L + wall) (+ a cut-off term when the
    route carries a hazard). Refused: the buyer has waited L days, then takes the fallback with all of its own
    costs, lead time and risk: E = p (cost + D (L + wall)) + (1 - p) (D L + E_fallback)."""
    approved = cost + delay_cost(cost_of_delay_per_day, lead_days, wall_days) + cutoff
    refused = cost_of_delay_per_day * lead_days + fallback_expected
    return p_approve * approved + (1.0 - p_approve) * refused


def risk_domestic(*, cost, cost_of_delay_per_day, lead_days, wall_days, cutoff=0.0):
    """Domestic (and other owned routes): E = cost + D (L + wall) (+ a cut-off term when given a hazard)."""
    return cost + delay_cost(cost_of_delay_per_day, lead_days, wall_days) + cutoff


def risk_rented(*, cost, compute_cost, fallback_cost, cost_of_delay_per_day, lead_days, wall_days, p_cut, switch_cost,
                switch_days, risk_premium):
    """Rented: E = cost + D (L + wall) + p_cut (switch_cost + 0.5 max(0, fallback_cost - cost) + D switch_days)
    + risk_premium x compute_cost."""
    return (cost + delay_cost(cost_of_delay_per_day, lead_days, wall_days)
            + cutoff_cost(cost=cost, fallback_cost=fallback_cost, cost_of_delay_per_day=cost_of_delay_per_day,
                          p_cut=p_cut, switch_cost=switch_cost, switch_days=switch_days)
            + risk_premium * compute_cost)
