"""The product catalogue upload and the column-mapping memory of the orders page.

- The catalogue (CSV/XLSX by SKU) is a second upload. It travels to the import inside the basket's mapping key
  (``{"__catalogue__": sha256}``), so every cached result that depends on it is keyed on it.
- A column mapping made in the mapping step is remembered: saved to a local profile (``~/.costimpact/
  mappings.json``, or ``$COSTIMPACT_HOME``) and applied by itself the next time a file with the same headers
  comes in; it can also be downloaded as a small JSON file and uploaded again on another computer.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import streamlit as st

from costimpact.errors import CostImpactError
from costimpact.ui.state import MAPPING_KEY, lang, mapping_json, orders_source, set_mapping, tr
from costimpact.ui.widgets import render_error

CATALOGUE_KEY = "catalogue_file"  # (bytes, file name) of the uploaded catalogue
MARK = "__catalogue__"
MAPPING_FILE_KIND = "costimpact-column-mapping"


# ---- the catalogue --------------------------------------------------------------------------------------------


def _catalogue_source() -> tuple[bytes, str] | None:
    got = st.session_state.get(CATALOGUE_KEY)
    return (got[0], got[1]) if got else None


@st.cache_data(max_entries=4, show_spinner=False)
def _parsed(data: bytes, file_name: str):  # noqa: ANN202 - orders.catalogue.Catalogue
    from costimpact.orders.catalogue import read_catalogue

    return read_catalogue(data, file_name)


def with_catalogue(mapping: str) -> str:
    """The basket's mapping key, with the uploaded catalogue's fingerprint when one is loaded."""
    src = _catalogue_source()
    if src is None:
        return mapping
    m = json.loads(mapping) if mapping else {}
    m[MARK] = hashlib.sha256(src[0]).hexdigest()
    return json.dumps(m, sort_keys=True, ensure_ascii=False)


def take(mapping: dict | None):  # noqa: ANN201 - (mapping without the mark, Catalogue or None)
    """Split the catalogue mark off a mapping and give the parsed catalogue it names."""
    if not mapping or MARK not in mapping:
        return mapping, None
    mapping = dict(mapping)
    digest = mapping.pop(MARK)
    src = _catalogue_source()
    if src is None or hashlib.sha256(src[0]).hexdigest() != digest:
        return mapping or None, None
    return mapping or None, _parsed(*src)


def render_catalogue_upload() -> None:
    """The second upload: a product catalogue joined to the orders by SKU."""
    up = st.file_uploader(tr("catalogue.upload"), type=["csv", "xlsx"], key="catalogue_uploader", help=tr("catalogue.upload_help"))
    if up is not None:
        st.session_state[CATALOGUE_KEY] = (up.getvalue(), up.name)
    src = _catalogue_source()
    if src is None:
        st.caption(tr("catalogue.none"))
        return
    try:
        cat = _parsed(*src)
    except CostImpactError as err:
        render_error(err)
        st.session_state.pop(CATALOGUE_KEY, None)
        return
    c1, c2 = st.columns([3, 1])
    c1.caption(tr("catalogue.using", file=src[1], skus=len(cat.table), problems=len(cat.problems)))
    if c2.button(tr("catalogue.remove"), key="catalogue_remove"):
        st.session_state.pop(CATALOGUE_KEY, None)
        st.rerun()
    if len(cat.problems):
        zh = lang() == "zh"
        with st.expander(tr("catalogue.problems", n=len(cat.problems)), icon=":material/warning:"):
            st.dataframe(cat.problems.assign(problem=cat.problems["problem_zh" if zh else "problem"])[["catalogue_row", "sku", "column", "value", "problem"]]
                         .rename(columns={"catalogue_row": tr("col.row"), "column": tr("col.column"), "value": tr("col.value"), "problem": tr("col.problem")}),
                         hide_index=True, width="stretch")


def render_import_note(imported) -> None:  # noqa: ANN001 - orders.ImportResult
    """Which export was recognised, the cancelled orders skipped, and where the customs value came from."""
    label = getattr(imported, "preset_label", None)
    if label:
        st.caption(tr("catalogue.recognised", export=label[1] if lang() == "zh" else label[0]))
    skipped = getattr(imported, "skipped", None)
    if skipped is not None and len(skipped):
        zh = lang() == "zh"
        with st.expander(tr("catalogue.skipped", n=len(skipped)), icon=":material/block:"):
            st.dataframe(skipped.assign(reason=skipped["reason_zh" if zh else "reason"])[["row_number", "order_id", "reason"]]
                         .rename(columns={"row_number": tr("col.row"), "order_id": tr("catalogue.order"), "reason": tr("col.problem")}),
                         hide_index=True, width="stretch")
    lines = imported.lines
    from costimpact.orders.catalogue import SOURCE_COLUMN, SOURCE_DECLARED

    if SOURCE_COLUMN in lines:
        declared = int((lines[SOURCE_COLUMN] == SOURCE_DECLARED).sum())
        st.caption(tr("catalogue.value_source", declared=declared, price=len(lines) - declared))


# ---- mapping memory -------------------------------------------------------------------------------------------


def _profile_path() -> Path:
    return Path(os.environ.get("COSTIMPACT_HOME") or Path.home() / ".costimpact") / "mappings.json"


def _profile() -> list[dict[str, str]]:
    try:
        got = json.loads(_profile_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [m for m in got.get("mappings", []) if isinstance(m, dict)] if isinstance(got, dict) else []


def remember(mapping: dict[str, str]) -> None:
    """Keep a mapping in the local profile (newest first; the same mapping is kept once)."""
    profile = _profile()
    if not mapping or (profile and profile[0] == mapping):
        return
    kept = [mapping, *[m for m in profile if m != mapping]][:50]
    path = _profile_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"kind": MAPPING_FILE_KIND, "mappings": kept}, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError:
        pass  # a read-only home: the download button still keeps the mapping


def recall(digest: str, headers: list[str]) -> bool:
    """Apply the remembered mapping that fits these headers (all its headers present); True if one did.

    Only at the start of a visit (no mapping made in this session yet): within a session, a new file shows the
    mapping step with the session's choices preselected, so a seller can still change them."""
    if mapping_json(digest) or st.session_state.get(MAPPING_KEY):
        return False
    have = set(headers)
    fits = [m for m in _profile() if m and set(m) <= have]
    if not fits:
        return False
    set_mapping(digest, max(fits, key=len))
    return True


def mapping_file(mapping: dict[str, str]) -> bytes:
    return json.dumps({"kind": MAPPING_FILE_KIND, "mapping": mapping}, ensure_ascii=False, indent=1).encode("utf-8")


def parse_mapping_file(data: bytes) -> dict[str, str] | None:
    try:
        got = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    m = got.get("mapping") if isinstance(got, dict) and got.get("kind") == MAPPING_FILE_KIND else None
    if not isinstance(m, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in m.items()):
        return None
    return m


def render_mapping_memory() -> None:
    """Save the mapping of the current file (download, and the local profile) or load a saved one."""
    got, _name, digest = orders_source()
    if got is None:
        return
    current = st.session_state.get(MAPPING_KEY, {}).get(digest)
    c1, c2 = st.columns(2)
    if current:
        remember(current)
        c1.download_button(tr("catalogue.mapping_save"), data=mapping_file(current), file_name="costimpact-mapping.json",
                           mime="application/json", key="dl_mapping", icon=":material/download:", help=tr("catalogue.mapping_save_help"))
    up = c2.file_uploader(tr("catalogue.mapping_load"), type=["json"], key="mapping_uploader", help=tr("catalogue.mapping_load_help"))
    if up is not None:
        m = parse_mapping_file(up.getvalue())
        if m is None:
            st.warning(tr("catalogue.mapping_bad", file=up.name))
        elif m != current:
            set_mapping(digest, m)
            remember(m)
            st.rerun()

