"""Write events: the library's write paths say what they store; the app and the CLI decide who listens.

Ingesting predictions or end-user feedback and importing labels call
:func:`before_write` before they read their file and :func:`written` once the
rows are committed, naming the kind of write (``"predictions"``, ``"feedback"``
or ``"labels"``). They know nothing of what follows: the app and the command
line register the alert check at start (see
:func:`feedback.alerts.checks.check_alerts_on_writes`), so a write made by the
library alone runs no check.

Examples
--------
>>> seen = []
>>> stop = on_write(lambda ws, kind: seen.append(kind))
>>> written(None, "labels")
>>> stop()
>>> written(None, "labels")
>>> seen
['labels']
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from feedback.workspace import Workspace

__all__ = ["WRITE_KINDS", "before_write", "on_write", "written"]

WRITE_KINDS = ("predictions", "feedback", "labels")

Hook = Callable[[Workspace, str], None]


@dataclass(frozen=True)
class _Listener:
    after: Hook
    before: Hook | None


_listeners: list[_Listener] = []
_lock = threading.Lock()


def on_write(after: Hook, *, before: Hook | None = None) -> Callable[[], None]:
    """Call ``after(ws, kind)`` once each write is stored, and ``before(ws, kind)`` before each write starts.

    Registering the same pair again changes nothing, so the app and the command
    line may both wire their listeners in one process.

    Parameters
    ----------
    after : callable
        Runs in the writing thread after the commit; it must not raise (the
        write is already stored), so it catches and logs its own failures.
    before : callable, default=None
        Runs before the write reads its file; raising (an ``InputError``, say)
        refuses the write with nothing stored.

    Returns
    -------
    callable
        Removes this listener.
    """
    listener = _Listener(after, before)
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)

    def remove() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return remove


def before_write(ws: Workspace, kind: str) -> None:
    """Tell the listeners a write of ``kind`` is about to start; any of them may refuse it by raising."""
    for listener in _current():
        if listener.before is not None:
            listener.before(ws, kind)


def written(ws: Workspace, kind: str) -> None:
    """Tell the listeners a write of ``kind`` was committed."""
    for listener in _current():
        listener.after(ws, kind)


def _current() -> list[_Listener]:
    with _lock:
        return list(_listeners)
