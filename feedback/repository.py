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
    Experiment,
    FeedbackSignal,
    IngestBatch,
    LabelEvent,
    Lease,
    ModelVersion,
    Prediction,
    Task,
)

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
        f"SELECT external_id, signal, user_label FROM feedbacksignal WHERE {_ids_in('external_id', len(ids))}",
        [ids.astype(str).unique().tolist()],
    )


def _ids_in(column: str, n_ids: int) -> str:
    """A filter on ``column`` being in a list parameter of ``n_ids`` ids.

    DuckDB probes a short list inside the scan (60 ids among 1M rows: 5 ms, against
    110 ms for a join on the unnested list); past about a thousand ids the join wins.
    """
    return f"list_contains(?, {column})" if n_ids <= 1000 else f"{column} IN (SELECT unnest(?))"


def read_inputs(engine: Engine, table: str, ids: list[str]) -> pd.DataFrame:
    """Input features of the given items, in the order of ``ids``, indexed by external_id."""
    frame = db.read_frame(engine, f"SELECT * FROM {db.quote(table)} WHERE {_ids_in('external_id', len(ids))}", [ids])
    return frame.set_index("external_id").reindex(ids)


def predictions_frame(engine: Engine, ids: list[str]) -> pd.DataFrame:
    """Logged predictions of the given items, indexed by external_id."""
    frame = db.read_frame(engine, f"SELECT * FROM prediction WHERE {_ids_in('external_id', len(ids))}", [ids])
    return frame.set_index("external_id").reindex(ids)


# --- queue candidates -----------------------------------------------------------

_UNLABELLED = ("NOT EXISTS (SELECT 1 FROM labelevent l WHERE l.external_id = p.external_id "
               f"AND l.action <> 'skip' AND {ACTIVE_EVENT_SQL.format(e='l')})")
_CANDIDATE_COLS = "p.external_id, p.predicted, p.confidence, p.margin, p.entropy, p.is_audit, p.received_at"
# For one annotator ($1) at a time ($2): not answered by them, and a lease slot free to them.
_NOT_ANSWERED_BY = f"""
    NOT EXISTS (SELECT 1 FROM labelevent m WHERE m.external_id = p.external_id AND m.annotator = $1
                AND {ACTIVE_EVENT_SQL.format(e='m')})"""
_LEASE_FREE_TO = """
    (SELECT count(*) FROM lease h WHERE h.external_id = p.external_id AND h.annotator <> $1
     AND h.released_at IS NULL AND h.expires_at > $2)
        < coalesce((SELECT CASE WHEN bool_or(o.overlap) THEN 2 ELSE 1 END FROM lease o
                    WHERE o.external_id = p.external_id), 1)"""
_AVAILABLE_TO = f"{_NOT_ANSWERED_BY} AND {_LEASE_FREE_TO}"
# The queue policy's uncertainty measures, each in [0, 1], on prediction p.
_UNCERTAINTY_SQL = {
    "margin": "1 - p.margin",
    "entropy": "p.entropy / ln({k})",
    "least-confident": "(1 - p.confidence) * {k} / ({k} - 1)",
}
_DISPUTES_SQL = """SELECT external_id, count(*) AS n_disputes, max(received_at) AS disputed_at
                   FROM feedbacksignal WHERE signal = 'disputed' GROUP BY external_id"""
QUEUE_SIGNALS = ("uncertainty", "dispute", "challenger_disagreement", "expert_disagreement", "suspect_label")


def _priority_sql(weights: dict[str, float], uncertainty_measure: str, n_classes: int, *,
                  expert_conflict: str = "FALSE", self_confidence: str = "NULL") -> str:
    """Select-list of the queue priority over prediction p and its disputes d.

    Gives ``uncertainty``, what each signal adds (``added_<signal>``: its weight times
    its value in [0, 1]) and their sum, ``priority``. The one place the blend is computed.
    """
    uncertainty = _UNCERTAINTY_SQL[uncertainty_measure].format(k=max(int(n_classes), 2))
    values = {
        "uncertainty": uncertainty,
        "dispute": "(d.n_disputes IS NOT NULL)::DOUBLE",
        "challenger_disagreement": "coalesce(p.challenger_predicted <> p.predicted, false)::DOUBLE",
        "expert_disagreement": f"({expert_conflict})::DOUBLE",
        "suspect_label": f"coalesce(1 - ({self_confidence}), 0)",
    }
    added = {name: f"{float(weights[name])!r} * ({value})" for name, value in values.items()}
    return ", ".join([f"{uncertainty} AS uncertainty", *(f"{sql} AS added_{name}" for name, sql in added.items()),
                      " + ".join(added.values()) + " AS priority"])


def _candidates(engine: Engine, sql: str, limit: int, annotator: str | None, now: datetime | None) -> pd.DataFrame:
    available = _AVAILABLE_TO if annotator else "TRUE"
    params = [annotator, now, limit] if annotator else [limit]
    sql = sql.format(available=available, limit="$3" if annotator else "$1")
    return db.read_frame(engine, sql, params)


def ranked_unlabelled(engine: Engine, limit: int, weights: dict[str, float], uncertainty_measure: str,
                      n_classes: int, annotator: str | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Unlabelled items by priority: the weighted sum of uncertainty, dispute and challenger disagreement.

    Audit items take part only when disputed (the rest of the audit slice is
    drawn by :func:`audit_unlabelled`). With ``annotator`` (and ``now``), only
    items that annotator has not answered and could lease; the same holds for
    the other candidate queries.

    Returns
    -------
    DataFrame
        The candidate columns plus n_disputes, disputed_at, challenger_predicted,
        uncertainty, ``added_<signal>`` for each of ``QUEUE_SIGNALS`` and priority,
        highest first (ties: most recent dispute, then id).
    """
    added = ", ".join(f"added_{name}" for name in QUEUE_SIGNALS)
    columns = ("external_id, predicted, confidence, margin, entropy, is_audit, received_at, n_disputes, "
               f"disputed_at, challenger_predicted, uncertainty, {added}, priority")
    scored = f"""
        SELECT p.*, coalesce(d.n_disputes, 0) AS n_disputes, d.disputed_at,
               {_priority_sql(weights, uncertainty_measure, n_classes)}
        FROM prediction p LEFT JOIN ({_DISPUTES_SQL}) d USING (external_id)
        WHERE NOT p.is_audit OR d.n_disputes IS NOT NULL"""
    order = "priority DESC, disputed_at DESC NULLS LAST, external_id"
    return _candidates(engine, _first_eligible(engine, scored, columns, order, limit), limit, annotator, now)


def audit_unlabelled(engine: Engine, limit: int, annotator: str | None = None,
                     now: datetime | None = None) -> pd.DataFrame:
    """Unlabelled audit items, oldest first so the audit slice is labelled evenly over time."""
    columns = _CANDIDATE_COLS.replace("p.", "")
    return _candidates(
        engine,
        _first_eligible(engine, "SELECT * FROM prediction p WHERE p.is_audit", columns, "received_at, external_id",
                        limit),
        limit, annotator, now,
    )


def _first_eligible(engine: Engine, scored: str, columns: str, order: str, limit: int) -> str:
    # The anti-joins run on a pre-cut: each label event or lease excludes at most one item, so the
    # first `limit` eligible items are among the first `limit + events + leases` in this order.
    excluded = int(db.read_frame(
        engine, "SELECT (SELECT count(*) FROM labelevent) + (SELECT count(*) FROM lease) AS n").iloc[0, 0])
    return f"""SELECT {columns} FROM ({scored} ORDER BY {order} LIMIT {int(limit) + excluded}) p
               WHERE {_UNLABELLED} AND {{available}}
               ORDER BY {order} LIMIT {{limit}}"""


def relook_candidates(engine: Engine, conflict_ids: list[str], limit: int, weights: dict[str, float],
                      uncertainty_measure: str, n_classes: int, annotator: str | None = None,
                      now: datetime | None = None) -> pd.DataFrame:
    """Labelled items that want another look, by priority: expert ties and suspect gold labels.

    ``conflict_ids`` are the items whose experts' labels tie (from
    :func:`feedback.gold.gold_labels`); they go to experts who have not labelled
    them. A suspect label is open until someone answers the item after the
    check that flagged it; it goes to anyone who has not answered it since,
    its first labeller included. Suspect labels are left out while their weight is 0.

    Returns
    -------
    DataFrame
        The columns of :func:`ranked_unlabelled` (but disputed_at) plus given_label,
        suggested_label and self_confidence (None when not suspect), highest priority first.
    """
    answered_since_check = f"""EXISTS (SELECT 1 FROM labelevent l WHERE l.external_id = p.external_id
        AND l.created_at > s.computed_at AND {ACTIVE_EVENT_SQL.format(e='l')}
        AND (l.action <> 'skip' OR l.annotator = $1))"""
    # Without an annotator $1 and $2 are NULL: no one's answers or leases exclude anything.
    conflict_ok = f"(list_contains($4::VARCHAR[], p.external_id) AND {_NOT_ANSWERED_BY})"
    suspect_ok = (f"(s.external_id IS NOT NULL AND NOT {answered_since_check})" if weights["suspect_label"] > 0
                  else "FALSE")
    priority = _priority_sql(weights, uncertainty_measure, n_classes, expert_conflict=conflict_ok,
                             self_confidence=f"CASE WHEN {suspect_ok} THEN s.self_confidence END")
    sql = f"""
        SELECT {_CANDIDATE_COLS}, coalesce(d.n_disputes, 0) AS n_disputes, p.challenger_predicted, {priority},
               CASE WHEN {suspect_ok} THEN s.given_label END AS given_label,
               CASE WHEN {suspect_ok} THEN s.suggested_label END AS suggested_label,
               CASE WHEN {suspect_ok} THEN s.self_confidence END AS self_confidence
        FROM prediction p LEFT JOIN suspectlabel s USING (external_id)
             LEFT JOIN ({_DISPUTES_SQL}) d USING (external_id)
        WHERE (list_contains($4::VARCHAR[], p.external_id) OR s.external_id IS NOT NULL)
          AND ({conflict_ok} OR {suspect_ok}) AND {_LEASE_FREE_TO}
        ORDER BY priority DESC, p.external_id LIMIT $3"""
    return db.read_frame(engine, sql, [annotator, now, limit, list(conflict_ids)])


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
                 now: datetime, expires_at: datetime, relook: frozenset[str] = frozenset()) -> list[str]:
    """Hold up to ``n`` items for ``annotator``: the ones already held, then free candidates in order.

    Parameters
    ----------
    candidates : list of (external_id, overlap)
        Ranked; ``overlap`` says whether a not-yet-leased item opens a second slot.
    relook : frozenset of str
        Labelled items the queue sends back for another look: an earlier answer does not make them taken.
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
            if not overlap and external_id not in relook and _answered(session, external_id):
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


def _gold(engine: Engine, audit: bool) -> pd.Series:
    # Gold labels follow feedback.gold's rules (adjudication > majority > single; conflicts left
    # out), computed on the events; indexed by external_id, in id order, audit or not as asked.
    gold = gold_labels(label_events_frame(engine))
    gold = gold.loc[gold["label"].notna(), "label"].astype(str)
    ids = db.read_frame(
        engine,
        f"SELECT external_id FROM prediction WHERE is_audit = ? AND {_ids_in('external_id', len(gold))} "
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


def replace_suspect_labels(engine: Engine, suspects: pd.DataFrame) -> int:
    """Replace the stored suspect labels with ``suspects`` (SuspectLabel columns), in one transaction."""
    with db.native_transaction(engine) as raw:
        raw.execute("DELETE FROM suspectlabel")
        return db.insert_frame(raw, "suspectlabel", suspects)


def suspect_labels(engine: Engine) -> pd.DataFrame:
    """The stored suspect labels, least self-confident first."""
    return db.read_frame(engine, "SELECT * FROM suspectlabel ORDER BY self_confidence, external_id")


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


# --- A/B experiments ---------------------------------------------------------------------------

def running_experiment(session: Session) -> Experiment | None:
    """The experiment not yet stopped, or None."""
    return session.exec(select(Experiment).where(Experiment.stopped_at.is_(None))
                        .order_by(Experiment.id.desc())).first()


def latest_experiment(session: Session) -> Experiment | None:
    """The experiment started last (running or not), or None."""
    return session.exec(select(Experiment).order_by(Experiment.id.desc())).first()


def get_experiment(session: Session, experiment_id: int) -> Experiment | None:
    """One experiment, or None."""
    return session.get(Experiment, experiment_id)


def stop_running_experiment(session: Session, *, actor: str, reason: str | None,
                            now: datetime) -> Experiment | None:
    """Mark the running experiment stopped, in the caller's transaction; None when none runs."""
    experiment = running_experiment(session)
    if experiment is not None:
        experiment.stopped_at, experiment.stopped_by, experiment.stop_reason = now, actor, reason
        session.add(experiment)
    return experiment


def experiment_batch_counts(engine: Engine, experiment_id: int) -> pd.DataFrame:
    """Predictions per ingest time and arm of an experiment: received_at, arm, n_predictions."""
    return db.read_frame(
        engine,
        "SELECT received_at, arm, count(*) AS n_predictions FROM prediction WHERE experiment_id = ? "
        "GROUP BY ALL ORDER BY received_at, arm",
        [experiment_id],
    )


def experiment_unit_counts(engine: Engine, experiment_id: int) -> pd.DataFrame:
    """Predictions and distinct units per arm (a prediction is its own unit without a unit column)."""
    return db.read_frame(
        engine,
        "SELECT arm, count(*) AS n_predictions, count(DISTINCT coalesce(unit_id, external_id)) AS n_units "
        "FROM prediction WHERE experiment_id = ? GROUP BY arm",
        [experiment_id],
    )


def experiment_disputes(engine: Engine, experiment_id: int) -> pd.DataFrame:
    """The experiment's predictions an end user disputed: external_id, arm, disputed_at (the first dispute)."""
    return db.read_frame(
        engine,
        """SELECT p.external_id, p.arm, min(f.received_at) AS disputed_at
           FROM prediction p JOIN feedbacksignal f ON f.external_id = p.external_id AND f.signal = 'disputed'
           WHERE p.experiment_id = ? GROUP BY ALL""",
        [experiment_id],
    )


def experiment_audit_labels(engine: Engine, experiment_id: int) -> pd.DataFrame:
    """The experiment's audit items with a gold label (feedback.gold's rules; conflicts left out).

    Columns external_id, arm, predicted (served), other_predicted (the model logged on the
    side), gold, and labelled_at: when the item's first answer that still counts arrived.
    """
    rows = db.read_frame(
        engine,
        f"""SELECT p.external_id, p.arm, p.predicted, p.challenger_predicted AS other_predicted,
                  min(g.created_at) AS labelled_at
           FROM prediction p JOIN labelevent g ON g.external_id = p.external_id
           WHERE p.experiment_id = ? AND p.is_audit AND g.action IN ('confirm', 'correct', 'adjudicate')
             AND {ACTIVE_EVENT_SQL.format(e="g")}
           GROUP BY ALL ORDER BY labelled_at, p.external_id""",
        [experiment_id],
    )
    if rows.empty:
        return rows.assign(gold=pd.Series(dtype=object))
    gold = gold_labels(label_events_frame(engine))["label"]
    rows["gold"] = gold.reindex(rows["external_id"].astype(str)).to_numpy(dtype=object)
    return rows[rows["gold"].notna()].reset_index(drop=True)


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


# --- monitoring ---------------------------------------------------------------------------------
# Per-window figures for feedback.monitoring and the stored alerts of feedback.alerts. Each query
# reads every window at once (no loop over windows); times come back as naive UTC timestamps.

MONITOR_WINDOWS = ("batch", "day", "week")


def _windowed_predictions(window: str) -> str:
    """Each prediction with its window: one ingest call (batch), or a UTC calendar day or ISO week."""
    if window not in MONITOR_WINDOWS:
        raise ValueError(f"window must be one of {MONITOR_WINDOWS}, got {window!r}")
    if window == "batch":
        key, start, end = "b.batch_id", "timezone('UTC', b.received_at)", "timezone('UTC', b.received_at)"
    else:
        start = f"date_trunc('{window}', timezone('UTC', p.received_at))"
        key, end = f"strftime({start}, '%Y-%m-%d')", f"{start} + INTERVAL 1 {window}"
    return f"""SELECT p.external_id, p.predicted, p.confidence, {key} AS __window__,
                      {start} AS window_start, {end} AS window_end
               FROM prediction p JOIN ingestbatch b ON b.batch_id = p.batch_id"""


def monitoring_windows(engine: Engine, window: str) -> pd.DataFrame:
    """One row per window, oldest first: ``window_id``, ``start``, ``end``, ``n_predictions``,
    ``n_disputed`` (predictions with at least one end-user dispute) and ``mean_confidence``."""
    return db.read_frame(
        engine,
        f"""WITH w AS ({_windowed_predictions(window)}),
                 disputed AS (SELECT DISTINCT external_id FROM feedbacksignal WHERE signal = 'disputed')
            SELECT __window__ AS window_id, min(window_start) AS start, max(window_end) AS "end",
                   count(*) AS n_predictions, count(d.external_id) AS n_disputed,
                   avg(confidence) AS mean_confidence
            FROM w LEFT JOIN disputed d USING (external_id)
            GROUP BY __window__ ORDER BY start, window_id""",
    )


def monitoring_class_counts(engine: Engine, window: str) -> pd.DataFrame:
    """Served predictions per window and class: ``window_id``, ``predicted``, ``n``."""
    return db.read_frame(
        engine,
        f"""SELECT __window__ AS window_id, predicted, count(*) AS n FROM ({_windowed_predictions(window)})
            GROUP BY ALL ORDER BY window_id, predicted""",
    )


def monitoring_audit_items(engine: Engine, window: str) -> pd.DataFrame:
    """Audit items with a gold label (feedback.gold's rules), with what was served and their window.

    Columns ``external_id``, ``window_id``, ``predicted`` (the served answer), ``confidence`` and
    ``label`` (the gold label).
    """
    gold = _gold(engine, audit=True)
    frame = db.read_frame(
        engine,
        f"""SELECT external_id, __window__ AS window_id, predicted, confidence
            FROM ({_windowed_predictions(window)}) WHERE external_id IN (SELECT unnest(?)) ORDER BY external_id""",
        [gold.index.astype(str).tolist()],
    )
    return frame.assign(label=gold.reindex(frame["external_id"]).to_numpy(dtype=object))


def monitoring_inputs(engine: Engine, window: str, window_ids: list[str], max_rows: int, salt: str) -> pd.DataFrame:
    """Input features of the given windows, at most ``max_rows`` per window, with a ``window_id`` column.

    A window with more rows gives a fixed sample: the rows with the smallest md5 of id and ``salt``.
    """
    return db.read_frame(
        engine,
        # Rank ids alone, then read the features of the chosen rows only (1M-row window: 3x faster).
        f"""WITH chosen AS (
                SELECT w.__window__ AS window_id, w.external_id FROM ({_windowed_predictions(window)}) w
                WHERE list_contains(?::VARCHAR[], w.__window__)
                QUALIFY row_number() OVER (PARTITION BY w.__window__ ORDER BY md5(w.external_id || ?)) <= ?)
            SELECT c.window_id, i.* FROM chosen c JOIN {db.PREDICTION_INPUT} i USING (external_id)
            ORDER BY c.window_id, i.external_id""",
        [[str(w) for w in window_ids], salt, int(max_rows)],
    )


def newest_label_event_id(engine: Engine) -> int | None:
    """Id of the newest label event (None before the first): it moves with every answer, undo or adjudication."""
    with Session(engine) as session:
        return session.exec(select(func.max(LabelEvent.id))).one()


def insert_alerts(engine: Engine, alerts: list[Alert]) -> list[Alert]:
    """Store new alerts in one transaction and return them with their ids."""
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(alerts)
        session.commit()
        for alert in alerts:
            session.refresh(alert)
    return alerts


def alert_rows(engine: Engine, states: list[str] | None = None) -> list[Alert]:
    """Stored alerts, newest first; only those in ``states`` when given."""
    statement = select(Alert).order_by(Alert.id.desc())
    if states is not None:
        statement = statement.where(Alert.state.in_(list(states)))
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(statement).all())


def alert_window_keys(engine: Engine, window_kind: str) -> set[tuple[str, str]]:
    """(metric, window_id) of every alert already stored for this kind of window."""
    statement = select(Alert.metric, Alert.window_id).where(Alert.window_kind == window_kind)
    with Session(engine) as session:
        return {(metric, window_id) for metric, window_id in session.exec(statement).all()}


def update_alert(engine: Engine, alert_id: int, values: dict[str, Any],
                 from_states: tuple[str, ...] | None = None) -> Alert | None:
    """Set ``values`` on one alert, only while its state is one of ``from_states`` (any when None).

    Returns the updated alert, or None when there is no such alert or its state did not allow it
    (checked in the same statement, so two people clicking at once cannot both move it).
    """
    statement = update(Alert).where(Alert.id == alert_id).values(**values)
    if from_states is not None:
        statement = statement.where(Alert.state.in_(list(from_states)))
    with Session(engine, expire_on_commit=False) as session:
        changed = session.execute(statement).rowcount
        session.commit()
        return session.get(Alert, alert_id) if changed == 1 else None


def get_alert(engine: Engine, alert_id: int) -> Alert | None:
    """One stored alert, or None."""
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Alert, alert_id)
