"""The review queue: ranked candidates and progress (leases are in leases.py)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlmodel import Session

from feedback.store import native
from feedback.store.repository.fragments import ACTIVE_EVENT_SQL

_UNLABELLED = (
    "NOT EXISTS (SELECT 1 FROM labelevent l WHERE l.external_id = p.external_id "
    f"AND l.action <> 'skip' AND {ACTIVE_EVENT_SQL.format(e='l')})"
)


_CANDIDATE_COLS = "p.external_id, p.predicted, p.confidence, p.margin, p.entropy, p.is_audit, p.received_at"


# For one annotator ($1) at a time ($2): not answered by them, and a lease slot free to them.
_NOT_ANSWERED_BY = f"""
    NOT EXISTS (SELECT 1 FROM labelevent m WHERE m.external_id = p.external_id AND m.annotator = $1
                AND {ACTIVE_EVENT_SQL.format(e="m")})"""


_LEASE_FREE_TO = """
    (SELECT count(*) FROM lease h WHERE h.external_id = p.external_id AND h.annotator <> $1
     AND h.released_at IS NULL AND h.expires_at > $2)
        < coalesce((SELECT CASE WHEN bool_or(o.overlap) THEN 2 ELSE 1 END FROM lease o
                    WHERE o.external_id = p.external_id), 1)"""


_AVAILABLE_TO = f"{_NOT_ANSWERED_BY} AND {_LEASE_FREE_TO}"


# The queue policy's uncertainty measures, each in [0, 1], on prediction p: the formulas of
# active_learning.uncertainty.uncertainty_score over the stored columns, kept in SQL so a million
# predictions are ranked in the database (tests/unit/feedback/test_queue_policy.py checks they are equal).
_UNCERTAINTY_SQL = {
    "margin": "1 - p.margin",
    "entropy": "p.entropy / ln({k})",
    "least-confident": "(1 - p.confidence) * {k} / ({k} - 1)",
}


_DISPUTES_SQL = """SELECT external_id, count(*) AS n_disputes, max(received_at) AS disputed_at
                   FROM feedbacksignal WHERE signal = 'disputed' GROUP BY external_id"""


QUEUE_SIGNALS = ("uncertainty", "dispute", "challenger_disagreement", "expert_disagreement", "suspect_label")


def _priority_sql(
    weights: dict[str, float],
    uncertainty_measure: str,
    n_classes: int,
    *,
    expert_conflict: str = "FALSE",
    self_confidence: str = "NULL",
) -> str:
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
    return ", ".join(
        [
            f"{uncertainty} AS uncertainty",
            *(f"{sql} AS added_{name}" for name, sql in added.items()),
            " + ".join(added.values()) + " AS priority",
        ]
    )


def _candidates(session: Session, sql: str, limit: int, annotator: str | None, now: datetime | None) -> pd.DataFrame:
    available = _AVAILABLE_TO if annotator else "TRUE"
    params = [annotator, now, limit] if annotator else [limit]
    sql = sql.format(available=available, limit="$3" if annotator else "$1")
    return native.read_frame(session, sql, params)


def ranked_unlabelled(
    session: Session,
    limit: int,
    weights: dict[str, float],
    uncertainty_measure: str,
    n_classes: int,
    annotator: str | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
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
    columns = (
        "external_id, predicted, confidence, margin, entropy, is_audit, received_at, n_disputes, "
        f"disputed_at, challenger_predicted, uncertainty, {added}, priority"
    )
    scored = f"""
        SELECT p.*, coalesce(d.n_disputes, 0) AS n_disputes, d.disputed_at,
               {_priority_sql(weights, uncertainty_measure, n_classes)}
        FROM prediction p LEFT JOIN ({_DISPUTES_SQL}) d USING (external_id)
        WHERE NOT p.is_audit OR d.n_disputes IS NOT NULL"""
    order = "priority DESC, disputed_at DESC NULLS LAST, external_id"
    return _candidates(session, _first_eligible(session, scored, columns, order, limit), limit, annotator, now)


def audit_unlabelled(
    session: Session, limit: int, annotator: str | None = None, now: datetime | None = None
) -> pd.DataFrame:
    """Unlabelled audit items, oldest first so the audit slice is labelled evenly over time."""
    columns = _CANDIDATE_COLS.replace("p.", "")
    return _candidates(
        session,
        _first_eligible(
            session, "SELECT * FROM prediction p WHERE p.is_audit", columns, "received_at, external_id", limit
        ),
        limit,
        annotator,
        now,
    )


def random_unlabelled(
    session: Session, limit: int, seed: int, annotator: str | None = None, now: datetime | None = None
) -> pd.DataFrame:
    """Unlabelled items outside the audit slice in a seeded random order (md5 of id and seed).

    The default query policy's exploration items: they enter training, unlike the audit slice.
    """
    columns = _CANDIDATE_COLS.replace("p.", "")
    order = f"md5(external_id || '{int(seed)}'), external_id"
    scored = "SELECT * FROM prediction p WHERE NOT p.is_audit"
    return _candidates(session, _first_eligible(session, scored, columns, order, limit), limit, annotator, now)


def _first_eligible(session: Session, scored: str, columns: str, order: str, limit: int) -> str:
    # The anti-joins run on a pre-cut: each label event or lease excludes at most one item, so the
    # first `limit` eligible items are among the first `limit + events + leases` in this order.
    excluded = int(
        native.read_frame(session, "SELECT (SELECT count(*) FROM labelevent) + (SELECT count(*) FROM lease) AS n").iloc[
            0, 0
        ]
    )
    return f"""SELECT {columns} FROM ({scored} ORDER BY {order} LIMIT {int(limit) + excluded}) p
               WHERE {_UNLABELLED} AND {{available}}
               ORDER BY {order} LIMIT {{limit}}"""


def relook_candidates(
    session: Session,
    conflict_ids: list[str],
    limit: int,
    weights: dict[str, float],
    uncertainty_measure: str,
    n_classes: int,
    annotator: str | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Labelled items that want another look, by priority: expert ties and suspect gold labels.

    ``conflict_ids`` are the items whose experts' labels tie (from
    :func:`feedback.gold.labels.gold_labels`); they go to experts who have not labelled
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
        AND l.created_at > s.computed_at AND {ACTIVE_EVENT_SQL.format(e="l")}
        AND (l.action <> 'skip' OR l.annotator = $1))"""
    # Without an annotator $1 and $2 are NULL: no one's answers or leases exclude anything.
    conflict_ok = f"(list_contains($4::VARCHAR[], p.external_id) AND {_NOT_ANSWERED_BY})"
    suspect_ok = (
        f"(s.external_id IS NOT NULL AND NOT {answered_since_check})" if weights["suspect_label"] > 0 else "FALSE"
    )
    priority = _priority_sql(
        weights,
        uncertainty_measure,
        n_classes,
        expert_conflict=conflict_ok,
        self_confidence=f"CASE WHEN {suspect_ok} THEN s.self_confidence END",
    )
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
    return native.read_frame(session, sql, [annotator, now, limit, list(conflict_ids)])


def second_opinion_candidates(session: Session, limit: int, annotator: str, now: datetime) -> pd.DataFrame:
    """Overlap items one other expert has answered, which this annotator may label too."""
    return native.read_frame(
        session,
        f"""SELECT {_CANDIDATE_COLS} FROM prediction p
            WHERE p.external_id IN (SELECT external_id FROM lease WHERE overlap AND slot = 0)
              AND (SELECT count(DISTINCT l.annotator) FROM labelevent l WHERE l.external_id = p.external_id
                   AND l.action IN ('confirm', 'correct') AND {ACTIVE_EVENT_SQL.format(e="l")}) = 1
              AND {_AVAILABLE_TO}
            ORDER BY p.external_id LIMIT $3""",
        [annotator, now, limit],
    )


def review_progress(session: Session, annotator: str, since: datetime) -> dict[str, int]:
    """This annotator's active answers since ``since``, and the items still unlabelled."""
    frame = native.read_frame(
        session,
        f"""SELECT
            (SELECT count(*) FROM labelevent e WHERE e.annotator = $1 AND e.created_at >= $2
             AND {ACTIVE_EVENT_SQL.format(e="e")}) AS answered,
            (SELECT count(*) FROM prediction p WHERE {_UNLABELLED}) AS unlabelled""",
        [annotator, since],
    )
    return {k: int(v) for k, v in frame.iloc[0].items()}
