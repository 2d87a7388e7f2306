"""The contract of an assumptions folder: frozen pydantic models with ``extra="forbid"``.

Every file under ``assumptions/`` is TOML (or a CSV table with a TOML header) with a ``kind``:

- ``parameter``: a value over time, optionally keyed (by origin, carrier, product group ...).
- ``layer``: a duty layer; a keyed parameter plus its scope and its exclusivity with other layers.
- ``postal_regime``: how postal items were dutied, period by period.
- ``table``: the header of a CSV table (columns, sources); every row carries ``source`` and ``evidence``, unless
  the header names one ``source`` (and grade) for the whole table.
- ``groups``: named groups of countries (EU ...), usable wherever an origin key is expected.
- ``scenario``: a baseline plus overrides (``assumptions/scenarios/``).
- ``pending_event``: a policy change that may come, with its date or window, its probability and what it changes
  (``assumptions/outlook/events/``).
- ``manifest``: the name and version of the set.

Each value holds from its ``from`` date until the next value of the same key, or until its ``until`` date.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Evidence = Literal["confirmed", "secondary", "unverified"]
EVIDENCE_MARK = {"confirmed": "C", "secondary": "C2", "unverified": "U"}

#: Units a parameter may carry. Rates are fractions (0.25 = 25 %); percent exists only in display formats.
UNITS = {
    "fraction": (0.0, 10.0),
    "fraction_of_duty": (0.0, 1.0),
    "usd": (0.0, None),
    "usd_per_entry": (0.0, None),
    "usd_per_item": (0.0, None),
    "usd_per_shipment": (0.0, None),
    "usd_per_year": (0.0, None),
    "usd_per_unit": (0.0, None),
    "usd_per_month": (0.0, None),
    "usd_per_cbm_month": (0.0, None),
    "usd_per_hour": (0.0, None),
    "usd_per_gb": (0.0, None),
    "usd_per_kwh": (0.0, None),
    "usd_per_day": (0.0, None),
    "usd_per_m_tokens": (0.0, None),
    "usd_per_kg": (0.0, None),
    # money of the other destinations, in their own currencies (ISO 4217, lower case)
    "eur": (0.0, None),
    "eur_per_item": (0.0, None),
    "eur_per_shipment": (0.0, None),
    "ron_per_shipment": (0.0, None),
    "gbp": (0.0, None),
    "cad": (0.0, None),
    "aud": (0.0, None),
    "jpy": (0.0, None),
    "cad_per_shipment": (0.0, None),
    "cbm": (0.0, None),
    "cbm_per_unit": (0.0, None),
    "gb": (0.0, None),
    "per_usd": (0.0, None),
    "flops": (0.0, None),
    "bytes_per_s": (0.0, None),
    "bytes": (0.0, None),
    "kw": (0.0, None),
    "years": (0.0, None),
    "days": (0.0, None),
    "per_year": (0.0, None),
    "ratio": (0.0, None),
    "count": (0.0, None),
    "flag": (0.0, 1.0),
    "elasticity": (None, None),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Reference(Strict):
    title: str = Field(min_length=3)
    url: str | None = None
    doc: str | None = None


class Period(Strict):
    """One value of a parameter, in force from ``from`` until the next value of its key (or ``until``)."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    key: str = "*"
    value: float
    min: float | None = None
    max: float | None = None
    base: Literal["full", "metal_share"] = "full"
    inclusive: bool = False
    source: str = Field(min_length=3)
    source_zh: str | None = None  # the source in Chinese, for the Chinese app and report
    url: str | None = None
    evidence: Evidence | None = None
    note: str | None = None
    scenario: str | None = None  # set when a scenario put this value here

    @model_validator(mode="after")
    def _until_after_from(self) -> Period:
        if self.until is not None and self.until <= self.from_:
            raise ValueError(f"until {self.until} must be after from {self.from_}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Parameter(Strict):
    """A dated, sourced, graded value (``kind = "parameter"``) or duty layer (``kind = "layer"``)."""

    kind: Literal["parameter", "layer"]
    id: str = ""  # set by the loader from the file path, e.g. ``us/layers/s301``
    label: str
    label_zh: str
    unit: str
    evidence: Evidence
    references: list[Reference] = Field(min_length=1)
    description: str | None = None
    description_zh: str | None = None
    key: str | None = None  # what the values are keyed by: origin, carrier, s301_list, s232 ...
    values: list[Period] = Field(min_length=1)

    # Layer-only fields.
    column: str | None = None  # output column, e.g. duty_s301_usd
    order: int = 0  # display and computation order
    applies_to_origins: list[str] | None = None  # None = every origin
    exempt_if: list[str] = []  # product attributes (boolean HTS-table columns) that exempt a line
    excludes: list[str] = []  # skip the share of value covered by these layers (e.g. s232)
    covers_share: bool = False  # this layer claims a share of value that excluding layers skip
    ieepa: bool = False  # an IEEPA duty (refund exposure)
    # a flag parameter: where it is 1 on a line's date, a line that claims a product exclusion (its
    # ``s301_exclusion`` cell) pays nothing under this layer
    claimable_exclusion: str | None = None
    # the key attribute may name several keys joined by "|" (a line under several headings): the highest rate in force applies
    multi_key: bool = False
    # product attribute -> order column: the line is exempt where the product is on the list and the order claims it
    exempt_if_claimed: dict[str, str] = {}
    # key -> order column: the key applies only where the order claims it (auto parts listed outside chapter 87)
    claim_keys: dict[str, str] = {}

    @field_validator("unit")
    @classmethod
    def _unit_known(cls, unit: str) -> str:
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(sorted(UNITS))}")
        return unit

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        lo, hi = UNITS[self.unit]
        for i, p in enumerate(self.values):
            v = p.value
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                raise ValueError(
                    f"values[{i}].value = {v} is outside {lo}..{hi if hi is not None else 'inf'} for unit {self.unit}"
                )
            for name in ("min", "max"):  # money bounds of a rate (MPF): never negative
                bound = getattr(p, name)
                if bound is not None and bound < 0:
                    raise ValueError(f"values[{i}].{name} = {bound} must not be negative")
            if self.key is None and p.key != "*":
                raise ValueError(f"values[{i}].key = {p.key!r} but the parameter has no `key` dimension")
        _check_periods([(p.key, p.from_, p.until) for p in self.values], "values")
        if self.kind == "layer":
            if not self.column or not self.column.startswith("duty_") or not self.column.endswith("_usd"):
                raise ValueError("a layer needs `column` named duty_<layer>_usd")
        else:
            for name in ("column", "applies_to_origins"):
                if getattr(self, name) is not None:
                    raise ValueError(f"`{name}` is only for kind = 'layer'")
            if self.exempt_if or self.excludes or self.covers_share or self.ieepa or self.claimable_exclusion:
                raise ValueError("exempt_if/excludes/covers_share/ieepa/claimable_exclusion are only for kind = 'layer'")
        return self


def _check_periods(rows: list[tuple[str, dt.date, dt.date | None]], where: str) -> None:
    """Within each key, periods must be sorted by start and must not overlap."""
    last: dict[str, tuple[dt.date, dt.date | None]] = {}
    for i, (key, start, until) in enumerate(rows):
        if key in last:
            prev_start, prev_until = last[key]
            if start <= prev_start:
                raise ValueError(f"{where}[{i}] (key {key!r}) starts {start}, not after the previous start {prev_start}: keep dates sorted")
            if prev_until is not None and prev_until > start:
                raise ValueError(f"{where}[{i}] (key {key!r}) starts {start} before the previous period ends {prev_until}")
        last[key] = (start, until)


class Tier(Strict):
    upto: float | None = None  # rate bound; None = everything above the previous tier
    inclusive: bool = False  # whether a rate equal to `upto` falls in this tier
    usd: float = Field(ge=0)


class PostalPeriod(Strict):
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    origins: list[str] = ["*"]
    treatment: Literal["in_lieu_flat", "in_lieu_ieepa", "in_lieu_layers", "all_duties"]
    ad_valorem: float | None = Field(default=None, ge=0, le=10)
    specific_usd: float | None = Field(default=None, ge=0)
    layers: list[str] = []  # for in_lieu_layers (and the IEEPA layers of in_lieu_ieepa)
    tiers: list[Tier] = []  # for in_lieu_ieepa specific method
    specific_until: dt.date | None = None  # last day (exclusive) the specific method may be elected
    ieepa: bool = False  # the regime rests on IEEPA: refund exposure; falls away when a scenario switches IEEPA off
    source: str = Field(min_length=3)
    url: str | None = None
    evidence: Evidence | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> PostalPeriod:
        t = self.treatment
        if t == "in_lieu_flat" and (self.ad_valorem is None or self.specific_usd is None):
            raise ValueError("in_lieu_flat needs ad_valorem and specific_usd")
        if t == "in_lieu_ieepa" and (not self.layers or not self.tiers):
            raise ValueError("in_lieu_ieepa needs layers (the IEEPA layers) and tiers")
        if t == "in_lieu_layers" and not self.layers:
            raise ValueError("in_lieu_layers needs layers")
        return self


class PostalRegime(Strict):
    kind: Literal["postal_regime"]
    id: str = ""
    label: str
    label_zh: str
    evidence: Evidence
    references: list[Reference] = Field(min_length=1)
    description: str | None = None
    periods: list[PostalPeriod] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> PostalRegime:
        rows = [(o, p.from_, p.until) for p in self.periods for o in p.origins]
        rows.sort(key=lambda r: (r[0], r[1]))
        _check_periods(rows, "periods")
        return self


class TableColumn(Strict):
    type: Literal["str", "float", "bool", "date", "int"]
    description: str
    unit: str | None = None


class TableHeader(Strict):
    kind: Literal["table"]
    id: str = ""
    label: str
    label_zh: str
    file: str
    key: str | None = None
    evidence: Evidence
    source: str | None = None  # the one source of every row; without it each row carries source and evidence
    references: list[Reference] = Field(min_length=1)
    description: str | None = None
    columns: dict[str, TableColumn]

    @model_validator(mode="after")
    def _sourced(self) -> TableHeader:
        if self.source is not None:
            return self
        for need in ("source", "evidence"):
            if need not in self.columns:
                raise ValueError(f"a table needs a `{need}` column so every row is sourced and graded, or one `source` for the whole table")
        return self


class Groups(Strict):
    kind: Literal["groups"]
    id: str = ""
    label: str
    evidence: Evidence
    references: list[Reference] = Field(min_length=1)
    groups: dict[str, list[str]]


class Override(Strict):
    """A scenario's change to one parameter: its values replace the baseline's for these keys from ``from``
    until ``until`` (or for good)."""

    param: str
    keys: list[str] = ["*"]
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    value: float
    min: float | None = None
    max: float | None = None
    base: Literal["full", "metal_share"] = "full"
    inclusive: bool = False
    note: str | None = None


class ScenarioOptions(Strict):
    carrier: str = "none"
    postal_duty_method: Literal["ad_valorem", "specific"] | None = None
    usps_clearance_fee: bool = False
    bond: Literal["continuous", "single_entry"] = "continuous"


class Scenario(Strict):
    kind: Literal["scenario"]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str
    label_zh: str
    description: str
    description_zh: str
    date_mode: Literal["line", "fixed", "as_of"] = "line"
    fixed_date: dt.date | None = None
    disable_layers: list[str] = []
    overrides: list[Override] = []
    options: ScenarioOptions = ScenarioOptions()

    @model_validator(mode="after")
    def _dates(self) -> Scenario:
        if (self.date_mode == "fixed") != (self.fixed_date is not None):
            raise ValueError("fixed_date goes with date_mode = 'fixed', and only with it")
        return self


class PendingEvent(Strict):
    """A policy change that may happen (or, ``in_law``, one the law already schedules and that may still be called
    off): its date or the window it falls in, how likely it is, and what it changes, as a scenario would.

    A pending event applies ``overrides``/``disable_layers`` when it happens. An event already written into the
    parameter files (``in_law``) applies ``if_not`` when it does not. ``refund = "ieepa"`` marks the return of IEEPA
    duties paid on past entries, counted apart from the landed cost of future shipments. The timing within
    ``[date, window_end]`` is taken as uniform; events are taken as independent of each other.
    """

    kind: Literal["pending_event"]
    id: str = ""  # set by the loader from the file path
    label: str
    label_zh: str
    description: str
    description_zh: str
    destination: str = "US"
    date: dt.date
    window_end: dt.date | None = None
    probability: float = Field(ge=0.0, le=1.0)
    probability_note: str = Field(min_length=3)
    probability_note_zh: str = Field(min_length=2)
    evidence: Evidence = "unverified"  # the grade of the probability, not of the law it changes
    in_law: bool = False
    references: list[Reference] = Field(min_length=1)
    disable_layers: list[str] = []
    overrides: list[Override] = []
    if_not: list[Override] = []
    refund: Literal["ieepa"] | None = None
    refund_share: float = Field(default=1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _shape(self) -> PendingEvent:
        if self.window_end is not None and self.window_end < self.date:
            raise ValueError(f"window_end {self.window_end} is before date {self.date}")
        if self.in_law and (self.overrides or self.disable_layers):
            raise ValueError("an in_law event is already in the parameter files: describe the world without it in if_not")
        if not self.in_law and self.if_not:
            raise ValueError("if_not goes with in_law = true")
        if self.refund is not None and (self.overrides or self.disable_layers or self.if_not):
            raise ValueError("a refund event changes no rate; give it no overrides")
        return self

    @property
    def name(self) -> str:
        return self.id.rsplit("/", 1)[-1]


class Manifest(Strict):
    kind: Literal["manifest"]
    name: str
    version: str
    description: str
