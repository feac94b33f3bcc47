"""The inbox: how files reach a store while the app holds the database.

DuckDB lets one process hold the file. While the app runs, a command hands its
file over by dropping it into ``<home>/inbox/<kind>/`` (label files into
``inbox/labels/<annotator>/``, the folder name saying who labelled them); the
app's watcher thread (:class:`feedback.worker.InboxWatcher`) ingests it with
:func:`process_inbox` and moves it to ``inbox/done/`` (with a ``.result.json``)
or ``inbox/failed/`` (with a ``.error.txt`` naming the problem).

The watcher reads only regular files that sit inside the inbox. A symbolic link
(to a file or a folder), a file with other hard links, anything else that is
not a regular file, a label file outside an annotator's folder and, with
sign-in on, a label file in the folder of someone who is not a user, are moved
to ``failed/`` unread (a link is moved itself; its target is never opened).
"""

from __future__ import annotations

import json
import shutil
import stat
import uuid
from collections.abc import Collection
from pathlib import Path
from urllib.parse import quote, unquote

from feedback.exceptions import FeedbackError, InputError
from feedback.files import READERS, atomic_write
from feedback.intake.ingest import ingest_feedback, ingest_predictions
from feedback.review import import_labels
from feedback.store import utcnow
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
    """Inbox files waiting to be ingested, oldest first (label files sit one folder deeper, by annotator).

    Entries the inbox refuses (see :func:`refused_entries`) are not among them.
    """
    return _scan(ws)[0]


def refused_entries(ws: Workspace) -> list[tuple[str, Path, str]]:
    """Inbox entries that are never read: ``(kind, path, reason)`` for each.

    A symbolic link or anything else that is not a regular file of the inbox's own (a
    file with other hard links, a fifo), and a label file placed directly in
    ``inbox/labels/`` instead of an annotator's folder. Nothing is opened or followed
    to find them: links are seen as links.
    """
    return _scan(ws)[1]


def process_inbox(ws: Workspace, *, known_users: Collection[str] | None = None) -> list[dict]:
    """Refuse what the inbox does not take, then ingest every pending file; return one outcome per entry.

    Parameters
    ----------
    known_users : collection of str, default=None
        With sign-in on, the names of the app's users: a label file is accepted only in
        the folder of one of them. None (open mode) accepts any annotator's folder.
    """
    pending, refused = _scan(ws)
    outcomes = [_settle(ws, kind, path, {"ok": False, "error": reason}) for kind, path, reason in refused]
    for kind, path in pending:
        try:
            if kind == "predictions":
                outcome = {"ok": True, **ingest_predictions(ws, path).to_dict()}
            elif kind == "labels":
                annotator = unquote(path.parent.name)
                if known_users is not None and annotator not in known_users:
                    raise InputError(_unknown_user(path, annotator))
                outcome = {"ok": True, "label_events": import_labels(ws, path, annotator=annotator)}
            else:
                outcome = {"ok": True, "signals": ingest_feedback(ws, path)}
        except FeedbackError as exc:
            outcome = {"ok": False, "error": str(exc)}
        outcomes.append(_settle(ws, kind, path, outcome))
    return outcomes


def _settle(ws: Workspace, kind: str, path: Path, outcome: dict) -> dict:
    """Move an entry to ``done/`` with its ``.result.json`` or to ``failed/`` with its ``.error.txt``.

    A link is renamed, never followed: the link itself moves, its target stays where it is.
    """
    if outcome["ok"]:
        folder, note, text = ws.inbox_dir / "done", ".result.json", json.dumps(outcome, default=str)
    else:
        folder, note, text = ws.inbox_dir / "failed", ".error.txt", outcome["error"]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists() or target.is_symlink():
        target = folder / f"{path.stem}-{uuid.uuid4().hex[:6]}{path.suffix}"
    moved = path.replace(target)
    moved.with_name(moved.name + note).write_text(text)
    return {"file": path.name, "kind": kind, **outcome}


def _scan(ws: Workspace) -> tuple[list[tuple[str, Path]], list[tuple[str, Path, str]]]:
    """``(pending, refused)``: the inbox's readable files oldest first, and the entries it refuses."""
    pending, refused = [], []

    def sort(kind: str, entry: Path) -> None:
        reason = _refusal(entry, ws.inbox_dir)
        if reason is not None:
            refused.append((kind, entry, reason))
        elif entry.is_file() and entry.suffix.lower() in READERS:
            pending.append((kind, entry))

    for kind in KINDS:
        folder = ws.inbox_dir / kind
        if folder.is_symlink():
            sort(kind, folder)
            continue
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if kind == "labels" and entry.is_dir() and not entry.is_symlink():
                for inner in entry.iterdir():
                    sort(kind, inner)
            elif kind == "labels" and entry.suffix.lower() in READERS and _refusal(entry, ws.inbox_dir) is None:
                refused.append((kind, entry, _outside_annotator_folder(entry)))  # it would wait there forever
            else:
                sort(kind, entry)
    return sorted(pending, key=lambda item: item[1].name), refused


def _refusal(entry: Path, inbox: Path) -> str | None:
    """Why the inbox will not read ``entry`` (looked at with lstat, never followed), or None."""
    where = f"inbox/{entry.relative_to(inbox).as_posix()}"
    info = entry.lstat()
    if stat.S_ISLNK(info.st_mode):
        return (
            f"{where} is a symbolic link; the inbox reads only files inside it, so the link was moved here "
            "unread and its target was not opened. Copy the file itself into the inbox (the CLI's --inbox "
            "option does)."
        )
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        return f"{where} is not a regular file; it was moved here unread. Copy a CSV, Parquet or JSONL file in."
    if info.st_nlink > 1:
        return (
            f"{where} has other hard links, so it may be a file from outside the inbox; it was moved here "
            "unread. Copy the file into the inbox instead of linking it."
        )
    if not entry.resolve().is_relative_to(inbox.resolve()):
        return f"{where} resolves outside the inbox; it was moved here unread. Copy the file into the inbox."
    return None


def _outside_annotator_folder(entry: Path) -> str:
    return (
        f"inbox/labels/{entry.name} is not in an annotator's folder: a label file goes into "
        "inbox/labels/<annotator>/, the folder naming who labelled it. Move it into that folder, or hand it "
        "over with `python -m feedback import-labels FILE --annotator NAME --inbox`."
    )


def _unknown_user(path: Path, annotator: str) -> str:
    return (
        f"inbox/labels/{path.parent.name}/{path.name} names annotator {annotator!r}, who is not a user of "
        "this app; with sign-in on, label files are taken only from a user's folder. Add the user to the "
        "users file (FEEDBACK_USERS_FILE), or hand the file over under a user's name."
    )
