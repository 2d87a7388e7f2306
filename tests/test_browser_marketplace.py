"""The app in a real headless Chromium takes a marketplace export and a product catalogue, in both languages,
and remembers a column mapping so the second upload of the same file needs no clicks."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from test_browser import _no_exception, _settle, browser, page, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "examples" / "marketplace"
# the app's local mapping profile goes to a scratch folder, not the tester's home (the server inherits this)
os.environ.setdefault("COSTIMPACT_HOME", tempfile.mkdtemp(prefix="costimpact-home-"))


def _uploads(pg):  # noqa: ANN001, ANN202
    return pg.locator('[data-testid="stFileUploaderDropzoneInput"]')


def test_shopify_export_and_catalogue_in_both_languages(server, page) -> None:  # noqa: F811
    page.goto(f"{server}/?lang=zh")
    _settle(page)
    page.get_by_text("数据与情景").first.click()
    _uploads(page).nth(0).set_input_files(str(SAMPLES / "shopify_orders_export.csv"))
    page.get_by_text("正在使用：shopify_orders_export.csv").wait_for(timeout=60_000)
    _settle(page)
    _uploads(page).nth(1).set_input_files(str(SAMPLES / "catalogue.csv"))
    page.get_by_text("识别为：Shopify 订单导出").wait_for(timeout=60_000)
    _settle(page)
    _no_exception(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    got = re.search(r"读取行数\s*8\s*=\s*已计价\s*5\s*\+\s*被拒行\s*1\s*\+\s*跳过\s*2", text)
    assert got, text[:3000]
    assert "2 行取自商品表的申报价值，3 行取自订单行的价格" in text, text[:3000]

    page.locator('[data-testid="stSidebar"] label').filter(has_text="English").click()
    page.get_by_text("Recognised as: Shopify orders export").wait_for(timeout=60_000)
    _settle(page)
    _no_exception(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert re.search(r"Rows read\s*8\s*=\s*Priced\s*5\s*\+\s*Rejected\s*1\s*\+\s*skipped\s*2", text), text[:3000]
    assert "Customs value: 2 lines from the catalogue's declared value, 3 lines from the order file's own value" in text


def test_a_mapping_is_remembered_for_the_next_upload(server, page, tmp_path) -> None:  # noqa: F811
    # headers the importer does not know: the seller maps them once
    f = tmp_path / "my_orders.csv"
    f.write_text("Ref,Tariff,Made,Val\nA1,6109.10.00,CN,10\nA2,9503.00.00,VN,20\n", encoding="utf-8")
    page.goto(f"{server}/?lang=en")
    _settle(page)
    page.get_by_text("Data & scenarios").first.click()
    _uploads(page).nth(0).set_input_files(str(f))
    page.get_by_role("button", name="Read the file with this mapping").first.wait_for(timeout=60_000)
    for label, header in (("order_id", "Ref"), ("hts_code", "Tariff"), ("origin_country", "Made"), ("unit_value", "Val")):
        page.get_by_role("combobox", name=re.compile(rf"\({label}\)")).click()
        page.keyboard.type(header)
        page.get_by_role("option", name=header, exact=True).first.wait_for()
        page.keyboard.press("Enter")
    page.get_by_role("button", name="Read the file with this mapping").first.click()
    page.get_by_text(re.compile(r"Rows read")).first.wait_for(timeout=60_000)
    _settle(page)
    if not page.get_by_role("button", name="Save this column mapping").is_visible():
        page.get_by_text("Data & scenarios").first.click()  # the box closes when the page is redrawn
    page.get_by_role("button", name="Save this column mapping").wait_for(timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Save this column mapping").click()
    saved = Path(info.value.path()).read_text(encoding="utf-8")
    assert '"Tariff": "hts_code"' in saved

    # a new session (new browser context) with the same headers: read with no mapping clicks
    ctx = page.context.browser.new_context(viewport={"width": 1440, "height": 1000})
    pg2 = ctx.new_page()
    pg2.set_default_timeout(60_000)
    try:
        pg2.goto(f"{server}/?lang=en")
        _settle(pg2)
        pg2.get_by_text("Data & scenarios").first.click()
        f2 = tmp_path / "my_orders_march.csv"
        f2.write_text("Ref,Tariff,Made,Val\nB1,6109.10.00,CN,12\n", encoding="utf-8")
        _uploads(pg2).nth(0).set_input_files(str(f2))
        pg2.get_by_text("Using: my_orders_march.csv").wait_for(timeout=60_000)
        _settle(pg2)
        _no_exception(pg2)
        text = pg2.locator('[data-testid="stMain"]').inner_text()
        assert re.search(r"Rows read\s*1\s*=\s*Priced\s*1\s*\+\s*Rejected\s*0", text), text[:3000]
    finally:
        ctx.close()
