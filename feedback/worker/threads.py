"""The threads of the process that owns the database: long jobs (a retrain) and periodic checks."""

from __future__ import annotations

import atexit
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

_log = logging.getLogger(__name__)
_EXIT_WAIT_S = 30.0  # how long exit waits for a check under way (an alert check takes well under a second)


class BackgroundJob(threading.Thread):
    """Run ``work(progress)`` in a daemon thread, exposing progress, result and error.

    Parameters
    ----------
    name : str
        Shown to the user ("retrain").
    work : callable
        Called with a ``progress(fraction, message)`` callback; its return value
        becomes ``result``.
    on_finish : callable, default=None
        Called in the thread once ``work`` has returned or raised (the job runner
        frees the job's kind there).
    """

    def __init__(
        self,
        name: str,
        work: Callable[[Callable[[float, str], None]], Any],
        on_finish: Callable[[], None] | None = None,
    ):
        super().__init__(daemon=True, name=f"feedback-{name}")
        self.job_name = name
        self.work = work
        self.on_finish = on_finish
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
            if self.on_finish is not None:
                self.on_finish()

    @property
    def running(self) -> bool:
        return self.is_alive()


class PeriodicCheck(threading.Thread, ABC):
    """Call :meth:`check` every ``interval`` seconds in a daemon thread until :meth:`stop`.

    A check that raises is logged and kept in ``last_error``; the next one runs
    as usual, so one bad poll never ends the thread. At interpreter exit the
    thread is stopped and waited for: a daemon thread killed inside a DuckDB
    query aborts the whole process ("FATAL: exception not rethrown").

    Parameters
    ----------
    name : str
        Thread name suffix ("inbox", "retrain-scheduler").
    interval : float
        Seconds between the end of one check and the start of the next.
    """

    def __init__(self, name: str, interval: float):
        super().__init__(daemon=True, name=f"feedback-{name}")
        self.interval = interval
        self.stopped = threading.Event()
        self.last_error: str | None = None

    @abstractmethod
    def check(self) -> Any:
        """One poll; subclasses say what it does."""

    def start(self) -> None:
        super().start()
        atexit.register(self._stop_and_wait)

    def _stop_and_wait(self) -> None:
        self.stop()
        self.join(timeout=_EXIT_WAIT_S)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.check()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the thread must outlive one bad check
                _log.warning("%s: a periodic check failed", self.name, exc_info=True)
                self.last_error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        """Ask the thread to end after its current check."""
        self.stopped.set()
