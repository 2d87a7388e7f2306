"""Every dated value of the assumption set against a table typed from the sources (tests/cases/dated_values.csv).

Each row is one change: the parameter, the key (origin, list, carrier...; ``*`` is the default), the day it
takes effect, the value expected the day before and on the day (empty: nothing in force), the minimum, maximum and
all-in flag on the day where the source gives them, and the source (the section of
../shared/facts/us-tariffs-de-minimis-fees.md or the notice it cites; U marks a modelling default pinned here).
The lookup is the vectorised :func:`attach` the engine prices with, one call per parameter for all its rows.
A wrong rate or date in an assumption file fails here; so does a dated change the table does not know about.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costimpact.assumptions import attach, load_assumptions

TABLE = pd.read_csv(Path(__file__).parent / "cases" / "dated_values.csv", dtype=str, keep_default_na=False)


def _num(text: str) -> float:
    return float(text) if text else np.nan


@pytest.mark.parametrize("pid", sorted(TABLE["param"].unique()))
def test_dated_values_match_the_sources(aset, pid):
    rows = TABLE[TABLE["param"] == pid].reset_index(drop=True)
    day = pd.to_datetime(rows["date"])
    dates = pd.concat([day - pd.Timedelta(days=1), day], ignore_index=True)
    keys = pd.concat([rows["key"], rows["key"]], ignore_index=True)
    got = attach(aset.param(pid), dates, keys)
    n = len(rows)
    wrong = []
    for i, row in rows.iterrows():
        checks = [("before", i, row["before"]), ("value", n + i, row["after"]), ("min", n + i, row["after_min"]), ("max", n + i, row["after_max"])]
        for label, at, text in checks:
            column = "value" if label in ("before", "value") else label
            have, want = got[column].iloc[at], _num(text)
            if label in ("min", "max") and not text:
                continue  # the source gives no bound: not checked
            if not (np.isnan(want) and np.isnan(have)) and not (have == pytest.approx(want, rel=1e-9, abs=1e-12)):
                wrong.append(f"{row['key']} {row['date']} {label}: file has {have}, the source says {want} ({row['source']})")
        if row["after"]:
            inclusive = bool(got["inclusive"].iloc[n + i])
            if inclusive != (row["after_inclusive"] == "true"):
                wrong.append(f"{row['key']} {row['date']} inclusive: file has {inclusive}, the source says {row['after_inclusive'] == 'true'} ({row['source']})")
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_dated_change():
    """Each period's start (and end) in the assumption files is a row: a date moved in a file shows up here."""
    known = set(zip(TABLE["param"], TABLE["key"], TABLE["date"]))
    missing = []
    for param in load_assumptions().params.values():
        for period in param.values:
            for day in (period.from_, period.until):
                if day is not None and (param.id, period.key, day.isoformat()) not in known:
                    missing.append(f"{param.id} [{period.key}] {day}")
    assert not missing, "dated changes with no expectation in tests/cases/dated_values.csv:\n" + "\n".join(missing)


def test_the_table_is_well_formed():
    assert not TABLE.duplicated(["param", "key", "date"]).any()
    assert (TABLE["source"].str.len() > 0).all()
    for text in TABLE["date"]:
        dt.date.fromisoformat(text)
    assert TABLE["after_inclusive"].isin(["", "true"]).all()
