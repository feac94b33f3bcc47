"""Live accuracy now: does the live figure's interval cover the champion's accuracy on today's traffic?

Each run is one deployment: audit labels arrive at a steady rate over ``history_days``
(served at uniform random times), each right with the champion's accuracy at the time
it was served. The live window is the library's own
(:func:`feedback.monitor.live_window_mask`: since the promotion, at most the last
``FEEDBACK_LIVE_DAYS`` days) and the interval the library's Wilson interval; "today's"
figure is the same interval over every audit label since the start. Coverage is the
share of runs whose interval holds the current accuracy.

``python -m bench --only live-window`` prints the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from bench._rates import Rate
from feedback.monitor import DEFAULT_LIVE_DAYS, live_window_mask, wilson_interval

NAME = "live-window"
RUNS = 5_000  # the 50-labels-a-day case holds runs x 3,000 labels in memory
ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class Deployment:
    """One simulated deployment: its length, accuracy over time and label rate.

    Attributes
    ----------
    history_days : float
        Days from the first audit label to now.
    labels_per_day : int
        Audit labels a day (e.g. 200 predictions a day at the default 5% audit share: 10).
    accuracy_before, accuracy_after : float
        The champion's accuracy before and from ``change_day`` on (equal: a stable model).
    change_day : float
        When the accuracy changed, in days from the start.
    promoted_day : float, default=0
        When the current champion was promoted, in days from the start.
    """

    history_days: float
    labels_per_day: int
    accuracy_before: float
    accuracy_after: float
    change_day: float
    promoted_day: float = 0.0


@dataclass(frozen=True)
class Coverage:
    """Per-run figures of the live window and of the all-history figure.

    Attributes
    ----------
    live_covered, history_covered : ndarray of bool
        Whether each run's interval holds the current accuracy.
    live_width, history_width : ndarray of float
        Each run's interval width (high minus low).
    live_n : ndarray of int
        Audit labels in each run's live window.
    """

    live_covered: np.ndarray
    history_covered: np.ndarray
    live_width: np.ndarray
    history_width: np.ndarray
    live_n: np.ndarray


def simulate_coverage(
    deployment: Deployment, runs: int, random_state: int = 0, max_days: float | None = DEFAULT_LIVE_DAYS
) -> Coverage:
    """Coverage of the current accuracy by the live figure and by the all-history figure, over ``runs`` runs.

    Parameters
    ----------
    deployment : Deployment
    runs : int
        Independent deployments, drawn at once (rows are runs).
    random_state : int, default=0
    max_days : float or None, default=30
        The live window's day limit.

    Returns
    -------
    Coverage
    """
    rng = np.random.default_rng(random_state)
    n = int(round(deployment.history_days * deployment.labels_per_day))
    days = rng.random((runs, n)) * deployment.history_days
    accuracy = np.where(days < deployment.change_day, deployment.accuracy_before, deployment.accuracy_after)
    correct = rng.random((runs, n)) < accuracy
    served = np.datetime64(ORIGIN.replace(tzinfo=None), "ns") + (days * _NS_PER_DAY).astype("timedelta64[ns]")
    now = ORIGIN + timedelta(days=deployment.history_days)
    promoted = ORIGIN + timedelta(days=deployment.promoted_day)
    live = live_window_mask(served, now, promoted, max_days=max_days)
    everything = live_window_mask(served, now, promoted, since_promotion=False, max_days=None)
    current = deployment.accuracy_after
    live_low, live_high = wilson_interval((correct & live).sum(axis=1), live.sum(axis=1))
    all_low, all_high = wilson_interval((correct & everything).sum(axis=1), everything.sum(axis=1))
    return Coverage(
        live_covered=(live_low <= current) & (current <= live_high),
        history_covered=(all_low <= current) & (current <= all_high),
        live_width=live_high - live_low,
        history_width=all_high - all_low,
        live_n=live.sum(axis=1),
    )


def _coverage_rate(name: str, deployment: Deployment, c: Coverage, runs: int) -> Rate:
    return Rate(f"live coverage, {name}", c.live_covered.mean(), 0.93, False, runs, _conditions(deployment, c))


def _conditions(d: Deployment, c: Coverage) -> str:
    change = (
        f"accuracy {d.accuracy_before:.2f} -> {d.accuracy_after:.2f} at day {d.change_day:g}"
        if d.accuracy_before != d.accuracy_after
        else f"stable accuracy {d.accuracy_after:.2f}"
    )
    return (
        f"{d.history_days:g} days, {d.labels_per_day} audit labels/day, {change}, promoted day {d.promoted_day:g}; "
        f"live n ~{c.live_n.mean():.0f}, all-history coverage {c.history_covered.mean():.1%}"
    )


DROP = Deployment(history_days=60, labels_per_day=10, accuracy_before=0.90, accuracy_after=0.75, change_day=30)
STABLE = Deployment(history_days=60, labels_per_day=10, accuracy_before=0.90, accuracy_after=0.90, change_day=0)
STABLE_SHORT = Deployment(history_days=30, labels_per_day=10, accuracy_before=0.90, accuracy_after=0.90, change_day=0)


def simulate(runs: int | None = None) -> list[Rate]:
    """Coverage after a drop and on a stable model, and the live interval's width against today's."""
    runs = runs or RUNS
    rates = []
    drops = [
        ("drop halfway, 60 days", DROP),
        ("drop halfway, 60 days, 3 labels/day", Deployment(60, 3, 0.90, 0.75, 30)),
        ("drop halfway, 60 days, 50 labels/day", Deployment(60, 50, 0.90, 0.75, 30)),
        ("drop halfway, 180 days", Deployment(180, 10, 0.90, 0.75, 90)),
        ("drop, then a champion promoted on day 40", Deployment(60, 10, 0.75, 0.88, 40, promoted_day=40)),
    ]
    for i, (name, deployment) in enumerate(drops):
        c = simulate_coverage(deployment, runs, random_state=i)
        rates.append(_coverage_rate(name, deployment, c, runs))
    recent = Deployment(45, 10, 0.90, 0.75, 30)
    c = simulate_coverage(recent, runs, random_state=10)
    rates.append(
        Rate(
            "live coverage, drop 15 days old (not claimed)",
            c.live_covered.mean(),
            0.0,
            False,
            runs,
            _conditions(recent, c) + "; the window still mixes the days before the drop",
        )
    )
    for j, (name, deployment) in enumerate((("stable, 60 days", STABLE), ("stable, 30 days", STABLE_SHORT))):
        c = simulate_coverage(deployment, runs, random_state=20 + j)
        rates.append(_coverage_rate(name, deployment, c, runs))
        ratio = c.live_width.mean() / c.history_width.mean()
        rates.append(
            Rate(
                f"width live / all-history, {name}",
                ratio,
                1.0 if deployment.history_days <= DEFAULT_LIVE_DAYS else np.sqrt(2) * 1.01,
                True,
                0,
                f"mean width {c.live_width.mean():.3f} vs {c.history_width.mean():.3f}; same Wilson interval, "
                f"so at the same n the same width; {deployment.history_days:g} days of labels vs a "
                f"{DEFAULT_LIVE_DAYS:g}-day window",
            )
        )
    return rates
