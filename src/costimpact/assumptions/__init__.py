"""Dated, sourced and graded parameters: load, validate, look up by date, apply scenarios."""

from costimpact.assumptions.loader import AssumptionSet, Table, default_dir, load_assumptions, load_scenario_text, scenario_toml
from costimpact.assumptions.lookup import apply_overrides, attach, periods_frame, value_at, with_scenario
from costimpact.assumptions.models import EVIDENCE_MARK, Parameter, Period, PostalRegime, Scenario

__all__ = [
    "EVIDENCE_MARK",
    "AssumptionSet",
    "Parameter",
    "Period",
    "PostalRegime",
    "Scenario",
    "Table",
    "apply_overrides",
    "attach",
    "default_dir",
    "load_assumptions",
    "load_scenario_text",
    "periods_frame",
    "scenario_toml",
    "value_at",
    "with_scenario",
]
