"""Band alerts and floors on simulated monitoring series: false alerts per window and per series, and detection.

A run is a series of 30 windows of one metric. Accuracy windows hold ``n`` audit
labels drawn from a true accuracy that is stable (optionally varying between
windows with a given sd, as batches of real traffic do) or drops by 10 points
at one window. Each window is judged once, against every earlier window (fired
or not), by the library's own limits (:mod:`feedback.alerts.limits`, the code
:func:`feedback.alerts.evaluate_rule` calls), vectorised over runs: the loop is
over the 30 windows only.

- per window: the share of judged windows that alert (the band judges windows
  from the ``min_windows``-th on, a floor every window);
- per series: the share of 30-window series with at least one alert;
- detection: the share of runs whose first window after the drop alerts.

``python -m bench --only band-alerts`` prints the table.
"""

from __future__ import annotations

import numpy as np

from bench._rates import Rate
from feedback.alerts import MetricRule, default_rules, limit_bounds, mean_band, proportion_band

NAME = "band-alerts"
WINDOWS = 30
RUNS = 4000
BAND = default_rules()["accuracy"]  # the default accuracy rule: 3-sigma band, 15 past windows, 30 labels
FLOOR = MetricRule("accuracy", floor=0.85, band_sigma=None)


def proportion_series(
    runs: int,
    n: int,
    rate: float,
    *,
    between_sd: float = 0.0,
    drop: float = 0.0,
    drop_at: int | None = None,
    windows: int = WINDOWS,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of ``runs`` series of ``windows`` windows of ``n`` items each, rows = runs.

    Each window's true rate is ``rate`` plus a normal between-window deviation of
    sd ``between_sd`` (clipped to [0, 1]), less ``drop`` from window ``drop_at`` on.
    Returns the counts and the window sizes, both of shape (runs, windows).
    """
    rng = np.random.default_rng(random_state)
    true = rate + between_sd * rng.standard_normal((runs, windows))
    if drop_at is not None:
        true[:, drop_at:] -= drop
    sizes = np.full((runs, windows), n)
    return rng.binomial(sizes, np.clip(true, 0.0, 1.0)), sizes


def proportion_alerts(successes: np.ndarray, n: np.ndarray, rule: MetricRule) -> tuple[np.ndarray, np.ndarray]:
    """Which windows alert under ``rule`` and which were judged by it, each of shape (runs, windows).

    A window with fewer than ``rule.min_n`` items is neither judged nor in the history.
    """
    fired, judged = np.zeros(n.shape, dtype=bool), np.zeros(n.shape, dtype=bool)
    enough = n >= rule.min_n
    history_n = np.where(enough, n, 0)
    for t in range(n.shape[1]):
        value = successes[:, t] / n[:, t]
        low, high = limit_bounds(value, n[:, t], rule.limit_sigma)
        if rule.floor is not None:
            fired[:, t] |= high < rule.floor
        if rule.ceiling is not None:
            fired[:, t] |= low > rule.ceiling
        has_band = (enough[:, :t].sum(axis=1) >= rule.min_windows) & (rule.band_sigma is not None)
        if has_band.any():
            band = proportion_band(
                successes[:, :t], history_n[:, :t], successes[:, t], n[:, t], rule.band_sigma, limits=False
            )
            fired[:, t] |= has_band & _outside(band, rule.direction)
        judged[:, t] = enough[:, t] & (has_band | (rule.floor is not None) | (rule.ceiling is not None))
        fired[:, t] &= enough[:, t]
    return fired, judged


def mean_alerts(
    runs: int,
    n: int,
    mean: float,
    *,
    between_sd: float,
    rule: MetricRule,
    windows: int = WINDOWS,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean-confidence series: each window's ``n`` confidences are Beta with mean ``mean`` plus a between-window
    deviation of sd ``between_sd`` (concentration 10); judged by the mean band. Returns fired and judged windows."""
    rng = np.random.default_rng(random_state)
    means, sds = np.empty((runs, windows)), np.empty((runs, windows))
    for t in range(windows):
        centre = np.clip(mean + between_sd * rng.standard_normal(runs), 0.05, 0.95)[:, None]
        items = rng.beta(10 * centre, 10 * (1 - centre), size=(runs, n))
        means[:, t], sds[:, t] = items.mean(axis=1), items.std(axis=1, ddof=1)
    sizes = np.full((runs, windows), n)
    fired, judged = np.zeros((runs, windows), dtype=bool), np.zeros((runs, windows), dtype=bool)
    for t in range(rule.min_windows, windows):
        band = mean_band(means[:, :t], sds[:, :t], sizes[:, :t], means[:, t], sds[:, t], n, rule.band_sigma)
        fired[:, t], judged[:, t] = _outside(band, rule.direction), True
    return fired, judged


def simulate(runs: int | None = None) -> list[Rate]:
    """The false-alert rates at 30, 100 and 300 labels a window, with between-window variation, on disputes and
    confidence, and the detection rate of a 10-point accuracy drop on 300 labels."""
    runs = RUNS if runs is None else runs
    rates = []
    for n in (30, 100, 300):
        k, sizes = proportion_series(runs, n, 0.90, random_state=n)
        fired, judged = proportion_alerts(k, sizes, BAND)
        both = fired | proportion_alerts(k, sizes, FLOOR)[0]
        stable = f"accuracy 0.90, {n} labels/window, 30 windows"
        rates += [
            Rate(f"band, stable, {n} labels: windows", fired.sum() / judged.sum(), 0.01, runs=runs, conditions=stable),
            Rate(f"band + floor 0.85, {n} labels: series", both.any(axis=1).mean(), 0.10, runs=runs, conditions=stable),
        ]
        if n == 30:
            floor_fired, floor_judged = proportion_alerts(k, sizes, FLOOR)
            rate = floor_fired.sum() / floor_judged.sum()
            rates.append(Rate("floor 0.85 alone, 30 labels: windows", rate, 0.01, runs=runs, conditions=stable))
    k, sizes = proportion_series(runs, 300, 0.90, between_sd=0.02, random_state=7)
    fired, judged = proportion_alerts(k, sizes, BAND)
    varying = "accuracy 0.90 +/- 0.02 between windows, 300 labels"
    rates += [
        Rate("band, between-window sd 0.02: windows", fired.sum() / judged.sum(), 0.01, runs=runs, conditions=varying),
        Rate("band, between-window sd 0.02: series", fired.any(axis=1).mean(), 0.10, runs=runs, conditions=varying),
    ]
    disputes = default_rules()["dispute_rate"]
    k, sizes = proportion_series(runs, 1000, 0.05, random_state=11)
    fired, judged = proportion_alerts(k, sizes, disputes)
    rates.append(
        Rate(
            "dispute band, stable: series",
            fired.any(axis=1).mean(),
            0.10,
            runs=runs,
            conditions="dispute rate 0.05, 1000 predictions/window",
        )
    )
    confidence = default_rules()["mean_confidence"]
    fired, judged = mean_alerts(max(runs // 4, 100), 300, 0.8, between_sd=0.01, rule=confidence, random_state=13)
    shown = "mean 0.80 +/- 0.01 between windows, 300 predictions"
    rates += [
        Rate("confidence band: windows", fired.sum() / judged.sum(), 0.01, runs=len(fired), conditions=shown),
        Rate("confidence band: series", fired.any(axis=1).mean(), 0.10, runs=len(fired), conditions=shown),
    ]
    for history in (BAND.min_windows, 20):
        k, sizes = proportion_series(runs, 300, 0.90, drop=0.10, drop_at=history, windows=history + 1, random_state=17)
        fired, _ = proportion_alerts(k, sizes, BAND)
        rates.append(
            Rate(
                f"10-point drop, 300 labels, after {history} windows",
                fired[:, history].mean(),
                0.90,
                at_most=False,
                runs=runs,
                conditions="0.90 to 0.80, alert in the first window after the drop",
            )
        )
    return rates


def _outside(band, direction: str) -> np.ndarray:
    """The band's bad side(s) for a rule's direction."""
    return {"lower": band.below, "upper": band.above, "both": band.below | band.above}[direction]
