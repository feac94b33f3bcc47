"""AppTest of app_pages/export.py: admins download the label events or a version's training set; others cannot."""

import re
from contextlib import closing

from feedback.access import Actor
from feedback.lifecycle import retrain
from feedback.review import import_labels
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


def _prepare(at):
    next(b for b in at.button if b.label == "Prepare the file").click().run()
    assert not at.exception
    [download] = at.get("download_button")
    return download


def test_admin_downloads_every_label_event_then_a_versions_training_set(digits_home, page):
    with closing(open_workspace(digits_home)) as ws:
        import_labels(ws, digits_home.parent / "truth.csv", annotator="oracle")
        retrain(ws, actor=ADMIN)
    at = page("app_pages/export.py", digits_home).run()
    assert not at.exception
    assert at.title[0].value == "Export"
    assert any(c.value.startswith("300 label events on 300 labelled items") for c in at.caption)

    download = _prepare(at)  # the file's content is checked in tests/unit (export_bytes) and tests/e2e (a download)
    assert re.fullmatch(r"Download labels\.csv \(0\.\d\d MB\)", download.proto.label)

    at.radio(key="export_what").set_value("The training set of a model version").run()
    at.radio(key="export_format").set_value("parquet").run()
    at.selectbox(key="export_version").set_value(2).run()
    assert any(c.value.startswith("The rows v2 trained on, as it saw them: 40 seed rows and ") for c in at.caption)
    assert not at.get("download_button"), "a file prepared for other choices is not offered"
    download = _prepare(at)
    assert download.proto.label.startswith("Download training-set-v2.parquet (")


def test_annotators_cannot_export(digits_home, open_signed_in):
    at = open_signed_in("app_pages/export.py", digits_home)
    assert not at.exception
    assert any(i.value == "Only admins export labels." for i in at.info)
    assert not any(b.label == "Prepare the file" for b in at.button)
