"""The task, logged items and their events: bulk writes, single rows, look-ups over many ids, counts and export."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from feedback.exceptions import NotInitializedError
from feedback.store import native
from feedback.store.db import PREDICTION_INPUT, SEED_INPUT
from feedback.store.models import FeedbackSignal, IngestBatch, LabelEvent, Prediction, Task
from feedback.store.repository.fragments import LABELLED_ITEMS_SQL, ids_in

# A task never changes once created, so it is read once per engine (every click starts with it).
_TASKS: weakref.WeakKeyDictionary[object, Task] = weakref.WeakKeyDictionary()


def get_task(session: Session) -> Task:
    """The store's task (read once per engine); raises NotInitializedError when there is none."""
    engine = session.get_bind()
    task = _TASKS.get(engine)
    if task is None:
        task = session.exec(select(Task)).first()
        if task is None:
            raise NotInitializedError()
        _TASKS[engine] = task
    return task


def has_task(session: Session) -> bool:
    """Whether a task exists (False on a database with no tables yet)."""
    try:
        return session.exec(select(Task)).first() is not None
    except Exception:  # noqa: BLE001 - a fresh file has no task table: that is "no task"
        session.rollback()
        return False


def insert_seed(session: Session, inputs: pd.DataFrame, labels: pd.DataFrame) -> None:
    """Store the seed file's features and labels (bulk, in the session's transaction)."""
    native.insert_frame(session, SEED_INPUT, inputs)
    native.insert_frame(session, "seedlabel", labels)


def insert_predictions(session: Session, batch: IngestBatch, predictions: pd.DataFrame, inputs: pd.DataFrame) -> None:
    """Store one ingest call: its batch row, prediction rows and input rows (bulk, in the session's transaction).

    ``predictions`` carries the class probabilities as ``proba_0 .. proba_k``
    columns (task label order); they are packed into the JSON column here.
    """
    native.insert_frame(session, "ingestbatch", pd.DataFrame([batch.model_dump()]))
    proba_cols = sorted((c for c in predictions.columns if c.startswith("proba_")), key=lambda c: int(c[6:]))
    plain = [c for c in predictions.columns if not c.startswith("proba_")]
    with native.registered(session, "_incoming_predictions", predictions) as raw:
        cols = ", ".join(native.quote(c) for c in plain)
        packed = "to_json([" + ", ".join(proba_cols) + "])"
        raw.execute(
            f"INSERT INTO prediction ({cols}, probabilities) SELECT {cols}, {packed} FROM _incoming_predictions"
        )
    native.insert_frame(session, PREDICTION_INPUT, inputs)


def insert_feedback_signals(session: Session, signals: pd.DataFrame) -> int:
    """Append end-user signals (external_id, signal, user_label, received_at)."""
    return native.insert_frame(session, "feedbacksignal", signals)


def insert_label_events(session: Session, events: pd.DataFrame) -> int:
    """Append many label events at once (ids come from the sequence)."""
    return native.insert_frame(session, "labelevent", events)


def add(session: Session, row: Any) -> Any:
    """Insert one row and return it refreshed (with its generated id); the session commits it."""
    session.add(row)
    session.flush()
    session.refresh(row)
    return row


def get_prediction(session: Session, external_id: str) -> Prediction | None:
    """The logged prediction with this id, or None."""
    return session.get(Prediction, external_id)


def label_history(session: Session, external_id: str) -> list[LabelEvent]:
    """All label events on an item, oldest first."""
    statement = select(LabelEvent).where(LabelEvent.external_id == external_id).order_by(LabelEvent.id)
    return list(session.exec(statement).all())


def feedback_for(session: Session, external_id: str) -> list[FeedbackSignal]:
    """End-user signals on an item, oldest first."""
    statement = select(FeedbackSignal).where(FeedbackSignal.external_id == external_id).order_by(FeedbackSignal.id)
    return list(session.exec(statement).all())


def known_ids(session: Session, table: str, ids: pd.Series) -> set[str]:
    """Which of ``ids`` already exist in ``table`` (prediction or seedlabel)."""
    with native.registered(session, "_lookup_ids", pd.DataFrame({"external_id": ids.astype(str)})) as raw:
        rows = raw.execute(
            f"SELECT t.external_id FROM {native.quote(table)} t JOIN _lookup_ids USING (external_id)"
        ).fetchall()
    return {r[0] for r in rows}


def logged_signals(session: Session, ids: pd.Series) -> pd.DataFrame:
    """End-user signals already stored for any of ``ids``: external_id, signal, user_label."""
    return native.read_frame(
        session,
        f"SELECT external_id, signal, user_label FROM feedbacksignal WHERE {ids_in('external_id', len(ids))}",
        [ids.astype(str).unique().tolist()],
    )


def read_inputs(session: Session, ids: list[str]) -> pd.DataFrame:
    """Input features of the given logged predictions, in the order of ``ids``, indexed by external_id."""
    frame = native.read_frame(
        session, f"SELECT * FROM {PREDICTION_INPUT} WHERE {ids_in('external_id', len(ids))}", [ids]
    )
    return frame.set_index("external_id").reindex(ids)


def predictions_frame(session: Session, ids: list[str]) -> pd.DataFrame:
    """Logged predictions of the given items, indexed by external_id."""
    frame = native.read_frame(session, f"SELECT * FROM prediction WHERE {ids_in('external_id', len(ids))}", [ids])
    return frame.set_index("external_id").reindex(ids)


def seed_ids(session: Session) -> set[str]:
    """Ids of the seed file's rows."""
    return set(native.read_frame(session, "SELECT external_id FROM seedlabel")["external_id"].astype(str))


def newest_label_event_id(session: Session) -> int | None:
    """Id of the newest label event (None before the first): it moves with every answer, undo or adjudication."""
    return session.exec(select(func.max(LabelEvent.id))).one()


def count_rows(session: Session) -> dict[str, int]:
    """Row counts behind ``status``."""
    frame = native.read_frame(
        session,
        f"""SELECT
            (SELECT count(*) FROM prediction) AS predictions,
            (SELECT count(*) FROM prediction WHERE is_audit) AS audit_items,
            (SELECT count(*) FROM labelevent) AS label_events,
            (SELECT count(*) FROM ({LABELLED_ITEMS_SQL})) AS labelled_items,
            (SELECT count(*) FROM feedbacksignal WHERE signal = 'disputed') AS disputes,
            (SELECT count(*) FROM seedlabel) AS seed_labels""",
    )
    return {k: int(v) for k, v in frame.iloc[0].items()}


def export_label_events(session: Session, path: Path, fmt: str) -> None:
    """Write every label event with its provenance (:data:`EXPORT_SQL`) to ``path`` as csv, parquet or jsonl."""
    native.copy_query_to_file(session, EXPORT_SQL, path, fmt)


EXPORT_SQL = """
    SELECT id AS event_id, external_id AS id, label, action, annotator, created_at,
           reason_code, comment, seconds_spent, shown_prediction, shown_model_version,
           suggestion_hidden, shown_model_version AS serving_model_version, served_prediction,
           served_confidence, is_audit, batch_id
    FROM labelevent ORDER BY event_id
"""
