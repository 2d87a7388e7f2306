"""Shared fixtures: the built-in assumption set and a helper to build order lines as the importer would."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest
from hypothesis import settings

from costimpact.assumptions import load_assumptions

AS_OF = dt.date(2026, 11, 26)

# CI runs the same examples every time (a red build must be reproducible); locally hypothesis explores.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def aset():
    return load_assumptions()


def pin_rates(scenario, spec: str, start, end=None):  # noqa: ANN001, ANN201
    """``scenario`` with the exchange rates a hand-worked case states (``"EUR=0.86;MXN=19.2"``, units per USD) in
    force from ``start`` until ``end`` (default: the next day). A case that works its numbers at a stated rate keeps
    that rate whatever the built-in monthly table says for the day; the table itself is tested in test_fx_rates."""
    from costimpact.assumptions.models import Override

    start = pd.Timestamp(start).date()
    end = pd.Timestamp(end).date() if end is not None else start + dt.timedelta(days=1)
    pins = [item.split("=") for item in filter(None, spec.split(";"))]
    extra = [Override.model_validate({"param": "fx/per_usd", "keys": [cur.strip()], "from": start, "until": end, "value": float(v),
                                      "note": "rate stated by the worked case"}) for cur, v in pins]
    return scenario.model_copy(update={"overrides": [*scenario.overrides, *extra]}) if extra else scenario


def make_lines(rows: list[dict]) -> pd.DataFrame:
    """Normalised order lines (what orders.read_orders produces) from short dicts."""
    frame = pd.DataFrame(rows)
    defaults = {"quantity": 1, "currency": "USD", "shipping_mode": "express", "destination_country": "US", "freight_cost": 0.0}
    for col, value in defaults.items():
        if col not in frame:
            frame[col] = value
        frame[col] = frame[col].fillna(value)
    if "order_id" not in frame:
        frame["order_id"] = [f"O{i}" for i in range(len(frame))]
    if "shipment_id" not in frame:
        frame["shipment_id"] = frame["order_id"]
    frame["hts_code"] = frame["hts_code"].astype(str).str.replace(r"[^0-9]", "", regex=True)
    frame["ship_date"] = pd.to_datetime(frame.get("ship_date"))
    frame["row_number"] = range(2, len(frame) + 2)
    return frame


@pytest.fixture(autouse=True)
def _own_costimpact_home(tmp_path, monkeypatch):  # noqa: ANN001, ANN202
    """The app's local profile (remembered column mappings) in a scratch folder per test, never the tester's home."""
    monkeypatch.setenv("COSTIMPACT_HOME", str(tmp_path / "costimpact-home"))
