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

from explorer.engine.config import parse_config
from explorer.engine.sweep import run_sweep
from explorer.models.coalition.presets import FIGURE2

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
    yield from serving(url)


STORES: dict[str, str] = {}  # base URL -> the store served there


def server_store(base: str) -> str:
    return STORES[base]


def serving(url):
    """``explorer serve`` on a store in a subprocess; yields (base URL, process)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    STORES[base] = url
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


def test_hover_shows_the_point_and_outputs_decoded(server, browser):
    """The tooltip names the point and gives each categorical output as its label (the
    one explorer.solve gives there), in a few lines, not codes."""
    import numpy as np

    import explorer
    from explorer.models import get_model

    base, _ = server
    page, _ = open_app(browser, base)
    frame = page.evaluate(FRAME_JS)
    thetas, betas = np.linspace(0.01, 0.99, 90), np.linspace(0, 1, 80)
    theta, beta = thetas[27], betas[40]  # a cell's centre
    px = frame["left"] + (theta - frame["x"][0]) / np.ptp(frame["x"]) * frame["width"]
    py = frame["top"] + (frame["y"][1] - beta) / np.ptp(frame["y"]) * frame["height"]
    page.mouse.move(px, py)
    tooltip = page.locator(".bk-Tooltip").first
    tooltip.wait_for(state="visible", timeout=20_000)
    rows = tooltip.locator(".bk-tooltip-row-label").all_text_contents()
    values = [v.strip() for v in tooltip.locator(".bk-tooltip-row-value").all_text_contents()]
    shown = dict(zip((r.strip().rstrip(":") for r in rows), values))
    solved = explorer.solve(game="revisionist", **FIGURE2, q=0.5, theta=theta, beta=beta)
    labels = get_model("coalition").output("outcome").labels
    assert abs(float(shown["θ (theta)"]) - theta) < 0.004, shown  # within a third of a cell
    assert abs(float(shown["β (beta)"]) - beta) < 0.004, shown
    assert shown["outcome"] == labels[int(solved.outcome)], shown
    assert len(shown) <= 6, shown  # compact: the point and the outputs with categories
    page.screenshot(path=str(SCREENSHOTS / "app-hover.png"))


def test_bad_url_parameters_show_an_error_and_the_server_keeps_running(server, browser):
    base, proc = server
    page, _ = open_app(browser, base + "?theta=7&var=welfare")
    page.get_by_text("theta=7 is outside the stored range").first.wait_for(timeout=20_000)
    assert page.get_by_text("var='welfare' is not one of").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "app-bad-url.png"))
    assert proc.poll() is None
    assert urllib.request.urlopen(base, timeout=10).status == 200


XSS = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    "query",
    [{"var": XSS}, {"q": XSS}, {XSS: "1"}],
    ids=["output name", "slider value", "parameter name"],
)
def test_markup_in_url_parameters_is_shown_as_text_and_never_runs(server, browser, query):
    from urllib.parse import urlencode

    base, _ = server
    page, _ = open_app(browser, base + "?" + urlencode(query))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_text(XSS, exact=False).first.wait_for(timeout=20_000)  # shown, as text
    page.wait_for_timeout(1500)
    assert dialogs == []
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0


# The main figure's frame in page pixels and its data ranges, read from Bokeh's views.
FRAME_JS = """() => {
  const seen = new Set();
  function* walk(v) {
    if (!v || seen.has(v)) return;
    seen.add(v);
    if (v.frame && v.frame.bbox && v.el) yield v;
    for (const k of (v.child_views ? Array.from(v.child_views) : [])) yield* walk(k);
  }
  const roots = Bokeh.index.roots ?? Object.values(Bokeh.index);
  const plots = roots.flatMap((r) => Array.from(walk(r)));
  const v = plots.sort((a, b) => b.frame.bbox.height - a.frame.bbox.height)[0];
  const el = v.el.getBoundingClientRect(), f = v.frame.bbox;
  return {left: el.left + f.left, top: el.top + f.top, width: f.width, height: f.height,
          x: [v.frame.x_range.start, v.frame.x_range.end],
          y: [v.frame.y_range.start, v.frame.y_range.end]};
}"""
# A legend swatch's colour and label (Panel renders panes in shadow roots, which
# Playwright's locators pierce and document.querySelectorAll does not).
SWATCH_JS = "(s) => [s.nextSibling.textContent.trim(), s.style.color]"


def read_legend(page) -> dict[str, tuple[int, int, int]]:
    swatches = page.locator("span").filter(has_text="\u25a0").all()
    return {label: _rgb(colour) for label, colour in (s.evaluate(SWATCH_JS) for s in swatches)}


def _rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


def assert_colours_match_outcomes(page, labels, solved, xs, ys, tag):
    """Sampled cells away from every edge are painted in the sidebar legend's colour for
    the outcome ``solved`` (rows along ``ys``, columns along ``xs``) gives there."""
    import io

    import numpy as np
    from PIL import Image

    page.mouse.move(0, 0)
    page.wait_for_timeout(1000)
    frame = page.evaluate(FRAME_JS)
    legend = read_legend(page)
    assert len(legend) >= 2, legend
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)
    present = set(np.unique(solved).tolist())
    assert 2 <= len(present) <= 3
    # Cells whose neighbours within two cells share their outcome: away from every edge.
    interior = np.zeros_like(solved, dtype=bool)
    interior[2:-2, 2:-2] = True
    for di in range(-2, 3):
        for dj in range(-2, 3):
            interior &= solved == np.roll(np.roll(solved, di, 0), dj, 1)
    rng = np.random.default_rng(0)
    checked = {}
    for code in present:
        rows, cols = np.nonzero(interior & (solved == code))
        checked[code] = 0 if len(rows) >= 5 else None  # a sliver has no cell away from edges
        for k in rng.choice(len(rows), size=min(25, len(rows)), replace=False):
            i, j = rows[k], cols[k]
            px = frame["left"] + (xs[j] - frame["x"][0]) / np.ptp(frame["x"]) * frame["width"]
            py = frame["top"] + (frame["y"][1] - ys[i]) / np.ptp(frame["y"]) * frame["height"]
            seen = pixels[int(round(py)), int(round(px))]
            want = np.array(legend[labels[code]])
            assert np.abs(seen - want).max() <= 3, (tag, labels[code], xs[j], ys[i], seen, want)
            checked[code] += 1
    assert sum(n is not None and n >= 5 for n in checked.values()) >= 2, checked
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"app-colours-{tag}.png"))


@pytest.mark.parametrize("q", [0.0, 0.5, 1.0])
def test_rendered_colours_match_the_legend_at_points_of_known_outcome(server, browser, q):
    """Every sampled cell of the map is painted in the legend colour of the outcome that
    explorer.solve gives there, on planes where two or three outcomes occur."""
    import numpy as np
    import xarray as xr

    import explorer
    from explorer.models import get_model

    base, _ = server
    page, errors = open_app(browser, f"{base}?q={q}")
    page.get_by_text("outcome: store").first.wait_for(timeout=20_000)
    thetas, betas = np.linspace(0.01, 0.99, 90), np.linspace(0, 1, 80)
    solved = (
        explorer.solve(
            game="revisionist",
            **FIGURE2,
            q=q,
            theta=xr.DataArray(thetas, dims="theta"),
            beta=xr.DataArray(betas, dims="beta"),
        )
        .outcome.transpose("beta", "theta")
        .values
    )
    labels = get_model("coalition").output("outcome").labels
    assert_colours_match_outcomes(page, labels, solved, thetas, betas, f"q{q}")
    assert errors == []


@pytest.fixture(scope="module")
def bargaining_server(tmp_path_factory):
    url = str(tmp_path_factory.mktemp("bargaining") / "b.zarr")
    config = parse_config(
        {
            "model": "bargaining",
            "fixed": {"c_low": 0.05},
            "axes": {
                "p": {"values": [0.3, 0.5, 0.7]},
                "c_a": {"linspace": [0.0, 0.5, 60]},
                "c_high": {"linspace": [0.1, 1.0, 50]},
            },
        }
    )
    run_sweep(config, url, progress=False)
    yield from serving(url)


def test_the_example_model_in_the_app(bargaining_server, browser):
    """The second model's store, served as it is: its own outputs, plane, legend and
    colours, with no change to the app."""
    import numpy as np
    import xarray as xr

    import explorer
    from explorer.models import get_model

    base, _ = bargaining_server
    page, errors = open_app(browser, base)
    page.get_by_text("outcome: store").first.wait_for(timeout=20_000)
    assert page.get_by_text("risk of war").count() >= 1
    c_a, c_high = np.linspace(0.0, 0.5, 60), np.linspace(0.1, 1.0, 50)
    solved = (
        explorer.solve(
            model="bargaining",
            p=0.5,
            c_low=0.05,
            c_a=xr.DataArray(c_a, dims="c_a"),
            c_high=xr.DataArray(c_high, dims="c_high"),
        )
        .outcome.transpose("c_high", "c_a")
        .values
    )
    labels = get_model("bargaining").output("outcome").labels
    assert_colours_match_outcomes(page, labels, solved, c_a, c_high, "bargaining")
    assert errors == []


# What the main map shows, from Bokeh's models: its title, axis labels and the values of
# the image it paints.
VIEW_JS = """() => {
  const docs = Bokeh.documents;
  const found = [];
  for (const doc of docs) for (const m of doc._all_models.values()) {
    if (m.type === "Figure" && m.title && m.title.text) found.push(m);
  }
  const f = found.sort((a, b) => b.title.text.length - a.title.text.length)[0];
  const column = (r) => {
    const data = r.data_source ? r.data_source.data : {};
    return data instanceof Map ? data.get("image") : data.image;
  };
  const image = f.renderers.map(column).find((v) => v);
  return [f.title.text, f.below[0].axis_label, f.left[0].axis_label,
          Array.from(image[0]).slice(0, 4000)];
}"""


def test_the_address_bar_follows_the_view_and_reproduces_it(server, browser):
    base, _ = server
    page, errors = open_app(browser, base)
    handle = [h for h in page.locator(".noUi-handle").all() if h.is_visible()][2]  # q
    handle.focus()
    handle.press("ArrowRight")
    deadline = time.monotonic() + 20
    while "q=0.75" not in page.evaluate("location.search") and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    query = page.evaluate("location.search")
    assert "q=0.75" in query and "var=outcome" in query and "x=theta" in query, query
    moved = page.evaluate(VIEW_JS)
    fresh, _ = open_app(browser, base + query)
    fresh.get_by_text("q (q): 0.75").first.wait_for(timeout=20_000)
    assert fresh.evaluate(VIEW_JS) == moved  # the same title, axes and painted values
    assert errors == []


def test_downloaded_csv_is_the_slice(server, browser, tmp_path):
    import pandas as pd

    import explorer

    base, _ = server
    page, _ = open_app(browser, base + "?q=0.25")
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="CSV").click()
    path = tmp_path / "slice.csv"
    download.value.save_as(path)
    got = pd.read_csv(path)
    store = server_store(base)
    at = {"q": 0.25}
    expected = explorer.slice(store, "theta", "beta", at, "outcome")
    want = expected.reset_coords(drop=True).to_dataframe().reset_index()
    assert list(got.columns) == ["beta", "theta", "outcome"]
    assert len(got) == expected.size
    np_equal = (
        got[["beta", "theta", "outcome"]].to_numpy()
        == want[["beta", "theta", "outcome"]].to_numpy()
    )
    assert np_equal.all()


def test_a_phone_sized_screen_shows_map_and_controls_without_overlap(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(base)
    page.wait_for_selector("canvas", timeout=60_000)
    page.wait_for_timeout(1500)
    plot = page.locator(".bk-Canvas").first
    plot.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "app-390px.png"))
    controls = [
        *page.locator("select").all(),
        *[h for h in page.locator(".noUi-target").all() if h.is_visible()],
        page.get_by_role("button", name="swap x and y"),
        page.get_by_role("button", name="CSV"),
    ]
    assert len(controls) >= 8
    canvas = plot.bounding_box()  # all boxes now, in the same (scrolled) viewport
    assert canvas["width"] >= 250 and canvas["x"] >= 0 and canvas["x"] + canvas["width"] <= 391
    for control in controls:
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391, box
        overlaps = not (
            box["y"] + box["height"] <= canvas["y"]
            or canvas["y"] + canvas["height"] <= box["y"]
            or box["x"] + box["width"] <= canvas["x"]
            or canvas["x"] + canvas["width"] <= box["x"]
        )
        assert not overlaps, (box, canvas)


def test_an_html_figure_draws_offline(tmp_path, browser):
    """Saved HTML carries BokehJS inside it: with every network request refused, the
    page still draws the map."""
    import io

    import numpy as np
    from PIL import Image

    import explorer
    from explorer.views.plots import save_figure

    thetas = np.linspace(0.05, 0.95, 40)
    data = explorer.slice(
        {
            "game": "revisionist",
            **FIGURE2,
            "q": 0.5,
            "theta": thetas,
            "beta": np.linspace(0, 1, 30),
        },
        "theta",
        "beta",
    )
    path = save_figure(data, tmp_path / "plane.html")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    refused = []
    page.route("http*://**", lambda route: (refused.append(route.request.url), route.abort()))
    page.goto(path.as_uri())
    page.wait_for_selector("canvas", timeout=30_000)
    page.wait_for_timeout(1500)
    assert refused == []
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
    colours = {tuple(c) for c in pixels.reshape(-1, 3)[::97]}
    assert (0x00, 0x72, 0xB2) in colours or (230, 159, 0) in colours  # outcome colours painted


def test_a_rebuilt_empirics_figure_shows_its_numbers_and_colours(tmp_path, browser):
    """The HTML of `explorer empirics margins`: the data the page draws are the computed
    marginal effect and bands, the effect's line is drawn in its colour, and the footnote
    names the assumptions."""
    import io

    import numpy as np
    from PIL import Image

    from explorer.empirics import bands, figures, load

    ds = bands.margins(load(), "table2.model1", "job_security")
    path = figures.save([ds], tmp_path / "margins.html")
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(path.as_uri())
    page.wait_for_selector("canvas", timeout=30_000)
    page.wait_for_timeout(1500)
    drawn = page.evaluate(
        """() => {
            const plain = (v) => (v instanceof Map ? Object.fromEntries(v) : v);
            const models = Array.from(Bokeh.documents[0].all_models);
            const sources = models.filter((m) => m.type === "ColumnDataSource").map((m) => {
                const data = plain(m.data);
                return Object.fromEntries(
                    Object.entries(data).map(([k, v]) => [k, Array.from(v)]));
            });
            const colour = (c) => (c && c.value !== undefined ? c.value : c);
            const lines = models
                .filter((m) => m.type === "GlyphRenderer" && m.glyph.type === "Line")
                .map((m) => [Object.keys(plain(m.data_source.data)), colour(m.glyph.line_color)]);
            const text = models.filter((m) => m.type === "Div").map((m) => m.text).join(" ");
            return {sources, lines, text};
        }"""
    )
    effect = next(s for s in drawn["sources"] if "effect" in s)
    assert np.allclose(effect["x"], ds.x.values) and np.allclose(effect["effect"], ds.effect)
    band = next(s for s in drawn["sources"] if "delta_low" in s and "delta_high" in s)
    assert np.allclose(band["delta_low"], ds.delta_low) and np.allclose(
        band["delta_high"], ds.delta_high
    )
    colour_of = {col: colour for columns, colour in drawn["lines"] for col in columns}
    assert colour_of["effect"] == figures.POINT and colour_of["edge"] == figures.SIM
    assert "V diagonal" in drawn["text"] and "index (linear predictor) scale" in drawn["text"]
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
    point = tuple(int(figures.POINT[i : i + 2], 16) for i in (1, 3, 5))
    assert point in {tuple(c) for c in pixels.reshape(-1, 3)}


@pytest.fixture(scope="module")
def monte_carlo_server(tmp_path_factory):
    from explorer.models.coalition_mc import PILOT

    url = str(tmp_path_factory.mktemp("mc") / "mc.zarr")
    axes = {"rho": {"values": [0.2, 0.95]}, "initiators": {"values": [0.0, 1.0]}}
    fixed = {k: v for k, v in PILOT.items() if k not in axes} | {"replicates": 6}
    config = parse_config({"model": "coalition_mc", "fixed": fixed, "axes": axes})
    run_sweep(config, url, progress=False)
    yield from serving(url)


def test_a_monte_carlo_store_in_the_app(monte_carlo_server, browser):
    """The Monte Carlo model's store, served unchanged: its first output (what the
    replicates support, a bitmask) in the legend by the names of the bits set."""
    import numpy as np
    import xarray as xr

    from explorer.models import get_model
    from explorer.views.styles import flag_names

    base, _ = monte_carlo_server
    page, errors = open_app(browser, base)
    page.get_by_text("supported: store").first.wait_for(timeout=20_000)
    stored = xr.open_zarr(STORES[base])["supported"].values  # what the legend must name
    bits = get_model("coalition_mc").output("supported").bits
    present = {flag_names(bits, int(code)) for code in np.unique(stored)}
    assert len(present) >= 2
    for label in present:
        assert page.get_by_text(label, exact=False).count() >= 1, label
    assert errors == []
