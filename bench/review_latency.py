"""Review latency in Chromium: from the answering keypress to the next item on screen.

Setup: a store with 10,000,000 logged predictions (20 features, 10 classes; the
same files as the ingest benchmark), served by ``streamlit run
feedback/web/server.py`` as ``make run`` serves it, driven by Debian's chromium
through Playwright. The expert answers at 4 keys a second (Enter, confirm the
suggestion), without waiting for the page.

Measured, in the browser: ``performance.now()`` at the Enter keydown to the
first mutation of the card that shows a different ``Item <id>`` heading, over
``ANSWERS`` answers after a few warm-up ones. Also printed: the time until the
server has acknowledged every answer (the card's ``data-pending`` back to 0)
after the last key.

Baseline, for scale: the same review queue computed straight from DuckDB
(``feedback.review.queue.build_review_queue`` called in-process on the same store,
no browser, no Streamlit).

Goal: p50 under 50 ms and p95 under 100 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from bench._harness import Result, scratch_dir, timed
from bench.ingest import make_files
from feedback.intake import ingest_predictions
from feedback.lifecycle import init_task
from feedback.review import build_review_queue
from feedback.workspace import open_workspace

NAME = "review"
ROWS = 10_000_000
ANSWERS = 40
WARM_UP = 3
KEY_INTERVAL_S = 0.25  # 4 keys a second
P50_MS, P95_MS = 50.0, 100.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The time of each keydown, taken by a listener installed before the card's own: the card moves to the
# next item inside its keydown handler, before any later listener would run.
_KEY_CLOCK_JS = """
window.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true);
"""
# Arms a one-shot observer of the card (kept on window: evaluate() would wait for a returned promise):
# it resolves with the ms from the next keydown to a changed "Item" heading.
_MEASURE_JS = """
() => { window.__nextItemMs = new Promise((resolve) => {
  const root = [...document.querySelectorAll('*')].find(e => e.shadowRoot && e.shadowRoot.querySelector('.card'))
               .shadowRoot;
  const current = () => { const h = root.querySelector('h3'); return h ? h.textContent : ''; };
  const before = current();
  const armedAt = performance.now();
  const observer = new MutationObserver(() => {
    const now = current();
    if (window.__keyAt > armedAt && now && now !== before) {
      observer.disconnect(); resolve(performance.now() - window.__keyAt);
    }
  });
  observer.observe(root, {subtree: true, childList: true, characterData: true});
}); }
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _measure_in_chromium(url: str, answers: int) -> tuple[list[float], float]:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.add_init_script(_KEY_CLOCK_JS)
        page.goto(url)
        idle = page.get_by_test_id("stApp")
        expect(page.get_by_role("heading", name="Item ", exact=False).first).to_be_visible(timeout=120_000)
        expect(idle).to_have_attribute("data-test-script-state", "notRunning", timeout=60_000)
        page.get_by_role("heading", name="Review").click()  # focus on the page, not a field: keys reach the card
        timings = []
        for i in range(WARM_UP + answers):
            pressed_at = time.perf_counter()
            page.evaluate(_MEASURE_JS)
            page.keyboard.press("Enter")
            elapsed = page.evaluate("() => window.__nextItemMs")  # waits when the batch ran dry
            if i >= WARM_UP:
                timings.append(float(elapsed))
            time.sleep(max(0.0, KEY_INTERVAL_S - (time.perf_counter() - pressed_at)))  # the expert's rhythm
        last_key = time.perf_counter()
        expect(page.locator("div.card")).to_have_attribute("data-pending", "0", timeout=120_000)
        drained = time.perf_counter() - last_key
        browser.close()
    return timings, drained


def run(rows: int | None = None, repeat: int = 1) -> list[Result]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
    from e2e_support import AppServer  # the same server fixture the end-to-end tests use

    rows = rows or ROWS
    with scratch_dir("bench-review") as folder:
        seed, production = make_files(folder, rows)
        home = folder / "home"
        ws = open_workspace(home)
        init_task(ws, seed, "label")
        started = time.perf_counter()
        ingest_predictions(ws, production)
        print(f"store: {rows:,} logged predictions ingested in {time.perf_counter() - started:.1f} s")
        queue_ms = [1000 * timed(lambda: build_review_queue(ws, 20)) for _ in range(10)]
        ws.close()
        server = AppServer(home).start()
        try:
            timings, drained = _measure_in_chromium(server.url, ANSWERS)
        finally:
            server.stop()
    p50, p95 = statistics.median(timings), _percentile(timings, 0.95)
    baseline = statistics.median(queue_ms)
    print(
        f"keypress -> next item over {len(timings)} answers: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"max {max(timings):.0f} ms (goal p50 < {P50_MS:.0f} ms, p95 < {P95_MS:.0f} ms)"
    )
    print(f"every answer acknowledged by the server {drained * 1000:.0f} ms after the last key")
    print(
        f"baseline: the review queue computed in-process from DuckDB, median {baseline:.0f} ms "
        f"(min {min(queue_ms):.0f} ms)"
    )
    met = p50 < P50_MS and p95 < P95_MS
    print(f"goal: {'met' if met else 'MISSED'}")
    return [
        Result(
            "review p50",
            rows,
            p50 / 1000,
            baseline / 1000,
            float("inf"),
            tuple(t / 1000 for t in timings),
            limit_seconds=P50_MS / 1000,
        ),
        Result("review p95", rows, p95 / 1000, baseline / 1000, float("inf"), limit_seconds=P95_MS / 1000),
    ]
