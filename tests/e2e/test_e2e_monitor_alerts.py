"""Monitoring in Chromium: the drifting demo batch is handed to the running app, and its alerts appear."""

from __future__ import annotations

import re
import shutil

import pytest
from e2e_support import run_feedback
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ALERT_TIMEOUT_MS = 60_000  # the inbox watcher polls every 0.5 s; the ingest and its drift check take a few s


@pytest.fixture(scope="session")
def before_drift_template(tmp_path_factory):
    """The digits demo with only batches 0-2 ingested: the drift starts with batch 3."""
    home = tmp_path_factory.mktemp("before-drift") / "home"
    result = run_feedback(home, "demo", "--batches", "3")
    assert result.returncode == 0, result.stderr
    return home


def test_an_alert_appears_after_a_drifting_batch_is_ingested(before_drift_template, serve, tmp_path, page):
    app = serve(shutil.copytree(before_drift_template, tmp_path / "home"))
    page.goto(app.url + "/monitor")
    expect(page.get_by_role("heading", name="Monitor")).to_be_visible()
    expect(page.get_by_text("No open alerts.")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    handed = run_feedback(app.home, "ingest", app.home / "demo" / "batch_3.csv", "--inbox")
    assert handed.returncode == 0, handed.stderr

    drift_alert = page.get_by_text(re.compile(r"feature drift in \d+ of 64 columns"))
    _reload_until(page, drift_alert)  # drift is tested on the newest window as it arrives

    # batch 3's confidence is judged once its window closed: when the next batch arrives
    handed = run_feedback(app.home, "ingest", app.home / "demo" / "batch_4.csv", "--inbox")
    assert handed.returncode == 0, handed.stderr
    _reload_until(page, page.get_by_text(re.compile(r"mean_confidence .* below the band")).first)
    expect(page.get_by_text("No open alerts.")).to_have_count(0)

    page.get_by_role("button", name="Acknowledge").first.click()
    expect(page.get_by_text(re.compile(r"^Alert \d+ is acknowledged\."))).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _reload_until(page, locator):
    """Reload the Monitor page until ``locator`` shows (the inbox watcher and the alert check run in the app)."""
    for _ in range(ALERT_TIMEOUT_MS // 2_000):
        page.reload()
        expect(page.get_by_role("heading", name="Monitor")).to_be_visible()
        expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
        if locator.count():
            break
        page.wait_for_timeout(2_000)
    expect(locator).to_be_visible()
