"""Creating a task from a labelled seed file, and reading it back."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from active_learning import DEFAULT_MODEL, MODEL_NAMES, build_estimator, fit_clone, infer_feature_schema
from feedback import store
from feedback.exceptions import InputError
from feedback.files import read_table
from feedback.lifecycle.versions import CHAMPION, register_version
from feedback.store import Decision, Task, repository, snapshots
from feedback.validation import validate_features, validate_ids
from feedback.workspace import Workspace

RESERVED_COLUMNS = ("external_id", "__label__")


@dataclass(frozen=True)
class InitResult:
    """What ``init`` created."""

    task: str
    labels: list[str]
    features: list[dict]
    n_seed: int
    champion_version: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def sorted_labels(values: pd.Series) -> list[str]:
    """Distinct labels as strings, numeric ones in numeric order."""
    distinct = sorted({str(v) for v in values})
    try:
        return sorted(distinct, key=float)
    except ValueError:
        return distinct


def _check_seed(labels: pd.Series, feature_frame: pd.DataFrame, label_col: str, source: str) -> None:
    """Refuse a seed no model can learn from: a label column with a class per row, or a feature column with no value."""
    if len(labels) == 0:
        raise InputError(f"{source} has a header but no rows; a seed needs labelled examples of every class.")
    if len(labels) > 1 and labels.astype(str).nunique() == len(labels):
        raise InputError(
            f"{source}: column {label_col!r} holds a different value on each of its {len(labels)} rows, "
            "so no class has a second example: it looks like an id or a measurement, not a label. "
            "Name the label column with --label-col."
        )
    if feature_frame.shape[1] == 0:
        raise InputError(f"{source} has no feature column besides the id and the label; add the model's inputs.")
    empty = [str(c) for c in feature_frame.columns if feature_frame[c].isna().all()]
    if empty:
        raise InputError(
            f"{source}: feature column(s) {', '.join(empty)} are empty on every row, so the model "
            "cannot learn from them; fill them in or remove them from the file."
        )


def load_task(ws: Workspace) -> Task:
    """The workspace's task (raises NotInitializedError when there is none)."""
    store.create_db_and_tables(ws)
    with store.session(ws) as session:
        return repository.get_task(session)


def init_task(
    ws: Workspace,
    data: str | Path,
    label_col: str,
    *,
    id_col: str = "id",
    model_name: str = DEFAULT_MODEL,
    audit_share: float = 0.05,
    image_shape: tuple[int, int] | None = None,
    name: str = "default",
    random_state: int = 0,
    audit_salt: str | None = None,
) -> InitResult:
    """Create the task from a labelled seed file and register version 1 as champion.

    Parameters
    ----------
    ws : Workspace
    data : path-like
        CSV, Parquet or JSONL with one row per labelled example.
    label_col : str
        Column holding the label.
    id_col : str, default="id"
        Column holding a unique id; when absent, ids ``seed-0``, ``seed-1``… are made.
    model_name : str, default="logistic"
        One of ``active_learning.training.MODEL_NAMES``.
    audit_share : float, default=0.05
        Share of production items set aside, uniformly at random, as the audit slice.
    image_shape : (int, int), default=None
        When the numeric features are pixels, the shape to draw them in.
    audit_salt : str, default=None
        The 16-character key of the hash that draws the audit slice (and A/B arms);
        random when None. Give one only to make a store reproducible, as the demo
        does (``feedback.draws.key_for(text)`` makes one from any text).

    Returns
    -------
    InitResult
    """
    if model_name not in MODEL_NAMES:
        raise InputError(f"Unknown model {model_name!r}; choose one of {', '.join(MODEL_NAMES)}.")
    if not 0.0 <= audit_share < 1.0:
        raise InputError(f"audit share must be at least 0 and below 1, got {audit_share}.")
    if audit_salt is not None and len(audit_salt.encode("utf8")) != 16:
        raise InputError(
            f"audit_salt must be 16 characters, got {len(audit_salt)}; "
            "feedback.draws.key_for(text) makes one from any text."
        )
    if ws.database_path is None or ws.database_path.exists():  # a new file is not made before the seed is checked
        store.create_db_and_tables(ws)
        with store.session(ws) as session:
            exists = repository.has_task(session)
        if exists:
            raise InputError(f"{ws.home} already holds a task. Use another FEEDBACK_HOME (or --home) for a new task.")
    frame = read_table(data, string_columns=(id_col,))
    source = Path(data).name
    if label_col not in frame.columns:
        raise InputError(f"{source} has no label column {label_col!r}; columns are: {', '.join(frame.columns)}.")
    if frame[label_col].isna().any():
        raise InputError(f"{source}: column {label_col!r} is empty on some rows; every seed row needs a label.")
    if id_col not in frame.columns:
        frame.insert(0, id_col, [f"seed-{i}" for i in range(len(frame))])
    ids = validate_ids(frame, id_col, source)
    feature_frame = frame.drop(columns=[id_col, label_col])
    clash = [c for c in feature_frame.columns if c.lower() in RESERVED_COLUMNS]
    if clash:
        raise InputError(f"{source}: rename column(s) {', '.join(clash)}; the store uses that name itself.")
    lowered = pd.Series([c.lower() for c in feature_frame.columns])
    if lowered.duplicated().any():
        same = [c for c, low in zip(feature_frame.columns, lowered, strict=True) if (lowered == low).sum() > 1]
        raise InputError(f"{source}: rename column(s) {', '.join(same)}; the store ignores case in column names.")
    _check_seed(frame[label_col], feature_frame, label_col, source)
    features = infer_feature_schema(feature_frame)
    X = validate_features(frame, features, id_col, source, allowed_extra=(label_col,))
    y = frame[label_col].astype(str).to_numpy(dtype=object)
    labels = sorted_labels(frame[label_col])
    if image_shape is not None and (
        len(image_shape) != 2 or min(image_shape) < 1 or image_shape[0] * image_shape[1] != len(features)
    ):
        raise InputError(
            f"Image shape {'x'.join(map(str, image_shape))} does not fit the {len(features)} feature "
            "columns; give two positive numbers ROWSxCOLS whose product is that count, e.g. 8x8 for 64."
        )

    started = time.perf_counter()
    try:
        estimator = fit_clone(build_estimator(features, model_name, random_state=random_state), X, y)
    except ValueError as exc:
        raise InputError(f"Cannot train on {source}: {exc}") from None
    elapsed = time.perf_counter() - started

    training = X.assign(external_id=ids.to_numpy(), __label__=y)
    snapshot_id = snapshots.write_snapshot(ws, training)
    store.create_db_and_tables(ws)
    inputs = X.assign(external_id=ids.to_numpy())[["external_id", *X.columns]]
    with store.session(ws) as session:
        repository.create_input_tables(session, features)
        repository.insert_seed(session, inputs, pd.DataFrame({"external_id": ids.to_numpy(), "label": y}))
        session.add(
            Task(
                name=name,
                labels=labels,
                features=features,
                id_col=id_col,
                label_col=label_col,
                model_name=model_name,
                image_shape=list(image_shape) if image_shape else None,
                audit_share=audit_share,
                audit_salt=audit_salt or secrets.token_hex(8),
            )
        )
        version = register_version(
            session,
            ws,
            estimator,
            model_name=model_name,
            snapshot_id=snapshot_id,
            n_labels=0,
            n_seed=len(frame),
            training_seconds=elapsed,
            alias=CHAMPION,
        )
        session.add(
            Decision(
                action="promote", version=version.version, actor="init", reason="initial model trained on the seed file"
            )
        )
        number = version.version
    return InitResult(task=name, labels=labels, features=features, n_seed=len(frame), champion_version=number)
