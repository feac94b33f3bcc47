"""Batch export of label events with their provenance."""

from __future__ import annotations

from pathlib import Path

from feedback import db, repository
from feedback.exceptions import InputError
from feedback.tasks import load_task
from feedback.workspace import Workspace

FORMATS = ("csv", "parquet", "jsonl")


def export_labels(ws: Workspace, out: str | Path, fmt: str = "csv") -> Path:
    """Write one row per label event: label, action, annotator, time, the prediction shown, the serving model.

    Parameters
    ----------
    out : path-like
    fmt : {"csv", "parquet", "jsonl"}, default="csv"

    Returns
    -------
    Path
        The file written (via a temporary name, so a failed export leaves nothing behind).
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    load_task(ws)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    db.copy_query_to_file(ws.engine, repository.EXPORT_SQL, partial, fmt)
    partial.replace(out)
    return out
