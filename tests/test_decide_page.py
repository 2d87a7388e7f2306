"""The Decisions page renders in both languages on the sample orders (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture(autouse=True)
def _exceptions_reach_the_test(monkeypatch):
    monkeypatch.setenv("COSTIMPACT_UI_RAISE", "1")  # costimpact.ui.nav.RAISE_ENV: the page guard re-raises


def _app_en() -> None:
    from costimpact.ui import nav
    from costimpact.ui.pages.decisions import render

    nav.run_page(lambda: render("en"))  # the app's guard, which re-raises under RAISE_ENV


def _app_zh() -> None:
    from costimpact.ui import nav
    from costimpact.ui.pages.decisions import render

    nav.run_page(lambda: render("zh"))  # the app's guard, which re-raises under RAISE_ENV


@pytest.mark.parametrize("app", [_app_en, _app_zh])
def test_page_renders(app) -> None:  # noqa: ANN001
    at = AppTest.from_function(app, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert len(at.tabs) == 3
    assert at.metric, "the fulfilment metrics are shown"
    assert not at.error, [e.value for e in at.error]


def test_presets_keep_their_source_until_the_seller_changes_one() -> None:
    at = AppTest.from_function(_app_en, default_timeout=120)
    at.run()
    presets = next(d.value for d in at.dataframe if "Source" in d.value.columns)
    assert "your input" not in set(presets["Source"]), "unchanged presets must show the assumptions' sources"
    field = next(n for n in at.number_input if n.key.startswith("decide_pick_pack_usd_per_parcel"))
    field.set_value(field.value + 1.0).run()
    assert not at.exception
    presets = next(d.value for d in at.dataframe if "Source" in d.value.columns)
    changed = presets[presets["Source"] == "your input"]
    assert len(changed) == 1 and changed["Value"].iloc[0] == pytest.approx(field.value)
    assert (presets["Source"] != "your input").sum() == len(presets) - 1


def test_skus_that_never_break_even_say_so() -> None:
    at = AppTest.from_function(_app_en, default_timeout=120)
    at.run()
    bulk = next(r for r in at.radio if r.key and "decide_bulk" in r.key)
    bulk.set_value("air_freight").run()  # by air, most of the sample's SKUs alone never pay
    assert not at.exception
    per_sku = next(d.value for d in at.dataframe if "Break-even units a month" in d.value.columns)
    shown = per_sku["Break-even units a month"].astype(str)
    assert "None" not in set(shown) and "nan" not in set(shown)
    assert (shown == "never").any()
    # the warehouse-month caption names the shipments, the load and the entry type
    assert any("A warehouse month" in c.value for c in at.caption)


def test_opening_the_page_computes_only_the_model_shown(monkeypatch) -> None:  # noqa: ANN001
    """The tabs and the baseline comparison run when the seller opens them: opening the page prices the
    fulfilment model once (main priced all three models and the baseline's fulfilment too)."""
    from costimpact.ui import data

    calls: list[str] = []
    for name in ("fulfilment", "origins", "pricing"):
        real = getattr(data, name)
        monkeypatch.setattr(data, name, lambda *a, _f=real, _n=name, **k: calls.append(_n) or _f(*a, **k))
    at = AppTest.from_function(_app_en, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert calls == ["fulfilment"]
