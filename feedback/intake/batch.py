"""Batch prediction of a file with any registered model version."""

from __future__ import annotations

from pathlib import Path

from feedback import store
from feedback.exceptions import InputError
from feedback.files import atomic_write, check_output_path, read_table
from feedback.intake.scoring import score_frame
from feedback.lifecycle import champion_and_challenger, load_task, load_version
from feedback.store import repository
from feedback.validation import validate_features, validate_ids
from feedback.workspace import Workspace


def predict_file(ws: Workspace, path: str | Path, out: str | Path, *, version: int | None = None) -> Path:
    """Write ``id, predicted, proba_<class>...`` for every row of a file.

    Parameters
    ----------
    path : path-like
        CSV, Parquet or JSONL with the id and feature columns.
    out : path-like
        CSV file to write (written whole, then moved into place).
    version : int, default=None
        Model version to use; the champion when None.
    """
    task = load_task(ws)
    out = check_output_path(out, "csv", protected=ws.database_path)
    source = Path(path).name
    frame = read_table(path, string_columns=(task.id_col,))
    ids = validate_ids(frame, task.id_col, source)
    X = validate_features(frame, task.features, task.id_col, source)
    if version is None:
        row, _ = champion_and_challenger(ws)
    else:
        with store.session(ws) as session:
            row = repository.get_version(session, version)
        if row is None:
            raise InputError(f"There is no model version {version}; `python -m feedback status` lists them.")
    scored = score_frame(load_version(ws, row), X, task.labels, source)
    result = scored[["predicted"]].copy()
    result.insert(0, "id", ids.to_numpy())
    for i, label in enumerate(task.labels):
        result[f"proba_{label}"] = scored[f"proba_{i}"].to_numpy()
    with atomic_write(out) as partial:
        result.to_csv(partial, index=False)
    return out
