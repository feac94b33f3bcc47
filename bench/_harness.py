"""What every benchmark shares: the result row, best-of timing, stage timers, temp folders."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """One measured figure against its DuckDB baseline.

    Parameters
    ----------
    name : str
        What was timed, e.g. ``"export csv"``.
    rows : int
    seconds : float
        Best of the repeats for the product's code path.
    baseline_seconds : float
        Best of the repeats for DuckDB doing the same rows natively.
    goal : float
        Largest acceptable ``seconds / baseline_seconds``.
    limit_seconds : float, default=None
        When set, the goal is an absolute time instead: ``seconds <= limit_seconds``
        (the baseline is still printed for scale).
    """

    name: str
    rows: int
    seconds: float
    baseline_seconds: float
    goal: float
    runs: tuple[float, ...] = field(default=())
    baseline_runs: tuple[float, ...] = field(default=())
    limit_seconds: float | None = None

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds if self.baseline_seconds > 0 else float("inf")

    @property
    def met(self) -> bool:
        if self.limit_seconds is not None:
            return self.seconds <= self.limit_seconds
        return self.ratio <= self.goal

    @property
    def goal_text(self) -> str:
        return f"<{self.limit_seconds:g}s" if self.limit_seconds is not None else f"{self.goal:g}x"


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def best_of(repeat: int, fn: Callable[[], float]) -> tuple[float, tuple[float, ...]]:
    """Call ``fn`` (which returns the seconds it measured) ``repeat`` times: best and all runs.

    The best run is the least disturbed by other processes on a shared machine.
    """
    runs = tuple(fn() for _ in range(max(1, repeat)))
    return min(runs), runs


class Stages:
    """Wall time per named stage of one run, told by the run's ``progress(fraction, message)`` callback.

    Each call of :meth:`progress` ends the stage under way and starts the one
    ``message`` names; :meth:`stop` ends the last when the run returns.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._current: str | None = None
        self._started = 0.0

    def progress(self, fraction: float, message: str) -> None:
        """End the stage under way and start ``message`` (``fraction`` is not needed here)."""
        now = self._end(time.perf_counter())
        self._current, self._started = message, now

    def stop(self) -> None:
        """End the stage under way."""
        self._end(time.perf_counter())
        self._current = None

    def _end(self, now: float) -> float:
        if self._current is not None:
            self.seconds[self._current] = self.seconds.get(self._current, 0.0) + now - self._started
        return now

    def report(self, total: float, indent: str = "    ") -> str:
        """One line per stage with its seconds and share of ``total``; the rest is ``other``."""
        lines = []
        for name, seconds in [*self.seconds.items(), ("other", total - sum(self.seconds.values()))]:
            lines.append(f"{indent}{name:<44} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
        return "\n".join(lines)


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder removed afterwards, whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def seconds_str(value: float) -> str:
    return f"{value:.2f} s"


def runs_str(runs: tuple[float, ...]) -> str:
    return ", ".join(f"{r:.2f}" for r in runs)
