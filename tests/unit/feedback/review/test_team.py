"""feedback.review.team.team_overview: agreement and conflicts from the stored events."""

import pytest

from feedback.access import Actor
from feedback.exceptions import FeedbackError
from feedback.gold import AgreementFigure
from feedback.review import adjudicate, record_label, team_overview


def test_no_labels_yet_gives_empty_figures_and_no_conflicts(ws, ingested):
    overview = team_overview(ws)
    assert overview.agreement.n_items_labelled == 0
    assert overview.agreement.fleiss == AgreementFigure(value=None, n_items=0, n_ratings=0)
    assert overview.conflicts.empty
    assert overview.labels == [str(i) for i in range(10)]


def test_conflicts_most_disputed_first_and_adjudicated_items_leave(ws, ingested):
    for annotator, label in (("ana", "1"), ("bo", "2"), ("cy", "3")):
        record_label(ws, "d-0100", label, annotator=annotator)
    for annotator, label in (("ana", "4"), ("bo", "5")):
        record_label(ws, "d-0101", label, annotator=annotator)
    record_label(ws, "d-0102", "6", annotator="ana")
    record_label(ws, "d-0102", "6", annotator="bo")

    overview = team_overview(ws)
    assert list(overview.conflicts.index) == ["d-0100", "d-0101"]
    assert overview.conflicts.loc["d-0101", "votes"] == {"4": ["ana"], "5": ["bo"]}
    agreement = overview.agreement
    assert (agreement.n_items_shared, agreement.fleiss.n_items, agreement.fleiss.n_ratings) == (3, 3, 7)
    ana_bo = next(p for p in agreement.cohen if (p.annotator_a, p.annotator_b) == ("ana", "bo"))
    assert (ana_bo.n_items, ana_bo.observed_agreement) == (3, pytest.approx(1 / 3))

    adjudicate(ws, "d-0100", "1", actor=Actor("lee", "lead"))
    assert list(team_overview(ws).conflicts.index) == ["d-0101"]


def test_a_store_without_a_task_says_so(empty_ws):
    with pytest.raises(FeedbackError):
        team_overview(empty_ws)
