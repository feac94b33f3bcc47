"""Training and evaluation sets: seed rows, gold labels split into training and audit, suspect labels."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from feedback.review.gold import gold_labels
from feedback.store import db
from feedback.store.repository.fragments import ids_in
from feedback.store.repository.items import read_inputs


def seed_training_set(engine: Engine) -> pd.DataFrame:
    """Seed rows with their features and a ``__label__`` column."""
    return db.read_frame(
        engine,
        f"SELECT i.*, s.label AS __label__ FROM seedlabel s JOIN {db.SEED_INPUT} i USING (external_id) "
        "ORDER BY external_id",
    )


def label_events_frame(engine: Engine, *, split_items_only: bool = False) -> pd.DataFrame:
    """Every label event that can bear on a gold label (labels, adjudications, undos), oldest first.

    With ``split_items_only``, only the events of items that were ever given two different labels:
    the only items on which experts can disagree.
    """
    split = ("AND external_id IN (SELECT external_id FROM labelevent WHERE action IN ('confirm', 'correct') "
             "GROUP BY external_id HAVING count(DISTINCT label) > 1)") if split_items_only else ""
    return db.read_frame(
        engine,
        f"""SELECT id, external_id, annotator, label, action, created_at, voids_event_id FROM labelevent
           WHERE action IN ('confirm', 'correct', 'adjudicate', 'undo') {split} ORDER BY id""",
    )


def gold_label_series(engine: Engine, audit: bool) -> pd.Series:
    """Gold labels of the audit items (``audit=True``) or of the other production items, indexed by external_id.

    They follow feedback.review.gold's rules (adjudication > majority > single; conflicts left out),
    computed on the events, in id order.
    """
    gold = gold_labels(label_events_frame(engine))
    gold = gold.loc[gold["label"].notna(), "label"].astype(str)
    ids = db.read_frame(
        engine,
        f"SELECT external_id FROM prediction WHERE is_audit = ? AND {ids_in('external_id', len(gold))} "
        "ORDER BY external_id",
        [audit, gold.index.astype(str).tolist()],
    )["external_id"]
    return gold.reindex(ids)


def _gold_set(engine: Engine, audit: bool) -> pd.DataFrame:
    gold = gold_label_series(engine, audit)
    frame = read_inputs(engine, db.PREDICTION_INPUT, gold.index.tolist()).reset_index()
    return frame.assign(__label__=gold.to_numpy())


def expert_label_ids(engine: Engine) -> pd.Series:
    """Ids of the gold-labelled items outside the audit slice (what a retrain would learn from)."""
    return gold_label_series(engine, audit=False).index.to_series(index=None, name="external_id")


def expert_training_set(engine: Engine) -> pd.DataFrame:
    """Gold-labelled production items outside the audit slice, with features and ``__label__``."""
    return _gold_set(engine, audit=False)


def audit_evaluation_set(engine: Engine) -> pd.DataFrame:
    """Gold-labelled audit items, with features and ``__label__``: no model trains on these."""
    return _gold_set(engine, audit=True)


def replace_suspect_labels(engine: Engine, suspects: pd.DataFrame) -> int:
    """Replace the stored suspect labels with ``suspects`` (SuspectLabel columns), in one transaction."""
    with db.native_transaction(engine) as raw:
        raw.execute("DELETE FROM suspectlabel")
        return db.insert_frame(raw, "suspectlabel", suspects)


def suspect_labels(engine: Engine) -> pd.DataFrame:
    """The stored suspect labels, least self-confident first."""
    return db.read_frame(engine, "SELECT * FROM suspectlabel ORDER BY self_confidence, external_id")
