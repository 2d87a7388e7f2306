"""The search in the app: the quick estimate's product picker and the codes offered beside rejected lines."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = "src/costimpact/ui/app_pages/"


def _open(page: str | None, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    if page:
        at.switch_page(PAGES + page + ".py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _by_key(elements, key: str):  # noqa: ANN001, ANN202
    for e in elements:
        if e.key == key or (e.key or "").rpartition("@")[0] == key:
            return e
    raise AssertionError(f"no widget with key {key!r}")


def test_quick_estimate_finds_bluetooth_earbuds():
    at = _open("quick", "zh")
    _by_key(at.text_input, "q_hts_query").set_value("蓝牙耳机").run()
    assert not at.exception
    picks = _by_key(at.selectbox, "q_hts_pick")
    assert picks.options[0].startswith("85183020")
    assert "蓝牙耳机" in picks.options[0]


def test_orders_page_suggests_codes_beside_a_line_rejected_for_its_code():
    at = _open(None, "en")
    orders = (
        "order_id,hts_code,origin_country,unit_value,quantity,description\n"
        "A1,61091000,CN,8,2,cotton tee\n"
        "A2,8517629400,CN,20,1,蓝牙耳机 无线\n"  # China's code for wireless earbuds: not a US line
        "A3,6109.1,CN,8,1,tee\n"  # not a code at all
    )
    at.file_uploader[0].set_value(("mine.csv", orders.encode("utf-8"), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [df.value for df in at.dataframe if "Suggested codes" in df.value.columns]
    assert frames, "no rejects table with suggestions"
    rej = frames[0].set_index(frames[0].columns[0])  # by row number
    assert "8518.30.20" in rej.loc[3, "Suggested codes"]
    assert "6109." in rej.loc[4, "Suggested codes"]
