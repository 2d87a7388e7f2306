"""The Outlook page under AppTest (exceptions reach the test): the basket's outlook, a probability slider that
moves the expected cost the right way, the channel switch and the tornado."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _exceptions_reach_the_test(monkeypatch):
    monkeypatch.setenv("COSTIMPACT_UI_RAISE", "1")  # costimpact.ui.nav.RAISE_ENV


def _usd(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("src/costimpact/ui/app_pages/outlook.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, starts: str) -> float:
    return _usd(next(m.value for m in at.metric if m.label.startswith(starts)))


def test_outlook_slider_moves_the_expected_cost_and_tornado_ranks():
    at = _open("en")
    assert not at.error, [e.value for e in at.error]
    before = _metric(at, "Expected on")
    now = _metric(at, "Now")
    assert before < now  # the sample pays the forced-labor 301 on most lines; its repeal may come
    # certain repeal of the forced-labor 301: the expected cost falls further
    next(s for s in at.slider if s.key == "outlook_p_flip-struck-down").set_value(100).run()
    assert not at.exception
    after = _metric(at, "Expected on")
    assert after < before
    refund = _metric(at, "Expected IEEPA refund")
    assert refund > 0
    at.toggle(key="outlook_tornado").set_value(True).run()
    assert not at.exception
    drivers = at.dataframe[-1].value
    assert len(drivers) > 3
    swings = drivers.iloc[:, 2].tolist()
    assert swings == sorted(swings, reverse=True)


def test_outlook_in_chinese():
    at = _open("zh")
    assert at.title[0].value.startswith("展望")
    assert any(m.label.startswith("现在") for m in at.metric)
