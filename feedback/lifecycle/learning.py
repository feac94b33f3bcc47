"""How the model learns from expert labels: the curve so far, a stopping hint, and a simulation.

The curve comes from the versions already trained (each challenger's audit
accuracy and the labels it rests on); the stopping hint compares successive
versions' predictions on the same audit items (small-text's KappaAverage idea);
the simulation replays the task's labelled data with an oracle to show whether
more labels would still help.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from active_learning import (
    REFRESH_LABELS,
    KappaAverage,
    LabelValue,
    build_estimator,
    chosen_vs_random,
    labels_to_reach,
    mean_curve,
    simulate,
    suggest_stop,
)
from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.gold import gold_label_series
from feedback.lifecycle.tasks import load_task
from feedback.lifecycle.versions import load_version
from feedback.store import repository
from feedback.workspace import Workspace


@dataclass(frozen=True)
class SimulationResult:
    """What replaying the labelled items with an oracle says about more labels.

    Attributes
    ----------
    curves : dict
        The simulator's output (:func:`active_learning.simulate.simulate`): per strategy, its learning curves.
    labels_to_98 : dict
        Strategy -> labels needed to reach 98% of the accuracy with every pool item, or None beyond ``budget``.
    final_accuracy : dict
        Strategy -> mean held-out accuracy at the end of the budget.
    n_pool : int
        Labelled rows the simulation rests on (70% pool, 30% held out).
    budget : int
        Labels each simulated run may spend.
    """

    curves: dict[str, Any]
    labels_to_98: dict[str, int | None]
    final_accuracy: dict[str, float]
    n_pool: int
    budget: int


def learning_curve(ws: Workspace) -> pd.DataFrame:
    """One row per trained challenger: labels it rests on and its audit accuracy (with n)."""
    with store.session(ws) as session:
        versions = sorted(repository.list_versions(session), key=lambda v: v.version)
    rows = [
        {
            "version": v.version,
            "labels": v.n_seed + v.n_labels,
            "expert_labels": v.n_labels,
            "accuracy": v.metrics["accuracy"],
            "n_audit_items": v.metrics["n"],
            "alias": v.alias,
        }
        for v in versions
        if v.metrics
    ]
    return pd.DataFrame(rows, columns=["version", "labels", "expert_labels", "accuracy", "n_audit_items", "alias"])


@dataclass(frozen=True)
class QueueValue:
    """Whether the items the queue chose are beating random ones, from the task's own labels.

    Attributes
    ----------
    value : LabelValue
        :func:`active_learning.chosen_vs_random` with the expert labels outside
        the audit slice (exploration items left out) as chosen and the audit labels as random: held-out audit
        accuracy with ``m`` queue labels added to a base of audit labels, minus
        with ``m`` other audit labels added, over 5 folds of the audit labels.
    beating_random : bool or None
        True when the 95% interval is above 0, False when it is not (below 0,
        or straddling it), None when there are too few labels to measure.
    statement : str
        The sentence the Models page shows.
    n_explored : int
        Expert labels outside the audit slice left out of the queue's side: the
        default policy drew them as random exploration items, not by its ranking.
    """

    value: LabelValue
    beating_random: bool | None
    statement: str
    n_explored: int = 0


def queue_value(ws: Workspace, *, random_state: int = 0) -> QueueValue:
    """Are the queue's chosen items beating random ones? Measured on the audit slice, in cross-validation.

    The audit slice is a uniformly random sample and no served model trains on
    it, so the measuring models (fresh clones of the task's pipeline, discarded
    after) are scored on audit items they did not see: the difference is
    unbiased for the pool. The default policy's random exploration items are
    left out of the queue's side: they are not the ranking's choice, and
    counting them would pull the difference toward 0 the more the policy explores.
    """
    task = load_task(ws)
    names = [f["name"] for f in task.features]
    with store.session(ws) as session:
        gold = gold_label_series(session)
        chosen = repository.expert_training_set(session, gold)
        audit = repository.audit_evaluation_set(session, gold)
        explored = chosen["external_id"].isin(repository.explored_ids(session))
    chosen = chosen[~explored.to_numpy()]
    labelled = pd.concat([chosen, audit], ignore_index=True)
    is_audit = np.arange(len(labelled)) >= len(chosen)
    estimator = build_estimator(task.features, task.model_name)
    value = chosen_vs_random(
        estimator,
        labelled[names],
        labelled["__label__"].to_numpy(dtype=object),
        ~is_audit,
        is_audit,
        random_state=random_state,
    )
    return _queue_statement(value, int(explored.sum()))


_MEASURED: dict[tuple[str, int], QueueValue] = {}  # (home, label events // REFRESH_LABELS) -> the last measure
_MEASURE_LOCK = threading.Lock()  # experts claiming at once wait for one measure instead of each fitting its own


def current_queue_value(ws: Workspace, n_events: int | None = None) -> QueueValue:
    """:func:`queue_value`, measured again only every ``REFRESH_LABELS`` label events (in this process).

    It trains throwaway models in cross-validation (seconds with a random forest), so the live
    queue's bandit (on every page claim) and the Models page (on every page run) share this one
    measure: the page shows the evidence the bandit draws from, with the counts it rests on.
    ``n_events`` is the store's label-event count when the caller has just read it (None: read it).
    """
    if n_events is None:
        with store.session(ws) as session:
            n_events = int(repository.count_rows(session)["label_events"])
    key = (str(ws.home), n_events // REFRESH_LABELS)
    with _MEASURE_LOCK:
        if key not in _MEASURED:
            if len(_MEASURED) >= 8:
                _MEASURED.clear()
            _MEASURED[key] = queue_value(ws)
        return _MEASURED[key]


def _queue_statement(value: LabelValue, n_explored: int = 0) -> QueueValue:
    """The verdict and the sentence for a measured (or unmeasured) :class:`LabelValue`."""
    left_out = (
        f" {n_explored} labels of random exploration items are left out of the queue's side: the ranking did not "
        "choose them."
        if n_explored
        else ""
    )
    if not value.measured:
        statement = (
            f"Too few labels to tell whether the queue's items beat random ones: {value.n_chosen} queue labels and "
            f"{value.n_random} audit labels (at least one queue label and 6 audit labels are needed)."
        )
        return QueueValue(value, None, statement + left_out, n_explored)
    low, high = value.interval
    measured = (
        f"adding {value.n_compared:.0f} queue labels to a base of audit labels gives held-out accuracy "
        f"{value.accuracy_chosen:.1%}, adding as many random audit labels {value.accuracy_random:.1%}: "
        f"a difference of {value.difference:+.1%} (95% interval {low:+.1%} to {high:+.1%}), "
        f"measured on {value.n_eval} held-out audit labels ({value.n_chosen} queue labels in all)."
    )
    if low > 0:
        verdict, statement = True, f"The queue's items are beating random ones: {measured}"
    elif high < 0:
        verdict, statement = (
            False,
            "The queue's items are doing worse than random ones: "
            f"{measured} The default policy shifts the queue toward random items when it sees this; "
            "labels chosen by uncertainty are not paying off on this task.",
        )
    else:
        verdict, statement = (
            False,
            f"The queue's items are not shown to beat random ones: {measured} More audit labels narrow the interval.",
        )
    return QueueValue(value, verdict, statement + left_out, n_explored)


def stopping_hint(ws: Workspace, *, window_size: int = 3, kappa: float = 0.99) -> str:
    """Whether successive versions still change their predictions on the labelled audit items."""
    task = load_task(ws)
    with store.session(ws) as session:
        audit = repository.audit_evaluation_set(session, gold_label_series(session))
        versions = sorted(repository.list_versions(session), key=lambda v: v.version)[-(window_size + 1) :]
    criterion = KappaAverage(window_size=window_size, kappa=kappa)
    if audit.empty:
        return "No audit item has an expert label yet; label some to see whether the model has settled."
    names = [f["name"] for f in task.features]
    for version in versions:
        criterion.stop(load_version(ws, version).predict(audit[names]).astype(str))
    latest = versions[-1]
    return suggest_stop(criterion, latest.n_seed + latest.n_labels) + f" (on {len(audit)} audit items)"


def simulate_current_task(
    ws: Workspace,
    *,
    actor: Actor,
    strategies=("random", "margin", "default"),
    budget: int | None = None,
    batch: int | None = None,
    initial: int | None = None,
    seeds: int = 3,
) -> SimulationResult:
    """Replay the task's labelled data (seed plus expert labels) with an oracle.

    CPU-heavy, so ``actor`` must be a lead or an admin (else ``PermissionDenied``).

    Returns
    -------
    SimulationResult
    """
    require(actor, "simulate")
    task = load_task(ws)
    names = [f["name"] for f in task.features]
    with store.session(ws) as session:
        gold = gold_label_series(session)
        labelled = pd.concat(
            [
                repository.seed_training_set(session),
                repository.expert_training_set(session, gold),
                repository.audit_evaluation_set(session, gold),
            ],
            ignore_index=True,
        )
    if len(labelled) < 40 or labelled["__label__"].nunique() < 2:
        raise InputError(f"The simulation needs at least 40 labelled items of two classes; there are {len(labelled)}.")
    pool_size = int(len(labelled) * 0.7)
    budget = min(budget or 200, pool_size)
    batch = batch or max(5, budget // 20)  # about 20 rounds per curve keeps the page responsive
    initial = initial or max(2 * labelled["__label__"].nunique(), 10)
    curves = simulate(
        labelled[names],
        labelled["__label__"].to_numpy(dtype=object),
        strategies,
        budget=budget,
        batch=batch,
        initial=min(initial, budget - batch),
        seeds=seeds,
        test_size=0.3,
        model_name=task.model_name,
    )
    return SimulationResult(
        curves=curves,
        labels_to_98={s: labels_to_reach(curves[s], 0.98) for s in strategies},
        final_accuracy={s: float(mean_curve(curves[s]["curves"])[-1, 1]) for s in strategies},
        n_pool=len(labelled),
        budget=budget,
    )
