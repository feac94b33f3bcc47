"""One-click retrain from the Models page: the worker thread reports back through the polling fragment."""

from __future__ import annotations

import re

import pytest
from e2e_support import run_feedback
from playwright.sync_api import expect
from sqlmodel import select

from feedback import store
from feedback.store import ModelVersion
from feedback.workspace import open_workspace

pytestmark = pytest.mark.e2e

RETRAIN_TIMEOUT_MS = 90_000  # ~7 s of CPU alone; generous for a busy 2-core runner


@pytest.fixture
def labelled_app(new_home, serve):
    """The demo store with every production item labelled by an oracle, imported before the app starts."""
    home = new_home()
    result = run_feedback(home, "import-labels", home / "demo" / "truth.csv", "--annotator", "oracle")
    assert result.returncode == 0, result.stderr
    assert "Recorded 1800 label events" in result.stdout
    return serve(home)


def test_retrain_from_models_page(labelled_app, page):
    app = labelled_app
    # The root first: (a first visit straight to /models is covered in test_e2e_navigation) and
    # coming through the sidebar from Review meets the lost-annotator bug (test_e2e_navigation.py).
    page.goto(app.url + "/")
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    expect(page.get_by_text("The queue is empty")).to_be_visible()  # the oracle labelled everything
    page.goto(app.url + "/models")
    retrain = page.get_by_role("button", name="Retrain", exact=True)
    expect(retrain).to_be_enabled()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    retrain.click()
    decision = page.get_by_text(re.compile(r"^Decision: (promote|keep|insufficient-evidence|\S+) for challenger v2"))
    expect(decision).to_be_visible(timeout=RETRAIN_TIMEOUT_MS)
    # Audit items are held out of training, so "new" is 1800 minus the audit slice.
    expect(page.get_by_text(re.compile(r"trained on \d+ labels, 1\d{3} new"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"compared on [1-9]\d* expert-labelled audit items"))).to_be_visible()
    expect(page.get_by_text("Retrain failed")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(retrain).to_be_enabled()  # the job finished, so another retrain may start
    page.screenshot(path="/tmp/e2e-models.png", full_page=True)

    # After a full rerun the new version is offered for promotion (the job is kept by the process).
    page.reload()
    expect(page.get_by_text(re.compile(r"^Decision: "))).to_be_visible(timeout=RETRAIN_TIMEOUT_MS)
    versions_box = page.get_by_role("combobox", name="Version")
    expect(versions_box).to_be_visible(timeout=RETRAIN_TIMEOUT_MS)
    versions_box.scroll_into_view_if_needed()
    versions_box.click()
    expect(page.get_by_role("option", name="2", exact=True)).to_be_visible(timeout=RETRAIN_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    app.stop()
    ws = open_workspace(app.home)
    try:
        with store.session(ws) as session:
            versions = {v.version: v.alias for v in session.exec(select(ModelVersion)).all()}
    finally:
        ws.close()
    assert versions == {1: "champion", 2: "challenger"}
