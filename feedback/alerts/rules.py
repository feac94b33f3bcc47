"""When a monitored figure should raise an alert: floors, bands, sample sizes.

Pure decisions, no storage and no delivery. A rule watches one metric of the
monitoring windows (accuracy on the audit slice, dispute rate, mean confidence)
and fires on the current window when, and only when, the window rests on
enough items (``min_n``) and its value crosses

- an absolute limit: below ``floor``, or above ``ceiling``; or
- the band around the reference: the mean of the past windows plus or minus
  ``band_sigma`` standard deviations (NannyML's ``StandardDeviationThreshold``,
  ``nannyml/thresholds.py``), on the side ``direction`` names. The band needs
  ``min_windows`` (3) past windows with a value; before that only the absolute
  limits apply.

The band uses the sample standard deviation (``ddof=1``) where NannyML uses
``ddof=0``: with the handful of windows a new deployment has, ``ddof=0``
understates the spread and narrows the band, which means more false alarms.

Feature drift is not a band: :func:`evaluate_drift` fires when the window's
drift report says the dataset drifted (half or more of its columns, and more
than chance flags in 95% of windows of its size drawn from the reference).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "DIRECTIONS",
    "DRIFT_METRIC",
    "AlertDecision",
    "MetricRule",
    "default_rules",
    "evaluate_drift",
    "evaluate_rule",
    "evaluate_rules",
]

DIRECTIONS = ("lower", "upper", "both")
DRIFT_METRIC = "drift_share"


@dataclass(frozen=True)
class MetricRule:
    """Thresholds for one metric.

    Parameters
    ----------
    metric : str
        Name of the metric, as the monitoring windows key it.
    floor : float or None, default=None
        Fire when the value falls below this, whatever the history.
    band_sigma : float or None, default=3.0
        Half-width of the band around the mean of past windows, in standard
        deviations of those windows; None turns the band off.
    min_n : int, default=30
        Items the current window must rest on for the rule to fire at all.
    direction : {"lower", "upper", "both"}, default="lower"
        Which side of the band is bad: "lower" for accuracy or confidence,
        "upper" for a dispute rate.
    ceiling : float or None, default=None
        Fire when the value rises above this, whatever the history.
    min_windows : int, default=3
        Past windows with a value needed before the band applies.
    """

    metric: str
    floor: float | None = None
    band_sigma: float | None = 3.0
    min_n: int = 30
    direction: str = "lower"
    ceiling: float | None = None
    min_windows: int = 3


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


def evaluate_rule(
    rule: MetricRule, history: Iterable[float | None], current: float | None, n: int
) -> AlertDecision | None:
    """Decide whether ``rule`` fires on the current window.

    Parameters
    ----------
    rule : MetricRule
        The thresholds.
    history : iterable of float or None
        The metric in past windows, oldest first. None and NaN (windows with
        no data) are skipped; the caller should leave out windows that rested
        on fewer than ``rule.min_n`` items, since their noise widens the band.
    current : float or None
        The metric in the current window; None or NaN never fires.
    n : int
        Items the current value rests on (audit labels for accuracy,
        predictions for a dispute rate).

    Returns
    -------
    AlertDecision or None
        The first threshold crossed, absolute limits before the band; None
        when nothing fires, including whenever ``n < rule.min_n``.

    Raises
    ------
    ValueError
        If ``rule.direction`` is unknown or ``n`` is negative.

    Examples
    --------
    >>> rule = MetricRule("accuracy", floor=0.8)
    >>> evaluate_rule(rule, [], 0.75, n=120).message
    'accuracy 0.750 (n=120) is below the floor 0.800'
    >>> evaluate_rule(rule, [], 0.75, n=12) is None
    True
    >>> print(evaluate_rule(rule, [0.90, 0.92, 0.91, 0.89], 0.84, n=200).message)
    accuracy 0.840 (n=200) is below the band's lower limit 0.866 (mean 0.905 - 3 sigma of 4 past windows)
    """
    if rule.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {rule.direction!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if current is None or not math.isfinite(float(current)) or n < rule.min_n:
        return None
    value = float(current)
    past = np.array([float(h) for h in history if h is not None], dtype=float)
    past = past[np.isfinite(past)]
    band = _band(rule, past)
    shown = f"{rule.metric} {value:.3f} (n={n})"

    def decision(kind: str, threshold: float, message: str) -> AlertDecision:
        return AlertDecision(rule.metric, value, int(n), kind, float(threshold), message, band, len(past))

    if rule.floor is not None and value < rule.floor:
        return decision("floor", rule.floor, f"{shown} is below the floor {rule.floor:.3f}")
    if rule.ceiling is not None and value > rule.ceiling:
        return decision("ceiling", rule.ceiling, f"{shown} is above the ceiling {rule.ceiling:.3f}")
    if band is None:
        return None
    low, high = band
    mean = float(past.mean())
    basis = f"{rule.band_sigma:g} sigma of {len(past)} past windows"
    if rule.direction in ("lower", "both") and value < low:
        return decision(
            "band_lower", low, f"{shown} is below the band's lower limit {low:.3f} (mean {mean:.3f} - {basis})"
        )
    if rule.direction in ("upper", "both") and value > high:
        return decision(
            "band_upper", high, f"{shown} is above the band's upper limit {high:.3f} (mean {mean:.3f} + {basis})"
        )
    return None


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
        "mean_confidence": MetricRule("mean_confidence", min_n=min_n, direction="lower"),
    }


def evaluate_rules(
    rules: Mapping[str, MetricRule],
    history: Mapping[str, Iterable[float | None]],
    current: Mapping[str, float | None],
    n: Mapping[str, int] | int,
) -> list[AlertDecision]:
    """Evaluate several rules on one window.

    Parameters
    ----------
    rules : mapping of str to MetricRule
        Rules keyed by metric, e.g. :func:`default_rules`.
    history : mapping of str to iterable of float or None
        Past values per metric; a metric without history gets none.
    current : mapping of str to float or None
        Current values per metric; a rule whose metric is absent is skipped.
    n : int or mapping of str to int
        Items each metric rests on, or one count for all.

    Returns
    -------
    list of AlertDecision
        The rules that fired, in the order of ``rules``.

    Examples
    --------
    >>> fired = evaluate_rules(default_rules(accuracy_floor=0.8), {}, {"accuracy": 0.7}, n=50)
    >>> [d.kind for d in fired]
    ['floor']
    """
    fired = []
    for metric, rule in rules.items():
        if metric not in current:
            continue
        count = n[metric] if isinstance(n, Mapping) else n
        decision = evaluate_rule(rule, history.get(metric, ()), current[metric], count)
        if decision is not None:
            fired.append(decision)
    return fired


def _band(rule: MetricRule, past: np.ndarray) -> tuple[float, float] | None:
    """Mean +/- band_sigma sample std of the past windows, or None without enough of them."""
    if rule.band_sigma is None or len(past) < max(rule.min_windows, 2):
        return None
    mean, sigma = float(past.mean()), float(past.std(ddof=1))
    return mean - rule.band_sigma * sigma, mean + rule.band_sigma * sigma
