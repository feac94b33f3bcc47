"""A/B and shadow experiments: the running experiment and per-arm counts."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlmodel import Session, select

from feedback.store import native
from feedback.store.models import Experiment
from feedback.store.repository.fragments import ACTIVE_EVENT_SQL

_UNIT = "coalesce(p.unit_id, p.external_id)"  # the unit of randomisation: the prediction itself without a unit column


def running_experiment(session: Session) -> Experiment | None:
    """The experiment not yet stopped, or None."""
    return session.exec(
        select(Experiment).where(Experiment.stopped_at.is_(None)).order_by(Experiment.id.desc())
    ).first()


def latest_experiment(session: Session) -> Experiment | None:
    """The experiment started last (running or not), or None."""
    return session.exec(select(Experiment).order_by(Experiment.id.desc())).first()


def get_experiment(session: Session, experiment_id: int) -> Experiment | None:
    """One experiment, or None."""
    return session.get(Experiment, experiment_id)


def stop_running_experiment(session: Session, *, actor: str, reason: str | None, now: datetime) -> Experiment | None:
    """Mark the running experiment stopped, in the caller's transaction; None when none runs."""
    experiment = running_experiment(session)
    if experiment is not None:
        experiment.stopped_at, experiment.stopped_by, experiment.stop_reason = now, actor, reason
        session.add(experiment)
    return experiment


def experiment_batch_counts(session: Session, experiment_id: int) -> pd.DataFrame:
    """Predictions per ingest time, arm and unit of an experiment: received_at, arm, unit_id, n_predictions.

    A prediction is its own unit (its ``external_id``) when the experiment split by prediction id.
    """
    return native.read_frame(
        session,
        f"SELECT received_at, arm, {_UNIT} AS unit_id, count(*) AS n_predictions FROM prediction p "
        "WHERE experiment_id = ? GROUP BY ALL ORDER BY received_at, arm",
        [experiment_id],
    )


def experiment_unit_counts(session: Session, experiment_id: int) -> pd.DataFrame:
    """Predictions and distinct units per arm (a prediction is its own unit without a unit column)."""
    return native.read_frame(
        session,
        f"SELECT arm, count(*) AS n_predictions, count(DISTINCT {_UNIT}) AS n_units "
        "FROM prediction p WHERE experiment_id = ? GROUP BY arm",
        [experiment_id],
    )


def experiment_disputes(session: Session, experiment_id: int) -> pd.DataFrame:
    """The experiment's predictions an end user disputed: external_id, arm, unit_id, disputed_at (the first dispute)."""
    return native.read_frame(
        session,
        f"""SELECT p.external_id, p.arm, {_UNIT} AS unit_id, min(f.received_at) AS disputed_at
           FROM prediction p JOIN feedbacksignal f ON f.external_id = p.external_id AND f.signal = 'disputed'
           WHERE p.experiment_id = ? GROUP BY ALL""",
        [experiment_id],
    )


def experiment_audit_labels(session: Session, experiment_id: int, gold: pd.Series) -> pd.DataFrame:
    """The experiment's audit items with a gold label (``gold``: each item's label, indexed by external_id).

    Columns external_id, arm, unit_id, predicted (served), other_predicted (the model logged on the
    side), gold, and labelled_at: when the item's first answer that still counts arrived.
    """
    rows = native.read_frame(
        session,
        f"""SELECT p.external_id, p.arm, {_UNIT} AS unit_id, p.predicted, p.challenger_predicted AS other_predicted,
                  min(g.created_at) AS labelled_at
           FROM prediction p JOIN labelevent g ON g.external_id = p.external_id
           WHERE p.experiment_id = ? AND p.is_audit AND g.action IN ('confirm', 'correct', 'adjudicate')
             AND {ACTIVE_EVENT_SQL.format(e="g")}
           GROUP BY ALL ORDER BY labelled_at, p.external_id""",
        [experiment_id],
    )
    if rows.empty:
        return rows.assign(gold=pd.Series(dtype=object))
    rows["gold"] = gold.reindex(rows["external_id"].astype(str)).to_numpy(dtype=object)
    return rows[rows["gold"].notna()].reset_index(drop=True)
