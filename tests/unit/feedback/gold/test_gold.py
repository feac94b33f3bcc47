"""The gold label of an item: adjudication beats a majority, which beats a single label."""

import math

import pandas as pd
import pytest

from feedback.gold import conflicting_items, gold_labels


def _events(*rows) -> pd.DataFrame:
    """Events from (external_id, annotator, label, action) rows, in the order they happened."""
    frame = pd.DataFrame(rows, columns=["external_id", "annotator", "label", "action"])
    frame.insert(0, "id", range(1, len(frame) + 1))
    return frame


def _row(gold: pd.DataFrame, item: str) -> dict:
    return gold.loc[item].to_dict()


def test_a_single_label_is_gold():
    gold = gold_labels(_events(("x", "ana", "cat", "confirm")))

    assert _row(gold, "x") == {"label": "cat", "source": "single", "n_labels": 1, "n_annotators": 1, "agreement": 1.0}


def test_a_majority_beats_a_single_dissent():
    gold = gold_labels(
        _events(("x", "ana", "cat", "confirm"), ("x", "bo", "dog", "correct"), ("x", "cy", "cat", "confirm"))
    )

    row = _row(gold, "x")
    assert (row["label"], row["source"], row["n_labels"]) == ("cat", "majority", 3)
    assert row["agreement"] == pytest.approx(2 / 3)


def test_a_plurality_counts_as_a_majority_and_unanimity_too():
    gold = gold_labels(
        _events(
            ("x", "ana", "cat", "confirm"),
            ("x", "bo", "cat", "confirm"),
            ("x", "cy", "dog", "correct"),
            ("x", "dee", "bird", "correct"),
            ("y", "ana", "dog", "correct"),
            ("y", "bo", "dog", "correct"),
        )
    )

    assert gold.loc["x", ["label", "source", "agreement"]].tolist() == ["cat", "majority", 0.5]
    assert gold.loc["y", ["label", "source", "agreement"]].tolist() == ["dog", "majority", 1.0]


def test_a_tie_without_adjudication_is_a_conflict_with_no_label():
    gold = gold_labels(
        _events(
            ("x", "ana", "cat", "confirm"),
            ("x", "bo", "dog", "correct"),
            ("y", "ana", "cat", "confirm"),
            ("y", "bo", "cat", "confirm"),
            ("y", "cy", "dog", "correct"),
            ("y", "dee", "dog", "correct"),
        )
    )

    for item in ("x", "y"):
        row = _row(gold, item)
        assert (row["label"], row["source"]) == (None, "conflict")
        assert math.isnan(row["agreement"])
    assert gold.loc["y", "n_labels"] == 4


def test_an_adjudication_beats_a_majority_and_the_latest_adjudication_wins():
    gold = gold_labels(
        _events(
            ("x", "ana", "cat", "confirm"),
            ("x", "bo", "cat", "confirm"),
            ("x", "cy", "dog", "correct"),
            ("x", "lee", "bird", "adjudicate"),
            ("x", "lee", "dog", "adjudicate"),
        )
    )

    row = _row(gold, "x")
    # Three expert votes, one of them for dog; four people answered (the lead included).
    assert (row["label"], row["source"], row["n_labels"], row["n_annotators"]) == ("dog", "adjudication", 3, 4)
    assert row["agreement"] == pytest.approx(1 / 3)


def test_latest_means_created_at_then_id_not_row_order():
    events = pd.DataFrame(
        {
            "id": [2, 1],
            "created_at": pd.to_datetime(["2024-05-02", "2024-05-01"]),
            "external_id": ["x", "x"],
            "annotator": ["lee", "max"],
            "label": ["cat", "dog"],
            "action": ["adjudicate", "adjudicate"],
        }
    )

    assert gold_labels(events).loc["x", "label"] == "cat"


def test_an_adjudication_alone_is_gold():
    gold = gold_labels(_events(("x", "lee", "cat", "adjudicate")))

    row = _row(gold, "x")
    assert (row["label"], row["source"], row["n_labels"], row["n_annotators"]) == ("cat", "adjudication", 0, 1)
    assert math.isnan(row["agreement"])


def test_an_expert_who_changes_their_mind_counts_once():
    gold = gold_labels(
        _events(("x", "ana", "dog", "correct"), ("x", "ana", "cat", "confirm"), ("x", "bo", "cat", "confirm"))
    )

    # Without the rule ana's two answers would make a 1-1 tie between dog and cat.
    assert _row(gold, "x") == {"label": "cat", "source": "majority", "n_labels": 2, "n_annotators": 2, "agreement": 1.0}


def test_undone_answers_and_adjudications_do_not_count():
    events = _events(
        ("x", "ana", "cat", "confirm"),
        ("x", "bo", "dog", "correct"),
        ("x", "cy", "dog", "correct"),
        ("x", "cy", None, "undo"),
        ("x", "lee", "bird", "adjudicate"),
        ("x", "lee", None, "undo"),
    )
    events["voids_event_id"] = [None, None, None, 3, None, 5]

    # cy's dog and lee's adjudication were undone: ana's cat and bo's dog tie again.
    row = _row(gold_labels(events), "x")
    assert (row["label"], row["source"], row["n_labels"], row["n_annotators"]) == (None, "conflict", 2, 2)
    assert list(conflicting_items(events).index) == ["x"]


def test_skip_and_ambiguous_are_not_labels():
    gold = gold_labels(
        _events(
            ("x", "ana", None, "skip"),
            ("x", "bo", "cat", "confirm"),
            ("x", "cy", None, "ambiguous"),
            ("y", "ana", None, "skip"),
        )
    )

    assert list(gold.index) == ["x"]
    assert _row(gold, "x") == {"label": "cat", "source": "single", "n_labels": 1, "n_annotators": 3, "agreement": 1.0}


def test_no_events_give_an_empty_frame_with_the_columns():
    gold = gold_labels(pd.DataFrame(columns=["external_id", "annotator", "label", "action"]))

    assert gold.empty
    assert list(gold.columns) == ["label", "source", "n_labels", "n_annotators", "agreement"]
    assert gold.index.name == "external_id"


# --- the adjudication queue -------------------------------------------------------------------------


def test_conflicting_items_most_disputed_first():
    events = _events(
        # tie2: 2 labels, 2 votes; three: 3 labels, 3 votes; maj4 (3-1) and tie4 (2-2): 2 labels, 4 votes.
        ("tie2", "ana", "a", "confirm"),
        ("tie2", "bo", "b", "correct"),
        ("three", "ana", "a", "confirm"),
        ("three", "bo", "b", "correct"),
        ("three", "cy", "c", "correct"),
        ("maj4", "ana", "a", "confirm"),
        ("maj4", "bo", "a", "confirm"),
        ("maj4", "cy", "a", "confirm"),
        ("maj4", "dee", "b", "correct"),
        ("tie4", "ana", "a", "confirm"),
        ("tie4", "bo", "a", "confirm"),
        ("tie4", "cy", "b", "correct"),
        ("tie4", "dee", "b", "correct"),
        # Not in the queue: everyone agrees, or a lead has settled it.
        ("agreed", "ana", "a", "confirm"),
        ("agreed", "bo", "a", "confirm"),
        ("settled", "ana", "a", "confirm"),
        ("settled", "bo", "b", "correct"),
        ("settled", "lee", "a", "adjudicate"),
    )

    table = conflicting_items(events)

    # Most distinct labels first, then most votes, then the evenest split (smallest top share).
    assert list(table.index) == ["three", "tie4", "maj4", "tie2"]
    assert table.loc["tie4", ["label", "source", "n_distinct", "n_labels", "top_share"]].tolist() == [
        None,
        "conflict",
        2,
        4,
        0.5,
    ]
    assert table.loc["maj4", ["label", "source", "top_share"]].tolist() == ["a", "majority", 0.75]
    assert table.loc["three", "votes"] == {"a": ["ana"], "b": ["bo"], "c": ["cy"]}
    assert table.loc["maj4", "votes"] == {"a": ["ana", "bo", "cy"], "b": ["dee"]}


def test_no_conflicts_give_an_empty_frame_with_the_columns():
    table = conflicting_items(_events(("x", "ana", "a", "confirm"), ("x", "bo", "a", "confirm")))

    assert table.empty
    assert list(table.columns) == ["label", "source", "n_distinct", "n_labels", "top_share", "votes"]
    assert table.index.name == "external_id"
