"""Outcomes the team's product measured, per prediction or per unit, and the per-unit views experiments read.

A prediction's unit is its ``unit_id`` when an experiment with a unit column logged it, else its
own id (as in :func:`feedback.store.repository.experiments.experiment_unit_counts`). The last
functions read a version's recent per-unit figures, which size an experiment before it starts.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlmodel import Session

from feedback.store import native
from feedback.store.repository.fragments import LABELLED_ITEMS_SQL

_KEY = ("external_id", "unit_id", "metric", "value", "observed_at")
_UNIT_OF_PREDICTION = "coalesce(p.unit_id, p.external_id)"


def insert_outcomes(session: Session, rows: pd.DataFrame) -> int:
    """Append outcomes (external_id, unit_id, metric, value, observed_at, received_at), skipping any row
    whose id, unit, metric, value and time are already stored, so a re-sent file adds nothing.

    Returns
    -------
    int
        Rows inserted.
    """
    if rows.empty:
        return 0
    same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM v.{c}" for c in _KEY)
    columns = ", ".join(native.quote(c) for c in rows.columns)
    with native.registered(session, "_new_outcomes", rows) as raw:
        inserted = raw.execute(
            f"INSERT INTO outcome ({columns}) SELECT DISTINCT {columns} FROM _new_outcomes v "
            f"WHERE NOT EXISTS (SELECT 1 FROM outcome o WHERE {same})"
        ).fetchall()  # DuckDB answers an INSERT with the count of rows inserted
    return int(inserted[0][0])


def outcome_metrics(session: Session) -> pd.DataFrame:
    """The stored outcome metrics: metric, n_values, first_at, last_at (by name)."""
    return native.read_frame(
        session,
        "SELECT metric, count(*) AS n_values, min(observed_at) AS first_at, max(observed_at) AS last_at "
        "FROM outcome GROUP BY metric ORDER BY metric",
    )


def experiment_units(session: Session, experiment_id: int) -> pd.DataFrame:
    """Every unit an experiment served: unit, arm, exposed_at (its first prediction in the experiment)."""
    return native.read_frame(
        session,
        f"SELECT {_UNIT_OF_PREDICTION} AS unit, min(p.arm) AS arm, min(p.received_at) AS exposed_at "
        "FROM prediction p WHERE p.experiment_id = ? GROUP BY 1 ORDER BY exposed_at, unit",
        [experiment_id],
    )


def experiment_outcome_values(session: Session, experiment_id: int, metric: str) -> pd.DataFrame:
    """One metric's values that belong to an experiment's units: unit, value, observed_at, pre.

    A value of a prediction the experiment logged counts for that prediction's unit
    (``pre`` False). A value sent per unit counts for a unit the experiment served:
    ``pre`` True when it was observed before the experiment started (the unit's
    pre-experiment value), else False; values observed after the experiment stopped
    are left out.
    """
    return native.read_frame(
        session,
        f"""WITH units AS (
                SELECT DISTINCT {_UNIT_OF_PREDICTION} AS unit FROM prediction p WHERE p.experiment_id = ?
            ), e AS (SELECT started_at, stopped_at FROM experiment WHERE id = ?)
            SELECT {_UNIT_OF_PREDICTION} AS unit, o.value, o.observed_at, FALSE AS pre
            FROM outcome o JOIN prediction p ON p.external_id = o.external_id
            WHERE o.metric = ? AND p.experiment_id = ?
            UNION ALL
            SELECT o.unit_id AS unit, o.value, o.observed_at, o.observed_at < e.started_at AS pre
            FROM outcome o JOIN units u ON u.unit = o.unit_id CROSS JOIN e
            WHERE o.metric = ? AND (e.stopped_at IS NULL OR o.observed_at <= e.stopped_at)
            ORDER BY observed_at""",
        [experiment_id, experiment_id, metric, experiment_id, metric],
    )


def unit_outcome_totals(session: Session, metric: str) -> pd.DataFrame:
    """Each unit's total of one metric over its stored values: unit, total.

    Per-prediction values count for the prediction's unit; per-unit values for their unit.
    """
    return native.read_frame(
        session,
        f"""SELECT coalesce(o.unit_id, {_UNIT_OF_PREDICTION}) AS unit, sum(o.value) AS total
            FROM outcome o LEFT JOIN prediction p ON p.external_id = o.external_id
            WHERE o.metric = ? GROUP BY 1""",
        [metric],
    )


def version_unit_counts(session: Session, version: int, since: datetime | None) -> pd.DataFrame:
    """Per unit, a version's served predictions since ``since`` (all when None): unit, n_predictions, n_disputed."""
    return native.read_frame(
        session,
        f"""SELECT {_UNIT_OF_PREDICTION} AS unit, count(*) AS n_predictions,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedbacksignal f
                                    WHERE f.external_id = p.external_id AND f.signal = 'disputed')) AS n_disputed
            FROM prediction p
            WHERE p.model_version = ? AND (CAST(? AS TIMESTAMP) IS NULL OR p.received_at >= ?)
            GROUP BY 1""",
        [version, since, since],
    )


def version_audit_items(session: Session, version: int, since: datetime | None) -> pd.DataFrame:
    """A version's served audit predictions since ``since`` that have an expert label: external_id, unit, predicted."""
    return native.read_frame(
        session,
        f"""SELECT p.external_id, {_UNIT_OF_PREDICTION} AS unit, p.predicted
            FROM prediction p
            WHERE p.model_version = ? AND p.is_audit AND (CAST(? AS TIMESTAMP) IS NULL OR p.received_at >= ?)
              AND p.external_id IN ({LABELLED_ITEMS_SQL})""",
        [version, since, since],
    )


def latest_prediction_time(session: Session) -> datetime | None:
    """When the newest prediction was logged; None in an empty store."""
    return native.read_frame(session, "SELECT max(received_at) AS at FROM prediction")["at"].iloc[0]
