"""Every query of the label store: ORM for single rows, DuckDB's native path for bulk.

With db.py, the only module that speaks SQL. Callers pass and receive model
objects and DataFrames.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feedback import db
from feedback.exceptions import NotInitializedError
from feedback.gold import gold_labels
from feedback.models import (
    Alert,
    Decision,
    FeedbackSignal,
    IngestBatch,
    LabelEvent,
    Lease,
    ModelVersion,
    Prediction,
    SeedLabel,
    Task,
)

LABELLED_ACTIONS = ("confirm", "correct")

# An event counts unless it is an undo or an undo voided it (undo appends, never overwrites).
ACTIVE_EVENT_SQL = ("{e}.action <> 'undo' AND NOT EXISTS "
                    "(SELECT 1 FROM labelevent v WHERE v.voids_event_id = {e}.id)")

# Items with at least one active expert label (their gold label follows feedback.gold's rules).
_LABELLED_ITEMS_SQL = f"""
    SELECT DISTINCT external_id FROM labelevent g
    WHERE g.action IN ('confirm', 'correct', 'adjudicate') AND {ACTIVE_EVENT_SQL.format(e="g")}
"""


# --- task -----------------------------------------------------------------

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


# --- bulk writes ------------------------------------------------------------

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
    raw.register("_incoming_predictions", predictions)
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


# --- single rows ------------------------------------------------------------

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


# --- look-ups over many ids ---------------------------------------------------

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
        "SELECT external_id, signal, user_label FROM feedbacksignal WHERE external_id IN (SELECT unnest(?))",
        [ids.astype(str).unique().tolist()],
    )


def read_inputs(engine: Engine, table: str, ids: list[str]) -> pd.DataFrame:
    """Input features of the given items, in the order of ``ids``, indexed by external_id."""
    frame = db.read_frame(engine, f"SELECT * FROM {db.quote(table)} WHERE external_id IN (SELECT unnest(?))", [ids])
    return frame.set_index("external_id").reindex(ids)


def predictions_frame(engine: Engine, ids: list[str]) -> pd.DataFrame:
    """Logged predictions of the given items, indexed by external_id."""
    frame = db.read_frame(engine, "SELECT * FROM prediction WHERE external_id IN (SELECT unnest(?))", [ids])
    return frame.set_index("external_id").reindex(ids)


# --- queue candidates -----------------------------------------------------------

_UNLABELLED = ("NOT EXISTS (SELECT 1 FROM labelevent l WHERE l.external_id = p.external_id "
               f"AND l.action <> 'skip' AND {ACTIVE_EVENT_SQL.format(e='l')})")
_CANDIDATE_COLS = "p.external_id, p.predicted, p.confidence, p.margin, p.entropy, p.is_audit, p.received_at"
# For one annotator ($1) at a time ($2): not answered by them, and a lease slot free to them.
_AVAILABLE_TO = f"""
    NOT EXISTS (SELECT 1 FROM labelevent m WHERE m.external_id = p.external_id AND m.annotator = $1
                AND {ACTIVE_EVENT_SQL.format(e='m')})
    AND (SELECT count(*) FROM lease h WHERE h.external_id = p.external_id AND h.annotator <> $1
         AND h.released_at IS NULL AND h.expires_at > $2)
        < coalesce((SELECT CASE WHEN bool_or(o.overlap) THEN 2 ELSE 1 END FROM lease o
                    WHERE o.external_id = p.external_id), 1)"""


def _candidates(engine: Engine, sql: str, limit: int, annotator: str | None, now: datetime | None) -> pd.DataFrame:
    available = _AVAILABLE_TO if annotator else "TRUE"
    params = [annotator, now, limit] if annotator else [limit]
    sql = sql.format(available=available, limit="$3" if annotator else "$1")
    return db.read_frame(engine, sql, params)


def disputed_unlabelled(engine: Engine, limit: int, annotator: str | None = None,
                        now: datetime | None = None) -> pd.DataFrame:
    """Unlabelled items an end user disputed, most recent dispute first.

    With ``annotator`` (and ``now``), only items that annotator has not answered and
    could lease; the same holds for the other candidate queries.
    """
    return _candidates(
        engine,
        f"""SELECT {_CANDIDATE_COLS}, max(f.received_at) AS disputed_at, count(*) AS n_disputes
            FROM prediction p JOIN feedbacksignal f ON f.external_id = p.external_id AND f.signal = 'disputed'
            WHERE {_UNLABELLED} AND {{available}}
            GROUP BY ALL ORDER BY disputed_at DESC LIMIT {{limit}}""",
        limit, annotator, now,
    )


def least_margin_unlabelled(engine: Engine, limit: int, annotator: str | None = None,
                            now: datetime | None = None) -> pd.DataFrame:
    """Unlabelled non-audit items with the smallest margin between the top two classes."""
    return _candidates(engine, _first_eligible(engine, "NOT is_audit", "margin ASC, external_id", limit),
                       limit, annotator, now)


def audit_unlabelled(engine: Engine, limit: int, annotator: str | None = None,
                     now: datetime | None = None) -> pd.DataFrame:
    """Unlabelled audit items, oldest first so the audit slice is labelled evenly over time."""
    return _candidates(engine, _first_eligible(engine, "is_audit", "received_at, external_id", limit),
                       limit, annotator, now)


def _first_eligible(engine: Engine, where: str, order: str, limit: int) -> str:
    # The anti-joins run on a pre-cut: each label event or lease excludes at most one item, so the
    # first `limit` eligible items are among the first `limit + events + leases` in this order.
    excluded = int(db.read_frame(
        engine, "SELECT (SELECT count(*) FROM labelevent) + (SELECT count(*) FROM lease) AS n").iloc[0, 0])
    prefixed = ", ".join(f"p.{term.strip()}" for term in order.split(","))
    return f"""SELECT {_CANDIDATE_COLS} FROM (
                   SELECT * FROM prediction WHERE {where} ORDER BY {order} LIMIT {int(limit) + excluded}) p
               WHERE {_UNLABELLED} AND {{available}}
               ORDER BY {prefixed} LIMIT {{limit}}"""


def second_opinion_candidates(engine: Engine, limit: int, annotator: str, now: datetime) -> pd.DataFrame:
    """Overlap items one other expert has answered, which this annotator may label too."""
    return db.read_frame(
        engine,
        f"""SELECT {_CANDIDATE_COLS} FROM prediction p
            WHERE p.external_id IN (SELECT external_id FROM lease WHERE overlap AND slot = 0)
              AND (SELECT count(DISTINCT l.annotator) FROM labelevent l WHERE l.external_id = p.external_id
                   AND l.action IN ('confirm', 'correct') AND {ACTIVE_EVENT_SQL.format(e='l')}) = 1
              AND {_AVAILABLE_TO}
            ORDER BY p.external_id LIMIT $3""",
        [annotator, now, limit],
    )


# --- leases ---------------------------------------------------------------------------

# Streamlit sessions are threads of the one process that owns the store: claims queue here.
_CLAIM_LOCK = threading.Lock()


def claim_leases(engine: Engine, annotator: str, candidates: list[tuple[str, bool]], n: int,
                 now: datetime, expires_at: datetime) -> list[str]:
    """Hold up to ``n`` items for ``annotator``: the ones already held, then free candidates in order.

    Parameters
    ----------
    candidates : list of (external_id, overlap)
        Ranked; ``overlap`` says whether a not-yet-leased item opens a second slot.
    now, expires_at : datetime
        Leases past their expiry count as free.

    Returns
    -------
    list of str
        Ids this annotator holds, oldest claim first.
    """
    with _CLAIM_LOCK, Session(engine) as session:
        held = _held(session, annotator, now)
        for external_id, overlap_if_new in candidates:
            if len(held) >= n:
                break
            if external_id in held:
                continue
            rows = {r.slot: r for r in session.exec(select(Lease).where(Lease.external_id == external_id)).all()}
            overlap = rows[0].overlap if 0 in rows else overlap_if_new
            if not overlap and _answered(session, external_id):
                continue  # answered since the queue was read: its released lease is not free for others
            for slot in (0, 1) if overlap else (0,):
                row = rows.get(slot)
                if row is None:
                    session.add(Lease(external_id=external_id, slot=slot, annotator=annotator, claimed_at=now,
                                      position=len(held), expires_at=expires_at, overlap=overlap))
                    session.flush()  # the primary key refuses a second holder of this slot
                else:
                    taken = session.execute(
                        update(Lease)
                        .where(Lease.external_id == external_id, Lease.slot == slot,
                               or_(Lease.released_at.is_not(None), Lease.expires_at <= now))
                        .values(annotator=annotator, claimed_at=now, position=len(held), expires_at=expires_at,
                                released_at=None)
                    ).rowcount
                    if taken != 1:
                        continue
                held.append(external_id)
                break
        session.commit()
        return held


def _answered(session: Session, external_id: str) -> bool:
    """Whether anyone has an active answer (not a skip) on the item, read inside the claim."""
    return session.execute(
        text(f"""SELECT 1 FROM labelevent l WHERE l.external_id = :external_id
                 AND l.action IN ('confirm', 'correct', 'ambiguous', 'adjudicate')
                 AND {ACTIVE_EVENT_SQL.format(e='l')} LIMIT 1"""),
        {"external_id": external_id},
    ).first() is not None


def _held(session: Session, annotator: str, now: datetime) -> list[str]:
    statement = (select(Lease.external_id)
                 .where(Lease.annotator == annotator, Lease.released_at.is_(None), Lease.expires_at > now)
                 .order_by(Lease.claimed_at, Lease.position))
    return list(dict.fromkeys(session.exec(statement).all()))


def release_lease(session: Session, external_id: str, annotator: str, now: datetime) -> None:
    """Release the annotator's lease on an item (part of the caller's transaction)."""
    session.execute(update(Lease)
                    .where(Lease.external_id == external_id, Lease.annotator == annotator,
                           Lease.released_at.is_(None))
                    .values(released_at=now))


def latest_active_event(session: Session, annotator: str) -> LabelEvent | None:
    """The annotator's most recent event that is neither an undo nor undone."""
    voided = select(LabelEvent.voids_event_id).where(LabelEvent.voids_event_id.is_not(None))
    statement = (select(LabelEvent)
                 .where(LabelEvent.annotator == annotator, LabelEvent.action != "undo",
                        LabelEvent.id.not_in(voided))
                 .order_by(LabelEvent.id.desc()))
    return session.exec(statement).first()


def review_progress(engine: Engine, annotator: str, since: datetime) -> dict[str, int]:
    """This annotator's active answers since ``since``, and the items still unlabelled."""
    frame = db.read_frame(
        engine,
        f"""SELECT
            (SELECT count(*) FROM labelevent e WHERE e.annotator = $1 AND e.created_at >= $2
             AND {ACTIVE_EVENT_SQL.format(e='e')}) AS answered,
            (SELECT count(*) FROM prediction p WHERE {_UNLABELLED}) AS unlabelled""",
        [annotator, since],
    )
    return {k: int(v) for k, v in frame.iloc[0].items()}


# --- training and evaluation sets ---------------------------------------------------

def seed_training_set(engine: Engine) -> pd.DataFrame:
    """Seed rows with their features and a ``__label__`` column."""
    return db.read_frame(
        engine,
        f"SELECT i.*, s.label AS __label__ FROM seedlabel s JOIN {db.SEED_INPUT} i USING (external_id) "
        "ORDER BY external_id",
    )


def label_events_frame(engine: Engine) -> pd.DataFrame:
    """Every label event that can bear on a gold label (labels, adjudications, undos), oldest first."""
    return db.read_frame(
        engine,
        """SELECT id, external_id, annotator, label, action, created_at, voids_event_id FROM labelevent
           WHERE action IN ('confirm', 'correct', 'adjudicate', 'undo') ORDER BY id""",
    )


def _gold(engine: Engine, audit: bool) -> pd.Series:
    # Gold labels follow feedback.gold's rules (adjudication > majority > single; conflicts left
    # out), computed on the events; indexed by external_id, in id order, audit or not as asked.
    gold = gold_labels(label_events_frame(engine))
    gold = gold.loc[gold["label"].notna(), "label"].astype(str)
    ids = db.read_frame(
        engine,
        "SELECT external_id FROM prediction WHERE is_audit = ? AND external_id IN (SELECT unnest(?)) "
        "ORDER BY external_id",
        [audit, gold.index.astype(str).tolist()],
    )["external_id"]
    return gold.reindex(ids)


def _gold_set(engine: Engine, audit: bool) -> pd.DataFrame:
    gold = _gold(engine, audit)
    frame = read_inputs(engine, db.PREDICTION_INPUT, gold.index.tolist()).reset_index()
    return frame.assign(__label__=gold.to_numpy())


def expert_label_ids(engine: Engine) -> pd.Series:
    """Ids of the gold-labelled items outside the audit slice (what a retrain would learn from)."""
    return _gold(engine, audit=False).index.to_series(index=None, name="external_id")


def expert_training_set(engine: Engine) -> pd.DataFrame:
    """Gold-labelled production items outside the audit slice, with features and ``__label__``."""
    return _gold_set(engine, audit=False)


def audit_evaluation_set(engine: Engine) -> pd.DataFrame:
    """Gold-labelled audit items, with features and ``__label__``: no model trains on these."""
    return _gold_set(engine, audit=True)


# --- model versions and decisions --------------------------------------------------------

def list_versions(session: Session) -> list[ModelVersion]:
    """All model versions, newest first."""
    return list(session.exec(select(ModelVersion).order_by(ModelVersion.version.desc())).all())


def get_version(session: Session, version: int) -> ModelVersion | None:
    """One model version, or None."""
    return session.get(ModelVersion, version)


def version_with_alias(session: Session, alias: str) -> ModelVersion | None:
    """The version holding an alias (champion or challenger), or None."""
    return session.exec(select(ModelVersion).where(ModelVersion.alias == alias)).first()


def next_version_number(session: Session) -> int:
    """One more than the highest version so far."""
    return (session.exec(select(func.max(ModelVersion.version))).one() or 0) + 1


def decisions(session: Session) -> list[Decision]:
    """Promotions and rollbacks, newest first."""
    return list(session.exec(select(Decision).order_by(Decision.id.desc())).all())


def open_alerts(session: Session) -> list[Alert]:
    """Alerts not yet resolved, newest first."""
    return list(session.exec(select(Alert).where(Alert.state != "resolved").order_by(Alert.id.desc())).all())


# --- counts and export ----------------------------------------------------------------------

def count_rows(engine: Engine) -> dict[str, int]:
    """Row counts behind ``status``."""
    frame = db.read_frame(
        engine,
        f"""SELECT
            (SELECT count(*) FROM prediction) AS predictions,
            (SELECT count(*) FROM prediction WHERE is_audit) AS audit_items,
            (SELECT count(*) FROM labelevent) AS label_events,
            (SELECT count(*) FROM ({_LABELLED_ITEMS_SQL})) AS labelled_items,
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
