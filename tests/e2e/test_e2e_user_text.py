"""What users type is shown as text, never as markup, in Chromium (issue 9, item 3).

A store is built whose label name, annotator names, item id, reason code, comment, stop
reason and alert message each hold markdown and HTML images pointing at a local trap server,
a ``javascript:`` link, bold, a formula, an icon and a colour directive. Every page but the
Review card (rewritten separately; add it with ``assert_shown_as_text``) must show them
literally and make the browser fetch nothing.
"""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from e2e_support import FetchTrap, assert_shown_as_text, markup_probe, wait_for_annotator
from playwright.sync_api import expect
from store_sql import in_session

from feedback.access import Actor
from feedback.alerts import set_alert_state
from feedback.experiments import start_experiment, stop_experiment
from feedback.intake import ingest_predictions
from feedback.lifecycle import init_task, retrain
from feedback.review import record_label
from feedback.store import Alert, repository
from feedback.workspace import open_workspace

pytestmark = pytest.mark.e2e


@pytest.fixture
def trap():
    with FetchTrap() as server:
        yield server


def _rows(rng, n: int, first: int, label: str) -> pd.DataFrame:
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame(x, columns=["x1", "x2"])
    frame.insert(0, "id", [f"r{first + i}" for i in range(n)])
    frame["label"] = np.where(x[:, 0] > 0, label, "plain")
    return frame


def build_store(folder: Path, probes: dict[str, str]) -> Path:
    """A two-class task whose user-supplied fields hold ``probes``; returns its home.

    Label names are not validated at init, so one class is named by a probe. The item
    ``probes["item"]`` has two conflicting labels (Team page); an experiment was started and
    stopped (A/B page); an alert names a column and was acknowledged (Monitor page).
    """
    rng = np.random.default_rng(0)
    _rows(rng, 60, 0, probes["label"]).to_csv(folder / "seed.csv", index=False)
    production = _rows(rng, 80, 100, probes["label"])
    production.loc[0, "id"] = probes["item"]
    production.drop(columns="label").to_csv(folder / "production.csv", index=False)
    home = folder / "home"
    with closing(open_workspace(home)) as ws:
        init_task(ws, folder / "seed.csv", "label", audit_share=0.5)
        ingest_predictions(ws, folder / "production.csv")
        for annotator, label in ((probes["annotator"], probes["label"]), (probes["other annotator"], "plain")):
            record_label(
                ws, probes["item"], label, annotator=annotator, reason_code=probes["reason"], comment=probes["comment"]
            )
        for item, label in production[["id", "label"]].iloc[1:60].itertuples(index=False):
            record_label(ws, item, label, annotator=probes["annotator"])
        challenger = retrain(ws, actor=Actor(probes["annotator"], "admin")).challenger.version
        start_experiment(ws, challenger, 0.5, actor=Actor(probes["annotator"], "admin"))
        stop_experiment(ws, actor=Actor(probes["other annotator"], "admin"), reason=probes["stop reason"])
        [alert] = in_session(
            ws,
            repository.insert_alerts,
            [Alert(kind="dataset_drift", message=f"feature drift in 1 of 2 columns: {probes['alert']}")],
        )
        set_alert_state(ws, alert.id, "acknowledged", Actor(probes["annotator"], "admin"))
    return home


FIELDS = ("label", "item", "annotator", "other annotator", "reason", "comment", "stop reason", "alert")
NAMES = ("annotator", "other annotator", "reviewer")  # people's names: at most 100 characters


def _probes(trap) -> dict[str, str]:
    return {field: markup_probe(trap, field.replace(" ", "-"), name=field in NAMES) for field in FIELDS + NAMES[2:]}


def test_user_text_renders_literally_and_fetches_nothing(tmp_path, serve, page, trap):
    probes = _probes(trap)
    app = serve(build_store(tmp_path, probes))
    opened = []
    page.on("request", lambda request: opened.append(request.url))

    page.goto(app.url + "/team")
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    assert_shown_as_text(
        page, trap, [f"Item {probes['item']}", probes["annotator"], probes["other annotator"], probes["label"]]
    )
    comment = page.get_by_role("textbox", name="Comment (optional)")
    comment.fill(probes["comment"])
    comment.press("Enter")
    page.get_by_role("button", name="Resolve").click()
    resolved = page.get_by_test_id("stAlertContentSuccess")
    expect(resolved).to_contain_text(f"Resolved {probes['item']} as ")
    assert_shown_as_text(page, trap, [probes["item"]])

    page.goto(app.url + "/monitor")
    expect(page.get_by_role("heading", name="Monitor")).to_be_visible()
    assert_shown_as_text(page, trap, [probes["alert"], f"acknowledged by {probes['annotator']}"])
    tooltip = _class_mix_tooltip(page, probes["label"])  # vega-tooltip escapes HTML itself
    expect(tooltip.locator("img")).to_have_count(0)
    expect(tooltip.locator("a")).to_have_count(0)
    assert_shown_as_text(page, trap)

    page.goto(app.url + "/models")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    assert_shown_as_text(page, trap)

    page.goto(app.url + "/ab")
    expect(page.get_by_role("heading", name="A/B")).to_be_visible()
    assert_shown_as_text(
        page,
        trap,
        [f"stopped by {probes['other annotator']} ({probes['stop reason']})", f"Started by {probes['annotator']}"],
    )

    page.goto(app.url + "/export")
    expect(page.get_by_role("heading", name="Export")).to_be_visible()
    assert_shown_as_text(page, trap)

    leaked = [url for url in opened if f":{trap.port}" in url or url.startswith("javascript")]
    assert leaked == [], f"the browser asked for URLs that users typed: {leaked}"


def _class_mix_tooltip(page, label: str):
    """Hover the Monitor page's class-mix chart until a bar of class ``label`` shows its tooltip; return it."""
    chart = page.get_by_test_id("stVegaLiteChart").last
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    tooltip = page.locator("#vg-tooltip-element")
    box = chart.bounding_box()
    for fy in (0.3, 0.25, 0.35, 0.2):  # sweep over the plot: the bars sit in its upper half
        for fx in np.linspace(0.05, 0.75, 29):
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            if tooltip.is_visible() and label in tooltip.inner_text():
                return tooltip
    pytest.fail(f"no bar of class {label!r} showed a tooltip")


def test_the_review_card_shows_user_text_literally(tmp_path, serve, page, trap):
    probes = _probes(trap)
    app = serve(build_store(tmp_path, probes))
    page.goto(app.url + "/")
    heading = page.get_by_role("heading", name=re.compile(r"^Item "))
    expect(heading).to_be_visible()  # the card is up, so Enter in the name field hands the keys back to it
    name = page.get_by_role("textbox", name="Your name", exact=True)
    name.fill(probes["reviewer"])
    name.press("Enter")
    wait_for_annotator(page, probes["reviewer"])  # the card serves the new name before keys are pressed
    for _ in range(12):  # skip until the item with conflicting labels (a re-look) is on the card
        if heading.inner_text() == f"Item {probes['item']}":
            break
        shown = heading.inner_text()
        page.keyboard.press("s")
        expect(heading).not_to_have_text(shown)
    expect(heading).to_have_text(f"Item {probes['item']}")
    assert_shown_as_text(
        page,
        trap,
        [
            probes["item"],
            probes["label"],
            f"{probes['annotator']}: ",
            f"{probes['other annotator']}: ",
            f"{probes['reviewer']}: ",
        ],
    )
