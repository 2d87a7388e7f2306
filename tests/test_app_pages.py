"""Every page of the Streamlit app under AppTest: it renders without an exception, and one interaction per page
moves a shown number the way it should; the basket is the file's content (not its name) on every page, and one
session's state never leaks into another's.

Every test here runs with ``COSTIMPACT_UI_RAISE`` set, so an exception a page would turn into a friendly line
reaches ``at.exception`` and fails the test.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import pickle
import re
import threading
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

RAISE_ENV = "COSTIMPACT_UI_RAISE"  # costimpact.ui.nav.RAISE_ENV

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = "src/costimpact/ui/app_pages/"
SAMPLE = ROOT / "src" / "costimpact" / "data" / "sample_orders.csv"


@pytest.fixture(autouse=True)
def _exceptions_reach_the_test(monkeypatch):
    monkeypatch.setenv(RAISE_ENV, "1")


def _open(page: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    if page:
        at.switch_page(PAGES + page + ".py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; metrics: {[m.label for m in at.metric]}")


def _usd(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def _pct(text: str) -> float:
    return float(text.replace("%", "").replace("+", ""))


def _by_key(elements, key: str):  # noqa: ANN001, ANN202
    """The widget keyed ``key``, or ``key@<language>`` for choices whose labels are translated."""
    for e in elements:
        if e.key == key or (e.key or "").rpartition("@")[0] == key:
            return e
    raise AssertionError(f"no widget with key {key!r}")


# ---- every page renders, in both languages --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", [None, "quick", "scenarios", "timeline", "assumptions_page", "decisions", "compute"])
def test_page_renders(page, lang):
    at = _open(page, lang)
    assert not at.error, [e.value for e in at.error]
    assert at.query_params["lang"] == [lang] or at.query_params["lang"] == lang


def test_default_language_is_chinese_and_switch_keeps_it_in_the_url():
    at = _open()
    assert at.title[0].value.startswith("我的订单")
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value.startswith("My orders")
    assert "en" in str(at.query_params["lang"])


# ---- My orders: first open on the sample, baseline switch, upload, mapping, bad file --------------------------


def test_orders_first_open_shows_before_now_and_channels():
    at = _open(lang="en")
    before, now = _usd(_metric(at, "Landed cost before")), _usd(_metric(at, "Landed cost now"))
    assert now > before > 0
    assert _pct(_metric(at, "Change %")) == pytest.approx((now - before) / before * 100, abs=0.06)
    text = " ".join(m.value for m in at.markdown)
    read, priced, rejected = (int(x.replace(",", "")) for x in re.search(r"Rows read ([\d,]+)\] = :green-badge\[Priced ([\d,]+)\] \+ :\w+-badge\[Rejected ([\d,]+)", text).groups())
    assert read == priced + rejected
    assert any("Channel" in df.value.columns for df in at.dataframe)


def test_orders_switching_the_baseline_changes_the_delta():
    at = _open(lang="en")
    before = _usd(_metric(at, "Landed cost before"))
    change = _metric(at, "Change %")
    _by_key(at.selectbox, "orders_base").set_value("no-ieepa").run()
    assert not at.exception
    assert _usd(_metric(at, "Landed cost before")) > before  # no-ieepa still has the 2025-26 de minimis end
    assert _metric(at, "Change %") != change


def test_orders_upload_and_mapping_step():
    at = _open(lang="en")
    text = SAMPLE.read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    cols = header.split(",")
    renamed = ["Col " + c if c in ("hts_code", "unit_value") else c for c in cols]
    odd = "\n".join([",".join(renamed), *rows]) + "\n"
    at.file_uploader[0].set_value(("odd.csv", odd.encode("utf-8"), "text/csv")).run()
    assert not at.exception
    assert any("no column for" in e.value for e in at.error)
    _by_key(at.selectbox, "map_hts_code").set_value("Col hts_code")
    _by_key(at.selectbox, "map_unit_value").set_value("Col unit_value")
    at.button[[b.label for b in at.button].index("Read the file with this mapping")].click().run()
    assert not at.exception
    assert _usd(_metric(at, "Landed cost now")) > 0


def test_orders_bad_file_is_a_friendly_message():
    at = _open(lang="en")
    at.file_uploader[0].set_value(("orders.csv", b"\x00\x01\x02\x03binary\xff\xfe" * 50, "text/csv")).run()
    assert not at.exception
    assert at.error and "orders.csv" in at.error[0].value


# ---- Quick estimate -------------------------------------------------------------------------------------------


def test_quick_origin_cn_to_vn_changes_the_duty():
    at = _open("quick", "en")
    _by_key(at.date_input, "q_date").set_value(dt.date(2025, 9, 1)).run()
    _by_key(at.selectbox, "q_mode").set_value("express").run()
    _by_key(at.selectbox, "q_origin").set_value("CN").run()
    cn = _usd(_metric(at, "Duty now"))
    _by_key(at.selectbox, "q_origin").set_value("VN").run()
    vn = _usd(_metric(at, "Duty now"))
    assert not at.exception
    assert cn > 0 and vn > 0 and cn != vn


def test_quick_claimed_301_exclusion_lowers_the_duty_while_it_holds():
    at = _open("quick", "en")
    _by_key(at.date_input, "q_date").set_value(dt.date(2025, 9, 1)).run()
    _by_key(at.selectbox, "q_mode").set_value("express").run()
    plain = _usd(_metric(at, "Duty now"))
    _by_key(at.checkbox, "q_excl").check().run()
    assert not at.exception
    claimed = _usd(_metric(at, "Duty now"))
    assert 0 < claimed < plain
    _by_key(at.date_input, "q_date").set_value(dt.date(2026, 11, 20)).run()
    lapsed = _usd(_metric(at, "Duty now"))
    _by_key(at.checkbox, "q_excl").uncheck().run()
    assert _usd(_metric(at, "Duty now")) == lapsed  # after 2026-11-10 the claim no longer counts


def test_quick_hts_search_by_chinese_words():
    at = _open("quick", "zh")
    _by_key(at.text_input, "q_hts_query").set_value("针织").run()
    assert not at.exception
    assert len(_by_key(at.selectbox, "q_hts_pick").options) >= 1


# ---- Scenarios ------------------------------------------------------------------------------------------------


def test_scenarios_choosing_china_escalation_raises_the_landed_cost():
    at = _open("scenarios", "en")
    actual = _usd(_metric(at, "Landed cost, scenario"))
    _by_key(at.selectbox, "scen_scen").set_value("china-escalation").run()
    assert not at.exception
    assert _usd(_metric(at, "Landed cost, scenario")) > actual


# ---- Policy timeline ------------------------------------------------------------------------------------------


def test_timeline_no_ieepa_lowers_the_peak():
    at = _open("timeline", "en")
    peaks = [_usd(m.value) for m in at.metric]
    _by_key(at.selectbox, "time_scen").set_value("no-ieepa").run()
    assert not at.exception
    lower = [_usd(m.value) for m in at.metric]
    assert sum(lower) < sum(peaks)


# ---- Assumptions ----------------------------------------------------------------------------------------------


def test_assumptions_filter_by_grade_and_version_shown():
    at = _open("assumptions_page", "en")
    assert _metric(at, "Assumption set")
    assert re.fullmatch(r"[0-9a-f]{12}", _metric(at, "Content hash"))
    caption = next(c.value for c in at.caption if "periods shown" in c.value)
    all_n = int(re.search(r"(\d+) periods", caption).group(1))
    _by_key(at.multiselect, "asm_grades").set_value(["unverified"]).run()
    caption = next(c.value for c in at.caption if "periods shown" in c.value)
    assert 0 < int(re.search(r"(\d+) periods", caption).group(1)) < all_n


def test_language_switch_keeps_the_chosen_scenarios():
    at = _open(lang="en")
    _by_key(at.selectbox, "orders_base").set_value("no-ieepa").run()
    change = _metric(at, "Change %")
    at.sidebar.radio[0].set_value("zh").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _metric(at, "变化 %") == change
    at.sidebar.radio[0].set_value("en").run()
    assert not at.error
    assert _metric(at, "Change %") == change


def test_language_switch_keeps_every_choice_on_the_pages():
    """A seller who switches language mid-way keeps what they chose: products, modes, scenarios, filters."""
    at = _open("quick", "en")
    _by_key(at.text_input, "q_hts_query").set_value("bag").run()
    picks = _by_key(at.selectbox, "q_hts_pick")
    assert len(picks.options) > 1
    _by_key(at.selectbox, "q_hts_pick").set_value(1).run()
    _by_key(at.selectbox, "q_mode").set_value("express").run()
    _by_key(at.selectbox, "q_scenario").set_value("no-ieepa").run()
    _by_key(at.selectbox, "q_baseline").set_value("today").run()
    _by_key(at.number_input, "q_value").set_value(55.0).run()
    shown = [m.value for m in at.metric]
    at.sidebar.radio[0].set_value("zh").run()
    assert not at.exception and not at.error
    assert [_by_key(at.selectbox, k).value for k in ("q_hts_pick", "q_mode", "q_scenario", "q_baseline")] == \
        [1, "express", "no-ieepa", "today"]
    assert [m.value for m in at.metric] == shown

    at.switch_page(PAGES + "timeline.py").run()
    _by_key(at.selectbox, "time_scen").set_value("no-ieepa").run()
    _by_key(at.radio, "time_measure").set_value("fees_total_usd").run()
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert _by_key(at.selectbox, "time_scen").value == "no-ieepa"
    assert _by_key(at.radio, "time_measure").value == "fees_total_usd"

    at.switch_page(PAGES + "assumptions_page.py").run()
    _by_key(at.multiselect, "asm_grades").set_value(["unverified"]).run()
    _by_key(at.radio, "asm_when").set_value("on_date").run()
    at.sidebar.radio[0].set_value("zh").run()
    assert not at.exception
    assert _by_key(at.multiselect, "asm_grades").value == ["unverified"] and _by_key(at.radio, "asm_when").value == "on_date"


# ---- an exception is seen by the tests, a seller still gets one line ------------------------------------------


def _broken_band(lang):  # noqa: ANN001, ANN202, ARG001
    raise RuntimeError("band lookup broke")


def test_an_unexpected_exception_fails_the_test_run(monkeypatch):
    from costimpact.ui import data

    monkeypatch.setattr(data, "band", _broken_band)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "en"
    at.run()
    assert [e.value for e in at.exception] and "band lookup broke" in at.exception[0].value


def test_without_the_switch_a_seller_sees_one_line_not_a_traceback(monkeypatch):
    from costimpact.ui import data

    monkeypatch.setattr(data, "band", _broken_band)
    monkeypatch.delenv(RAISE_ENV)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert any("RuntimeError: band lookup broke" in e.value for e in at.error), [e.value for e in at.error]


# ---- the basket is the file's content: captions, report, mapping, every page ----------------------------------


def _sample_rows(n: int) -> bytes:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    return ("\n".join([header, *rows[:n]]) + "\n").encode("utf-8")


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]


def _rows_read(at: AppTest) -> int:
    text = " ".join(m.value for m in at.markdown)
    return int(re.search(r"Rows read ([\d,]+)\]", text).group(1).replace(",", ""))


def _report_lines(blob: bytes) -> int:
    """Order lines in the English report's Lines sheet: the rows that carry a file row number under "Row"."""
    rows = list(openpyxl.load_workbook(io.BytesIO(blob), read_only=True)["Lines"].iter_rows(values_only=True))
    assert rows[0][0] == "Row", rows[0]
    return sum(1 for r in rows[1:] if isinstance(r[0], int))


def _labels(at: AppTest, kind: str) -> list[str]:
    return [b.label for b in at.get(kind)]


def test_the_data_caption_names_the_file_just_uploaded():
    at = _open(lang="en")
    assert "sample_orders.csv" in at.expander[0].label
    _upload(at, "second.csv", _sample_rows(40))
    assert _rows_read(at) == 40
    assert "second.csv" in at.expander[0].label and "sample_orders.csv" not in at.expander[0].label
    assert any("second.csv" in c.value for c in at.caption)


def test_a_corrected_file_under_the_same_name_never_gets_the_old_report():
    at = _open(lang="en")
    _upload(at, "orders.csv", _sample_rows(100))
    first_now = _metric(at, "Landed cost now")
    at.button(key="report_build").click().run()
    assert "Download the Excel report" in _labels(at, "download_button")
    assert _report_lines(at.session_state["report_ready"][1]) == 100

    _upload(at, "orders.csv", _sample_rows(200))  # the corrected file: same name, more lines
    assert _rows_read(at) == 200 and _metric(at, "Landed cost now") != first_now
    assert "Download the Excel report" not in _labels(at, "download_button"), "the old file's report is still offered"
    at.button(key="report_build").click().run()
    assert not at.exception
    assert _report_lines(at.session_state["report_ready"][1]) == 200


def _odd_file() -> bytes:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    renamed = ["Col " + c if c in ("hts_code", "unit_value") else c for c in header.split(",")]
    return ("\n".join([",".join(renamed), *rows]) + "\n").encode("utf-8")


def _map_odd_file(at: AppTest) -> None:
    _upload(at, "odd.csv", _odd_file())
    _by_key(at.selectbox, "map_hts_code").set_value("Col hts_code")
    _by_key(at.selectbox, "map_unit_value").set_value("Col unit_value")
    at.button[[b.label for b in at.button].index("Read the file with this mapping")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_decisions_prices_the_file_the_orders_page_read_through_a_mapping():
    at = _open(lang="en")
    _map_odd_file(at)
    read = _rows_read(at)
    at.switch_page(PAGES + "decisions.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"odd.csv" in c.value and f"{read}" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.metric


def test_a_corrected_file_is_read_again_with_the_mapping_offered_as_before():
    """The mapping belongs to the file's content: a corrected file under the same name is read afresh (its own
    counts), the choices made for the first one preselected."""
    at = _open(lang="en")
    _map_odd_file(at)
    assert _rows_read(at) == 360
    header, *rows = _odd_file().decode("utf-8").splitlines()
    _upload(at, "odd.csv", ("\n".join([header, *rows[:120]]) + "\n").encode("utf-8"))
    assert _by_key(at.selectbox, "map_hts_code").value == "Col hts_code"
    assert _by_key(at.selectbox, "map_unit_value").value == "Col unit_value"
    at.button[[b.label for b in at.button].index("Read the file with this mapping")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _rows_read(at) == 120


def test_every_basket_page_works_on_the_uploaded_file():
    at = _open(lang="en")
    _upload(at, "orders.csv", _sample_rows(50))
    for page in ("scenarios", "timeline", "decisions"):
        at.switch_page(PAGES + page + ".py").run()
        assert not at.exception and not at.error, (page, [e.value for e in at.error])
        text = " ".join(c.value for c in at.caption)
        assert re.search(r"\b50 (order )?lines\b", text), (page, text)
        assert page == "timeline" or "orders.csv" in text, (page, text)  # the timeline names it in its chart


def test_back_to_sample_goes_back_to_the_sample():
    at = _open(lang="en")
    _upload(at, "orders.csv", _sample_rows(30))
    at.button(key="back_to_sample").click().run()
    assert not at.exception
    assert "sample_orders.csv" in at.expander[0].label and _rows_read(at) == 360


# ---- nothing one session does changes another: language, shared caches, the collector ----------------------------


def test_two_sessions_keep_their_own_language():
    english = _open(lang="en")
    chinese = _open(lang="zh")  # a second seller opens the app in Chinese while the first works on
    before = _usd(_metric(english, "Landed cost before"))
    _by_key(english.selectbox, "orders_base").set_value("no-ieepa").run()
    assert not english.exception and not english.error, [e.value for e in english.error]
    assert _by_key(english.selectbox, "orders_base").value == "no-ieepa"
    assert _usd(_metric(english, "Landed cost before")) > before
    assert chinese.title[0].value.startswith("我的订单")


def _frames(obj, seen=None):  # noqa: ANN001, ANN202
    """Every DataFrame inside a cached value (dicts, sequences, objects' attributes)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, pd.DataFrame):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _frames(v, seen)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _frames(v, seen)
    elif not isinstance(obj, (type, str, bytes)):
        attrs = dict(getattr(obj, "__dict__", {}))
        attrs.update({k: getattr(obj, k) for k in getattr(type(obj), "__slots__", ()) if hasattr(obj, k)})
        for v in attrs.values():
            yield from _frames(v, seen)


def test_the_cache_all_sessions_share_holds_no_order_lines():
    """Views only: a cached frame with one row per order line would be copied into every session's memory."""
    from streamlit.runtime.caching import cache_data_api

    import streamlit as st

    st.cache_data.clear()
    at = _open(lang="en")
    for page in ("scenarios", "timeline", "decisions"):
        at.switch_page(PAGES + page + ".py").run()
        assert not at.exception
    values = []
    for caches in cache_data_api._data_caches._function_caches.values():
        for cache in caches.values():
            values += [pickle.loads(entry) for entry in list(cache.storage._mem_cache.values())]
    assert len(values) > 5
    lines = [f for v in values for f in _frames(v) if {"order_id", "hts_code"} <= set(f.columns) and len(f)]
    assert not lines, [f.shape for f in lines]


def test_a_read_in_a_server_leaves_the_collector_on(monkeypatch):
    """The app's sessions run in threads: a read must not switch the cycle collector off for all of them."""
    from costimpact.orders import readers

    seen = []

    class Opened(Exception):
        pass

    def open_workbook(*_a):  # noqa: ANN002, ANN202
        seen.append(gc.isenabled())
        raise Opened

    monkeypatch.setattr(readers, "_open_workbook", open_workbook)
    other = threading.Event()
    session = threading.Thread(target=other.wait)  # another session's thread
    session.start()
    try:
        assert gc.isenabled()
        with pytest.raises(Opened):
            readers.read_xlsx_bytes(b"", "orders.xlsx")
    finally:
        other.set()
        session.join()
    assert seen == [True] and gc.isenabled()
