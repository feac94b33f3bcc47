"""Retrain a challenger on the current labels and gate it against the champion."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from active_learning import GateDecision, GatePolicy, ModelScores, build_estimator, compare_models, decide, fit_clone
from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.gold import gold_label_series
from feedback.lifecycle.reports import RetrainResult, ScoredVersion, gates_run_against, save_comparison_report
from feedback.lifecycle.tasks import load_task
from feedback.lifecycle.versions import CHALLENGER, champion_and_challenger, load_version, promote, register_version
from feedback.store import repository, snapshots
from feedback.workspace import Workspace

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """Default progress sink: say nothing."""


def _scored(version: int | None, scores: ModelScores | None) -> ScoredVersion:
    """One side of the result: its version and, when compared, its accuracy, macro-F1 and n."""
    if scores is None:
        return ScoredVersion(version, {})
    return ScoredVersion(version, {"accuracy": scores.accuracy, "macro_f1": scores.macro_f1, "n": scores.n})


def retrain(
    ws: Workspace,
    *,
    actor: Actor,
    policy: GatePolicy | None = None,
    auto_promote: bool = False,
    progress: Progress = _no_progress,
    random_state: int = 0,
) -> RetrainResult:
    """Train a challenger on seed plus expert labels (audit items excluded) and compare it.

    Both models are scored on the expert-labelled audit items, which neither
    trained on. The gate proposes; the challenger is promoted here only when
    ``auto_promote`` is on and the gate says promote. Its test runs at the level of
    its place in the sequence of gates against this champion (1 + the saved gates that
    ran against it, :func:`feedback.lifecycle.reports.gates_run_against`).

    Parameters
    ----------
    ws : Workspace
    actor : Actor
        Who starts the retrain: an admin, or the app acting on an admin's retrain policy
        (recorded on an automatic promotion). Anyone else gets ``PermissionDenied``.
    policy : GatePolicy, default=None
        Gate thresholds; ``GatePolicy()`` when None.
    auto_promote : bool, default=False
    progress : callable(fraction, message), optional
    random_state : int, default=0

    Returns
    -------
    RetrainResult
        Also saved beside the model files (:func:`feedback.lifecycle.reports.load_comparison_report`).
    """
    require(actor, "retrain")
    policy = policy or GatePolicy()
    task = load_task(ws)
    names = [f["name"] for f in task.features]
    progress(0.05, "Reading the seed and expert labels")
    with store.session(ws) as session:
        seed = repository.seed_training_set(session)
        expert = repository.expert_training_set(session, gold_label_series(session))
    training = pd.concat([seed, expert], ignore_index=True)
    champion_row, _ = champion_and_challenger(ws)
    trained_before = snapshots.snapshot_ids(ws, champion_row.snapshot_id)
    new_labels = int((~training["external_id"].isin(trained_before)).sum())

    if new_labels == 0:
        progress(1.0, "Nothing new to learn from")
        return RetrainResult(
            champion=ScoredVersion(champion_row.version, {}),
            challenger=ScoredVersion(None, {}),
            decision="keep",
            p_value=None,
            n_eval=0,
            reasons=[
                f"No expert label has arrived since champion v{champion_row.version} was trained, "
                "so no challenger was trained. Label items in the review queue first."
            ],
            labels_needed=None,
            new_labels=0,
            n_train=len(training),
            training_seconds=0.0,
            promoted=False,
            report=None,
        )

    progress(0.2, f"Training the challenger on {len(training)} labels")
    started = time.perf_counter()
    try:
        model = fit_clone(
            build_estimator(task.features, task.model_name, random_state=random_state),
            training[names],
            training["__label__"].to_numpy(dtype=object),
        )
    except ValueError as exc:
        raise InputError(f"Cannot train a challenger: {exc}") from None
    elapsed = time.perf_counter() - started
    snapshot_id = snapshots.write_snapshot(ws, training[["external_id", *names, "__label__"]])

    progress(0.7, "Scoring both models on the audit items")
    with store.session(ws) as session:  # read now: audit labels given during the training count
        audit = repository.audit_evaluation_set(session, gold_label_series(session))
    champion_model = load_version(ws, champion_row)
    number = gates_run_against(ws, champion_row.version) + 1
    report = None
    if len(audit):
        y_true = audit["__label__"].to_numpy(dtype=object)
        report = compare_models(
            y_true,
            champion_model.predict(audit[names]).astype(str),
            model.predict(audit[names]).astype(str),
            task.labels,
            random_state=random_state,
        )
        gate = decide(report, policy, new_labels=new_labels, gate=number)
    else:
        gate = GateDecision(
            decision="insufficient-evidence",
            reasons=[
                "No audit item has an expert label yet, so the two models cannot be compared honestly. "
                "Label the random audit items in the review queue."
            ],
            labels_needed=policy.min_eval,
            gate=number,
        )

    progress(0.9, "Registering the challenger")
    with store.session(ws) as session:
        row = register_version(
            session,
            ws,
            model,
            model_name=task.model_name,
            snapshot_id=snapshot_id,
            n_labels=len(expert),
            n_seed=len(seed),
            training_seconds=elapsed,
            alias=CHALLENGER,
            metrics=report.to_dict()["challenger"] if report else None,
        )
        challenger_version = row.version
    promoted = False
    if auto_promote and gate.decision == "promote":
        promote(ws, challenger_version, reason="automatic promotion: " + "; ".join(gate.reasons), actor=actor)
        promoted = True
    result = RetrainResult(
        champion=_scored(champion_row.version, report.champion if report else None),
        challenger=_scored(challenger_version, report.challenger if report else None),
        decision=gate.decision,
        p_value=report.mcnemar.p_value if report else None,
        n_eval=report.n_eval if report else 0,
        reasons=gate.reasons,
        labels_needed=gate.labels_needed,
        new_labels=new_labels,
        n_train=len(training),
        training_seconds=round(elapsed, 3),
        promoted=promoted,
        report=report,
        gate=gate.gate,
        level=gate.level,
        forecast=gate.forecast,
    )
    save_comparison_report(ws, challenger_version, result)
    progress(1.0, "Done")
    return result
