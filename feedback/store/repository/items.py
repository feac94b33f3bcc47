"""The task, logged items and their events: bulk writes, single rows, look-ups over many ids, counts and export."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feedback.exceptions import NotInitializedError
from feedback.store import db
from feedback.store.models import FeedbackSignal, IngestBatch, LabelEvent, Prediction, Task
from feedback.store.repository.fragments import LABELLED_ITEMS_SQL, ids_in


def get_task(session: Session) -> Task:
    """The store's task; raises NotInitializedError when there is none."""
    task = session.exec(select(Task)).first()
    if task is None:
        raise NotInitializedError()
    return task


def has_task(engine: Engine) -> bool:
    """Whether a task exists (False on a database with no tables yet)."""
    try:
        with Session(engine) as session:
            return session.exec(select(Task)).first() is not None
    except Exception:  # noqa: BLE001 - a fresh file has no task table: that is "no task"
        return False


def insert_seed(raw: Any, inputs: pd.DataFrame, labels: pd.DataFrame) -> None:
    """Store the seed file's features and labels (inside a native transaction)."""
    db.insert_frame(raw, db.SEED_INPUT, inputs)
    db.insert_frame(raw, "seedlabel", labels)


def insert_predictions(raw: Any, batch: IngestBatch, predictions: pd.DataFrame, inputs: pd.DataFrame) -> None:
    """Store one ingest call: its batch row, prediction rows and input rows, all or nothing.

    ``predictions`` carries the class probabilities as ``proba_0 .. proba_k``
    columns (task label order); they are packed into the JSON column here.
    """
    db.insert_frame(raw, "ingestbatch", pd.DataFrame([batch.model_dump()]))
    proba_cols = sorted((c for c in predictions.columns if c.startswith("proba_")), key=lambda c: int(c[6:]))
    plain = [c for c in predictions.columns if not c.startswith("proba_")]
    raw.register("_incoming_predictions", db.scannable(predictions))
    try:
        cols = ", ".join(db.quote(c) for c in plain)
        packed = "to_json([" + ", ".join(proba_cols) + "])"
        raw.execute(
            f"INSERT INTO prediction ({cols}, probabilities) SELECT {cols}, {packed} FROM _incoming_predictions"
        )
    finally:
        raw.unregister("_incoming_predictions")
    db.insert_frame(raw, db.PREDICTION_INPUT, inputs)


def insert_feedback_signals(raw: Any, signals: pd.DataFrame) -> int:
    """Append end-user signals (external_id, signal, user_label, received_at)."""
    return db.insert_frame(raw, "feedbacksignal", signals)


def insert_label_events(raw: Any, events: pd.DataFrame) -> int:
    """Append many label events at once (ids come from the sequence)."""
    return db.insert_frame(raw, "labelevent", events)


def add(session: Session, row: Any) -> Any:
    """Insert one row, commit, and return it refreshed (with its generated id)."""
    session.add(row)
    session.commit()
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


def known_ids(engine: Engine, table: str, ids: pd.Series) -> set[str]:
    """Which of ``ids`` already exist in ``table`` (prediction or seedlabel)."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.register("_lookup_ids", pd.DataFrame({"external_id": ids.astype(str)}))
        try:
            rows = raw.execute(
                f"SELECT t.external_id FROM {db.quote(table)} t JOIN _lookup_ids USING (external_id)"
            ).fetchall()
        finally:
            raw.unregister("_lookup_ids")
    return {r[0] for r in rows}


def logged_signals(engine: Engine, ids: pd.Series) -> pd.DataFrame:
    """End-user signals already stored for any of ``ids``: external_id, signal, user_label."""
    return db.read_frame(
        engine,
        f"SELECT external_id, signal, user_label FROM feedbacksignal WHERE {ids_in('external_id', len(ids))}",
        [ids.astype(str).unique().tolist()],
    )


def read_inputs(engine: Engine, table: str, ids: list[str]) -> pd.DataFrame:
    """Input features of the given items, in the order of ``ids``, indexed by external_id."""
    frame = db.read_frame(engine, f"SELECT * FROM {db.quote(table)} WHERE {ids_in('external_id', len(ids))}", [ids])
    return frame.set_index("external_id").reindex(ids)


def predictions_frame(engine: Engine, ids: list[str]) -> pd.DataFrame:
    """Logged predictions of the given items, indexed by external_id."""
    frame = db.read_frame(engine, f"SELECT * FROM prediction WHERE {ids_in('external_id', len(ids))}", [ids])
    return frame.set_index("external_id").reindex(ids)


def seed_ids(engine: Engine) -> set[str]:
    """Ids of the seed file's rows."""
    return set(db.read_frame(engine, "SELECT external_id FROM seedlabel")["external_id"].astype(str))


def newest_label_event_id(engine: Engine) -> int | None:
    """Id of the newest label event (None before the first): it moves with every answer, undo or adjudication."""
    with Session(engine) as session:
        return session.exec(select(func.max(LabelEvent.id))).one()


def count_rows(engine: Engine) -> dict[str, int]:
    """Row counts behind ``status``."""
    frame = db.read_frame(
        engine,
        f"""SELECT
            (SELECT count(*) FROM prediction) AS predictions,
            (SELECT count(*) FROM prediction WHERE is_audit) AS audit_items,
            (SELECT count(*) FROM labelevent) AS label_events,
            (SELECT count(*) FROM ({LABELLED_ITEMS_SQL})) AS labelled_items,
            (SELECT count(*) FROM feedbacksignal WHERE signal = 'disputed') AS disputes,
            (SELECT count(*) FROM seedlabel) AS seed_labels""",
    )
    return {k: int(v) for k, v in frame.iloc[0].items()}


EXPORT_SQL = """
    SELECT id AS event_id, external_id AS id, label, action, annotator, created_at,
           reason_code, comment, seconds_spent, shown_prediction, shown_model_version,
           suggestion_hidden, shown_model_version AS serving_model_version, served_prediction,
           served_confidence, is_audit, batch_id
    FROM labelevent ORDER BY event_id
"""
