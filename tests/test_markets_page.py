"""The "Where to sell / 哪里卖" page under AppTest, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGE = "src/costimpact/ui/app_pages/markets.py"


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("lang", "title", "uk"), [("zh", "哪里卖", "英国"), ("en", "Where to sell", "United Kingdom")])
def test_markets_side_by_side_in_both_languages(lang, title, uk):
    at = _open(lang)
    assert title in at.title[0].value
    table = at.dataframe[0].value
    assert len(table) == 6 and uk in set(table.iloc[:, 0])
    picker = next(m for m in at.multiselect if (m.key or "").startswith("mk_markets"))
    picker.set_value(["US", "GB"]).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 2
