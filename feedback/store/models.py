"""SQLModel tables of the label store. Tables only: queries live in the repository package.

Integer keys use an explicit ``Sequence`` because duckdb-engine compiles a plain
autoincrement key to ``SERIAL``, which DuckDB lacks. Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Double, Sequence
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Current time in UTC, timezone-aware as SQLModel requires."""
    return datetime.now(UTC)


def _sequence_key(name: str) -> Any:
    seq = Sequence(name)
    return Field(
        default=None,
        primary_key=True,
        sa_column_args=[seq],
        sa_column_kwargs={"server_default": seq.next_value()},
    )


def _double(nullable: bool = False) -> Any:
    # SQLAlchemy's Float becomes DuckDB's 4-byte FLOAT; scores and features need full precision.
    return Field(default=None, sa_type=Double, nullable=nullable)


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class Task(SQLModel, table=True):
    """The one classification task of a store: its labels, features and model."""

    name: str = Field(primary_key=True)
    labels: list = _json()
    features: list = _json()  # [{"name": str, "kind": "numeric" | "categorical" | "text"}]
    id_col: str
    label_col: str
    model_name: str
    image_shape: list | None = _json(nullable=True)
    audit_share: float = 0.05
    audit_salt: str
    created_at: datetime = Field(default_factory=utcnow)


class IngestBatch(SQLModel, table=True):
    """One ingest call: the unit of the ``batch`` monitoring window."""

    batch_id: str = Field(primary_key=True)
    source: str
    received_at: datetime = Field(default_factory=utcnow)
    n_rows: int
    n_skipped_existing: int = 0
    model_version: int


class Prediction(SQLModel, table=True):
    """A logged production prediction; its input features sit in the task's input table.

    ``predicted``, ``confidence``, ``margin``, ``entropy``, ``probabilities`` and
    ``model_version`` are always the answer the end user was served. The
    ``challenger_*`` columns hold the answer of the other model, the one scored on
    the side and not served:

    - no experiment running: the champion serves, and the version holding the
      ``challenger`` alias (if any) is logged in the ``challenger_*`` columns;
    - A/B experiment (``arm`` is ``"champion"`` or ``"challenger"``): the arm's
      model serves, and the other model of the experiment is logged, so in the
      challenger arm ``challenger_version`` names the *champion* version;
    - shadow experiment: everyone is served by the champion (``arm`` is
      ``"champion"``, as :mod:`feedback.experiments.routing` says) and the experiment's
      challenger is logged in the ``challenger_*`` columns.

    ``experiment_id`` names the experiment the row ran under and ``unit_id`` holds
    the value of its unit column (None when the experiment split by prediction id).
    """

    external_id: str = Field(primary_key=True)
    batch_id: str = Field(index=True)
    received_at: datetime = Field(default_factory=utcnow)
    model_version: int
    predicted: str
    confidence: float = _double()
    margin: float = _double()
    entropy: float = _double()
    probabilities: list = _json()  # aligned with Task.labels
    is_audit: bool = False
    challenger_version: int | None = None
    challenger_predicted: str | None = None
    challenger_confidence: float | None = _double(nullable=True)
    arm: str | None = None  # champion | challenger, while an experiment runs
    unit_id: str | None = None
    experiment_id: int | None = None


class Experiment(SQLModel, table=True):
    """An A/B (or shadow) experiment of a challenger version against the champion on live traffic.

    At most one runs at a time (``stopped_at`` is None). The arms are a salted hash
    of the unit id (:func:`feedback.experiments.routing.assign_arm`): ``share`` of the units go to
    the challenger. In shadow mode the challenger serves nobody and ``share`` is 0.
    """

    id: int | None = _sequence_key("experiment_id_seq")
    challenger_version: int
    champion_version: int
    share: float = _double()
    shadow: bool = False
    unit_col: str | None = None  # None: each prediction id is its own unit
    horizon_units: int | None = None  # planned units per arm for the fixed-horizon test; None: sequential only
    salt: str
    started_at: datetime = Field(default_factory=utcnow)
    started_by: str
    stopped_at: datetime | None = None
    stopped_by: str | None = None
    stop_reason: str | None = None
    # Pre-registration, fixed at start (migration 0010): what the experiment is judged on. None on
    # experiments from before it, which are judged on audit accuracy with the dispute rate as guardrail.
    primary_metric: str | None = None  # accuracy | dispute_rate | an outcome metric
    guardrail_metrics: list | None = _json(nullable=True)
    lower_is_better: list | None = _json(nullable=True)  # outcome metrics whose decrease is the improvement
    min_effect: float | None = _double(nullable=True)  # smallest difference that matters, in the metric's unit


class Outcome(SQLModel, table=True):
    """A number the team's product measured (revenue, a conversion, time to resolution): one metric's
    value for one logged prediction (``external_id``) or for one unit (``unit_id``), at ``observed_at``.

    Exactly one of ``external_id`` and ``unit_id`` is set. Experiments compare the arms on each
    unit's total of a metric (:mod:`feedback.experiments.outcomes`).
    """

    id: int | None = _sequence_key("outcome_id_seq")
    external_id: str | None = Field(default=None, index=True)
    unit_id: str | None = Field(default=None, index=True)
    metric: str = Field(index=True)
    value: float = _double()
    observed_at: datetime
    received_at: datetime = Field(default_factory=utcnow)


class FeedbackSignal(SQLModel, table=True):
    """An end user's reaction to a prediction: disputed or accepted."""

    id: int | None = _sequence_key("feedback_signal_id_seq")
    external_id: str = Field(index=True)
    signal: str
    user_label: str | None = None
    received_at: datetime = Field(default_factory=utcnow)


class LabelEvent(SQLModel, table=True):
    """An expert's answer on one item. Append-only: never updated, never deleted."""

    id: int | None = _sequence_key("label_event_id_seq")
    external_id: str = Field(index=True)
    annotator: str
    created_at: datetime = Field(default_factory=utcnow)
    label: str | None = None
    action: str  # confirm | correct | skip | ambiguous | undo
    voids_event_id: int | None = None  # set on undo: the annotator's earlier event it cancels
    reason_code: str | None = None
    comment: str | None = None
    seconds_spent: float | None = None
    shown_prediction: str | None = None
    shown_model_version: int | None = None
    suggestion_hidden: bool = False
    # What was served, copied from the prediction when the label is written, so that
    # the event carries its own provenance (and export needs no join).
    served_prediction: str | None = None
    served_confidence: float | None = _double(nullable=True)
    is_audit: bool | None = None
    batch_id: str | None = None
    # Made by the review card in the browser for each answer; a unique index (migration 0007)
    # makes a resent answer land once.
    client_id: str | None = None


class Lease(SQLModel, table=True):
    """Who holds a queue item now. Slot 0 is the item's one holder; slot 1 exists only
    for items in the overlap share, which two experts label on purpose.

    The natural key (external_id, slot) makes a double claim impossible in the
    database itself; a lease is free once released or past ``expires_at``.
    """

    external_id: str = Field(primary_key=True)
    slot: int = Field(default=0, primary_key=True, sa_column_kwargs={"autoincrement": False})
    annotator: str = Field(index=True)
    claimed_at: datetime = Field(default_factory=utcnow)
    position: int = 0  # rank within one claim, so held items keep the queue's order
    expires_at: datetime
    released_at: datetime | None = None
    overlap: bool = False
    explored: bool = False  # surfaced as a random exploration item, not by the ranking


class ModelVersion(SQLModel, table=True):
    """A trained model file, the label snapshot it learned from, and its alias."""

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    model_name: str
    artifact_path: str
    sha256: str
    snapshot_id: str
    n_labels: int
    n_seed: int
    params: dict = _json()
    code_version: str
    trained_at: datetime = Field(default_factory=utcnow)
    training_seconds: float
    metrics: dict | None = _json(nullable=True)
    alias: str | None = None  # champion | challenger | archived


class Decision(SQLModel, table=True):
    """A promotion or rollback: who, when, why."""

    id: int | None = _sequence_key("decision_id_seq")
    action: str  # promote | rollback
    version: int
    previous_version: int | None = None
    actor: str
    reason: str
    created_at: datetime = Field(default_factory=utcnow)


class Alert(SQLModel, table=True):
    """A monitoring alert and its state: open, acknowledged or resolved.

    ``metric``, ``window_kind`` and ``window_id`` name what fired and on which
    monitoring window (one alert per metric and window at most); ``kind`` is the
    threshold crossed (floor, ceiling, band_lower, band_upper, dataset_drift).
    ``delivery_status`` is the webhook outcome: pending, delivered, failed, or
    None when no webhook was configured; ``delivery`` holds its attempts and error.
    """

    id: int | None = _sequence_key("alert_id_seq")
    kind: str
    message: str
    state: str = "open"
    created_at: datetime = Field(default_factory=utcnow)
    details: dict | None = _json(nullable=True)
    metric: str | None = None
    window_kind: str | None = None
    window_id: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    delivery_status: str | None = None
    delivery: dict | None = _json(nullable=True)


class WindowJudgment(SQLModel, table=True):
    """How an alert rule judged one metric of one monitoring window, stored once when the window closed.

    A closed window is never judged again (late audit labels or disputes change its figures, not its
    verdict). ``verdict`` is ``"passed"``, ``"too_few"`` (fewer items than the rule's minimum) or the
    threshold crossed (floor, ceiling, band_lower, band_upper); ``value`` and ``n`` are the figure and
    the items it rested on then; ``low``/``high`` the band it was held against (None without enough
    history) and ``n_history`` the past windows the band rested on.
    """

    window_kind: str = Field(primary_key=True)
    window_id: str = Field(primary_key=True)
    metric: str = Field(primary_key=True)
    verdict: str
    value: float | None = _double(nullable=True)
    n: int = 0
    low: float | None = _double(nullable=True)
    high: float | None = _double(nullable=True)
    n_history: int = 0
    judged_at: datetime = Field(default_factory=utcnow)


class AppliedMigration(SQLModel, table=True):
    """Names of the schema migrations already applied to this database."""

    name: str = Field(primary_key=True)
    applied_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser: the hash of its session token, whose it is, and until when it holds.

    Only the SHA-256 of the token is kept, so the table cannot sign anyone in.
    """

    token_hash: str = Field(primary_key=True)
    user_name: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class SeedLabel(SQLModel, table=True):
    """The label of one row of the seed file; its features sit in the seed input table."""

    external_id: str = Field(primary_key=True)
    label: str


class SuspectLabel(SQLModel, table=True):
    """A gold label that a cross-validated model strongly contradicts: it goes back for a second look.

    Replaced as a whole at each check (:func:`feedback.review.suspects.find_suspect_labels`);
    an answer given after ``computed_at`` settles the item.
    """

    external_id: str = Field(primary_key=True)
    given_label: str
    suggested_label: str
    self_confidence: float = _double()  # out-of-fold probability of the given label
    computed_at: datetime = Field(default_factory=utcnow)
    n_labels: int  # labels the cross-validation learned from
