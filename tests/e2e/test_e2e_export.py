"""Export in the browser while the app holds the store (a CLI export could not open the file then): an admin
labels one item, then downloads every label event as CSV and version 1's training set as Parquet."""

from __future__ import annotations

import re
from contextlib import closing

import pandas as pd
import pytest
from e2e_support import confirm_button, item_id, open_review, set_annotator, wait_next_item
from playwright.sync_api import expect

from feedback.access import Actor
from feedback.demo import AUDITOR
from feedback.intake import export_training_set
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

pytestmark = pytest.mark.e2e


def _download(page, tmp_path, name_pattern: str):
    page.get_by_role("button", name="Prepare the file").click()
    button = page.get_by_role("button", name=re.compile(name_pattern))
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target


def test_admin_downloads_the_label_events_and_a_training_set(app, page, tmp_path):
    open_review(page, app)
    set_annotator(page, "ana")
    first = item_id(page)
    confirm_button(page).click()
    wait_next_item(page, first)

    page.goto(app.url + "/export")
    expect(page.get_by_role("heading", name="Export")).to_be_visible()
    events_file = _download(page, tmp_path, r"^Download labels\.csv \(")
    page.get_by_text("The training set of a model version").click()
    page.get_by_text("parquet", exact=True).click()
    expect(page.get_by_text(re.compile(r"^The rows v1 trained on, as it saw them: 100 seed rows"))).to_be_visible()
    training_file = _download(page, tmp_path, r"^Download training-set-v1\.parquet \(")
    app.stop()

    events = pd.read_csv(events_file, dtype={"id": str, "label": str})
    assert events_file.name == "labels.csv"
    assert (events["annotator"] == "ana").sum() == 1 and events.loc[events["annotator"] == "ana", "id"].item() == first
    assert (events["annotator"] == AUDITOR).sum() == len(events) - 1, "the demo's audit labels and ana's answer"
    with closing(open_workspace(app.home)) as ws:
        expected = pd.read_parquet(export_training_set(ws, 1, tmp_path / "expected.parquet", "parquet", actor=ADMIN))
    pd.testing.assert_frame_equal(pd.read_parquet(training_file), expected)
    assert training_file.name == "training-set-v1.parquet" and set(expected["source"]) == {"seed"}
