"""The blended queue policy: each signal's weight moves items, and each item says what it added."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from store_sql import read_sql

from active_learning import entropy_score, margin_score, uncertainty_score
from feedback import store
from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.review import (
    QueuePolicy,
    build_review_queue,
    claim_review_items,
    confident_joint_suspects,
    find_suspect_labels,
    import_labels,
    load_queue_policy,
    record_label,
    save_queue_policy,
)
from feedback.store import native

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

PRODUCTION_START = 100  # as in tests/conftest.py

ONLY = dict(
    uncertainty=0.0,
    dispute=0.0,
    challenger_disagreement=0.0,
    expert_disagreement=0.0,
    suspect_label=0.0,
    diversity=0.0,
    adaptive=False,
)


def write_frame(frame: pd.DataFrame, path):
    frame.to_csv(path, index=False)
    return path


def only(**weights) -> QueuePolicy:
    """A policy where only the named weights are on."""
    return QueuePolicy(**{**ONLY, **weights})


def _predictions(ws) -> pd.DataFrame:
    return read_sql(ws, "SELECT * FROM prediction ORDER BY external_id").set_index("external_id")


# --- the policy file ---------------------------------------------------------------


def test_policy_is_saved_validated_and_read_back(ws):
    assert load_queue_policy(ws) == QueuePolicy()
    save_queue_policy(ws, actor=ADMIN, uncertainty_measure="entropy", dispute=3.0)
    assert load_queue_policy(ws) == QueuePolicy(uncertainty_measure="entropy", dispute=3.0)
    before = (ws.home / "queue_policy.json").read_text()
    for bad in ({"uncertainty_measure": "vibes"}, {"dispute": -1.0}, {"audit_share": 1.5}, {"speed": 2.0}):
        with pytest.raises(InputError):
            save_queue_policy(ws, actor=ADMIN, **bad)
    assert (ws.home / "queue_policy.json").read_text() == before


def test_a_broken_policy_file_is_named_in_the_error(ws):
    (ws.home / "queue_policy.json").write_text('{"dispute": "lots"}')
    with pytest.raises(InputError, match="queue_policy.json"):
        build_review_queue(ws)


# --- uncertainty measures ---------------------------------------------------------------


@pytest.mark.parametrize(
    "measure, column, ascending",
    [
        ("margin", "margin", True),
        ("entropy", "entropy", False),
        ("least-confident", "confidence", True),
    ],
)
def test_each_uncertainty_measure_orders_the_page(ws, ingested, measure, column, ascending):
    rows = _predictions(ws)
    plain = rows[~rows["is_audit"]].reset_index().sort_values([column, "external_id"], ascending=[ascending, True])
    queue = build_review_queue(ws, 8, audit_share=0.0, policy=only(uncertainty=1.0, uncertainty_measure=measure))
    assert [item.id for item in queue] == list(plain["external_id"][:8])
    priorities = [item.priority for item in queue]
    assert priorities == sorted(priorities, reverse=True) and all(0 <= p <= 1 + 1e-9 for p in priorities)


@pytest.mark.parametrize("measure", ["margin", "entropy", "least-confident"])
def test_the_queue_sql_measure_equals_the_python_definition_on_random_probabilities(ws, ingested, measure):
    ids = _predictions(ws).index.tolist()
    proba = np.random.default_rng(7).dirichlet(np.full(10, 0.3), size=len(ids))
    proba[0], proba[1], proba[2] = np.full(10, 0.1), np.eye(10)[3], np.r_[0.5, 0.5, np.zeros(8)]  # edge cases
    # Store what ingest stores for these probabilities; the queue's SQL ranks on these columns.
    scores = zip(proba, margin_score(proba), entropy_score(proba), ids, strict=True)
    rows = [[float(p.max()), float(m), float(e), external_id] for p, m, e, external_id in scores]
    with store.session(ws) as session:
        native.connection(session).executemany(
            "UPDATE prediction SET confidence = ?, margin = ?, entropy = ?, is_audit = false WHERE external_id = ?",
            rows,
        )

    queue = build_review_queue(ws, len(ids), audit_share=0.0, policy=only(uncertainty=1.0, uncertainty_measure=measure))

    expected = dict(zip(ids, uncertainty_score(proba, measure), strict=True))
    assert len(queue) == len(ids)
    for item in queue:
        assert item.priority == pytest.approx(expected[item.id], abs=1e-12)


# --- disputes and the challenger ---------------------------------------------------------


def test_a_dispute_weight_of_zero_leaves_disputes_to_uncertainty(ws, ingested, tmp_path):
    rows = _predictions(ws)
    sure = rows[~rows["is_audit"]].sort_values("margin", ascending=False).index[0]
    write_frame(pd.DataFrame({"id": [sure], "signal": ["disputed"]}), tmp_path / "fb.csv")
    ingest_feedback(ws, tmp_path / "fb.csv")
    weighted = build_review_queue(ws, 5, audit_share=0.0, policy=QueuePolicy(diversity=0.0, adaptive=False))
    ignored = build_review_queue(ws, 5, audit_share=0.0, policy=QueuePolicy(diversity=0.0, dispute=0.0, adaptive=False))
    assert weighted[0].id == sure and any("disputed by an end user" in r for r in weighted[0].reasons)
    assert sure not in {item.id for item in ignored}


def test_challenger_disagreement_surfaces_items_the_shadow_model_calls_otherwise(ws, challenger, write_production):
    ingest_predictions(ws, write_production(200))  # scored by the champion, and by the challenger in shadow
    rows = _predictions(ws)
    fresh = rows[rows["challenger_version"].notna() & ~rows["is_audit"]]
    disagree = set(fresh.index[fresh["challenger_predicted"] != fresh["predicted"]])
    assert len(disagree) >= 3, "the test needs a few disagreements"

    queue = build_review_queue(ws, len(disagree), audit_share=0.0, policy=only(challenger_disagreement=1.0))

    assert {item.id for item in queue} == disagree
    for item in queue:
        assert item.reasons == [f"the challenger predicts {rows.loc[item.id, 'challenger_predicted']} (+1.00)"]


# --- expert ties -------------------------------------------------------------------------


def test_an_expert_tie_goes_to_a_third_expert_who_can_lease_it(ws, ingested):
    rows = _predictions(ws)
    item = rows[~rows["is_audit"]].sort_values("margin", ascending=False).index[0]  # last in uncertainty order
    record_label(ws, item, "1", annotator="ana")
    record_label(ws, item, "2", annotator="ben")
    policy = QueuePolicy(diversity=0.0, adaptive=False)
    save_queue_policy(ws, actor=ADMIN, diversity=0.0)

    for_carol = build_review_queue(ws, 5, audit_share=0.0, annotator="carol", policy=policy)
    assert for_carol[0].id == item and for_carol[0].relook
    assert any("experts' labels tie" in reason for reason in for_carol[0].reasons)
    assert item not in {i.id for i in build_review_queue(ws, 60, annotator="ana", policy=policy)}
    assert item in {i.id for i in claim_review_items(ws, "carol", 1, audit_share=0.0)}

    record_label(ws, item, "1", annotator="carol")  # a majority now: the tie is settled
    assert item not in {i.id for i in build_review_queue(ws, 60, annotator="dan", policy=policy)}


# --- suspect labels ------------------------------------------------------------------------


def test_confident_joint_flags_a_label_the_model_contradicts_by_hand():
    classes = ["a", "b"]
    labels = np.array(["a", "a", "a", "b", "b", "b"], dtype=object)
    proba = np.array(
        [
            [0.9, 0.1],
            [0.8, 0.2],
            [0.1, 0.9],  # the third "a" looks like a "b"
            [0.2, 0.8],
            [0.3, 0.7],
            [0.4, 0.6],
        ]
    )
    # thresholds: a = mean(0.9, 0.8, 0.1) = 0.6; b = mean(0.8, 0.7, 0.6) = 0.7
    table = confident_joint_suspects(labels, proba, classes)
    assert list(table.index) == [2]
    assert table.loc[2].to_dict() == {"given_label": "a", "suggested_label": "b", "self_confidence": 0.1}


def _label_with_flips(ws, digits_frame, tmp_path, n=200, flips=12):
    rows = digits_frame.iloc[PRODUCTION_START + 300 : PRODUCTION_START + 300 + n]
    ingest_predictions(ws, write_frame(rows.drop(columns="label"), tmp_path / "prod.csv"))
    labels = rows["label"].astype(str).to_numpy(dtype=object).copy()
    flipped = np.arange(0, n, n // flips)[:flips]
    labels[flipped] = [str((int(v) + 5) % 10) for v in labels[flipped]]
    import_labels(
        ws, write_frame(pd.DataFrame({"id": rows["id"], "label": labels}), tmp_path / "labels.csv"), annotator="ana"
    )
    return set(rows["id"].iloc[flipped])


def test_suspect_labels_find_most_flipped_labels_and_few_others(ws, digits_frame, tmp_path):
    flipped = _label_with_flips(ws, digits_frame, tmp_path)
    report = find_suspect_labels(ws, actor=ADMIN)
    suspects = set(read_sql(ws, "SELECT external_id FROM suspectlabel")["external_id"])
    assert report.n_suspect == len(suspects) and report.folds == 5
    assert len(suspects & flipped) >= 0.75 * len(flipped)
    assert len(suspects - flipped) <= len(flipped)


def test_a_suspect_label_returns_to_its_labeller_and_leaves_once_answered_again(ws, digits_frame, tmp_path):
    flipped = _label_with_flips(ws, digits_frame, tmp_path)
    find_suspect_labels(ws, actor=ADMIN)
    save_queue_policy(
        ws, actor=ADMIN, uncertainty=0.0, dispute=0.0, challenger_disagreement=0.0, diversity=0.0, audit_share=0.0
    )

    held = claim_review_items(ws, "ana", 3)
    assert held and all(item.relook for item in held)
    top = held[0]
    assert top.reasons[0].startswith("suspect label: given ") and top.id in flipped

    truth = digits_frame.set_index("id").loc[top.id, "label"]
    record_label(ws, top.id, str(truth), annotator="ana")
    assert top.id not in {item.id for item in build_review_queue(ws, 60, annotator="ana")}
    assert top.id not in {item.id for item in build_review_queue(ws, 60, annotator="ben")}


def test_too_few_labels_for_cross_validation_is_said_and_changes_nothing(ws, ingested):
    report = find_suspect_labels(ws, actor=ADMIN)
    assert report.n_suspect == 0 and "Too few labels" in report.reason


# --- diversity ----------------------------------------------------------------------------


def test_diversity_keeps_near_duplicates_from_filling_a_page(ws, production_frame, tmp_path):
    others = production_frame(60)
    base = others.iloc[[0]]
    copies = pd.concat([base] * 10, ignore_index=True).assign(id=[f"copy-{i}" for i in range(10)])
    ingest_predictions(ws, write_frame(pd.concat([copies, others], ignore_index=True), tmp_path / "p.csv"))
    # The copies are the most uncertain rows: squeeze their margin to the top on purpose.
    with store.session(ws) as session:
        session.execute(text("UPDATE prediction SET margin = 0.0, is_audit = false WHERE external_id LIKE 'copy-%'"))

    plain = build_review_queue(ws, 10, audit_share=0.0, policy=only(uncertainty=1.0))
    spread = build_review_queue(ws, 10, audit_share=0.0, policy=only(uncertainty=1.0, diversity=1.0))

    assert sum(item.id.startswith("copy-") for item in plain) == 10
    assert sum(item.id.startswith("copy-") for item in spread) <= 2
    assert any("unlike the items above it" in reason for item in spread for reason in item.reasons)


def test_relook_items_are_ranked_by_priority_so_many_suspects_do_not_crowd_out_a_tie(ws, digits_frame, tmp_path):
    flipped = _label_with_flips(ws, digits_frame, tmp_path)
    assert find_suspect_labels(ws, actor=ADMIN).n_suspect > 3
    tie = next(i for i in digits_frame["id"].iloc[PRODUCTION_START + 300 : PRODUCTION_START + 500] if i not in flipped)
    record_label(ws, tie, "0" if digits_frame.set_index("id").loc[tie, "label"] != 0 else "1", annotator="ben")
    policy = only(expert_disagreement=1.5, suspect_label=1.0)

    page = build_review_queue(ws, 3, audit_share=0.0, annotator="carol", policy=policy)

    assert page[0].id == tie and page[0].priority == pytest.approx(1.5)
    assert all(item.reasons[0].startswith("suspect label") for item in page[1:])
    ties_only = build_review_queue(ws, 3, audit_share=0.0, annotator="carol", policy=only(expert_disagreement=1.5))
    assert [item.id for item in ties_only] == [tie]
