"""The app in a real headless Chromium: every page opens, a file uploads, KPIs read, the report downloads, a
corrected file under the same name gets its own report, the language switches. Runs in CI (Debian chromium at
/usr/bin/chromium); fails clearly if chromium is absent.

The server runs with COSTIMPACT_UI_RAISE set, so a page's unexpected exception shows as Streamlit's exception box
(which fails the test) instead of a friendly line. Set COSTIMPACT_SHOTS=/tmp/shots to also save a screenshot of
every page in both languages and of the orders page after each upload.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SAMPLE = ROOT / "src" / "costimpact" / "data" / "sample_orders.csv"
PAGES = ["orders", "quick", "scenarios", "timeline", "assumptions", "decisions", "compute"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
SHOTS = os.environ.get("COSTIMPACT_SHOTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install -y chromium fonts-noto-cjk` (the browser test must run in CI)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COSTIMPACT_UI_RAISE": "1"},  # costimpact.ui.nav.RAISE_ENV
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start on port {port} within 60 s (exit code {proc.poll()}):\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser(server):  # noqa: ARG001 - the server must be up first
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        ctx.close()


def _settle(pg) -> None:  # noqa: ANN001
    """Wait until the script run is over (Streamlit marks the app "notRunning"), a title is shown and the page
    stops changing for a moment."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    pg.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] h2', timeout=60_000)
    deadline = time.monotonic() + 90
    last, stable = -1, 0
    while time.monotonic() < deadline:
        n = pg.locator('[data-testid="stMain"] *').count()
        running = pg.locator('[data-testid="stStatusWidget"]').count() + pg.locator('[data-testid="stSpinner"]').count()
        stable = stable + 1 if (n == last and not running) else 0
        if stable >= 4:
            return
        last = n
        time.sleep(0.4)


def _shot(pg, name: str) -> None:  # noqa: ANN001
    """A screenshot of the whole page (Streamlit scrolls inside its main block, so grow the viewport first)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        h = pg.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=stMain] *')].map(e => e.scrollHeight))")
        size = pg.viewport_size
        pg.set_viewport_size({"width": size["width"], "height": min(int(h) + 120, 6000)})
        time.sleep(1.0)
        pg.screenshot(path=str(Path(SHOTS) / f"{name}.png"))
        pg.set_viewport_size(size)


def _no_exception(pg) -> None:  # noqa: ANN001
    assert pg.locator('[data-testid="stException"]').count() == 0, pg.locator('[data-testid="stException"]').first.inner_text()


def _metrics(pg) -> dict[str, str]:  # noqa: ANN001
    out = {}
    for m in pg.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def _counts(pg) -> tuple[int, int, int]:  # noqa: ANN001
    """(read, priced, rejected) from the import summary line under the KPIs."""
    text = pg.locator('[data-testid="stMain"]').inner_text()
    got = re.search(r"读取行数\s*([\d,]+)\s*=\s*已计价\s*([\d,]+)\s*\+\s*被拒行\s*([\d,]+)", text)
    assert got, text[:2000]
    return tuple(int(x.replace(",", "")) for x in got.groups())


def _data_box(pg) -> str:  # noqa: ANN001
    """The label of the "data & scenarios" box, which names the order file the page shows."""
    return pg.locator('[data-testid="stExpander"] summary').first.inner_text()


def _sample_rows(n: int, path: Path) -> Path:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, *rows[:n]]) + "\n", encoding="utf-8")
    return path


def _upload(pg, path: Path, lines: int) -> None:  # noqa: ANN001
    """Upload through the uploader in the data box and wait for the counts of the new file."""
    if not pg.locator('[data-testid="stFileUploaderDropzoneInput"]').count():
        pg.get_by_text("数据与情景").first.click()
    pg.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    pg.get_by_text(re.compile(rf"读取行数\s*{lines:,}\b")).first.wait_for(timeout=60_000)
    _settle(pg)
    _no_exception(pg)


def _report_lines(pg) -> int:  # noqa: ANN001
    """Build the Excel report, download it, and count the order lines on its Lines sheet (Chinese report)."""
    import openpyxl

    pg.get_by_role("button", name="生成 Excel 报告").click()
    dl = pg.get_by_role("button", name="下载 Excel 报告")
    dl.wait_for(timeout=120_000)
    with pg.expect_download(timeout=120_000) as info:
        dl.click()
    wb = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    rows = list(wb.worksheets[2].iter_rows(values_only=True))  # Summary, Comparison, Lines, ...
    return sum(1 for r in rows[1:] if isinstance(r[0], int))


def test_every_page_opens_in_both_languages(server, page):
    for lang in ("zh", "en"):
        for name in PAGES:
            page.goto(f"{server}/{'' if name == 'orders' else name}?lang={lang}")
            _settle(page)
            _no_exception(page)
            _shot(page, f"{name}-{lang}")
            assert f"lang={lang}" in page.evaluate("location.href")


def test_orders_sample_kpis_upload_report_and_language(server, page, tmp_path):
    page.goto(f"{server}/?lang=zh")
    _settle(page)
    # First open: the sample basket, before vs now, in Chinese.
    assert page.get_by_text("我的订单").first.is_visible()
    kpis = _metrics(page)
    assert "之前的到岸成本" in kpis and "现在的到岸成本" in kpis, kpis
    before = float(re.sub(r"[^0-9.]", "", kpis["之前的到岸成本"]))
    now = float(re.sub(r"[^0-9.]", "", kpis["现在的到岸成本"]))
    assert now > before > 0
    assert re.match(r"^[+-]\d+\.\d%$", kpis["变化 %"]), kpis
    counts = _counts(page)
    assert counts[0] == counts[1] + counts[2] and counts[0] > 0, counts

    # Upload a second file: the data box names it, the counts are its own, the report has its lines.
    first = _sample_rows(200, tmp_path / "orders.csv")
    _upload(page, first, 200)
    assert "orders.csv" in _data_box(page) and SAMPLE.name not in _data_box(page), _data_box(page)
    assert _counts(page) == (200, 200, 0)
    _shot(page, "orders-upload-200-zh")
    assert _report_lines(page) == 200

    # The corrected file under the same name: new counts, and the old report is no longer offered.
    (tmp_path / "fixed").mkdir()
    corrected = _sample_rows(300, tmp_path / "fixed" / "orders.csv")
    _upload(page, corrected, 300)
    assert "orders.csv" in _data_box(page) and _counts(page) == (300, 300, 0)
    assert page.get_by_role("button", name="下载 Excel 报告").count() == 0, "the first file's report is still offered"
    _shot(page, "orders-upload-300-zh")
    assert _report_lines(page) == 300

    # Switch the language in the sidebar: English labels, and the URL keeps it.
    page.locator('[data-testid="stSidebar"] label').filter(has_text="English").click()
    page.get_by_text("Landed cost before").first.wait_for(timeout=60_000)
    _settle(page)
    assert "lang=en" in page.evaluate("location.href")
    assert "Landed cost now" in _metrics(page)
    page.locator('[data-testid="stSidebar"] label').filter(has_text="简体中文").click()
    try:
        page.locator('[data-testid="stMetricLabel"]').filter(has_text="之前的到岸成本").first.wait_for(timeout=60_000)
    except Exception:
        _shot(page, "failed-switch-back")
        raise
    _settle(page)
    assert "lang=zh" in page.evaluate("location.href")
    assert _counts(page) == (300, 300, 0)  # the language switch keeps the uploaded file


def test_quick_choices_survive_a_language_switch_in_the_new_language(server, page):
    """What a seller picked stays picked after the switch, and the dropdowns then read in the new language (a
    widget kept across the switch would go on showing the labels it was first drawn with)."""
    from costimpact.i18n import t
    from costimpact.ui import data

    page.goto(f"{server}/quick?lang=en")
    _settle(page)

    def pick(label: str, option: str) -> None:
        page.get_by_role("combobox", name=label).click()
        page.get_by_role("option").filter(has_text=option).first.click()
        _settle(page)

    pick("Shipping mode", t("ui.mode.express", "en"))
    pick("Now (scenario)", data.scenario_label("no-ieepa", "en"))
    now_en = _metrics(page)["Landed cost now"]
    page.locator('[data-testid="stSidebar"] label').filter(has_text="简体中文").click()
    page.locator('[data-testid="stMetricLabel"]').filter(has_text="现在的到岸成本").first.wait_for(timeout=60_000)
    _settle(page)
    _no_exception(page)
    assert page.get_by_role("combobox", name="物流方式").input_value() == t("ui.mode.express", "zh")
    assert page.get_by_role("combobox", name="现在（情景）").input_value() == data.scenario_label("no-ieepa", "zh")
    assert _metrics(page)["现在的到岸成本"] == now_en
