"""Training and evaluation use gold labels: adjudication beats a majority, which beats a single label."""

import pytest
from store_sql import gold_set, in_session

from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.intake import ingest_predictions
from feedback.review import adjudicate, record_label, undo_last_answer
from feedback.store import repository


@pytest.fixture
def item(ws, write_production, production_frame):
    """One logged non-audit item and one audit item (ids), with every label valid."""
    ingest_predictions(ws, write_production(60, start=200))
    frame = in_session(ws, repository.predictions_frame, list(production_frame(60, start=200)["id"]))
    return frame.index[~frame["is_audit"].astype(bool)][0], frame.index[frame["is_audit"].astype(bool)][0]


def _gold(ws, external_id, audit=False):
    frame = gold_set(ws, audit=True) if audit else gold_set(ws)
    rows = frame[frame["external_id"] == external_id]
    return None if rows.empty else rows["__label__"].iloc[0]


def test_majority_then_adjudication(ws, item):
    plain, _ = item
    for annotator, label in (("ana", "3"), ("bo", "3"), ("cy", "5")):
        record_label(ws, plain, label, annotator=annotator)
    assert _gold(ws, plain) == "3"
    adjudicate(ws, plain, "5", actor=Actor("lee", "lead"), comment="the stroke is a 5")
    assert _gold(ws, plain) == "5"


def test_tie_is_left_out_until_adjudicated(ws, item):
    plain, audit = item
    record_label(ws, audit, "1", annotator="ana")
    record_label(ws, audit, "7", annotator="bo")
    assert _gold(ws, audit, audit=True) is None, "a conflict has no gold label and is not evaluated on"
    adjudicate(ws, audit, "7", actor=Actor("lee", "admin"))
    assert _gold(ws, audit, audit=True) == "7"


def test_undone_label_is_not_gold(ws, item):
    plain, _ = item
    record_label(ws, plain, "2", annotator="ana")
    undo_last_answer(ws, annotator="ana")
    assert _gold(ws, plain) is None


def test_only_leads_and_admins_adjudicate(ws, item):
    plain, _ = item
    before = in_session(ws, repository.count_rows)["label_events"]
    with pytest.raises(InputError, match="may not adjudicate; only leads and admins may"):
        adjudicate(ws, plain, "2", actor=Actor("ana", "annotator"))
    with pytest.raises(InputError, match="not in the task's label set"):
        adjudicate(ws, plain, "eleven", actor=Actor("lee", "lead"))
    assert in_session(ws, repository.count_rows)["label_events"] == before
