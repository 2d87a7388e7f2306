"""Compute-access routes under US export controls: what compute costs, how long it takes, and what it is worth
once the risk of losing the route is priced. Pure: no streamlit, no spreadsheet library."""

from costimpact.compute.engine import (
    CONTRACT_COLUMNS,
    OUTPUT_COLUMNS,
    ComputeResult,
    apply_route_overrides,
    diligence_checklist,
    price_routes,
    price_routes_detail,
    rules_timeline,
)
from costimpact.compute.scenario import (
    ROUTE_KINDS,
    ComputeScenario,
    ComputeScenarioError,
    example_text,
    load_compute_scenario,
    parse_compute_scenario,
)

__all__ = [
    "CONTRACT_COLUMNS",
    "OUTPUT_COLUMNS",
    "ROUTE_KINDS",
    "ComputeResult",
    "ComputeScenario",
    "ComputeScenarioError",
    "apply_route_overrides",
    "diligence_checklist",
    "example_text",
    "load_compute_scenario",
    "parse_compute_scenario",
    "price_routes",
    "price_routes_detail",
    "rules_timeline",
]
