"""Batch export of labels with their provenance: every label event, or the exact set a model version trained on."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from feedback import store
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.files import atomic_write, check_output_path, write_table
from feedback.lifecycle import VersionSummary, load_task, version_list
from feedback.store import repository, snapshots
from feedback.workspace import Workspace

FORMATS = ("csv", "parquet", "jsonl")


def export_labels(ws: Workspace, out: str | Path, fmt: str = "csv", *, actor: Actor) -> Path:
    """Write one row per label event: label, action, annotator, time, the prediction shown, the serving model.

    Parameters
    ----------
    out : path-like
    fmt : {"csv", "parquet", "jsonl"}, default="csv"
    actor : Actor
        Who exports: an admin (else ``PermissionDenied``, nothing written).

    Returns
    -------
    Path
        The file written (via a temporary name, so a failed export leaves nothing behind).
    """
    require(actor, "export")
    _check_format(fmt)
    load_task(ws)
    out = check_output_path(out, fmt, protected=ws.database_path)
    with atomic_write(out) as partial, store.session(ws) as session:
        repository.export_label_events(session, partial, fmt)
    return out


def export_training_set(ws: Workspace, version: int, out: str | Path, fmt: str = "csv", *, actor: Actor) -> Path:
    """Write the rows model ``version`` was trained on, exactly as it saw them (its snapshot).

    Columns: ``id``, ``label``, ``source`` (``seed`` for the seed file's rows,
    ``expert`` for gold labels from the review), ``model_version``,
    ``snapshot_id``, then the input features.

    Raises
    ------
    PermissionDenied
        ``actor`` is not an admin; nothing is written.
    InputError
        An unknown format or version, an ``out`` that cannot be written as ``fmt`` (see
        :func:`feedback.files.check_output_path`), or a snapshot file that is missing from the home.
    """
    require(actor, "export")
    _check_format(fmt)
    load_task(ws)
    out = check_output_path(out, fmt, protected=ws.database_path)
    with store.session(ws) as session:
        row = repository.get_version(session, int(version))
        if row is None:
            known = sorted(v.version for v in version_list(session))
            raise InputError(f"There is no model version {version}; the versions are {', '.join(map(str, known))}.")
        seed = repository.seed_ids(session)
    training = snapshots.read_snapshot(ws, row.snapshot_id)
    if training is None:
        raise InputError(
            f"The training snapshot {row.snapshot_id} of version {version} is missing from "
            f"{ws.snapshots_dir}; restore it from a backup of the home to export it."
        )
    ids = training["external_id"].astype(str)
    frame = training.drop(columns=["external_id", "__label__"])
    frame.insert(0, "id", ids.to_numpy())
    frame.insert(1, "label", training["__label__"].astype(str).to_numpy())
    frame.insert(2, "source", ids.isin(seed).map({True: "seed", False: "expert"}).to_numpy())
    frame.insert(3, "model_version", row.version)
    frame.insert(4, "snapshot_id", row.snapshot_id)
    return write_table(frame, out, fmt)


@dataclass(frozen=True)
class ExportOverview:
    """What there is to export.

    Attributes
    ----------
    label_events : int
        Label events in the store.
    labelled_items : int
        Items with at least one label event.
    versions : list of VersionSummary
        Every model version, newest first, with what it trained on.
    """

    label_events: int
    labelled_items: int
    versions: list[VersionSummary]


def export_overview(ws: Workspace) -> ExportOverview:
    """What there is to export; cheaper than ``store_status``, which also re-scores the audit slice."""
    load_task(ws)
    with store.session(ws) as session:
        counts = repository.count_rows(session)
        versions = version_list(session)
    return ExportOverview(counts["label_events"], counts["labelled_items"], versions)


def export_file_name(fmt: str, version: int | None = None) -> str:
    """The file name an export is offered under: ``labels.csv``, or ``training-set-v3.csv`` for a version."""
    _check_format(fmt)
    return f"labels.{fmt}" if version is None else f"training-set-v{int(version)}.{fmt}"


def export_bytes(ws: Workspace, fmt: str, version: int | None = None, *, actor: Actor) -> bytes:
    """The export as bytes, for a download from the app: the label events, or version ``version``'s training set.

    ``actor`` must be an admin (else ``PermissionDenied``).
    """
    require(actor, "export")
    with tempfile.TemporaryDirectory(prefix="feedback-export-") as folder:
        path = Path(folder) / export_file_name(fmt, version)
        if version is None:
            export_labels(ws, path, fmt, actor=actor)
        else:
            export_training_set(ws, version, path, fmt, actor=actor)
        return path.read_bytes()


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
