"""Starting background jobs: at most one job of each kind runs at a time in a process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from feedback.exceptions import JobAlreadyRunning
from feedback.worker.threads import BackgroundJob

Work = Callable[[Callable[[float, str], None]], Any]


class JobRunner:
    """The background jobs of one store, by kind, each kind guarded by its own lock.

    :meth:`start` takes the kind's lock without waiting and the job gives it
    back when it ends, so checking that no job of the kind runs and starting
    one are a single step: of two starts at the same moment (a click and a
    retrain trigger) one runs and the other is refused.

    Examples
    --------
    >>> import threading
    >>> runner, release = JobRunner(), threading.Event()
    >>> job = runner.start("retrain", lambda progress: release.wait(5), what="a retrain")
    >>> runner.start("retrain", lambda progress: None, what="a retrain")
    Traceback (most recent call last):
    ...
    feedback.exceptions.JobAlreadyRunning: A retrain is already running; wait for it to finish.
    >>> release.set(); job.join(); "retrain" in runner
    True
    """

    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._jobs: dict[str, BackgroundJob] = {}

    def start(self, kind: str, work: Work, *, what: str) -> BackgroundJob:
        """Start ``work(progress)`` in a thread as the job ``kind`` unless a job of that kind is running.

        Parameters
        ----------
        kind : str
            The job's kind ("retrain", "simulate", "suspects"); at most one of each runs.
        work : callable
            Called with a ``progress(fraction, message)`` callback; see :class:`BackgroundJob`.
        what : str
            The job as a refusal names it ("a retrain").

        Returns
        -------
        BackgroundJob
            The started job, also kept as ``runner.get(kind)``.

        Raises
        ------
        JobAlreadyRunning
            A job of this kind is running; nothing was started.
        """
        with self._guard:
            lock = self._locks.setdefault(kind, threading.Lock())
        if not lock.acquire(blocking=False):
            raise JobAlreadyRunning(f"{what[:1].upper()}{what[1:]} is already running; wait for it to finish.")
        try:
            job = BackgroundJob(kind, work, on_finish=lock.release)
            self._jobs[kind] = job
            job.start()
        except BaseException:
            lock.release()
            raise
        return job

    def get(self, kind: str) -> BackgroundJob | None:
        """The latest job of ``kind`` (running or finished), or None if none was started."""
        return self._jobs.get(kind)

    def __contains__(self, kind: object) -> bool:
        return kind in self._jobs
