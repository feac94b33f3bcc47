"""Logging production inputs and end-user feedback into the store."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from feedback import store
from feedback.draws import uniform_draws
from feedback.events import before_write, written
from feedback.exceptions import InputError
from feedback.experiments import experiment_challenger, route_predictions, running_experiment, unit_ids
from feedback.files import read_table
from feedback.intake.scoring import score_frame
from feedback.lifecycle import champion_and_challenger, load_task, load_version
from feedback.store import IngestBatch, Task, repository, utcnow
from feedback.validation import describe_rows, validate_features, validate_ids
from feedback.workspace import Workspace

SIGNALS = ("disputed", "accepted")


@dataclass(frozen=True)
class IngestResult:
    """What one ingest call logged."""

    batch_id: str | None
    n_rows: int
    n_new: int
    n_skipped_existing: int
    n_audit: int
    model_version: int
    shadow_version: int | None
    experiment_id: int | None = None
    n_challenger_arm: int = 0  # rows the A/B experiment's challenger served

    def to_dict(self) -> dict:
        return asdict(self)


def audit_mask(ids: pd.Series, task: Task) -> np.ndarray:
    """Uniformly random audit membership, fixed per id by a salted hash.

    Independent of the model and of the data, so the audit slice is an unbiased
    sample of traffic, and re-ingesting an id gives the same answer.
    """
    return uniform_draws(ids, task.audit_salt) < task.audit_share


def ingest_predictions(
    ws: Workspace, path: str | Path, *, progress: Callable[[float, str], None] | None = None
) -> IngestResult:
    """Score a file of production inputs with the champion (and challenger in shadow) and log it.

    While an A/B experiment runs, each row is routed to an arm and served by that
    arm's model (see :func:`feedback.experiments.runs.route_predictions`).

    Parameters
    ----------
    ws : Workspace
    path : path-like
        CSV, Parquet or JSONL with the task's id column and feature columns (and
        the running experiment's unit id column, when it has one).
    progress : callable(fraction, message), optional
        Told as each stage starts: reading the file, checking it, looking up
        the ids already logged, scoring, writing, committing, checking alerts
        (the benchmark times the stages with it).

    Returns
    -------
    IngestResult
        Ids already logged are skipped, so re-ingesting a file adds nothing.

    Raises
    ------
    InputError
        Missing, extra or mistyped columns, missing or duplicate ids, missing
        unit ids, or values the model cannot take; nothing is written.
    """
    step = progress or (lambda fraction, message: None)
    step(0.0, "Reading the file")
    task = load_task(ws)
    source = Path(path).name
    experiment = running_experiment(ws)
    before_write(ws, "predictions")  # a listener may refuse it here, with nothing written
    unit_col = () if experiment is None or experiment.unit_col is None else (experiment.unit_col,)
    frame = read_table(path, string_columns=(task.id_col, *unit_col))
    step(0.2, "Checking ids and features")
    ids = validate_ids(frame, task.id_col, source)
    X = validate_features(frame, task.features, task.id_col, source, allowed_extra=unit_col)
    units = unit_ids(frame, experiment, ids, source) if experiment is not None else None
    step(0.3, "Looking up ids already logged")
    with store.session(ws) as session:
        known = repository.known_ids(session, "prediction", ids)
    fresh = ~ids.isin(known).to_numpy()
    ids, X = ids[fresh].reset_index(drop=True), X[fresh].reset_index(drop=True)
    units = units[fresh].reset_index(drop=True) if units is not None else None

    champion, challenger = champion_and_challenger(ws)
    if experiment is not None:
        challenger = experiment_challenger(ws, experiment)
    result = IngestResult(
        batch_id=None,
        n_rows=len(frame),
        n_new=len(ids),
        n_skipped_existing=int((~fresh).sum()),
        n_audit=0,
        model_version=champion.version,
        shadow_version=challenger.version if challenger else None,
        experiment_id=experiment.id if experiment is not None else None,
    )
    if not len(ids):
        return result
    step(0.4, "Scoring with the champion (and challenger)")
    scored = score_frame(load_version(ws, champion), X, task.labels, source)
    batch_id = f"b-{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    now = utcnow()
    predictions = scored.assign(
        external_id=ids.to_numpy(),
        batch_id=batch_id,
        received_at=now,
        model_version=champion.version,
        is_audit=audit_mask(ids, task),
    )
    if experiment is not None:
        shadow = score_frame(load_version(ws, challenger), X, task.labels, source)
        predictions = route_predictions(predictions, shadow, experiment, units)
        result = replace(result, n_challenger_arm=int((predictions["arm"] == "challenger").sum()))
    elif challenger is not None:
        shadow = score_frame(load_version(ws, challenger), X, task.labels, source)
        predictions = predictions.assign(
            challenger_version=challenger.version,
            challenger_predicted=shadow["predicted"].to_numpy(),
            challenger_confidence=shadow["confidence"].to_numpy(),
        )
    step(0.7, "Writing the predictions")
    batch = IngestBatch(
        batch_id=batch_id,
        source=source,
        received_at=now,
        n_rows=len(ids),
        n_skipped_existing=result.n_skipped_existing,
        model_version=champion.version,
    )
    inputs = X.assign(external_id=ids.to_numpy())[["external_id", *X.columns]]
    with store.session(ws) as session:
        repository.insert_predictions(session, batch, predictions, inputs)
        step(0.9, "Committing")
    step(0.95, "Checking alerts")
    written(ws, "predictions")
    return IngestResult(**{**asdict(result), "batch_id": batch_id, "n_audit": int(predictions["is_audit"].sum())})


def ingest_feedback(ws: Workspace, path: str | Path) -> int:
    """Log end-user signals from a file with columns id, signal (disputed|accepted), optional user_label.

    Returns
    -------
    int
        Signals stored; a signal identical to one already logged is not stored again.

    Raises
    ------
    InputError
        Unknown ids, unknown signals or user labels outside the label set; nothing is written.
    """
    task = load_task(ws)
    source = Path(path).name
    frame = read_table(path, string_columns=("id", "user_label"))
    before_write(ws, "feedback")  # a listener may refuse it here, with nothing written
    for column in ("id", "signal"):
        if column not in frame.columns:
            raise InputError(f"{source} needs columns id and signal (disputed or accepted); {column!r} is missing.")
    extra = [c for c in frame.columns if c not in ("id", "signal", "user_label")]
    if extra:
        raise InputError(f"{source} has unknown column(s) {', '.join(extra)}; use id, signal, user_label.")
    ids = frame["id"].astype("string").str.strip()
    if ids.isna().any():
        raise InputError(f"{source}: column 'id' is empty on {describe_rows(ids.isna())}.")
    signals = frame["signal"].astype("string").str.strip().str.lower()
    bad_signal = ~signals.isin(SIGNALS)
    if bad_signal.any():
        raise InputError(f"{source}: signal must be disputed or accepted; see {describe_rows(bad_signal)}.")
    user_labels = frame["user_label"].astype("string") if "user_label" in frame else pd.Series(pd.NA, index=frame.index)
    bad_label = user_labels.notna() & ~user_labels.isin(task.labels)
    if bad_label.any():
        raise InputError(
            f"{source}: user_label {user_labels[bad_label].iloc[0]!r} on {describe_rows(bad_label)} is not one of "
            f"the task's labels ({', '.join(task.labels)})."
        )
    with store.session(ws) as session:
        known = repository.known_ids(session, "prediction", ids.astype(str))
    unknown = ~ids.isin(known)
    if unknown.any():
        raise InputError(
            f"{source}: no logged prediction has id {ids[unknown].iloc[0]!r} ({describe_rows(unknown)}). "
            "Ingest the predictions first."
        )
    rows = pd.DataFrame(
        {
            "external_id": ids.astype(str).to_numpy(),
            "signal": signals.astype(str).to_numpy(),
            "user_label": user_labels.astype(object).where(user_labels.notna(), None).to_numpy(),
        }
    )
    # The same signal twice (a re-sent file) is one signal, not two disputes.
    with store.session(ws) as session:
        logged = repository.logged_signals(session, rows["external_id"])
    key = ["external_id", "signal", "user_label"]
    rows = rows.drop_duplicates(key)
    if len(logged):
        seen = rows[key].fillna("").merge(logged[key].fillna(""), on=key, how="left", indicator=True)
        rows = rows[(seen["_merge"] == "left_only").to_numpy()]
    rows = rows.assign(received_at=utcnow())
    with store.session(ws) as session:
        stored = repository.insert_feedback_signals(session, rows)
    written(ws, "feedback")
    return stored
