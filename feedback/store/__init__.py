"""The label store: the only code that speaks SQL. Tables, the engine and migrations, the repository of queries,
label snapshots.

One calling convention: open a unit of work with ``with store.session(ws) as session:`` and pass
``session`` as the first argument of every ``repository`` function. The block commits when it ends
normally and rolls back when it raises; the engine and DuckDB's native connection stay inside the store.
``Session`` is re-exported for annotations only."""

from sqlmodel import Session

from feedback.store.db import PREDICTION_INPUT, SEED_INPUT, create_db_and_tables, ensure_available, session
from feedback.store.models import (
    Alert,
    Decision,
    Experiment,
    FeedbackSignal,
    IngestBatch,
    LabelEvent,
    ModelVersion,
    Outcome,
    Prediction,
    Task,
    WebSession,
    WindowJudgment,
    utcnow,
)
from feedback.store.native import quote

__all__ = [
    "Alert",
    "Decision",
    "Experiment",
    "FeedbackSignal",
    "IngestBatch",
    "LabelEvent",
    "ModelVersion",
    "Outcome",
    "PREDICTION_INPUT",
    "Prediction",
    "SEED_INPUT",
    "Session",
    "Task",
    "WebSession",
    "WindowJudgment",
    "create_db_and_tables",
    "ensure_available",
    "quote",
    "session",
    "utcnow",
]
