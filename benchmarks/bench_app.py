"""The app as a user feels it: time from a slider move to the redrawn map, in headless
Chromium, on a stored sweep (a 1e9-point store in the README's figures).

Run: ``python -m benchmarks.bench_app STORE [--tree PATH ...] [--moves 10] [--rounds 2]``.
Each ``--tree`` is a source checkout whose ``explorer serve`` is measured (default: this
one); trees take turns, round after round, so they are measured side by side. A move is
one step of the last sweep slider (alternating right and left; or ``--keys End,Home``:
from end to end); it is timed from the key event in the page to the second animation
frame after the map's image data changed in the browser (so the new map has been
painted). Needs playwright and Chromium.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.test_app_browser import ARGS, free_port

# Watches the map for a new image, every frame; records (seen, painted) times.
WATCH_JS = """() => {
  const image = () => {  // the image on the page now (replaced models linger in the document)
    const seen = new Set();
    const walk = (v) => {
      if (!v || seen.has(v)) return null;
      seen.add(v);
      if (v.model && v.model.glyph && v.model.glyph.type === "Image") {
        const d = v.model.data_source.data;
        return d instanceof Map ? d.get("image") : d.image;
      }
      const children = [
        ...(v.child_views ? Array.from(v.child_views) : []),
        ...(v.renderer_views ? Array.from(v.renderer_views.values()) : []),
      ];
      for (const k of children) {
        const found = walk(k);
        if (found) return found;
      }
      return null;
    };
    const roots = Bokeh.index.roots ?? Object.values(Bokeh.index);
    for (const root of roots) {
      const found = walk(root);
      if (found) return found;
    }
    return null;
  };
  window.__image = image();
  window.__redraws = [];
  const poll = () => {  // every frame: has a new image arrived since the last one?
    const now = image();
    if (now !== window.__image) {
      window.__image = now;
      const changed = performance.now();
      requestAnimationFrame(() => window.__redraws.push([changed, performance.now()]));
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
}"""
# Steps a slider handle with the keyboard, as a user would; returns when it was pressed.
MOVE_JS = """([handle, key]) => {
  const t = performance.now();
  handle.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
  return t;
}"""


def serve(tree: Path, store: str):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "serve", store, "--port", str(port)],
        env=env,
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base, timeout=5)
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"explorer serve from {tree} did not start")


def quiet(page, seconds: float = 1.5, timeout: float = 30) -> None:
    """Wait until no redraw has arrived for ``seconds``."""
    deadline = time.monotonic() + timeout
    count = -1
    while time.monotonic() < deadline:
        now = page.evaluate("() => window.__redraws.length")
        if now == count:
            return
        count = now
        page.wait_for_timeout(seconds * 1000)


def measure(browser, base: str, moves: int, keys: tuple[str, str]) -> list[float]:
    """Milliseconds from each slider move to the painted new map."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(base)
    page.wait_for_selector("canvas", timeout=120_000)
    page.wait_for_timeout(3000)
    page.evaluate(WATCH_JS)
    handle = [h for h in page.locator(".noUi-handle").all() if h.is_visible()][-1]
    found = []
    for i in range(moves):
        quiet(page)
        before = page.evaluate("() => window.__redraws.length")
        pressed = page.evaluate(MOVE_JS, [handle.element_handle(), keys[i % 2]])
        page.wait_for_function(f"() => window.__redraws.length > {before}", timeout=30_000)
        _, painted = page.evaluate(f"() => window.__redraws[{before}]")
        found.append(painted - pressed)
    page.close()
    return found


def main(argv=None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--tree", action="append", type=Path)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--keys",
        default="ArrowRight,ArrowLeft",
        help="the two keys pressed in turn: one step each way (the default), or End,Home "
        "to jump between the slider's ends (new chunks to read every time)",
    )
    args = parser.parse_args(argv)
    trees = args.tree or [Path(__file__).resolve().parents[1]]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    times: dict[Path, list[float]] = {t: [] for t in trees}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for _ in range(args.rounds):
            for tree in trees:
                proc, base = serve(tree, args.store)
                try:
                    times[tree] += measure(browser, base, args.moves, args.keys.split(","))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
        browser.close()
    print(
        f"slider move ({args.keys}) to painted map, {args.store} "
        f"({args.rounds} x {args.moves} moves):"
    )
    for tree, found in times.items():
        print(
            f"  {tree}: median {statistics.median(found):.0f} ms "
            f"(min {min(found):.0f}, max {max(found):.0f}, n={len(found)})"
        )


if __name__ == "__main__":
    main()
