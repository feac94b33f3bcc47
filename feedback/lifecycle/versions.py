"""Model versions: register, load (hash-checked), promote and roll back."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sklearn.base import BaseEstimator

from active_learning import registry
from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.store import Decision, ModelVersion, Session, repository, utcnow
from feedback.workspace import Workspace

CHAMPION, CHALLENGER, ARCHIVED = "champion", "challenger", "archived"


@dataclass(frozen=True)
class VersionSummary:
    """One model version as the lists of versions show it.

    Attributes
    ----------
    version : int
    alias : str or None
        ``champion``, ``challenger``, ``archived``, or None.
    n_labels : int
        Expert labels it was trained on.
    n_seed : int
        Seed rows it was trained on.
    sha256 : str
        The first 12 hex digits of its model file's hash.
    """

    version: int
    alias: str | None
    n_labels: int
    n_seed: int
    sha256: str


def version_list(session: Session) -> list[VersionSummary]:
    """Every model version, newest first."""
    return [
        VersionSummary(v.version, v.alias, v.n_labels, v.n_seed, v.sha256[:12])
        for v in repository.list_versions(session)
    ]


def model_versions(ws: Workspace) -> list[VersionSummary]:
    """Every model version of the workspace, newest first (:func:`version_list` in its own unit of work)."""
    with store.session(ws) as session:
        return version_list(session)


@lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit of this code, or ``unknown`` outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def register_version(
    session: Session,
    ws: Workspace,
    estimator: BaseEstimator,
    *,
    model_name: str,
    snapshot_id: str,
    n_labels: int,
    n_seed: int,
    training_seconds: float,
    alias: str,
    metrics: dict | None = None,
) -> ModelVersion:
    """Save the model file and record its version row under ``alias`` (not committed)."""
    number = repository.next_version_number(session)
    path, sha256 = registry.save_model(estimator, ws.models_dir, number)
    if alias == CHALLENGER:
        previous = repository.version_with_alias(session, CHALLENGER)
        if previous is not None:
            previous.alias = ARCHIVED
            session.add(previous)
    row = ModelVersion(
        version=number,
        model_name=model_name,
        artifact_path=str(path.relative_to(ws.home)),
        sha256=sha256,
        snapshot_id=snapshot_id,
        n_labels=n_labels,
        n_seed=n_seed,
        params={k: repr(v) for k, v in estimator.get_params(deep=False).items() if k != "steps"},
        code_version=code_version(),
        training_seconds=training_seconds,
        metrics=metrics,
        alias=alias,
    )
    session.add(row)
    return row


def load_version(ws: Workspace, version: ModelVersion) -> BaseEstimator:
    """The fitted model of a version, after the registry checks its file's hash."""
    return registry.load_model(ws.home / version.artifact_path, version.sha256, ws.models_dir)


def promote(ws: Workspace, version: int, *, reason: str, actor: Actor) -> Decision:
    """Make ``version`` the champion; the old champion is archived. Recorded with who and why.

    A running A/B experiment is stopped in the same transaction (as is one on rollback).
    ``actor`` must be an admin (else ``PermissionDenied``, nothing changed).
    """
    actor = require(actor, "promote").name
    if not reason.strip():
        raise InputError("Give a reason for the promotion (--reason); it is kept with the decision.")
    store.create_db_and_tables(ws)  # an older store gains the experiment table first
    with store.session(ws) as session:
        target = repository.get_version(session, version)
        if target is None:
            raise InputError(f"There is no model version {version}; `python -m feedback status` lists them.")
        current = repository.version_with_alias(session, CHAMPION)
        if current is not None and current.version == version:
            raise InputError(f"Version {version} is already the champion.")
        load_version(ws, target)  # refuse to promote a file that fails its hash check
        if current is not None:
            current.alias = ARCHIVED
            session.add(current)
        target.alias = CHAMPION
        session.add(target)
        decision = Decision(
            action="promote", version=version, previous_version=current and current.version, actor=actor, reason=reason
        )
        repository.add(session, decision)
        # A running A/B experiment compared the old champion: its arms would mean something else now.
        repository.stop_running_experiment(session, actor=actor, reason=f"version {version} was promoted", now=utcnow())
        return decision


def rollback(ws: Workspace, *, reason: str, actor: Actor) -> Decision:
    """Return the champion alias to the version that held it before the last promotion.

    ``actor`` must be an admin (else ``PermissionDenied``, nothing changed).
    """
    actor = require(actor, "rollback").name
    if not reason.strip():
        raise InputError("Give a reason for the rollback (--reason); it is kept with the decision.")
    store.create_db_and_tables(ws)
    with store.session(ws) as session:
        current = repository.version_with_alias(session, CHAMPION)
        history = [d for d in repository.decisions(session) if current and d.version == current.version]
        previous = next((d.previous_version for d in history if d.previous_version is not None), None)
        if current is None or previous is None:
            raise InputError("Nothing to roll back to: the champion has no earlier version on record.")
        target = repository.get_version(session, previous)
        load_version(ws, target)
        current.alias = ARCHIVED
        target.alias = CHAMPION
        session.add(current)
        session.add(target)
        decision = Decision(
            action="rollback", version=previous, previous_version=current.version, actor=actor, reason=reason
        )
        repository.add(session, decision)
        repository.stop_running_experiment(
            session, actor=actor, reason=f"rolled back to version {previous}", now=utcnow()
        )
        return decision


def champion_and_challenger(ws: Workspace) -> tuple[ModelVersion | None, ModelVersion | None]:
    """The version rows holding the two aliases (either may be None)."""
    with store.session(ws) as session:
        return (repository.version_with_alias(session, CHAMPION), repository.version_with_alias(session, CHALLENGER))
