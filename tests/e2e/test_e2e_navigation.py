"""Moving between pages: a first visit straight to /models, and the expert's name surviving
a visit to another page. Both tests share one server to save a start-up."""

from __future__ import annotations

import re
import shutil

import pytest
from e2e_support import AppServer, confirm_button, open_review
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _nav(page):
    return page.get_by_test_id("stSidebarNav")


@pytest.fixture(scope="module")
def nav_app(demo_template, browser, tmp_path_factory):
    """A server whose very first session goes straight to /models, as after a restart with a
    bookmarked or restored tab. What that first session showed is kept in ``first_visit``."""
    home = shutil.copytree(demo_template, tmp_path_factory.mktemp("navigation") / "home")
    server = AppServer(home).start()
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(server.url + "/models")
        expect(page.get_by_role("button", name="Retrain", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
        server.first_visit = {
            "nav": [t.strip() for t in _nav(page).get_by_role("link").all_inner_texts()],
            "exceptions": page.get_by_test_id("stException").count(),
        }
        context.close()
        yield server
    finally:
        server.stop()


def test_deep_link_to_models_on_a_fresh_server(nav_app):
    first = nav_app.first_visit
    assert first["exceptions"] == 0
    titles = [re.sub(r"^\w+\s+", "", t) for t in first["nav"]]
    assert titles == ["Review", "Models", "Monitor", "Team", "A/B", "Export"], first["nav"]


def test_annotator_survives_a_visit_to_models(nav_app, page):
    # 1. Review -> Models through the sidebar, name left at its default, then Retrain.
    open_review(page, nav_app)
    _nav(page).get_by_role("link", name=re.compile("Models")).click()
    retrain = page.get_by_role("button", name="Retrain", exact=True)
    expect(retrain).to_be_enabled()
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    retrain.click()
    started = page.get_by_test_id("stProgress").or_(page.get_by_text(re.compile(r"^Decision: ")))
    expect(started.or_(page.get_by_test_id("stException")).first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=1_000)  # settled just above

    # 2. A typed name survives Review -> Models -> Review.
    _nav(page).get_by_role("link", name=re.compile("Review")).click()
    name = page.get_by_role("textbox", name="Your name", exact=True)
    expect(confirm_button(page)).to_be_visible()
    name.fill("ana")
    name.press("Enter")
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    _nav(page).get_by_role("link", name=re.compile("Models")).click()
    expect(page.get_by_role("button", name="Retrain", exact=True)).to_be_visible()
    _nav(page).get_by_role("link", name=re.compile("Review")).click()
    expect(confirm_button(page)).to_be_visible()
    expect(name).to_have_value("ana", timeout=5_000)
