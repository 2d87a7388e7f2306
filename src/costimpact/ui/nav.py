"""The app frame: language switch in the sidebar, the page list for st.navigation."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from costimpact.i18n import LANGS
from costimpact.ui import data
from costimpact.ui.widgets import render_error
from costimpact.ui.state import LANG_KEY, carry_choices, init_lang, lang, tr

LANG_NAMES = {"zh": "简体中文", "en": "English"}
PAGES_DIR = Path(__file__).with_name("app_pages")  # one small script per page, so AppTest can switch to it
#: Set (to anything but "" or "0") to let an unexpected exception out of a page: the tests and the browser test
#: run so, where Streamlit then shows it (``AppTest.exception``, the exception box). Sellers never set it.
RAISE_ENV = "COSTIMPACT_UI_RAISE"


def _page(script: str, **kw: object) -> st.Page:
    return st.Page(PAGES_DIR / f"{script}.py", **kw)


def run_page(render) -> None:  # noqa: ANN001
    """Run a page; anything unexpected becomes one friendly line, never a Streamlit exception box (unless
    :data:`RAISE_ENV` is set, so that a test sees the exception instead of a line it cannot tell from a message)."""
    try:
        render()
    except ScriptControlException:
        raise  # st.rerun / st.stop
    except Exception as err:  # noqa: BLE001 - the last guard before the user
        if os.environ.get(RAISE_ENV, "") not in ("", "0"):
            raise
        render_error(err)


def _external(module: str) -> None:
    """A page with its own ``render(lang)`` (decisions, compute)."""
    importlib.import_module(f"costimpact.ui.pages.{module}").render(lang())


def page_compute() -> None:
    _external("compute")


def page_decisions() -> None:
    _external("decisions")


def _lang_to_url() -> None:
    st.query_params[LANG_KEY] = st.session_state[LANG_KEY]
    carry_choices(st.session_state[LANG_KEY])


def render_sidebar() -> str:
    """Language switch (kept in the URL as ?lang=) and the assumption-set line. Returns the language."""
    init_lang()
    with st.sidebar:
        st.radio("语言 / Language", LANGS, format_func=LANG_NAMES.get, key=LANG_KEY, horizontal=True, on_change=_lang_to_url)
    lg = lang()
    if st.query_params.get(LANG_KEY) != lg:
        st.query_params[LANG_KEY] = lg
    with st.sidebar:
        aset = data.assumption_set()
        st.caption(tr("nav.assumptions_line", version=aset.version, hash=aset.short_hash))
        st.caption(tr("nav.disclaimer"))
    return lg


def pages() -> dict[str, list]:
    """The navigation, grouped; titles in the current language, URL paths fixed."""
    return {
        tr("nav.section_trade"): [
            _page("orders", title=tr("nav.orders"), icon=":material/inventory_2:", url_path="orders", default=True),
            _page("quick", title=tr("nav.quick"), icon=":material/calculate:", url_path="quick"),
            _page("scenarios", title=tr("nav.scenarios"), icon=":material/compare_arrows:", url_path="scenarios"),
            _page("timeline", title=tr("nav.timeline"), icon=":material/timeline:", url_path="timeline"),
            _page("outlook", title=tr("nav.outlook"), icon=":material/insights:", url_path="outlook"),
            _page("assumptions_page", title=tr("nav.assumptions"), icon=":material/menu_book:", url_path="assumptions"),
        ],
        tr("nav.section_more"): [
            _page("decisions", title=tr("nav.decisions"), icon=":material/explore:", url_path="decisions"),
            _page("compute", title=tr("nav.compute"), icon=":material/memory:", url_path="compute"),
        ],
    }
