"""Comparing the champion and the challenger arms of an A/B test on live traffic.

The arms serve separate units, so the two models are never scored on the same
items and the paired tests used for offline comparison (McNemar, paired
bootstrap) do not apply. Each arm gives two proportions: its accuracy on the
uniformly random audit slice (correct / audited) and its end-user dispute rate
(disputed / served). Arm 1 is always the champion and arm 2 the challenger, and
every difference is ``challenger - champion``: positive is better for accuracy,
worse for disputes.

Two layers: the statistics (vectorised numpy, pure) and a small stateful
wrapper for daily looks.

- :func:`two_proportion_ztest`: the fixed-horizon test, valid for one look at a
  sample size fixed in advance, and :func:`clustered_ztest`, the same test on
  :class:`~feedback.experiments.units.UnitSums` when arms were assigned per unit
  and a unit gives several trials (its variance is the cluster-robust one; with
  one trial per unit the two agree exactly).
- :func:`~feedback.experiments.sequential.msprt_p_value` and
  :class:`~feedback.experiments.sequential.SequentialTest` (in
  :mod:`feedback.experiments.sequential`): the mixture sequential
  probability ratio test (mSPRT) of Johari, Pekelis and Walsh (2015, "Always
  valid inference: bringing sequential analysis to A/B testing",
  arXiv:1512.04922), whose p-value stays valid however often it is looked at.
  Use it whenever people watch the test day by day: checking a z-test after
  every batch and stopping at the first p < 0.05 raises its false-positive rate
  several-fold (tests/simulations/test_ab_simulation.py measures both).
- The recommendation built on these tests is in :mod:`feedback.experiments.recommendation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from feedback.experiments.units import UnitSums

__all__ = ["ZTestResult", "as_result", "check_counts", "check_level", "clustered_ztest", "two_proportion_ztest"]


@dataclass(frozen=True)
class ZTestResult:
    """A two-proportion z-test of ``p2 - p1`` (challenger minus champion).

    Attributes
    ----------
    z : float or ndarray
        Difference over its standard error pooled under the null.
    p_value : float or ndarray
        Two-sided p-value.
    diff : float or ndarray
        ``x2 / n2 - x1 / n1``.
    ci_low, ci_high : float or ndarray
        Wald interval (unpooled standard error) for ``diff`` at level
        ``1 - alpha``, clipped to [-1, 1].
    x1, n1, x2, n2 : int or ndarray
        The counts the test rests on.
    units1, units2 : int or ndarray
        The units the trials came from (``n1``, ``n2`` when each trial is its own unit).
    deff1, deff2 : float or ndarray
        Each arm's design effect (1 when each trial is its own unit); see
        :mod:`feedback.experiments.units`.
    alpha : float
        Significance level of the test and of the interval.
    """

    z: float | np.ndarray
    p_value: float | np.ndarray
    diff: float | np.ndarray
    ci_low: float | np.ndarray
    ci_high: float | np.ndarray
    x1: int | np.ndarray
    n1: int | np.ndarray
    x2: int | np.ndarray
    n2: int | np.ndarray
    units1: int | np.ndarray
    units2: int | np.ndarray
    deff1: float | np.ndarray
    deff2: float | np.ndarray
    alpha: float = 0.05

    @property
    def rejected(self) -> bool | np.ndarray:
        """Whether ``p_value < alpha``: the arms differ, at a fixed horizon."""
        return self.p_value < self.alpha


def two_proportion_ztest(x1, n1, x2, n2, *, alpha: float = 0.05) -> ZTestResult:
    """Two-sided z-test that two proportions differ, with an interval for the difference.

    The statistic uses the standard error pooled under the null,
    ``z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2))`` with
    ``p = (x1 + x2) / (n1 + n2)`` (as statsmodels' ``proportions_ztest``); the
    interval for ``p2 - p1`` uses the unpooled (Wald) standard error
    ``sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)``. When every unit in both arms
    succeeded (or every one failed) there is no evidence of a difference:
    ``z = 0`` and ``p = 1``.

    Valid for one look at a sample size fixed in advance. When the arms are
    checked repeatedly, use :class:`SequentialTest`.

    Parameters
    ----------
    x1, n1 : int or array-like of int
        Successes and trials of the champion (arm 1).
    x2, n2 : int or array-like of int
        Successes and trials of the challenger (arm 2).
    alpha : float, default=0.05
        Level of the test; the interval has coverage ``1 - alpha``.

    Returns
    -------
    ZTestResult
        With floats for scalar input; arrays broadcast and give arrays.

    Raises
    ------
    ValueError
        If a trial count is zero or negative, a count is not whole, a success
        count is negative or above its trials, or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> r = two_proportion_ztest(1600, 2000, 1700, 2000)
    >>> round(r.diff, 3), round(r.z, 2), r.p_value < 0.001
    (0.05, 4.16, True)
    """
    x1, n1, x2, n2 = check_counts(x1, n1, x2, n2)
    return clustered_ztest(UnitSums.independent(x1, n1), UnitSums.independent(x2, n2), alpha=alpha)


def clustered_ztest(arm1: UnitSums, arm2: UnitSums, *, alpha: float = 0.05) -> ZTestResult:
    """Two-sided z-test that two arms' proportions differ, at the unit of randomisation.

    :func:`two_proportion_ztest` with each arm's binomial variance multiplied by
    its design effect ``d`` (Rao and Scott 1992: the test on the effective
    counts ``x / d`` and ``n / d``). Under the null the pooled proportion is
    ``p = (x1 / d1 + x2 / d2) / (n1 / d1 + n2 / d2)`` and
    ``z = (p2 - p1) / sqrt(p (1 - p) (d1 / n1 + d2 / n2))``; the interval uses
    ``sqrt(d1 p1 (1 - p1) / n1 + d2 p2 (1 - p2) / n2)``. With one trial per unit
    (``d = 1``) this is exactly :func:`two_proportion_ztest`.

    Valid for one look at a number of units fixed in advance.

    Parameters
    ----------
    arm1, arm2 : UnitSums
        The champion's and the challenger's sums
        (:func:`~feedback.experiments.units.unit_sums`); arrays broadcast.
    alpha : float, default=0.05
        Level of the test; the interval has coverage ``1 - alpha``.

    Returns
    -------
    ZTestResult

    Raises
    ------
    ValueError
        If an arm has no trials, or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> from feedback.experiments.units import unit_sums
    >>> champion = unit_sums([18, 15, 19, 17, 16, 18], [20] * 6)
    >>> challenger = unit_sums([19, 20, 14, 19, 18, 20], [20] * 6)
    >>> r = clustered_ztest(champion, challenger)
    >>> round(r.diff, 3), round(r.p_value, 2), r.units1, r.n1
    (0.058, 0.36, 6, 120)
    """
    alpha = check_level(alpha, "alpha")
    x1, n1, x2, n2 = check_counts(arm1.successes, arm1.trials, arm2.successes, arm2.trials)
    d1, d2 = (np.asarray(arm.design_effect, dtype=np.float64) for arm in (arm1, arm2))
    p1, p2 = x1 / n1, x2 / n2
    diff = p2 - p1
    pooled = (x1 / d1 + x2 / d2) / (n1 / d1 + n2 / d2)
    se_null = np.sqrt(pooled * (1.0 - pooled) * (d1 / n1 + d2 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_null > 0, diff / se_null, 0.0)
    p_value = 2.0 * stats.norm.sf(np.abs(z))
    se = np.sqrt(d1 * p1 * (1.0 - p1) / n1 + d2 * p2 * (1.0 - p2) / n2)
    half = stats.norm.isf(alpha / 2.0) * se
    return ZTestResult(
        z=as_result(z),
        p_value=as_result(p_value),
        diff=as_result(diff),
        ci_low=as_result(np.clip(diff - half, -1.0, 1.0)),
        ci_high=as_result(np.clip(diff + half, -1.0, 1.0)),
        x1=as_result(x1, int),
        n1=as_result(n1, int),
        x2=as_result(x2, int),
        n2=as_result(n2, int),
        alpha=alpha,
        units1=as_result(np.broadcast_to(arm1.units, x1.shape), int),
        units2=as_result(np.broadcast_to(arm2.units, x2.shape), int),
        deff1=as_result(np.broadcast_to(d1, x1.shape)),
        deff2=as_result(np.broadcast_to(d2, x2.shape)),
    )


def check_counts(x1, n1, x2, n2, *, scalar: bool = False) -> tuple[np.ndarray, ...]:
    """Validated, broadcast float arrays of the four counts, or a ValueError naming the problem."""
    names = ("x1", "n1", "x2", "n2")
    arrays = []
    for name, value in zip(names, (x1, n1, x2, n2), strict=True):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a whole number (or an array of them), got {value!r}.") from None
        if scalar and arr.ndim != 0:
            raise ValueError(f"{name} must be a single count, got an array of shape {arr.shape}.")
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold whole numbers, got {value!r}.")
        arrays.append(arr)
    try:
        x1, n1, x2, n2 = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in zip(names, arrays, strict=True))
        raise ValueError(f"The counts have shapes that do not broadcast: {shapes}.") from None
    for arm, x, n in (("champion (x1, n1)", x1, n1), ("challenger (x2, n2)", x2, n2)):
        if np.any(n <= 0):
            raise ValueError(
                f"The {arm} arm has no trials (n = 0) in at least one look: a proportion needs n >= 1. "
                "Wait until both arms have labelled units."
            )
        if np.any(x < 0) or np.any(x > n):
            raise ValueError(f"The {arm} arm has a success count below 0 or above its trials.")
    return x1, n1, x2, n2


def check_level(value: float, name: str) -> float:
    """A significance level in (0, 1), or a ValueError naming it."""
    try:
        level = float(value)
    except (TypeError, ValueError):
        level = math.nan
    if not 0.0 < level < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}.")
    return level


def as_result(arr: np.ndarray, kind: type = float):
    """A Python scalar for 0-d results, the array itself otherwise."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return kind(arr)
    return arr.astype(np.int64) if kind is int else arr
