"""Session state shared by the pages: the language (kept in the URL), the order file, the chosen scenarios.

All of it is per session: nothing here lives at module level, so two sellers on one server never see each other's
language, file or choices. The order file is kept with its content hash, the key of every cached view.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from costimpact.i18n import DEFAULT_LANG, LANGS, t

LANG_KEY = "lang"
ORDERS_KEY = "orders_file"  # (bytes, file name, sha-256) of an uploaded file; absent = the built-in sample
MAPPING_KEY = "orders_mapping"  # {header: canonical} chosen in the mapping step, per file content (sha-256)
IMPORTED_KEY = "orders_imported"  # {basket key: ImportResult}: the file read, this session only
PRICED_KEY = "orders_priced"  # {(basket key, scenario, date, assumptions): PricedResult}: this session only
UPLOADER_GEN_KEY = "uploader_gen"  # bumped to empty the uploader when the seller goes back to the sample
SCENARIO_KEY = "scenario_key"
BASELINE_KEY = "baseline_key"
CUSTOM_KEY = "custom_scenario_json"  # the scenario built on the Scenarios page, as JSON
AS_OF_KEY = "as_of"

#: Joins a choice widget's key and the language its option labels are in (see :func:`lkey`).
LANG_SEP = "@"

DEFAULT_SCENARIO = "actual"
DEFAULT_BASELINE = "pre-2025"
CUSTOM_PREFIX = "custom:"


def init_lang() -> str:
    """The page language: from the URL (``?lang=en``) on first load, then from the sidebar switch."""
    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get(LANG_KEY, DEFAULT_LANG)
        st.session_state[LANG_KEY] = wanted if wanted in LANGS else DEFAULT_LANG
    lang = st.session_state[LANG_KEY]
    if st.query_params.get(LANG_KEY) != lang:
        st.query_params[LANG_KEY] = lang  # navigation drops query params; put it back every run
    return lang


#: The language a format function was drawn in (see :func:`labels`); unset during a script run.
_BOUND_LANG: contextvars.ContextVar[str | None] = contextvars.ContextVar("costimpact_lang", default=None)


def lang() -> str:
    """The session's language. Outside a script run (AppTest formats widget values so) only a format function made
    by :func:`labels` knows it; anything else gets the default. No module state: sessions never share a language."""
    bound = _BOUND_LANG.get()
    if bound is not None:
        return bound
    if get_script_run_ctx() is None:
        return DEFAULT_LANG
    return st.session_state.get(LANG_KEY, DEFAULT_LANG)


def labels(fmt: Callable[[object], str]) -> Callable[[object], str]:
    """A widget's ``format_func`` that keeps the language of the run that drew the widget, whoever calls it later."""
    drawn_in = lang()

    def call(value: object) -> str:
        token = _BOUND_LANG.set(drawn_in)
        try:
            return fmt(value)
        finally:
            _BOUND_LANG.reset(token)

    return call


def tr(key: str, **fmt: object) -> str:
    """The UI message ``ui.<key>`` in the current language."""
    return t(f"ui.{key}", lang(), **fmt)


def orders_source() -> tuple[bytes | None, str, str]:
    """(bytes, file name, sha-256) of the uploaded order file, or (None, "", "") for the built-in sample."""
    got = st.session_state.get(ORDERS_KEY)
    return got if got else (None, "", "")


def set_orders(raw: bytes, name: str) -> None:
    """Keep an uploaded file for every page, with its content hash (computed once here, never per rerun)."""
    st.session_state[ORDERS_KEY] = (raw, name, hashlib.sha256(raw).hexdigest())


def mapping_json(digest: str) -> str:
    """The column mapping chosen for the file with this content hash, as canonical JSON ("" when none)."""
    m = st.session_state.get(MAPPING_KEY, {}).get(digest)
    return json.dumps(m, sort_keys=True, ensure_ascii=False) if m else ""


def set_mapping(digest: str, mapping: dict[str, str]) -> None:
    maps = dict(st.session_state.get(MAPPING_KEY, {}))
    maps[digest] = mapping
    st.session_state[MAPPING_KEY] = maps


def as_of() -> dt.date:
    return st.session_state.get(AS_OF_KEY) or dt.date.today()


def scenario_key() -> str:
    return st.session_state.get(SCENARIO_KEY, DEFAULT_SCENARIO)


def baseline_key() -> str:
    return st.session_state.get(BASELINE_KEY, DEFAULT_BASELINE)


def custom_scenario_json() -> str:
    return st.session_state.get(CUSTOM_KEY, "")


def lkey(base: str) -> str:
    """The key of a choice widget whose option labels are translated (``base@zh``, ``base@en``).

    Streamlit keeps a keyed widget across reruns, and the browser would go on showing the labels it was first
    drawn with: after a language switch a seller would read English choices on a Chinese page. A key per
    language makes the switch draw the widget afresh; :func:`carry_choices` hands it the choice made before.
    """
    return f"{base}{LANG_SEP}{lang()}"


def carry_choices(new_lang: str) -> None:
    """On a language switch (a callback, before the page runs): every choice made in a widget keyed for another
    language becomes the value of the same widget in ``new_lang``. Values are option codes, never labels."""
    for key in list(st.session_state):
        if not isinstance(key, str) or LANG_SEP not in key:
            continue
        base, _, lg = key.rpartition(LANG_SEP)
        if lg == new_lang or lg not in LANGS:
            continue
        value = st.session_state[key]
        del st.session_state[key]
        st.session_state[f"{base}{LANG_SEP}{new_lang}"] = value
