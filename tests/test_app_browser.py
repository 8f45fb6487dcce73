"""The web app in a real browser: headless Debian Chromium driven by Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from explorer.config import parse_config
from explorer.presets import FIGURE2
from explorer.sweep import run_sweep

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("EXPLORER_SCREENSHOTS", "test-screenshots"))

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    url = str(folder / "plane.zarr")
    config = parse_config(
        {
            "game": "revisionist",
            "fixed": dict(FIGURE2),
            "axes": {
                "theta": {"linspace": [0.01, 0.99, 90]},
                "beta": {"linspace": [0, 1, 80]},
                "q": {"values": [0.0, 0.25, 0.5, 0.75, 1.0]},
            },
        }
    )
    run_sweep(config, url, progress=False)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base, timeout=5)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {proc.stdout.read()}")
    yield base, proc
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def open_app(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("canvas", timeout=60_000)
    page.wait_for_timeout(1500)
    return page, errors


def plot_png(page) -> bytes:
    """The main plot's pixels (its canvas is replaced on each redraw, so clip the page)."""
    for _ in range(50):
        box = page.locator(".bk-Canvas").first.bounding_box()
        if box:
            return page.screenshot(clip=box)
        page.wait_for_timeout(200)
    raise AssertionError("no plot on the page")


def settle(page, before: bytes, timeout_s: float = 20) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        now = plot_png(page)
        if now != before:
            return now
    return before


def test_app_loads_without_console_errors(server, browser):
    base, _ = server
    page, errors = open_app(browser, base)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app.png"))
    assert errors == []
    assert page.get_by_text("outcome: store").count() >= 1


def test_moving_a_slider_changes_the_image(server, browser):
    base, _ = server
    page, errors = open_app(browser, base)
    before = plot_png(page)
    handles = page.locator(".noUi-handle")
    q_handle = [h for h in handles.all() if h.is_visible()][2]  # theta, beta, q
    q_handle.focus()
    for _ in range(2):
        q_handle.press("ArrowRight")
    after = settle(page, before)
    assert after != before
    assert errors == []


def test_switching_the_output_redraws(server, browser):
    base, _ = server
    page, errors = open_app(browser, base)
    before = plot_png(page)
    page.locator("select").first.select_option("eu_leader")
    after = settle(page, before)
    assert after != before
    page.get_by_text("eu_leader: store").first.wait_for(timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "app-eu_leader.png"))
    assert errors == []


def test_hover_shows_parameters_and_outputs(server, browser):
    base, _ = server
    page, _ = open_app(browser, base)
    box = page.locator(".bk-Canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5)
    tooltip = page.locator(".bk-Tooltip").first
    tooltip.wait_for(state="visible", timeout=20_000)
    # The tooltip's rows live in bokeh's shadow DOM; locators pierce it.
    for label in ("θ (theta)", "β (beta)", "outcome", "eu_leader", "α (alpha)", "q (q)"):
        assert tooltip.get_by_text(label, exact=False).first.is_visible(), label
    values = [v.strip() for v in tooltip.locator(".bk-tooltip-row-value").all_text_contents()]
    assert "0.8" in values  # alpha, a fixed parameter
    assert any(v in ("0", "1", "2") for v in values)  # the outcome code
    page.screenshot(path=str(SCREENSHOTS / "app-hover.png"))


def test_bad_url_parameters_show_an_error_and_the_server_keeps_running(server, browser):
    base, proc = server
    page, _ = open_app(browser, base + "?theta=7&var=welfare")
    page.get_by_text("theta=7 is outside the stored range").first.wait_for(timeout=20_000)
    assert page.get_by_text("var='welfare' is not one of").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "app-bad-url.png"))
    assert proc.poll() is None
    assert urllib.request.urlopen(base, timeout=10).status == 200
