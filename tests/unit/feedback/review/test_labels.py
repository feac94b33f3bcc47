"""Expert labels: single events and file imports, all append-only."""

import pandas as pd
import pytest
from store_sql import gold_set, read_sql

from feedback import store
from feedback.exceptions import InputError
from feedback.review import import_labels, record_label
from feedback.store import repository


def _events(ws) -> pd.DataFrame:
    return read_sql(ws, "SELECT * FROM labelevent ORDER BY id")


def _predicted(logged, ws, item: str) -> str:
    return logged(ws).loc[item, "predicted"]


def _other_label(label: str) -> str:
    return "1" if label != "1" else "2"


# --- one label at a time ---------------------------------------------------------------------------


def test_label_equal_to_the_prediction_is_a_confirm(ws, ingested, logged):
    shown = _predicted(logged, ws, "d-0100")

    event = record_label(ws, "d-0100", shown, annotator=" ana ", seconds_spent=1.5, reason_code="clear", comment="easy")

    assert event.id is not None
    assert (event.action, event.label, event.annotator) == ("confirm", shown, "ana")
    assert (event.shown_prediction, event.shown_model_version, event.suggestion_hidden) == (shown, 1, False)
    stored = _events(ws)
    assert len(stored) == 1
    row = stored.iloc[0]
    assert (row["external_id"], row["label"], row["action"], row["annotator"]) == ("d-0100", shown, "confirm", "ana")
    assert (row["seconds_spent"], row["reason_code"], row["comment"]) == (1.5, "clear", "easy")


def test_label_different_from_the_prediction_is_a_correct(ws, ingested, logged):
    shown = _predicted(logged, ws, "d-0101")
    event = record_label(ws, "d-0101", _other_label(shown), annotator="ana")
    assert (event.action, event.label, event.shown_prediction) == ("correct", _other_label(shown), shown)


def test_blind_review_does_not_record_a_shown_prediction(ws, ingested, logged):
    shown = _predicted(logged, ws, "d-0102")
    event = record_label(ws, "d-0102", shown, annotator="ana", suggestion_hidden=True)
    assert (event.action, event.shown_prediction, event.suggestion_hidden) == ("confirm", None, True)
    assert bool(_events(ws)["suggestion_hidden"].iloc[0]) is True


@pytest.mark.parametrize("action", ["skip", "ambiguous"])
def test_skip_and_ambiguous_carry_no_label(ws, ingested, logged, state, action):
    event = record_label(ws, "d-0103", None, annotator="ana", action=action)
    assert (event.action, event.label) == (action, None)
    assert state(ws)["label_events"] == 1
    assert state(ws)["labelled_items"] == 0


@pytest.mark.parametrize("action", ["skip", "ambiguous"])
def test_skip_and_ambiguous_with_a_label_are_refused(ws, ingested, state, action):
    # Issue 9: a label given with skip or ambiguous was silently dropped; it is refused now.
    before = state(ws)
    with pytest.raises(InputError, match=f"Action {action} records no label, but '4' was given; drop the label"):
        record_label(ws, "d-0103", "4", annotator="ana", action=action)
    assert state(ws) == before


def test_labels_are_append_only_and_each_expert_counts_once_in_the_gold_label(ws, ingested, logged, state):
    shown = _predicted(logged, ws, "d-0104")
    record_label(ws, "d-0104", shown, annotator="ana")
    record_label(ws, "d-0104", _other_label(shown), annotator="ben")

    def gold():
        frame = pd.concat([gold_set(ws), gold_set(ws, audit=True)])
        return list(frame.loc[frame["external_id"] == "d-0104", "__label__"])

    assert gold() == [], "one expert against another is a conflict: no gold label until a lead adjudicates"
    record_label(ws, "d-0104", _other_label(shown), annotator="ana")  # ana changes her mind
    with store.session(ws) as session:
        history = repository.label_history(session, "d-0104")
    assert [(e.annotator, e.action) for e in history] == [("ana", "confirm"), ("ben", "correct"), ("ana", "correct")]
    counts = state(ws)
    assert (counts["label_events"], counts["labelled_items"]) == (3, 1)
    assert gold() == [_other_label(shown)]


@pytest.mark.parametrize(
    ("item", "label", "kwargs", "expected"),
    [
        pytest.param("nope-1", "3", {"annotator": "ana"}, "No logged prediction has id 'nope-1'", id="unknown-id"),
        pytest.param(
            "d-0100", "11", {"annotator": "ana"}, "Label '11' is not in the task's label set", id="label-outside-set"
        ),
        pytest.param(
            "d-0100",
            "cat",
            {"annotator": "ana", "action": "correct"},
            "Label 'cat' is not in",
            id="label-outside-set-explicit-action",
        ),
        pytest.param("d-0100", None, {"annotator": ""}, "Say who is labelling", id="empty-annotator"),
        pytest.param("d-0100", None, {"annotator": "   "}, "Say who is labelling", id="blank-annotator"),
        pytest.param("d-0100", None, {"annotator": "ana"}, "Give a label", id="no-label-no-action"),
        pytest.param(
            "d-0100",
            None,
            {"annotator": "ana", "action": "correct"},
            "Action correct needs a label",
            id="correct-without-label",
        ),
        pytest.param(
            "d-0100", "3", {"annotator": "ana", "action": "delete"}, "Unknown action 'delete'", id="unknown-action"
        ),
    ],
)
def test_refused_label_names_the_problem_and_writes_nothing(ws, ingested, state, item, label, kwargs, expected):
    before = state(ws)
    with pytest.raises(InputError, match=expected):
        record_label(ws, item, label, **kwargs)
    assert state(ws) == before
    assert _events(ws).empty


def test_confirm_of_a_label_other_than_the_prediction_is_refused(ws, ingested, logged, state):
    shown = _predicted(logged, ws, "d-0100")
    before = state(ws)

    with pytest.raises(InputError) as info:
        record_label(ws, "d-0100", _other_label(shown), annotator="ana", action="confirm")

    assert f"the model predicted {shown!r}" in str(info.value)
    assert "--action correct" in str(info.value)
    assert state(ws) == before


# --- labels from a file ------------------------------------------------------------------------------


def test_import_labels_records_one_event_per_row_with_what_the_model_said(ws, ingested, logged, tmp_path):
    rows = logged(ws)
    ids = ["d-0100", "d-0101", "d-0102"]
    labels = [
        rows.loc["d-0100", "predicted"],
        _other_label(rows.loc["d-0101", "predicted"]),
        rows.loc["d-0102", "predicted"],
    ]
    pd.DataFrame({"id": ids, "label": labels, "comment": ["a", "b", "c"], "reason_code": ["r1", "r2", "r3"]}).to_csv(
        tmp_path / "labels.csv", index=False
    )

    assert import_labels(ws, tmp_path / "labels.csv", annotator="ana") == 3

    events = _events(ws)
    assert list(events["external_id"]) == ids
    assert list(events["label"]) == labels
    assert list(events["action"]) == ["confirm", "correct", "confirm"]
    assert set(events["annotator"]) == {"ana"}
    assert list(events["shown_prediction"]) == [rows.loc[i, "predicted"] for i in ids]
    assert list(events["shown_model_version"]) == [1, 1, 1]
    assert list(events["comment"]) == ["a", "b", "c"]
    assert list(events["reason_code"]) == ["r1", "r2", "r3"]


@pytest.mark.parametrize(
    ("frame", "annotator", "expected"),
    [
        pytest.param(
            {"id": ["d-0100", "nope-7"], "label": ["3", "4"]},
            "ana",
            ["no logged prediction has id 'nope-7'", "line 3"],
            id="unknown-id",
        ),
        pytest.param(
            {"id": ["d-0100", "d-0101"], "label": ["3", "12"]},
            "ana",
            ["label '12'", "line 3", "not in the task's label set"],
            id="label-outside-set",
        ),
        pytest.param({"id": ["d-0100"], "label": ["3"]}, "", ["Say who labelled the file"], id="missing-annotator"),
        pytest.param({"id": ["d-0100"]}, "ana", ["'label' is missing"], id="missing-label-column"),
        pytest.param(
            {"id": ["d-0100"], "label": ["3"], "score": [1]}, "ana", ["unknown column(s) score"], id="extra-column"
        ),
        pytest.param({"id": ["d-0100", "d-0101"], "label": ["3", None]}, "ana", ["empty on line 3"], id="empty-label"),
    ],
)
def test_refused_label_file_names_the_problem_and_writes_nothing(
    ws, ingested, tmp_path, state, frame, annotator, expected
):
    path = tmp_path / "labels.csv"
    pd.DataFrame(frame).to_csv(path, index=False)
    before = state(ws)

    with pytest.raises(InputError) as info:
        import_labels(ws, path, annotator=annotator)

    for fragment in expected:
        assert fragment in str(info.value)
    assert state(ws) == before
    assert _events(ws).empty
