"""The compute page renders in both languages, a slider changes a shown number, and the Excel export reloads
with the expected sheets and no formula cells."""

from __future__ import annotations

import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from costimpact.compute import example_text, load_compute_scenario, price_routes_detail
from costimpact.report.compute_workbook import SHEETS, write_compute_workbook
from test_compute_support import caset, compute_dir  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _exceptions_reach_the_test(monkeypatch):
    monkeypatch.setenv("COSTIMPACT_UI_RAISE", "1")  # costimpact.ui.nav.RAISE_ENV: the page guard re-raises


def _page_en():
    from costimpact.ui import nav
    from costimpact.ui.pages.compute import render

    nav.run_page(lambda: render("en"))  # the app's guard, which re-raises under RAISE_ENV


def _page_zh():
    from costimpact.ui import nav
    from costimpact.ui.pages.compute import render

    nav.run_page(lambda: render("zh"))  # the app's guard, which re-raises under RAISE_ENV


@pytest.fixture
def env(compute_dir, monkeypatch):
    monkeypatch.setenv("COSTIMPACT_ASSUMPTIONS", str(compute_dir))


@pytest.mark.parametrize("page", [_page_en, _page_zh])
def test_page_renders_without_exception(env, page):
    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.metric) >= 1
    assert at.warning  # the us_api route's reason
    assert any("us_api" in w.value for w in at.warning)


def test_zh_page_is_in_chinese(env):
    at = AppTest.from_function(_page_zh, default_timeout=60).run()
    assert "风险调整后最便宜的路线" in at.metric[0].label
    assert "美国前沿模型 API" in at.warning[0].value


def test_slider_changes_the_shown_number(env):
    at = AppTest.from_function(_page_en, default_timeout=60).run()
    before = at.metric[0].value
    key = next(s.key for s in at.slider if s.key.startswith("compute_cod_"))
    at.slider(key=key).set_value(500_000).run()
    assert not at.exception
    assert at.metric[0].value != before
    # the hazard of the hyperscaler route moves its risk-adjusted cost too
    hkey = next(s.key for s in at.slider if s.key.startswith("compute_h_") and s.key.endswith("hyperscaler_my"))
    shown = at.metric[0].value
    at.slider(key=hkey).set_value(3.0).run()
    assert at.metric[0].value != shown


def test_unverified_defaults_are_marked(env):
    at = AppTest.from_function(_page_en, default_timeout=60).run()
    assert any("unverified defaults used" in m.value for m in at.markdown)


def test_excel_export_reloads_without_formulas(caset):
    res = price_routes_detail(load_compute_scenario(example_text()), caset)
    for lang in ("en", "zh"):
        wb = openpyxl.load_workbook(io.BytesIO(write_compute_workbook(res, lang, caset)))
        assert tuple(wb.sheetnames) == SHEETS
        for ws in wb:
            assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title
        routes = wb["Routes"]
        keys = [c.value for c in routes[2]]
        assert keys[:3] == ["route_id", "available", "reason"]
        ids = [routes.cell(row=r, column=1).value for r in range(4, 4 + 5)]
        assert ids == ["h200_licensed", "ascend", "hyperscaler_my", "operator_my", "us_api"]
        col = keys.index("cost_usd") + 1
        assert routes.cell(row=4, column=col).value == pytest.approx(res.routes.iloc[0]["cost_usd"])
        assert routes.cell(row=8, column=col).value is None  # us_api: no price
        inputs = wb["Inputs"]
        header = [c.value for c in inputs[1]]
        assert {"source", "evidence", "grade", "assumption_id"} <= set(header)
        grades = {inputs.cell(row=r, column=header.index("grade") + 1).value for r in range(2, inputs.max_row + 1)}
        assert "U" in grades


def test_reasons_show_their_date_and_source(env):
    # issue 14: an unavailable route shows the rule's date and source, not only a sentence
    at = AppTest.from_function(_page_en, default_timeout=60).run()
    api = next(w.value for w in at.warning if "us_api" in w.value)
    assert "date: 2024-07-09" in api and "deeplearning.ai" in api


def test_excel_routes_sheet_carries_reason_date_and_source(caset):
    res = price_routes_detail(load_compute_scenario(example_text()), caset)
    routes = openpyxl.load_workbook(io.BytesIO(write_compute_workbook(res, "en", caset)))["Routes"]
    keys = [c.value for c in routes[2]]
    row = 8  # us_api is the fifth route (data starts on row 4)
    assert routes.cell(row=row, column=keys.index("reason_date") + 1).value == "2024-07-09"
    assert "deeplearning.ai" in routes.cell(row=row, column=keys.index("reason_source") + 1).value
