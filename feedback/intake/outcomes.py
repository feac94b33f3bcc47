"""Outcomes the team's product measures (revenue, conversions, time to resolution), logged per prediction or unit.

An experiment can be judged on them (:mod:`feedback.experiments.outcomes`): each unit's
total of a metric over the experiment, compared between the arms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.files import read_table
from feedback.lifecycle import load_task
from feedback.store import repository, utcnow
from feedback.validation import HIDDEN_CHARACTERS, MAX_NAME_LENGTH, describe_rows
from feedback.workspace import Workspace

__all__ = ["BUILT_IN_METRICS", "OUTCOME_COLUMNS", "OutcomeIngestResult", "ingest_outcomes", "outcome_metrics"]

OUTCOME_COLUMNS = ("id", "unit_id", "metric", "value", "time")
BUILT_IN_METRICS = ("accuracy", "dispute_rate")  # computed from labels and disputes, never sent as outcomes


@dataclass(frozen=True)
class OutcomeIngestResult:
    """What one outcome file logged.

    Attributes
    ----------
    n_rows : int
        Rows in the file.
    n_stored : int
        Rows stored now.
    n_skipped_existing : int
        Rows already stored (same id or unit, metric, value and time), or repeated in the file.
    metrics : dict of str to int
        Rows per metric in the file.
    """

    n_rows: int
    n_stored: int
    n_skipped_existing: int
    metrics: dict[str, int]

    def to_dict(self) -> dict:
        """The result as JSON-ready values."""
        return asdict(self)


def ingest_outcomes(ws: Workspace, source: str | Path | pd.DataFrame, *, actor: Actor) -> OutcomeIngestResult:
    """Log numeric outcomes per prediction or per unit, from a file or a DataFrame.

    Parameters
    ----------
    ws : Workspace
    source : path-like or DataFrame
        CSV, Parquet or JSONL (or a frame) with columns ``metric``, ``value``,
        ``time`` and one of ``id`` (a logged prediction's id) or ``unit_id``
        (the experiment's unit, e.g. a user id); a file may have both columns
        as long as each row fills exactly one. ``time`` is when the outcome
        happened: ISO 8601, taken as UTC when it has no offset. Values sent
        per unit before an experiment starts are its units' pre-experiment
        values (CUPED uses them).
    actor : Actor
        Who sends it (an admin).

    Returns
    -------
    OutcomeIngestResult
        Rows already stored are skipped, so sending a file twice adds nothing.

    Raises
    ------
    PermissionDenied
        The actor is not an admin.
    InputError
        A missing or unknown column, a row with no id and no unit id (or
        both), an unknown prediction id, an empty or reserved metric name, a
        value that is not a finite number, or a time that is not a date and
        time. The message names the column and the file lines; nothing is
        written.
    """
    require(actor, "manage")
    load_task(ws)
    if isinstance(source, pd.DataFrame):
        name, frame = "the outcomes", source.reset_index(drop=True)
    else:
        name, frame = Path(source).name, read_table(source, string_columns=("id", "unit_id", "metric"))
    rows = _validated(frame, name)
    predicted = rows["external_id"].notna()
    with store.session(ws) as session:
        known = repository.known_ids(session, "prediction", rows.loc[predicted, "external_id"])
    unknown = predicted & ~rows["external_id"].isin(known)
    if unknown.any():
        raise InputError(
            f"{name}: no logged prediction has id {rows.loc[unknown, 'external_id'].iloc[0]!r} "
            f"({describe_rows(unknown)}). Ingest the predictions first, or send a unit's outcome in unit_id."
        )
    with store.session(ws) as session:
        stored = repository.insert_outcomes(session, rows.assign(received_at=utcnow()))
    counts = rows["metric"].value_counts().sort_index()
    return OutcomeIngestResult(
        n_rows=len(rows),
        n_stored=int(stored),
        n_skipped_existing=len(rows) - int(stored),
        metrics={str(k): int(v) for k, v in counts.items()},
    )


def outcome_metrics(ws: Workspace) -> pd.DataFrame:
    """The outcome metrics the store holds: metric, n_values, first_at, last_at, by name."""
    load_task(ws)
    with store.session(ws) as session:
        return repository.outcome_metrics(session)


def _validated(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows as external_id, unit_id, metric, value, observed_at, or an InputError naming the problem."""
    extra = [c for c in frame.columns if c not in OUTCOME_COLUMNS]
    if extra:
        raise InputError(f"{name} has unknown column(s) {', '.join(extra)}; use {', '.join(OUTCOME_COLUMNS)}.")
    missing = [c for c in ("metric", "value", "time") if c not in frame.columns]
    if missing or not {"id", "unit_id"} & set(frame.columns):
        lacking = missing or ["id or unit_id"]
        raise InputError(
            f"{name} lacks column(s) {', '.join(lacking)}: an outcome file has metric, value, time, and id "
            "(a logged prediction's id) or unit_id (e.g. a user id)."
        )
    if frame.empty:
        raise InputError(f"{name} has no rows: nothing to log.")
    ids, units = (_text(frame, column) for column in ("id", "unit_id"))
    neither, both = ids.isna() & units.isna(), ids.notna() & units.notna()
    for mask, problem in ((neither, "neither an id nor a unit_id"), (both, "both an id and a unit_id")):
        if mask.any():
            raise InputError(
                f"{name}: {describe_rows(mask)} {'has' if mask.sum() == 1 else 'have'} {problem}; give each "
                "row exactly one: id for an outcome of one prediction, unit_id for an outcome of a unit."
            )
    for column, values in (("id", ids), ("unit_id", units)):
        hidden = values.str.contains(HIDDEN_CHARACTERS, regex=True).fillna(False).astype(bool)
        if hidden.any():
            raise InputError(
                f"{name}: column {column!r} holds control or invisible characters on {describe_rows(hidden)}; "
                "remove them (tabs, line breaks, direction marks)."
            )
    metrics = _metrics(frame, name)
    values = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        raise InputError(
            f"{name}: column 'value' must hold finite numbers, but holds {str(frame['value'][bad].iloc[0])!r} on "
            f"{describe_rows(pd.Series(bad))}. Write each outcome as a number (a conversion as 0 or 1)."
        )
    times = pd.to_datetime(frame["time"].astype("string"), errors="coerce", utc=True, format="ISO8601")
    if times.isna().any():
        raise InputError(
            f"{name}: column 'time' must hold a date and time, but holds {frame['time'][times.isna()].iloc[0]!r} "
            f"on {describe_rows(times.isna())}. Use ISO 8601, e.g. 2026-11-26T14:30:00Z (UTC when no offset)."
        )
    return pd.DataFrame(
        {
            "external_id": ids.astype(object).where(ids.notna(), None),
            "unit_id": units.astype(object).where(units.notna(), None),
            "metric": metrics,
            "value": values,
            "observed_at": times,
        }
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text, empty cells as missing; all missing when the file lacks it."""
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[column].astype("string").str.strip()
    return values.mask(values == "")


def _metrics(frame: pd.DataFrame, name: str) -> pd.Series:
    """The metric names, or an InputError on an empty, overlong, hidden-character or built-in name."""
    metrics = _text(frame, "metric")
    problems = (
        (metrics.isna(), "is empty", "Name every outcome's metric, e.g. revenue."),
        (metrics.str.len() > MAX_NAME_LENGTH, "is too long", f"Use at most {MAX_NAME_LENGTH} characters."),
        (metrics.str.contains(HIDDEN_CHARACTERS, regex=True), "holds control or invisible characters", "Remove them."),
        (
            metrics.isin(BUILT_IN_METRICS),
            "is a built-in metric's name",
            f"{' and '.join(BUILT_IN_METRICS)} come from expert labels and disputes; name the outcome otherwise.",
        ),
    )
    for mask, problem, fix in problems:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            raise InputError(f"{name}: column 'metric' {problem} on {describe_rows(mask)}. {fix}")
    return metrics.astype(str)
