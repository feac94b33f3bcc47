"""Long work (a retrain) in a worker thread of the process that owns the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class BackgroundJob(threading.Thread):
    """Run ``work(progress)`` in a daemon thread, exposing progress, result and error.

    Parameters
    ----------
    name : str
        Shown to the user ("retrain").
    work : callable
        Called with a ``progress(fraction, message)`` callback; its return value
        becomes ``result``.
    """

    def __init__(self, name: str, work: Callable[[Callable[[float, str], None]], Any]):
        super().__init__(daemon=True, name=f"feedback-{name}")
        self.job_name = name
        self.work = work
        self.fraction = 0.0
        self.message = "Waiting to start"
        self.result: Any = None
        self.error: str | None = None
        self.started_at = time.time()
        self.finished_at: float | None = None

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message

    def run(self) -> None:
        try:
            self.result = self.work(self._progress)
        except Exception as exc:  # noqa: BLE001 - reported to the user through .error
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished_at = time.time()

    @property
    def running(self) -> bool:
        return self.is_alive()
