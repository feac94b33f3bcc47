"""Monitoring windows and stored alerts.

Per-window figures for feedback.monitor.windows and the stored alerts of feedback.alerts.triage. Each query
reads every window at once (no loop over windows); times come back as naive UTC timestamps.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import update
from sqlmodel import Session, select

from feedback.store import native
from feedback.store.db import PREDICTION_INPUT
from feedback.store.models import Alert, WindowJudgment
from feedback.store.repository.gold_sets import gold_of

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
    return f"""SELECT p.external_id, p.predicted, p.confidence, p.is_audit, {key} AS __window__,
                      {start} AS window_start, {end} AS window_end
               FROM prediction p JOIN ingestbatch b ON b.batch_id = p.batch_id"""


def monitoring_windows(session: Session, window: str) -> pd.DataFrame:
    """One row per window, oldest first: ``window_id``, ``start``, ``end``, ``n_predictions``,
    ``n_disputed`` (predictions with at least one end-user dispute), ``mean_confidence``, ``sd_confidence``
    (sample standard deviation, NaN below two predictions) and ``n_audit_items`` (audit-slice predictions,
    labelled or not)."""
    return native.read_frame(
        session,
        f"""WITH w AS ({_windowed_predictions(window)}),
                 disputed AS (SELECT DISTINCT external_id FROM feedbacksignal WHERE signal = 'disputed')
            SELECT __window__ AS window_id, min(window_start) AS start, max(window_end) AS "end",
                   count(*) AS n_predictions, count(d.external_id) AS n_disputed,
                   avg(confidence) AS mean_confidence, stddev_samp(confidence) AS sd_confidence,
                   count(*) FILTER (WHERE is_audit) AS n_audit_items
            FROM w LEFT JOIN disputed d USING (external_id)
            GROUP BY __window__ ORDER BY start, window_id""",
    )


def monitoring_class_counts(session: Session, window: str) -> pd.DataFrame:
    """Served predictions per window and class: ``window_id``, ``predicted``, ``n``."""
    return native.read_frame(
        session,
        f"""SELECT __window__ AS window_id, predicted, count(*) AS n FROM ({_windowed_predictions(window)})
            GROUP BY ALL ORDER BY window_id, predicted""",
    )


def monitoring_audit_items(session: Session, window: str, gold: pd.Series) -> pd.DataFrame:
    """Audit items with a gold label, with what was served and their window.

    ``gold`` holds each item's gold label, indexed by external_id (see :mod:`feedback.store.repository.gold_sets`).

    Columns ``external_id``, ``window_id``, ``predicted`` (the served answer), ``confidence`` and
    ``label`` (the gold label).
    """
    gold = gold_of(session, gold, audit=True)
    frame = native.read_frame(
        session,
        f"""SELECT external_id, __window__ AS window_id, predicted, confidence
            FROM ({_windowed_predictions(window)}) WHERE external_id IN (SELECT unnest(?)) ORDER BY external_id""",
        [gold.index.astype(str).tolist()],
    )
    return frame.assign(label=gold.reindex(frame["external_id"]).to_numpy(dtype=object))


def monitoring_inputs(session: Session, window: str, window_ids: list[str], max_rows: int, salt: str) -> pd.DataFrame:
    """Input features of the given windows, at most ``max_rows`` per window, with a ``window_id`` column.

    A window with more rows gives a fixed sample: the rows with the smallest md5 of id and ``salt``.
    """
    return native.read_frame(
        session,
        # Rank ids alone, then read the features of the chosen rows only (1M-row window: 3x faster).
        f"""WITH chosen AS (
                SELECT w.__window__ AS window_id, w.external_id FROM ({_windowed_predictions(window)}) w
                WHERE list_contains(?::VARCHAR[], w.__window__)
                QUALIFY row_number() OVER (PARTITION BY w.__window__ ORDER BY md5(w.external_id || ?)) <= ?)
            SELECT c.window_id, i.* FROM chosen c JOIN {PREDICTION_INPUT} i USING (external_id)
            ORDER BY c.window_id, i.external_id""",
        [[str(w) for w in window_ids], salt, int(max_rows)],
    )


def open_alerts(session: Session) -> list[Alert]:
    """Alerts not yet resolved, newest first."""
    return list(session.exec(select(Alert).where(Alert.state != "resolved").order_by(Alert.id.desc())).all())


def insert_alerts(session: Session, alerts: list[Alert]) -> list[Alert]:
    """Store new alerts and return them with their ids; the session commits them together."""
    session.add_all(alerts)
    session.flush()
    for alert in alerts:
        session.refresh(alert)
    return alerts


def alert_rows(session: Session, states: list[str] | None = None) -> list[Alert]:
    """Stored alerts, newest first; only those in ``states`` when given."""
    statement = select(Alert).order_by(Alert.id.desc())
    if states is not None:
        statement = statement.where(Alert.state.in_(list(states)))
    return list(session.exec(statement).all())


def alert_window_keys(session: Session, window_kind: str) -> set[tuple[str, str]]:
    """(metric, window_id) of every alert already stored for this kind of window."""
    statement = select(Alert.metric, Alert.window_id).where(Alert.window_kind == window_kind)
    return {(metric, window_id) for metric, window_id in session.exec(statement).all()}


def judged_window_metrics(session: Session, window_kind: str) -> set[tuple[str, str]]:
    """(window id, metric) pairs of this kind that the alert rules judged already (see :class:`WindowJudgment`)."""
    statement = select(WindowJudgment.window_id, WindowJudgment.metric).where(WindowJudgment.window_kind == window_kind)
    return {(window_id, metric) for window_id, metric in session.exec(statement).all()}


def insert_window_judgments(session: Session, judgments: list[WindowJudgment]) -> None:
    """Store the verdicts of newly closed windows; the session commits them with their alerts."""
    session.add_all(judgments)
    session.flush()


def window_judgments(session: Session, window_kind: str) -> list[WindowJudgment]:
    """Every stored verdict for this kind of window, in the order the windows were judged."""
    statement = select(WindowJudgment).where(WindowJudgment.window_kind == window_kind)
    return list(session.exec(statement.order_by(WindowJudgment.judged_at, WindowJudgment.window_id)).all())


def update_alert(
    session: Session, alert_id: int, values: dict[str, Any], from_states: tuple[str, ...] | None = None
) -> Alert | None:
    """Set ``values`` on one alert, only while its state is one of ``from_states`` (any when None).

    Returns the updated alert, or None when there is no such alert or its state did not allow it
    (checked in the same statement, so two people clicking at once cannot both move it).
    """
    statement = update(Alert).where(Alert.id == alert_id).values(**values)
    if from_states is not None:
        statement = statement.where(Alert.state.in_(list(from_states)))
    changed = session.execute(statement).rowcount
    return session.get(Alert, alert_id, populate_existing=True) if changed == 1 else None


def get_alert(session: Session, alert_id: int) -> Alert | None:
    """One stored alert, or None."""
    return session.get(Alert, alert_id)
