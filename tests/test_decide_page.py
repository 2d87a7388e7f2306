"""The Decisions page renders in both languages on the sample orders (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _app_en() -> None:
    from costimpact.ui.pages.decisions import render

    render("en")


def _app_zh() -> None:
    from costimpact.ui.pages.decisions import render

    render("zh")


@pytest.mark.parametrize("app", [_app_en, _app_zh])
def test_page_renders(app) -> None:  # noqa: ANN001
    at = AppTest.from_function(app, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert len(at.tabs) == 3
    assert at.metric, "the fulfilment metrics are shown"
    assert not at.error, [e.value for e in at.error]
