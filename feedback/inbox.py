"""The inbox: how files reach a store while the app holds the database.

DuckDB lets one process hold the file. While the app runs, a command hands its
file over by dropping it into ``<home>/inbox/<kind>/`` (label files into
``inbox/labels/<annotator>/``, the folder name saying who labelled them); the
app's watcher thread ingests it and moves it to ``inbox/done/`` (with a
``.result.json``) or ``inbox/failed/`` (with a ``.error.txt`` naming the problem).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote, unquote

from feedback.exceptions import FeedbackError, InputError
from feedback.files import READERS, atomic_write
from feedback.ingest import ingest_feedback, ingest_predictions
from feedback.jobs import PeriodicCheck
from feedback.labels import import_labels
from feedback.models import utcnow
from feedback.workspace import Workspace

KINDS = ("predictions", "feedback", "labels")


def drop_into_inbox(ws: Workspace, path: Path, kind: str, *, annotator: str | None = None) -> Path:
    """Copy a file into the inbox atomically (copied under a temporary name, then renamed).

    Parameters
    ----------
    kind : {"predictions", "feedback", "labels"}
    annotator : str, default=None
        Who labelled a ``labels`` file (required for that kind, refused for the others).
    """
    path = Path(path)
    if kind not in KINDS:
        raise InputError(f"Unknown inbox kind {kind!r}; use one of {', '.join(KINDS)}.")
    named = bool(annotator and annotator.strip())
    if kind == "labels" and not named:
        raise InputError("Say who labelled the file (--annotator NAME).")
    if kind != "labels" and named:
        raise InputError(f"Only label files name an annotator, not {kind} files.")
    if not path.is_file():
        raise InputError(f"File not found: {path}. Check the path and try again.")
    if path.suffix.lower() not in READERS:
        raise InputError(f"Cannot read {path.name}: use a .csv, .parquet or .jsonl file.")
    folder = ws.inbox_dir / kind
    if kind == "labels":
        folder = folder / _folder_name(annotator.strip())
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}-{path.name}"
    with atomic_write(target) as partial:
        shutil.copyfile(path, partial)
    return target


def _folder_name(annotator: str) -> str:
    """The annotator's name as one folder name that cannot climb out of the inbox ('.' and '..' included)."""
    return quote(annotator, safe="").replace(".", "%2E")


def pending_files(ws: Workspace) -> list[tuple[str, Path]]:
    """Inbox files waiting to be ingested, oldest first (label files sit one folder deeper, by annotator)."""
    found = []
    for kind in KINDS:
        folder = ws.inbox_dir / kind
        if folder.is_dir():
            files = folder.glob("*/*") if kind == "labels" else folder.iterdir()
            found += [(kind, p) for p in files if p.is_file() and p.suffix.lower() in READERS]
    return sorted(found, key=lambda item: item[1].name)


def process_inbox(ws: Workspace) -> list[dict]:
    """Ingest every pending inbox file; return one outcome per file."""
    outcomes = []
    for kind, path in pending_files(ws):
        try:
            if kind == "predictions":
                outcome = {"ok": True, **ingest_predictions(ws, path).to_dict()}
            elif kind == "labels":
                outcome = {"ok": True, "label_events": import_labels(ws, path, annotator=unquote(path.parent.name))}
            else:
                outcome = {"ok": True, "signals": ingest_feedback(ws, path)}
            folder, note, text = ws.inbox_dir / "done", ".result.json", json.dumps(outcome, default=str)
        except FeedbackError as exc:
            outcome = {"ok": False, "error": str(exc)}
            folder, note, text = ws.inbox_dir / "failed", ".error.txt", str(exc)
        folder.mkdir(parents=True, exist_ok=True)
        moved = path.replace(folder / path.name)
        moved.with_name(moved.name + note).write_text(text)
        outcomes.append({"file": path.name, "kind": kind, **outcome})
    return outcomes


class InboxWatcher(PeriodicCheck):
    """A daemon thread that processes the inbox every ``interval`` seconds until stopped."""

    def __init__(self, ws: Workspace, interval: float = 2.0):
        super().__init__("inbox", interval)
        self.ws = ws
        self.last_outcomes: list[dict] = []

    def check(self) -> list[dict]:
        """Ingest what is pending; keep the outcomes when there were any."""
        outcomes = process_inbox(self.ws)
        if outcomes:
            self.last_outcomes = outcomes
        return outcomes
