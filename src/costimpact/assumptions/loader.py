"""Load and validate an assumptions folder into a frozen :class:`AssumptionSet`.

Loading is strict: an unknown key, a missing source, unsorted or overlapping periods, an unknown unit or a
rate out of range stops the load with an :class:`AssumptionError` that names the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import pickle
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from pydantic import ValidationError

from costimpact.assumptions.models import (
    EVIDENCE_MARK,
    Groups,
    Manifest,
    Parameter,
    Period,
    PendingEvent,
    PostalRegime,
    Scenario,
    TableHeader,
)
from costimpact.errors import AssumptionError

KINDS = {
    "parameter": Parameter,
    "layer": Parameter,
    "postal_regime": PostalRegime,
    "table": TableHeader,
    "groups": Groups,
    "scenario": Scenario,
    "manifest": Manifest,
    "pending_event": PendingEvent,
}


def default_dir() -> Path:
    """The assumptions folder: ``$COSTIMPACT_ASSUMPTIONS``, else the one beside the source tree."""
    env = os.environ.get("COSTIMPACT_ASSUMPTIONS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "assumptions"


@dataclasses.dataclass(frozen=True)
class Table:
    header: TableHeader
    frame: pd.DataFrame


@dataclasses.dataclass(frozen=True)
class AssumptionSet:
    """Everything the engines read, loaded once and never mutated (scenarios make new sets)."""

    root: str
    manifest: Manifest
    params: dict[str, Parameter]
    postal: dict[str, PostalRegime]
    tables: dict[str, Table]
    groups: dict[str, list[str]]
    scenarios: dict[str, Scenario]
    content_hash: str
    scenario: str | None = None  # the scenario applied to this set, if any
    events: dict[str, PendingEvent] = dataclasses.field(default_factory=dict)  # pending policy events by name

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def param(self, pid: str) -> Parameter:
        try:
            return self.params[pid]
        except KeyError:
            raise AssumptionError(f"{self.root}: no parameter {pid!r}; add assumptions/{pid}.toml") from None

    def table(self, tid: str) -> pd.DataFrame:
        try:
            return self.tables[tid].frame
        except KeyError:
            raise AssumptionError(f"{self.root}: no table {tid!r}; add assumptions/{tid}.toml and its CSV") from None

    def layers(self) -> list[Parameter]:
        """Duty layers in computation order."""
        return sorted((p for p in self.params.values() if p.kind == "layer"), key=lambda p: (p.order, p.id))

    def expand_origins(self, codes: list[str]) -> list[str]:
        out: list[str] = []
        for c in codes:
            out.extend(self.groups.get(c, [c]))
        return out


def _format_pydantic(path: str, err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        loc = ".".join(str(x) for x in e["loc"]) or "(file)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (a typo? keys are checked strictly)"
        parts.append(f"{loc}: {msg}")
    more = f" (+{len(err.errors()) - 5} more)" if len(err.errors()) > 5 else ""
    return f"{path}: " + "; ".join(parts) + more


def _parse_toml(path: Path, rel: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AssumptionError(f"{rel}: not valid TOML ({exc}); fix the syntax at that line") from None
    except UnicodeDecodeError:
        raise AssumptionError(f"{rel}: not UTF-8 text; save it as UTF-8") from None


def _cast_column(series: pd.Series, ctype: str, rel: str, name: str) -> pd.Series:
    s = series.fillna("").astype(str).str.strip()
    if ctype == "str":
        return s
    if ctype == "bool":
        low = s.str.lower()
        bad = ~low.isin(["true", "false", "1", "0", "", "yes", "no"])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise AssumptionError(f"{rel}, row {row}, {name}: got {s[bad].iloc[0]!r}; expected true or false")
        return low.isin(["true", "1", "yes"])
    if ctype in ("float", "int"):
        out = pd.to_numeric(s.where(s != ""), errors="coerce")
        bad = out.isna() & (s != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise AssumptionError(f"{rel}, row {row}, {name}: got {s[bad].iloc[0]!r}; expected a number")
        return out.astype(float)
    if ctype == "date":
        out = pd.to_datetime(s.where(s != ""), errors="coerce", format="%Y-%m-%d")
        bad = out.isna() & (s != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise AssumptionError(f"{rel}, row {row}, {name}: got {s[bad].iloc[0]!r}; expected YYYY-MM-DD")
        return out
    raise AssumptionError(f"{rel}: column {name} has unknown type {ctype}")


def _load_table(header: TableHeader, folder: Path, rel: str) -> pd.DataFrame:
    csv_path = folder / header.file
    if not csv_path.is_file():
        raise AssumptionError(f"{rel}: file = {header.file!r} not found beside the header")
    try:
        raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8", index_col=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise AssumptionError(f"{Path(rel).parent / header.file}: not a readable UTF-8 CSV ({exc}); check quoting and the number of fields per row") from None
    csv_rel = str(Path(rel).parent / header.file)
    missing = [c for c in header.columns if c not in raw.columns]
    extra = [c for c in raw.columns if c not in header.columns]
    if missing or extra:
        raise AssumptionError(
            f"{csv_rel}: columns do not match the header {rel}: missing {missing or 'none'}, undeclared {extra or 'none'}"
        )
    frame = pd.DataFrame({name: _cast_column(raw[name], col.type, csv_rel, name) for name, col in header.columns.items()})
    if header.source is not None and "source" not in frame:
        return _check_key(frame, header, csv_rel)
    if (frame["source"] == "").any():
        row = int((frame["source"] == "").to_numpy().argmax()) + 2
        raise AssumptionError(f"{csv_rel}, row {row}, source: empty; every row needs its source")
    bad_grade = ~frame["evidence"].isin(list(EVIDENCE_MARK))
    if bad_grade.any():
        row = int(bad_grade.to_numpy().argmax()) + 2
        raise AssumptionError(
            f"{csv_rel}, row {row}, evidence: got {frame['evidence'][bad_grade].iloc[0]!r}; expected confirmed, secondary or unverified"
        )
    return _check_key(frame, header, csv_rel)


def _check_key(frame: pd.DataFrame, header: TableHeader, csv_rel: str) -> pd.DataFrame:
    if header.key:
        dup = frame[header.key].duplicated()
        if dup.any():
            row = int(dup.to_numpy().argmax()) + 2
            raise AssumptionError(f"{csv_rel}, row {row}, {header.key}: {frame[header.key][dup].iloc[0]!r} appears twice")
    return frame


def _expand_groups(param: Parameter, groups: dict[str, list[str]], rel: str) -> Parameter:
    """Origin-keyed values may name a group (EU); expand it to one value per member country."""
    if param.key != "origin" and not param.applies_to_origins:
        return param
    update: dict[str, Any] = {}
    if param.key == "origin" and any(p.key in groups for p in param.values):
        values: list[Period] = []
        for p in param.values:
            for member in groups.get(p.key, [p.key]):
                values.append(p.model_copy(update={"key": member}))
        values.sort(key=lambda p: (p.key, p.from_))
        update["values"] = values
    if param.applies_to_origins and any(o in groups for o in param.applies_to_origins):
        update["applies_to_origins"] = [m for o in param.applies_to_origins for m in groups.get(o, [o])]
    if not update:
        return param
    data = param.model_dump(by_alias=True)
    data.update({k: ([v.model_dump(by_alias=True) for v in val] if k == "values" else val) for k, val in update.items()})
    try:
        return Parameter.model_validate(data)
    except ValidationError as err:
        raise AssumptionError(_format_pydantic(rel, err) + " (after expanding country groups)") from None


def load_assumptions(folder: str | os.PathLike[str] | None = None) -> AssumptionSet:
    """Load every file under ``folder`` (default :func:`default_dir`), strictly. Cached per folder content."""
    root = Path(folder) if folder is not None else default_dir()
    if not root.is_dir():
        raise AssumptionError(f"{root}: no such assumptions folder; pass --assumptions DIR with a folder that has manifest.toml")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".toml", ".csv"))
    # Reading and hashing every file costs ~10 ms; a walk of names, sizes and times is far cheaper, so the
    # content hash is recomputed only when one of those changed.
    signature = tuple((p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns) for p in files for st in [p.stat()])
    content_hash = _HASHES.get((str(root.resolve()), signature))
    if content_hash is None:
        digest = hashlib.sha256()
        for p in files:
            digest.update(p.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(p.read_bytes())
            digest.update(b"\0")
        content_hash = digest.hexdigest()
        if len(_HASHES) > 64:
            _HASHES.clear()
        _HASHES[(str(root.resolve()), signature)] = content_hash
    return _load_cached(str(root.resolve()), content_hash)


_HASHES: dict[tuple[str, tuple], str] = {}


@functools.lru_cache(maxsize=8)
def _load_cached(root_str: str, content_hash: str) -> AssumptionSet:
    root = Path(root_str)
    parsed: dict[str, Any] = {}
    manifest: Manifest | None = None
    raw_params: dict[str, tuple[Parameter, str]] = {}
    postal: dict[str, PostalRegime] = {}
    headers: dict[str, tuple[TableHeader, Path, str]] = {}
    groups: dict[str, list[str]] = {}
    scenarios: dict[str, Scenario] = {}
    events: dict[str, PendingEvent] = {}
    for path in sorted(root.rglob("*.toml")):
        rel = path.relative_to(root).as_posix()
        pid = rel[: -len(".toml")]
        data = _parse_toml(path, rel)
        kind = data.get("kind")
        if kind not in KINDS:
            raise AssumptionError(f"{rel}: kind = {kind!r}; expected one of {', '.join(KINDS)}")
        if kind not in ("manifest", "scenario"):
            data = {**data, "id": pid}
        try:
            obj = KINDS[kind].model_validate(data)
        except ValidationError as err:
            raise AssumptionError(_format_pydantic(rel, err)) from None
        parsed[rel] = obj
        if isinstance(obj, Manifest):
            manifest = obj
        elif isinstance(obj, Parameter):
            raw_params[pid] = (obj, rel)
        elif isinstance(obj, PostalRegime):
            postal[pid] = obj
        elif isinstance(obj, TableHeader):
            headers[pid] = (obj, path.parent, rel)
        elif isinstance(obj, Groups):
            for name, members in obj.groups.items():
                groups[name] = list(members)
        elif isinstance(obj, Scenario):
            if obj.name in scenarios:
                raise AssumptionError(f"{rel}: scenario name {obj.name!r} is used twice")
            if path.stem != obj.name:
                raise AssumptionError(f"{rel}: name = {obj.name!r} must match the file name {path.stem!r}")
            scenarios[obj.name] = obj
        elif isinstance(obj, PendingEvent):
            if obj.name in events:
                raise AssumptionError(f"{rel}: event name {obj.name!r} is used twice")
            events[obj.name] = obj
    if manifest is None:
        raise AssumptionError(f"{root}: manifest.toml is missing; every assumptions folder names its version there")
    params = {pid: _expand_groups(p, groups, rel) for pid, (p, rel) in raw_params.items()}
    frames = _load_tables(headers, content_hash)
    tables = {tid: Table(h, frames[tid]) for tid, (h, _, _) in headers.items()}
    aset = AssumptionSet(
        root=str(root),
        manifest=manifest,
        params=params,
        postal=postal,
        tables=tables,
        groups=groups,
        scenarios=scenarios,
        content_hash=content_hash,
        events=events,
    )
    _check_references(aset)
    return aset


def cache_dir() -> Path:
    """Where compiled forms are kept between runs: ``$COSTIMPACT_CACHE``, else ``$XDG_CACHE_HOME/costimpact``,
    else ``~/.cache/costimpact`` (outside the repository; safe to delete)."""
    env = os.environ.get("COSTIMPACT_CACHE")
    root = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "costimpact"
    # pickled frames are only read back by the versions that wrote them (pandas 2 and 3 can share one home)
    return root / f"py{sys.version_info[0]}{sys.version_info[1]}-pandas{pd.__version__}-numpy{np.__version__}"


_CODE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def _load_tables(headers: dict[str, tuple[TableHeader, Path, str]], content_hash: str) -> dict[str, pd.DataFrame]:
    """Every table, strictly checked; the checked frames are kept per content hash (and this module's code) in
    :func:`cache_dir`, so a cold start reads one pickle instead of parsing the 11,000-line schedule again."""
    path = cache_dir() / f"tables-{content_hash[:40]}-{_CODE_HASH}.pkl"
    return pickle_cache(
        path,
        lambda: {tid: _load_table(h, folder, rel) for tid, (h, folder, rel) in headers.items()},
        lambda frames: isinstance(frames, dict) and set(frames) == set(headers),
    )


def pickle_cache(path: Path, build, valid):  # noqa: ANN001, ANN201
    """``build()``'s result, kept as a pickle at ``path``: read back when ``valid`` accepts it (a stale or broken
    file is rebuilt, never trusted), written atomically; a read-only home still works, only slower."""
    if path.is_file():
        try:
            with path.open("rb") as fh:
                value = pickle.load(fh)
            if valid(value):
                return value
        except Exception:  # noqa: BLE001 - any unreadable cache file is rebuilt
            pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, path)
    except OSError:
        pass
    return value


def _check_references(aset: AssumptionSet) -> None:
    """Names that point elsewhere (a layer's exclusions, a scenario's overrides) must exist."""
    layer_names = {p.id.rsplit("/", 1)[-1] for p in aset.layers()}
    for p in aset.layers():
        for other in p.excludes:
            if other not in layer_names:
                raise AssumptionError(f"{p.id}.toml: excludes = {other!r}, which is not a layer ({', '.join(sorted(layer_names))})")
        flag = p.claimable_exclusion
        if flag is not None and (flag not in aset.params or aset.params[flag].unit != "flag" or aset.params[flag].key):
            raise AssumptionError(f"{p.id}.toml: claimable_exclusion = {flag!r} must name a flag parameter without keys")
    for regime in aset.postal.values():
        for i, period in enumerate(regime.periods):
            for layer in period.layers:
                if layer not in layer_names:
                    raise AssumptionError(f"{regime.id}.toml: periods[{i}].layers names {layer!r}, which is not a layer")
    for s in aset.scenarios.values():
        for i, o in enumerate(s.overrides):
            if o.param not in aset.params:
                raise AssumptionError(f"scenarios/{s.name}.toml: overrides[{i}].param = {o.param!r} is not a parameter")
        for layer in s.disable_layers:
            if layer not in layer_names:
                raise AssumptionError(f"scenarios/{s.name}.toml: disable_layers names {layer!r}, which is not a layer")
    for e in aset.events.values():
        for field in ("overrides", "if_not"):
            for i, o in enumerate(getattr(e, field)):
                if o.param not in aset.params:
                    raise AssumptionError(f"{e.id}.toml: {field}[{i}].param = {o.param!r} is not a parameter")
                param = aset.params[o.param]
                keys = {v.key for v in param.values} | {"*"}
                unknown = [k for k in o.keys if k not in keys and param.key != "origin"]
                if unknown:  # an override of a key nobody prices would silently change nothing
                    raise AssumptionError(f"{e.id}.toml: {field}[{i}].keys {unknown} are not keys of {o.param} ({', '.join(sorted(keys))})")
        for layer in e.disable_layers:
            if layer not in layer_names:
                raise AssumptionError(f"{e.id}.toml: disable_layers names {layer!r}, which is not a layer")


def scenario_toml(scenario: Scenario) -> str:
    """A scenario as the TOML file that :func:`load_scenario_text` (and the built-in folder) reads back."""
    data = scenario.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    data = {"kind": "scenario", "name": scenario.name, **data}
    return tomli_w.dumps(data)


def load_scenario_text(text: str, name_hint: str = "uploaded scenario") -> Scenario:
    """Parse a user's scenario file (TOML text), with the same strictness as the built-in ones."""
    try:
        data = tomllib.load(io.BytesIO(text.encode("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise AssumptionError(f"{name_hint}: not valid TOML ({exc})") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise AssumptionError(_format_pydantic(name_hint, err)) from None
