"""When a monitored figure should raise an alert: floors, ceilings and bands, each at the window's own n.

Pure decisions, no storage and no delivery. A rule watches one metric of the
monitoring windows (accuracy on the audit slice, dispute rate, mean confidence)
and judges a window once, when it closes (:func:`feedback.monitor.closed_windows`).
It fires only when the window rests on enough items (``min_n``) and

- it is beyond an absolute limit beyond chance: its one-sided Wilson bound at
  ``limit_sigma`` (3) is below ``floor`` or above ``ceiling`` (for a mean:
  mean -/+ 3 standard errors); or
- it leaves the band of the past windows on the side ``direction`` names: a
  beta-binomial limit at the window's own n around the pooled past proportion,
  widened by the variance between windows estimated from the history (for a
  mean: its own standard error, the between-window variance and a t quantile);
  see :mod:`feedback.alerts.limits`. The band needs ``min_windows`` (15) past
  windows with enough items; windows that fired stay in the history.

Checked by simulation (``bench/sim_band_alerts.py``, ``tests/simulations``): on
a stable accuracy the band fires in well under 1% of windows and in under 10% of
30-window series, at 30 to 300 labels a window; a 10-point drop on 300 labels
fires in the first window after it in 90% or more of runs.

Feature drift is not a band: :func:`evaluate_drift` fires when the window's
drift report says the dataset drifted (half or more of its columns, and more
than chance flags in 95% of windows of its size drawn from the reference).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from feedback.alerts.limits import limit_bounds, mean_band, proportion_band

__all__ = [
    "BAND_ERROR_RATES",
    "DIRECTIONS",
    "DRIFT_METRIC",
    "STATISTICS",
    "AlertDecision",
    "Judgment",
    "MetricRule",
    "Observation",
    "default_rules",
    "evaluate_drift",
    "evaluate_rule",
]

DIRECTIONS = ("lower", "upper", "both")
# Measured by bench/sim_band_alerts.py (4,000 runs of 30 windows each; README, "Alerts").
BAND_ERROR_RATES = (
    "On a stable accuracy the 3-sigma band alerts in about 0.1% of windows, and band and floor together in about "
    "1% of 30-window series (3.5% when the true accuracy varies by 0.02 between windows), at 30, 100 or 300 "
    "labels a window; a 10-point drop on 300 labels alerts in the first window after it in 93% of runs."
)
STATISTICS = ("proportion", "mean")
DRIFT_METRIC = "drift_share"


@dataclass(frozen=True)
class MetricRule:
    """Thresholds for one metric.

    Parameters
    ----------
    metric : str
        Name of the metric, as the monitoring windows key it.
    floor : float or None, default=None
        Fire when the value is below this beyond chance (its upper bound at
        ``limit_sigma`` is below it), whatever the history.
    band_sigma : float or None, default=3.0
        One-sided level of the band as normal deviations (3: a stable window
        leaves it with probability 0.135%); None turns the band off.
    min_n : int, default=30
        Items the current window must rest on for the rule to fire at all.
    direction : {"lower", "upper", "both"}, default="lower"
        Which side of the band is bad: "lower" for accuracy or confidence,
        "upper" for a dispute rate.
    ceiling : float or None, default=None
        Fire when the value is above this beyond chance, whatever the history.
    min_windows : int, default=15
        Past windows with at least ``min_n`` items needed before the band
        applies. With fewer, the pooled centre and the between-window variance
        are too uncertain: a 10-point drop on 300 labels is caught in the first
        window in 77% of runs after 3 past windows, 84% after 5, 89-92% after
        10 and 93% after 15 or 20; and with between-window variation (sd 0.02)
        the share of 30-window series with a false alarm halves from 3 to 10
        past windows (``bench/sim_band_alerts.py``).
    statistic : {"proportion", "mean"}, default="proportion"
        A share of items (binomial limits, Wilson bounds), or a mean of item
        values (its standard error from the window's standard deviation).
    limit_sigma : float, default=3.0
        One-sided level of the floor and ceiling tests as normal deviations.
    """

    metric: str
    floor: float | None = None
    band_sigma: float | None = 3.0
    min_n: int = 30
    direction: str = "lower"
    ceiling: float | None = None
    min_windows: int = 15
    statistic: str = "proportion"
    limit_sigma: float = 3.0


@dataclass(frozen=True)
class Observation:
    """One window's figure for a rule: the value, the items it rests on and, for a mean, their standard deviation.

    ``value`` None (no items) never fires. For a proportion the count is ``round(value * n)``.
    """

    value: float | None
    n: int
    sd: float | None = None


@dataclass(frozen=True)
class AlertDecision:
    """A rule that fired on a window, and why.

    ``kind`` is the threshold crossed: "floor", "ceiling", "band_lower",
    "band_upper" or "dataset_drift". ``band`` holds the (low, high) band when
    there was one, ``n_history`` the past windows it rests on.
    """

    metric: str
    value: float
    n: int
    kind: str
    threshold: float
    message: str
    band: tuple[float, float] | None = None
    n_history: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the band as a two-element list or None)."""
        out = asdict(self)
        out["band"] = list(self.band) if self.band is not None else None
        return out


@dataclass(frozen=True)
class Judgment:
    """A rule's verdict on one closed window: what the check stores, whether or not it fired.

    ``verdict`` is "passed", "too_few" (fewer than ``min_n`` items, or no value) or
    the kind of the alert; ``alert`` is the :class:`AlertDecision` when it fired.
    """

    metric: str
    verdict: str
    value: float | None
    n: int
    band: tuple[float, float] | None = None
    n_history: int = 0
    alert: AlertDecision | None = None


def evaluate_rule(rule: MetricRule, history: Iterable[Observation], current: Observation) -> Judgment:
    """Judge the current window under ``rule``, against the past windows.

    Parameters
    ----------
    rule : MetricRule
        The thresholds.
    history : iterable of Observation
        The metric in past windows, oldest first, including windows that fired.
        Windows with no value or fewer than ``rule.min_n`` items are left out.
    current : Observation
        The metric in the current window.

    Returns
    -------
    Judgment
        Its ``alert`` is the first threshold crossed, absolute limits before the
        band; None when nothing fires, including whenever ``n < rule.min_n``.

    Raises
    ------
    ValueError
        If ``rule.direction`` or ``rule.statistic`` is unknown, or ``n`` is negative.

    Examples
    --------
    >>> rule = MetricRule("accuracy", floor=0.8)
    >>> evaluate_rule(rule, [], Observation(0.65, 120)).alert.message
    'accuracy 0.650 (n=120) is below the floor 0.800 beyond chance (3-sigma upper bound 0.766)'
    >>> evaluate_rule(rule, [], Observation(0.75, 120)).verdict
    'passed'
    >>> evaluate_rule(rule, [], Observation(0.5, n=12)).verdict
    'too_few'
    >>> past = [Observation(v, 300) for v in (0.90, 0.92, 0.91, 0.89, 0.90) * 3]
    >>> judgment = evaluate_rule(rule, past, Observation(0.84, 300))
    >>> judgment.alert.message.split(" (3 sigma")[0]
    "accuracy 0.840 (n=300) is below the band's lower limit 0.847"
    >>> judgment.alert.message.split("0.847 ")[1]
    '(3 sigma at n=300 around 0.904 pooled from 15 past windows, between-window sd 0.000)'
    """
    if rule.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {rule.direction!r}")
    if rule.statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, got {rule.statistic!r}")
    if current.n < 0:
        raise ValueError(f"n must be >= 0, got {current.n}")
    value, n = current.value, int(current.n)
    if value is None or not math.isfinite(float(value)) or n < rule.min_n:
        return Judgment(rule.metric, "too_few", value, n)
    value = float(value)
    past = [h for h in history if h.value is not None and math.isfinite(float(h.value)) and h.n >= rule.min_n]
    band = _band(rule, past, current)
    limits = (float(band.low), float(band.high)) if band is not None else None
    shown = f"{rule.metric} {value:.3f} (n={n})"

    def fired(kind: str, threshold: float, message: str) -> Judgment:
        alert = AlertDecision(rule.metric, value, n, kind, float(threshold), message, limits, len(past))
        return Judgment(rule.metric, kind, value, n, limits, len(past), alert)

    sd = None if rule.statistic == "proportion" else (current.sd if current.sd is not None else math.nan)
    low, high = (float(b) for b in limit_bounds(value, n, rule.limit_sigma, sd=sd))
    bound = f"{rule.limit_sigma:g}-sigma"
    if rule.floor is not None and high < rule.floor:
        return fired(
            "floor",
            rule.floor,
            f"{shown} is below the floor {rule.floor:.3f} beyond chance ({bound} upper bound {high:.3f})",
        )
    if rule.ceiling is not None and low > rule.ceiling:
        return fired(
            "ceiling",
            rule.ceiling,
            f"{shown} is above the ceiling {rule.ceiling:.3f} beyond chance ({bound} lower bound {low:.3f})",
        )
    if band is not None:
        basis = (
            f"{rule.band_sigma:g} sigma at n={n} around {float(band.centre):.3f} pooled from {len(past)} past windows, "
            f"between-window sd {float(band.between_sd):.3f}"
        )
        if rule.direction in ("lower", "both") and band.below:
            return fired(
                "band_lower", band.low, f"{shown} is below the band's lower limit {float(band.low):.3f} ({basis})"
            )
        if rule.direction in ("upper", "both") and band.above:
            return fired(
                "band_upper", band.high, f"{shown} is above the band's upper limit {float(band.high):.3f} ({basis})"
            )
    return Judgment(rule.metric, "passed", value, n, limits, len(past))


def evaluate_drift(drift, n: int, min_n: int = 30) -> AlertDecision | None:
    """Fire when a window's drift report says the dataset drifted.

    Parameters
    ----------
    drift : DatasetDrift or mapping
        A :class:`feedback.monitor.drift.DatasetDrift` or its ``to_dict()`` shape
        (``share_drifted``, ``dataset_drifted``, ``columns``).
    n : int
        Rows in the current window.
    min_n : int, default=30
        Rows the window needs for the alert to fire.

    Returns
    -------
    AlertDecision or None
        Metric ``"drift_share"``, kind ``"dataset_drift"``, the threshold being
        the share of the tested columns the alarm needed (the report's drift
        share, or more when chance alone flags that many); the message names the
        drifted columns and what chance flags. None when the dataset did not
        drift or ``n < min_n``.

    Examples
    --------
    >>> report = {"share_drifted": 0.75, "dataset_drifted": True,
    ...           "columns": {"a": {"drifted": True}, "b": {"drifted": True},
    ...                       "c": {"drifted": True}, "d": {"drifted": False}}}
    >>> evaluate_drift(report, n=300).message
    'feature drift in 3 of 4 columns (share 0.75 >= 0.50, n=300): a, b, c'
    >>> report.update(required_drifted=3, p_value=0.005, chance={"expected_drifted": 0.2})
    >>> evaluate_drift(report, n=300).message
    'feature drift in 3 of 4 columns (share 0.75 >= 0.75, n=300; chance alone flags 0.2 on average, p=0.005): a, b, c'
    """
    report = drift.to_dict() if hasattr(drift, "to_dict") else dict(drift)
    if n < min_n or not report.get("dataset_drifted"):
        return None
    columns = report.get("columns", {})
    drifted = [name for name, c in columns.items() if c.get("drifted")]
    tested = [name for name, c in columns.items() if c.get("statistic", 0.0) is not None]
    share = float(report["share_drifted"])
    threshold = float(report.get("drift_share", 0.5))
    if report.get("required_drifted") and tested:
        threshold = max(threshold, report["required_drifted"] / len(tested))
    chance = report.get("chance")
    odds = (
        f"; chance alone flags {chance['expected_drifted']:.1f} on average, p={report['p_value']:.3f}" if chance else ""
    )
    shown = ", ".join(map(str, drifted[:10])) + (", ..." if len(drifted) > 10 else "")
    message = (
        f"feature drift in {len(drifted)} of {len(tested)} columns "
        f"(share {share:.2f} >= {threshold:.2f}, n={n}{odds}): {shown}"
    )
    return AlertDecision(DRIFT_METRIC, share, int(n), "dataset_drift", threshold, message)


def default_rules(
    accuracy_floor: float | None = None, dispute_ceiling: float | None = None, min_n: int = 30
) -> dict[str, MetricRule]:
    """The default rules, keyed by metric.

    Parameters
    ----------
    accuracy_floor : float or None, default=None
        Absolute floor on audit accuracy; None leaves only the band.
    dispute_ceiling : float or None, default=None
        Absolute ceiling on the end-user dispute rate.
    min_n : int, default=30
        Items a window needs before any rule fires.

    Returns
    -------
    dict of str to MetricRule
        ``accuracy`` (lower band and the floor), ``dispute_rate`` (upper band
        and the ceiling), ``mean_confidence`` (lower band). Drift is decided
        by :func:`evaluate_drift`.

    Examples
    --------
    >>> sorted(default_rules(accuracy_floor=0.8))
    ['accuracy', 'dispute_rate', 'mean_confidence']
    """
    return {
        "accuracy": MetricRule("accuracy", floor=accuracy_floor, min_n=min_n, direction="lower"),
        "dispute_rate": MetricRule("dispute_rate", ceiling=dispute_ceiling, min_n=min_n, direction="upper"),
        "mean_confidence": MetricRule("mean_confidence", min_n=min_n, direction="lower", statistic="mean"),
    }


def _band(rule: MetricRule, past: list[Observation], current: Observation):
    """The band of the past windows at the current window's n, or None without ``min_windows`` of them."""
    if rule.band_sigma is None or len(past) < max(rule.min_windows, 2):
        return None
    n = np.array([h.n for h in past], dtype=float)
    values = np.array([h.value for h in past], dtype=float)
    if rule.statistic == "proportion":
        return proportion_band(np.rint(values * n), n, round(current.value * current.n), current.n, rule.band_sigma)
    sds = np.array([math.nan if h.sd is None else h.sd for h in past], dtype=float)
    sd_now = math.nan if current.sd is None else current.sd
    return mean_band(values, sds, n, current.value, sd_now, current.n, rule.band_sigma)
