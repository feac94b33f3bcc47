"""Comparing the arms on a continuous outcome per unit: Welch's t-test, CUPED, and the always-valid mSPRT.

Arms are assigned per unit (a user, an account), so the outcome is compared per unit:
each unit's total of the metric over the experiment (revenue per user, conversions per
user), one value per unit, whatever the number of predictions the unit sent. Arm 1 is
the champion and arm 2 the challenger; every difference is ``challenger - champion``.

- :func:`welch_test`: the fixed-horizon test, Welch's unequal-variance t-test
  (``scipy.stats.ttest_ind(equal_var=False)``) on the per-unit values, with CUPED
  (Deng, Xu, Kohavi and Walker 2013, "Improving the sensitivity of online controlled
  experiments by utilizing pre-experiment data") when each unit's pre-experiment value
  is known: ``Y - theta (X - mean X)`` with ``theta = cov(Y, X) / var(X)`` pooled over
  both arms, which keeps the difference unbiased and shrinks its variance by the share
  ``corr(Y, X)**2``.
- :func:`welch_from_moments`: the same test from each arm's sums (vectorised, for the
  looks of a sequential test and for simulations); tests check it against scipy's.
- :func:`mean_msprt_p_value`: the always-valid p-value over a sequence of looks, the
  normal-mixture SPRT of :func:`feedback.experiments.sequential.mixture_likelihood_ratio`
  on the difference of the (CUPED-adjusted) means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from feedback.experiments.sequential import mixture_likelihood_ratio
from feedback.experiments.stats import as_result, check_level

__all__ = [
    "DEFAULT_EFFECT_SD",
    "MeanSequentialState",
    "UnitMoments",
    "WelchResult",
    "cuped_theta",
    "mean_msprt_p_value",
    "mean_sequential_state",
    "unit_moments",
    "welch_from_moments",
    "welch_test",
]

DEFAULT_EFFECT_SD = 0.1
"""Mixing standard deviation of the mSPRT on means when no smallest effect was stated, as a share of
the per-unit standard deviation: an effect of a tenth of a standard deviation."""


@dataclass(frozen=True)
class UnitMoments:
    """Sums of each arm's per-unit values, arms on the first axis (champion, challenger).

    ``x`` is each unit's pre-experiment value (0 for units without one); with no
    pre-experiment data its sums are zero and CUPED changes nothing.
    """

    n: np.ndarray
    sum_y: np.ndarray
    sum_yy: np.ndarray
    sum_x: np.ndarray
    sum_xx: np.ndarray
    sum_xy: np.ndarray


@dataclass(frozen=True)
class WelchResult:
    """Welch's t-test of ``mean2 - mean1`` on per-unit values (CUPED-adjusted when ``cuped``).

    Attributes
    ----------
    t, df, p_value : float or ndarray
        Statistic, Welch-Satterthwaite degrees of freedom, two-sided p-value.
    diff, ci_low, ci_high : float or ndarray
        Challenger minus champion mean per unit and its ``1 - alpha`` interval.
    mean1, mean2 : float or ndarray
        Each arm's (adjusted) mean per unit.
    n1, n2 : int or ndarray
        Units per arm.
    theta : float or ndarray
        The CUPED coefficient (0 without pre-experiment values).
    variance_reduction : float or ndarray
        ``1 - var(adjusted difference) / var(raw difference)``: the share of variance CUPED removed.
    alpha : float
    """

    t: float | np.ndarray
    df: float | np.ndarray
    p_value: float | np.ndarray
    diff: float | np.ndarray
    ci_low: float | np.ndarray
    ci_high: float | np.ndarray
    mean1: float | np.ndarray
    mean2: float | np.ndarray
    n1: int | np.ndarray
    n2: int | np.ndarray
    theta: float | np.ndarray
    variance_reduction: float | np.ndarray
    alpha: float = 0.05

    @property
    def rejected(self) -> bool | np.ndarray:
        """Whether ``p_value < alpha``: the arms differ, at a fixed horizon."""
        return self.p_value < self.alpha


@dataclass(frozen=True)
class MeanSequentialState:
    """Where the always-valid test of the per-unit means stands after its latest look.

    Attributes
    ----------
    p_value : float
        Always-valid p-value: the smallest ``min(1, 1 / Lambda)`` over the looks.
    rejected : bool
        ``p_value < alpha``.
    n_looks : int
        Looks with at least two units in each arm.
    diff, mean1, mean2 : float
        The (adjusted) difference and means at the latest look.
    n1, n2 : int
        Units per arm at the latest look.
    alpha, tau2 : float
        Level and mixing variance (in the metric's unit, squared) at the latest look.
    """

    p_value: float
    rejected: bool
    n_looks: int
    diff: float
    mean1: float
    mean2: float
    n1: int
    n2: int
    alpha: float
    tau2: float


def unit_moments(y1, y2, x1=None, x2=None) -> UnitMoments:
    """Each arm's sums of per-unit values ``y`` and pre-experiment values ``x`` (None: no pre-experiment data).

    Arrays may carry leading axes (runs of a simulation); units are on the last axis.
    """
    ys = [np.asarray(y, dtype=np.float64) for y in (y1, y2)]
    xs = [np.zeros_like(y) if x is None else np.asarray(x, dtype=np.float64) for x, y in zip((x1, x2), ys, strict=True)]
    return UnitMoments(
        n=np.stack([np.full(y.shape[:-1], y.shape[-1], dtype=np.float64) for y in ys]),
        sum_y=np.stack([y.sum(axis=-1) for y in ys]),
        sum_yy=np.stack([(y * y).sum(axis=-1) for y in ys]),
        sum_x=np.stack([x.sum(axis=-1) for x in xs]),
        sum_xx=np.stack([(x * x).sum(axis=-1) for x in xs]),
        sum_xy=np.stack([(x * y).sum(axis=-1) for x, y in zip(xs, ys, strict=True)]),
    )


def cuped_theta(m: UnitMoments) -> np.ndarray:
    """``theta = cov(Y, X) / var(X)`` over the units of both arms pooled; 0 where ``X`` does not vary."""
    n, sx, sy = m.n.sum(axis=0), m.sum_x.sum(axis=0), m.sum_y.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sxx = m.sum_xx.sum(axis=0) - sx * sx / n
        sxy = m.sum_xy.sum(axis=0) - sx * sy / n
        return np.where(sxx > 1e-12 * np.maximum(m.sum_xx.sum(axis=0), 1.0), sxy / sxx, 0.0)


def welch_from_moments(m: UnitMoments, *, alpha: float = 0.05, cuped: bool = True) -> WelchResult:
    """Welch's t-test of challenger minus champion from each arm's sums, CUPED-adjusted when ``cuped``.

    Vectorised: every array of ``m`` has the arms on axis 0 and any further axes
    (runs, looks) after it. Matches ``scipy.stats.ttest_ind(y2_adj, y1_adj,
    equal_var=False)`` on the adjusted values. An arm with fewer than two units,
    or no variance in either arm, gives ``p = 1``.

    Parameters
    ----------
    m : UnitMoments
    alpha : float, default=0.05
    cuped : bool, default=True
        Adjust by the pre-experiment values (a no-op when there are none).

    Returns
    -------
    WelchResult
    """
    alpha = check_level(alpha, "alpha")
    w = _welch_arrays(m, cuped)
    per_arm, se2, testable = w["per_arm"], w["se2"], w["testable"]
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se2**2 / (per_arm[0] ** 2 / (m.n[0] - 1) + per_arm[1] ** 2 / (m.n[1] - 1))
        t = np.where(testable, w["diff"] / np.sqrt(se2), 0.0)
        df = np.where(testable, df, np.nan)
        p = np.where(testable, 2 * stats.t.sf(np.abs(t), df), 1.0)
        half = stats.t.isf(alpha / 2, df) * np.sqrt(se2)
        reduction = np.where(w["raw_se2"] > 0, 1 - se2 / w["raw_se2"], 0.0)
    return WelchResult(
        t=as_result(t),
        df=as_result(df),
        p_value=as_result(p),
        diff=as_result(w["diff"]),
        ci_low=as_result(w["diff"] - half),
        ci_high=as_result(w["diff"] + half),
        mean1=as_result(w["mean"][0]),
        mean2=as_result(w["mean"][1]),
        n1=as_result(m.n[0], int),
        n2=as_result(m.n[1], int),
        theta=as_result(w["theta"]),
        variance_reduction=as_result(reduction),
        alpha=alpha,
    )


def welch_test(y1, y2, x1=None, x2=None, *, alpha: float = 0.05) -> WelchResult:
    """Welch's t-test that the arms' per-unit means differ, CUPED-adjusted when pre-experiment values are given.

    Parameters
    ----------
    y1, y2 : array-like of float
        Each unit's value over the experiment, champion (1) and challenger (2).
    x1, x2 : array-like of float, optional
        Each unit's pre-experiment value, aligned with ``y1`` and ``y2`` (0
        for a unit without one). Both or neither.
    alpha : float, default=0.05
        Level of the test; the interval has coverage ``1 - alpha``.

    Returns
    -------
    WelchResult
        Computed by ``scipy.stats.ttest_ind(equal_var=False)`` on the
        (adjusted) values.

    Raises
    ------
    ValueError
        Only one of ``x1`` and ``x2`` given, or ``x`` not aligned with ``y``,
        or a value that is not a finite number.

    Examples
    --------
    >>> r = welch_test([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0, 6.0])
    >>> round(r.diff, 2), round(r.p_value, 3)
    (1.5, 0.161)
    """
    alpha = check_level(alpha, "alpha")
    if (x1 is None) != (x2 is None):
        raise ValueError("Give each unit's pre-experiment value for both arms (x1 and x2), or for neither.")
    y1, y2 = (_finite(y, name) for y, name in ((y1, "y1"), (y2, "y2")))
    xs = (None, None) if x1 is None else (_finite(x1, "x1"), _finite(x2, "x2"))
    if xs[0] is not None and (xs[0].shape != y1.shape or xs[1].shape != y2.shape):
        raise ValueError("Each unit needs one pre-experiment value: x1 and x2 must be as long as y1 and y2.")
    moments = unit_moments(y1, y2, *xs)
    result = welch_from_moments(moments, alpha=alpha)
    if not np.isfinite(result.df):  # not testable (too few units, no spread): keep the p = 1 of the moments
        return result
    theta = result.theta
    center = 0.0 if xs[0] is None else np.concatenate(xs).mean()
    adjusted = [y - theta * (x - center) if x is not None else y for y, x in zip((y1, y2), xs, strict=True)]
    scipy_result = stats.ttest_ind(adjusted[1], adjusted[0], equal_var=False)
    interval = scipy_result.confidence_interval(1 - alpha)
    return WelchResult(
        t=float(scipy_result.statistic),
        df=float(scipy_result.df),
        p_value=float(scipy_result.pvalue),
        diff=float(adjusted[1].mean() - adjusted[0].mean()),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        mean1=float(adjusted[0].mean()),
        mean2=float(adjusted[1].mean()),
        n1=len(y1),
        n2=len(y2),
        theta=float(theta),
        variance_reduction=result.variance_reduction,
        alpha=alpha,
    )


def mean_msprt_p_value(m: UnitMoments, *, tau2=None, effect_sd: float = DEFAULT_EFFECT_SD, cuped: bool = True):
    """Always-valid p-value of the difference of per-unit means over a sequence of looks.

    At each look the (CUPED-adjusted) difference ``d`` and its Welch variance
    ``V = s1**2 / n1 + s2**2 / n2`` enter the normal-mixture likelihood ratio of
    :func:`feedback.experiments.sequential.mixture_likelihood_ratio`, and the
    p-value is the running minimum of ``min(1, 1 / Lambda)``. Looks where an arm
    has fewer than two units, or no variance, count as ``Lambda = 0``.

    Parameters
    ----------
    m : UnitMoments
        Cumulative sums at each look, looks on the last axis (arms on the first).
    tau2 : float, optional
        Mixing variance of the difference, in the metric's unit squared: the
        square of the smallest effect that matters, when one was stated.
    effect_sd : float, default=0.1
        Without ``tau2``: the mixing standard deviation as a share of the
        pooled per-unit standard deviation at each look, so the test does not
        depend on the metric's unit.
    cuped : bool, default=True

    Returns
    -------
    float or numpy.ndarray
        The always-valid p-value after the last look, per experiment.
    """
    return as_result(_running_p(m, tau2, effect_sd, cuped)[0].min(axis=-1))


def mean_sequential_state(
    m: UnitMoments, *, alpha: float = 0.05, tau2=None, effect_sd: float = DEFAULT_EFFECT_SD, cuped: bool = True
) -> MeanSequentialState | None:
    """The always-valid test of one experiment after its looks (``m``'s arrays of shape (2, looks)).

    The same p-value as :func:`mean_msprt_p_value`, with the figures of the
    latest look; None until a look has two units with some spread in each arm.
    """
    alpha = check_level(alpha, "alpha")
    per_look, w, tau2s = _running_p(m, tau2, effect_sd, cuped)
    if not w["testable"].any():
        return None
    p_value = float(per_look.min())
    return MeanSequentialState(
        p_value=p_value,
        rejected=p_value < alpha,
        n_looks=int(w["testable"].sum()),
        diff=float(w["diff"][-1]),
        mean1=float(w["mean"][0, -1]),
        mean2=float(w["mean"][1, -1]),
        n1=int(m.n[0, -1]),
        n2=int(m.n[1, -1]),
        alpha=alpha,
        tau2=float(np.broadcast_to(tau2s, w["diff"].shape)[-1]),
    )


def _running_p(m: UnitMoments, tau2, effect_sd: float, cuped: bool):
    """Per look ``min(1, 1 / Lambda)``, the Welch arrays, and the mixing variance used."""
    w = _welch_arrays(m, cuped)
    tau2 = (effect_sd * w["pooled_sd"]) ** 2 if tau2 is None else np.asarray(tau2, dtype=np.float64)
    usable = w["testable"] & (tau2 > 0)
    lam = np.where(usable, mixture_likelihood_ratio(w["diff"], np.where(usable, w["se2"], 1.0), tau2), 0.0)
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, 1.0 / lam), w, tau2


def _welch_arrays(m: UnitMoments, cuped: bool) -> dict[str, np.ndarray]:
    """The adjusted means and variances behind Welch's test, per arm (axis 0) and per run or look."""
    theta = cuped_theta(m) if cuped else np.zeros(m.n.shape[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_y, mean_x = m.sum_y / m.n, m.sum_x / m.n
        var_y = np.maximum((m.sum_yy - m.sum_y * mean_y) / (m.n - 1), 0.0)
        var_x = (m.sum_xx - m.sum_x * mean_x) / (m.n - 1)
        cov = (m.sum_xy - m.sum_x * mean_y) / (m.n - 1)
        mean = mean_y - theta * (mean_x - m.sum_x.sum(axis=0) / m.n.sum(axis=0))
        var = np.maximum(var_y - 2 * theta * cov + theta * theta * var_x, 0.0)
        per_arm = var / m.n
        se2 = per_arm.sum(axis=0)
        pooled_sd = np.sqrt(((m.n - 1) * var).sum(axis=0) / (m.n.sum(axis=0) - 2))
    testable = (m.n.min(axis=0) >= 2) & (se2 > 0)
    return {
        "theta": theta,
        "mean": mean,
        "diff": mean[1] - mean[0],
        "per_arm": per_arm,
        "se2": se2,
        "raw_se2": (var_y / m.n).sum(axis=0),
        "pooled_sd": pooled_sd,
        "testable": testable,
    }


def _finite(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers (one per unit).")
    return array
