"""A/B and shadow experiments of a challenger version on live traffic: start, route, stop.

One experiment runs at a time. While it runs, ingest routes every row through
:func:`route_predictions`:

- **A/B**: a salted hash of the unit id (:func:`feedback.experiments.routing.assign_arm`)
  sends ``share`` of the units to the challenger, which then serves them; the
  other model's answer is logged on the side (see
  :class:`feedback.store.models.Prediction`).
- **shadow**: the champion serves everyone (arm ``"champion"``) and the
  challenger only scores the same rows.

What the evidence says (per-arm figures, the tests, the split check, a
recommendation) is read by :func:`feedback.experiments.evidence.experiment_status`.

The split is by unit, and so is the analysis: the tests sum each unit's labels
and disputes and use the cluster-robust variance (:mod:`feedback.experiments.units`).
The sample-ratio check counts units.
"""

from __future__ import annotations

import secrets

import numpy as np
import pandas as pd

from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import ExperimentError, InputError
from feedback.experiments.plan import check_preregistration
from feedback.experiments.routing import CHALLENGER, CHAMPION, assign_arm
from feedback.lifecycle import load_task, load_version
from feedback.store import Experiment, ModelVersion, repository, utcnow
from feedback.validation import describe_rows
from feedback.workspace import Workspace

__all__ = [
    "experiment_challenger",
    "latest_experiment",
    "route_predictions",
    "running_experiment",
    "start_experiment",
    "stop_experiment",
    "unit_ids",
]

_SERVED = ("predicted", "confidence", "margin", "entropy")


# --- starting and stopping ---------------------------------------------------------------------


def running_experiment(ws: Workspace) -> Experiment | None:
    """The experiment running now, or None."""
    load_task(ws)
    with store.session(ws) as session:
        return repository.running_experiment(session)


def experiment_challenger(ws: Workspace, experiment: Experiment) -> ModelVersion:
    """The version an experiment tests, whatever the ``challenger`` alias names now.

    A retrain moves the alias to its new model; the running experiment keeps
    testing the version it was started with.
    """
    with store.session(ws) as session:
        return repository.get_version(session, experiment.challenger_version)


def latest_experiment(ws: Workspace) -> Experiment | None:
    """The running experiment, else the one stopped last; None when none was ever started."""
    load_task(ws)
    with store.session(ws) as session:
        return repository.latest_experiment(session)


def start_experiment(
    ws: Workspace,
    challenger_version: int,
    share: float = 0.5,
    shadow: bool = False,
    unit_col: str | None = None,
    *,
    actor: Actor,
    horizon_units: int | None = None,
    primary_metric: str | None = None,
    guardrails: list[str] | None = None,
    lower_is_better: list[str] = (),
    min_effect: float | None = None,
) -> Experiment:
    """Start routing live traffic between the champion and ``challenger_version``.

    Parameters
    ----------
    ws : Workspace
    challenger_version : int
        Any version other than the champion (a fresh challenger, or an older
        version to test a rollback on live traffic).
    share : float, default=0.5
        Share of the units the challenger serves, strictly between 0 and 1.
        Ignored (stored as 0) in shadow mode.
    shadow : bool, default=False
        Serve everyone with the champion and only log the challenger's answers.
    unit_col : str, default=None
        Input column holding the unit of randomisation (a user or account id):
        one unit always lands in one arm. Every ingested file must then carry
        it. None makes each prediction its own unit.
    actor : Actor
        Who starts it (an admin); recorded with the experiment.
    horizon_units : int, default=None
        Planned units per arm, fixed before any data: the experiment is judged
        once, by the fixed-horizon test, when both arms reach it. None: judged
        by the always-valid sequential test, at any look. Ignored in shadow mode.
    primary_metric : str, default=None
        What the experiment is judged on, fixed now: ``accuracy`` (the
        default), ``dispute_rate``, or an outcome metric the store holds
        (:func:`feedback.intake.ingest_outcomes`).
    guardrails : list of str, default=None
        Metrics the challenger must not make significantly worse; None: the
        built-in metrics other than the primary.
    lower_is_better : list of str, default=()
        Outcome metrics among those whose decrease is the improvement.
    min_effect : float, default=None
        The smallest difference in the primary metric that matters (sizes the
        experiment, see :func:`feedback.experiments.plan.plan_experiment`, and
        the sequential test's mixture).

    Returns
    -------
    Experiment
        The stored experiment, with its id and salt.

    Raises
    ------
    PermissionDenied
        The actor is not an admin.
    ExperimentError
        An experiment already runs, the version is unknown or is the champion,
        the share is not strictly between 0 and 1, or the pre-registration
        names an unknown metric, a non-positive effect or a horizon under 2 units per arm.
    ModelIntegrityError
        The challenger's model file fails its hash check.
    """
    actor = require(actor, "start_experiment").name
    task = load_task(ws)
    if not shadow:
        share = _check_share(share)
    unit_col = (unit_col or "").strip() or None
    if unit_col == task.id_col:
        unit_col = None  # the prediction id is the default unit anyway
    with store.session(ws) as session:
        running = repository.running_experiment(session)
        if running is not None:
            raise ExperimentError(
                f"Experiment {running.id} ({_describe(running)}) is already running (since "
                f"{running.started_at:%Y-%m-%d %H:%M} UTC); one runs at a time. Stop it first with "
                "`python -m feedback ab stop --reason TEXT`."
            )
        target = repository.get_version(session, int(challenger_version))
        if target is None:
            raise ExperimentError(
                f"There is no model version {challenger_version}; `python -m feedback status` lists the versions."
            )
        champion = repository.version_with_alias(session, "champion")
        if champion is None:
            raise ExperimentError("The store has no champion to compare against; promote a version first.")
        if target.version == champion.version:
            raise ExperimentError(
                f"Version {target.version} is the champion; an experiment compares the champion with another "
                "version. Pass a challenger with --challenger (a retrain makes one)."
            )
        registered = check_preregistration(
            repository.outcome_metrics(session)["metric"],
            shadow=shadow,
            primary_metric=primary_metric,
            guardrails=guardrails,
            lower_is_better=lower_is_better,
            min_effect=min_effect,
            horizon_units=None if shadow else horizon_units,
        )
        load_version(ws, target)  # refuse to serve a file that fails its hash check
        experiment = Experiment(
            **registered,
            challenger_version=target.version,
            champion_version=champion.version,
            share=0.0 if shadow else share,
            shadow=shadow,
            unit_col=unit_col,
            salt=f"ab-{secrets.token_hex(8)}",
            started_by=actor,
        )
        return repository.add(session, experiment)


def stop_experiment(ws: Workspace, *, actor: Actor, reason: str = "") -> Experiment:
    """Stop the running experiment: from the next ingest on, the champion serves everyone again.

    Parameters
    ----------
    ws : Workspace
    actor : Actor
        Who stops it (an admin).
    reason : str, default=""
        Why; kept with the experiment.

    Returns
    -------
    Experiment
        The stopped experiment.

    Raises
    ------
    PermissionDenied
        The actor is not an admin.
    ExperimentError
        No experiment is running.
    """
    actor = require(actor, "stop_experiment").name
    load_task(ws)
    with store.session(ws) as session:
        stopped = repository.stop_running_experiment(session, actor=actor, reason=reason.strip() or None, now=utcnow())
        if stopped is None:
            raise ExperimentError(
                "No A/B experiment is running, so there is nothing to stop. "
                "`python -m feedback ab status` shows the last one."
            )
        return stopped


def _check_share(share: float) -> float:
    try:
        value = float(share)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 < value < 1.0:
        raise ExperimentError(
            f"The challenger's share of traffic must be strictly between 0 and 1, got {share!r}; "
            "0.5 splits the units evenly. To score the challenger without serving it, use shadow mode (--shadow)."
        )
    return value


def _describe(experiment: Experiment) -> str:
    mode = "shadow" if experiment.shadow else f"share {experiment.share:g}"
    return f"challenger v{experiment.challenger_version} against champion v{experiment.champion_version}, {mode}"


# --- routing at ingest -------------------------------------------------------------------------


def unit_ids(frame: pd.DataFrame, experiment: Experiment, ids: pd.Series, source: str) -> pd.Series:
    """The unit id of each row of an ingested file: the experiment's unit column as text, or the row's id.

    Raises
    ------
    InputError
        The unit column is missing or has empty cells.
    """
    column = experiment.unit_col
    if column is None:
        return ids
    if column not in frame.columns:
        raise InputError(
            f"{source} has no column {column!r}, the unit id the running A/B experiment {experiment.id} routes on "
            f"(one {column} always sees the same model). Add it to the file, or stop the experiment with "
            "`python -m feedback ab stop`."
        )
    units = frame[column].astype("string").str.strip()
    missing = units.isna() | (units == "")
    if missing.any():
        raise InputError(
            f"{source}: column {column!r} (the A/B experiment's unit id) is empty on {describe_rows(missing)}. "
            "Every row needs a unit id to be kept in one arm."
        )
    return units.astype(str).reset_index(drop=True)


def route_predictions(
    predictions: pd.DataFrame, challenger_scored: pd.DataFrame, experiment: Experiment, units: pd.Series
) -> pd.DataFrame:
    """Serve each row from its arm's model and log the other model's answer on the side.

    Parameters
    ----------
    predictions : DataFrame
        The champion's scores (see :func:`feedback.intake.scoring.score_frame`) with the
        row metadata ingest adds (``model_version`` holding the champion).
    challenger_scored : DataFrame
        The experiment's challenger scores on the same rows, in the same order.
    experiment : Experiment
        The running experiment.
    units : Series of str
        Unit id of each row (:func:`unit_ids`).

    Returns
    -------
    DataFrame
        ``predictions`` with the served columns taken from the challenger on
        its arm's rows, the other model in the ``challenger_*`` columns, and
        ``arm``, ``experiment_id`` (and ``unit_id`` when the experiment has a
        unit column) set.
    """
    if experiment.shadow:
        to_challenger = np.zeros(len(predictions), dtype=bool)
    else:
        to_challenger = assign_arm(units, experiment.share, salt=experiment.salt) == CHALLENGER
    # Series.mask keeps pandas' Arrow strings as they are: np.where would turn a million labels into
    # Python objects and back. Both frames share ingest's RangeIndex.
    served = {
        c: predictions[c].mask(to_challenger, challenger_scored[c])
        for c in challenger_scored.columns
        if c in _SERVED or c.startswith("proba_")
    }
    champion_version = predictions["model_version"].to_numpy()
    other = {
        "challenger_version": np.where(to_challenger, champion_version, experiment.challenger_version),
        "challenger_predicted": challenger_scored["predicted"].mask(to_challenger, predictions["predicted"]),
        "challenger_confidence": challenger_scored["confidence"].mask(to_challenger, predictions["confidence"]),
    }
    routed = predictions.assign(
        **served,
        **other,
        model_version=np.where(to_challenger, experiment.challenger_version, champion_version),
        arm=pd.Categorical.from_codes(to_challenger.astype(np.int8), categories=[CHAMPION, CHALLENGER]),
        experiment_id=experiment.id,
    )
    if experiment.unit_col is not None:
        routed["unit_id"] = units
    return routed
