"""Training and evaluation sets: seed rows, gold-labelled items split into training and audit, suspect labels.

The gold labels themselves are derived from the label events outside the store
(:func:`feedback.gold.labels.gold_label_series`); the functions here take them as a Series of
labels indexed by external_id and join them to the stored items.
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session

from feedback.store import native
from feedback.store.db import SEED_INPUT
from feedback.store.repository.fragments import ids_in
from feedback.store.repository.items import read_inputs


def seed_training_set(session: Session) -> pd.DataFrame:
    """Seed rows with their features and a ``__label__`` column."""
    return native.read_frame(
        session,
        f"SELECT i.*, s.label AS __label__ FROM seedlabel s JOIN {SEED_INPUT} i USING (external_id) "
        "ORDER BY external_id",
    )


def label_events_frame(session: Session, *, split_items_only: bool = False) -> pd.DataFrame:
    """Every label event that can bear on a gold label (labels, adjudications, undos), oldest first.

    With ``split_items_only``, only the events of items that were ever given two different labels:
    the only items on which experts can disagree.
    """
    split = (
        (
            "AND external_id IN (SELECT external_id FROM labelevent WHERE action IN ('confirm', 'correct') "
            "GROUP BY external_id HAVING count(DISTINCT label) > 1)"
        )
        if split_items_only
        else ""
    )
    return native.read_frame(
        session,
        f"""SELECT id, external_id, annotator, label, action, created_at, voids_event_id FROM labelevent
           WHERE action IN ('confirm', 'correct', 'adjudicate', 'undo') {split} ORDER BY id""",
    )


def gold_of(session: Session, gold: pd.Series, audit: bool) -> pd.Series:
    """The gold labels of the audit items (``audit=True``) or of the other production items, by external_id.

    Parameters
    ----------
    gold : Series of str
        Every item's gold label, indexed by external_id (items without one left out).

    Returns
    -------
    Series of str
        The part of ``gold`` on logged predictions of that kind, ordered by external_id.
    """
    ids = native.read_frame(
        session,
        f"SELECT external_id FROM prediction WHERE is_audit = ? AND {ids_in('external_id', len(gold))} "
        "ORDER BY external_id",
        [audit, gold.index.astype(str).tolist()],
    )["external_id"]
    return gold.reindex(ids)


def _gold_set(session: Session, gold: pd.Series, audit: bool) -> pd.DataFrame:
    labels = gold_of(session, gold, audit)
    frame = read_inputs(session, labels.index.tolist()).reset_index()
    return frame.assign(__label__=labels.to_numpy())


def expert_label_ids(session: Session, gold: pd.Series) -> pd.Series:
    """Ids of the gold-labelled items outside the audit slice (what a retrain would learn from)."""
    return gold_of(session, gold, audit=False).index.to_series(index=None, name="external_id")


def expert_training_set(session: Session, gold: pd.Series) -> pd.DataFrame:
    """Gold-labelled production items outside the audit slice, with features and ``__label__``."""
    return _gold_set(session, gold, audit=False)


def audit_evaluation_set(session: Session, gold: pd.Series) -> pd.DataFrame:
    """Gold-labelled audit items, with features and ``__label__``: no model trains on these."""
    return _gold_set(session, gold, audit=True)


def replace_suspect_labels(session: Session, suspects: pd.DataFrame) -> int:
    """Replace the stored suspect labels with ``suspects`` (SuspectLabel columns), in the session's transaction."""
    native.connection(session).execute("DELETE FROM suspectlabel")
    return native.insert_frame(session, "suspectlabel", suspects)


def suspect_labels(session: Session) -> pd.DataFrame:
    """The stored suspect labels, least self-confident first."""
    return native.read_frame(session, "SELECT * FROM suspectlabel ORDER BY self_confidence, external_id")
