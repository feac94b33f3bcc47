"""Always-valid sequential tests of two arms' proportions: the mSPRT, for teams that look every day.

The mixture sequential probability ratio test of Johari, Pekelis and Walsh
(2015, "Always valid inference: bringing sequential analysis to A/B testing",
arXiv:1512.04922): its p-value stays valid however often it is looked at. Arm 1
is the champion, arm 2 the challenger; counts are validated as for the
fixed-horizon test in :mod:`feedback.experiments.stats`.

When arms are assigned per unit and a unit gives several trials, the variance of
the difference is the cluster-robust one: each arm's binomial variance times its
design effect (:mod:`feedback.experiments.units`), used as the test's
``sigma**2 / n`` plug-in (:func:`clustered_msprt_p_value`,
:meth:`SequentialTest.update_units`). With one trial per unit it is the
classical test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from feedback.experiments.stats import as_result, check_counts, check_level
from feedback.experiments.units import UnitSums

__all__ = [
    "DEFAULT_TAU2",
    "SequentialState",
    "SequentialTest",
    "clustered_msprt_p_value",
    "mixture_likelihood_ratio",
    "msprt_likelihood_ratio",
    "msprt_p_value",
]

DEFAULT_TAU2 = 0.0025
"""Default mixing variance of the mSPRT: a normal prior on the difference with a
standard deviation of 5 percentage points. See :func:`msprt_likelihood_ratio`."""


@dataclass(frozen=True)
class SequentialState:
    """Where an always-valid sequential test stands after its latest look.

    Attributes
    ----------
    p_value : float
        Always-valid p-value: the smallest ``min(1, 1 / Lambda)`` over all looks
        so far. It never increases.
    rejected : bool
        ``p_value < alpha``. Once True it stays True.
    n_looks : int
        Looks taken so far.
    diff : float
        ``x2 / n2 - x1 / n1`` at the latest look.
    x1, n1, x2, n2 : int
        Cumulative counts at the latest look.
    alpha : float
        Significance level.
    tau2 : float
        Mixing variance of the mSPRT.
    ci_low, ci_high : float
        Always-valid ``1 - alpha`` confidence interval of the difference: the
        intersection over the looks so far of the differences the mSPRT does not
        reject (Johari, Pekelis and Walsh 2015). It excludes 0 exactly when the
        test has rejected.
    units1, units2 : int
        Units the trials came from at the latest look.
    deff1, deff2 : float
        Each arm's design effect at the latest look (1 when each trial is its own unit).
    """

    p_value: float
    rejected: bool
    n_looks: int
    diff: float
    x1: int
    n1: int
    x2: int
    n2: int
    alpha: float
    tau2: float
    ci_low: float
    ci_high: float
    units1: int
    units2: int
    deff1: float
    deff2: float


def msprt_likelihood_ratio(x1, n1, x2, n2, *, tau2: float = DEFAULT_TAU2):
    """Mixture likelihood ratio Lambda of the mSPRT for ``p2 - p1``, at one look.

    The normal approximation of Johari, Pekelis and Walsh (2015,
    arXiv:1512.04922): with ``d = p2 - p1`` and ``V`` its estimated variance,
    ``Lambda = sqrt(V / (V + tau2)) * exp(tau2 d**2 / (2 V (V + tau2)))``, the
    likelihood ratio of "the difference is drawn from N(0, tau2)" against "the
    difference is 0". ``V`` is the unpooled variance
    ``p1 (1 - p1) / n1 + p2 (1 - p2) / n2``; when that is zero although the
    proportions differ (0 of n against n of n) the pooled variance
    ``p (1 - p) (1/n1 + 1/n2)`` is used instead, and when the proportions are
    equal and all 0 or all 1 there is no evidence and Lambda is 0.

    Choosing ``tau2``. The default 0.0025 is a prior standard deviation of 5
    percentage points: the size of the accuracy and dispute-rate changes a
    retrained model is expected to make, and the smallest worth acting on. With
    ``r = tau2 / V`` the test rejects at level alpha once
    ``z**2 >= (1 + 1/r) (2 ln(1/alpha) + ln(1 + r))``, ``z = d / sqrt(V)``. At 2,000
    units per arm and accuracies near 0.8, ``V`` is about 1.4e-4, ``r`` about
    17, and the bar is ``|z| >= 3.07`` (against 1.96 for one planned look): that
    is the price of looking every day. A much smaller ``tau2`` wastes the early
    looks on effects too small to matter; a much larger one raises the bar
    through ``ln(1 + r)``. The false-positive guarantee holds for any ``tau2``;
    only the power depends on it.

    Parameters
    ----------
    x1, n1, x2, n2 : int or array-like of int
        Cumulative successes and trials of the champion (1) and the
        challenger (2). Arrays broadcast.
    tau2 : float, default=0.0025
        Variance of the normal mixing distribution of the difference; positive.

    Returns
    -------
    float or numpy.ndarray
        Lambda, one per element of the broadcast inputs.

    Raises
    ------
    ValueError
        On invalid counts (see :func:`feedback.experiments.stats.check_counts`) or ``tau2 <= 0``.
    """
    tau2 = _check_tau2(tau2)
    x1, n1, x2, n2 = check_counts(x1, n1, x2, n2)
    return as_result(_likelihood_ratio(x1, n1, x2, n2, tau2, 1.0, 1.0))


def msprt_p_value(x1, n1, x2, n2, *, tau2: float = DEFAULT_TAU2, axis: int = -1):
    """Always-valid p-value of the mSPRT after a sequence of looks.

    ``p = min over looks of min(1, 1 / Lambda)`` (Johari, Pekelis and Walsh 2015,
    arXiv:1512.04922), with Lambda from :func:`msprt_likelihood_ratio`. Under the
    null of equal proportions, the chance that this p-value ever falls below
    alpha, however many looks are taken and whenever one stops, is at most
    alpha (asymptotically, since the variance is estimated). Pass the whole
    history of looks: a p-value from the latest look alone is not always valid.

    Parameters
    ----------
    x1, n1, x2, n2 : int or array-like of int
        Cumulative counts at each look, looks along ``axis``; counts of later
        looks include the earlier ones. Scalars are a single look. Extra axes
        hold independent experiments (for simulations).
    tau2 : float, default=0.0025
        Mixing variance; see :func:`msprt_likelihood_ratio`.
    axis : int, default=-1
        The axis of looks.

    Returns
    -------
    float or numpy.ndarray
        The always-valid p-value after the last look, per experiment.

    Raises
    ------
    ValueError
        On invalid counts or ``tau2 <= 0``.

    See Also
    --------
    SequentialTest : The same p-value, updated one look at a time.

    Examples
    --------
    >>> p = msprt_p_value([160, 800, 1600], [200, 1000, 2000],
    ...                   [170, 850, 1700], [200, 1000, 2000])
    >>> bool(p < 0.05)
    True
    """
    x1, n1, x2, n2 = check_counts(x1, n1, x2, n2)
    return clustered_msprt_p_value(UnitSums.independent(x1, n1), UnitSums.independent(x2, n2), tau2=tau2, axis=axis)


def clustered_msprt_p_value(arm1: UnitSums, arm2: UnitSums, *, tau2: float = DEFAULT_TAU2, axis: int = -1):
    """Always-valid p-value of the mSPRT after a sequence of looks, at the unit of randomisation.

    :func:`msprt_p_value` with the variance of the difference taken as
    ``d1 p1 (1 - p1) / n1 + d2 p2 (1 - p2) / n2``, ``d`` each arm's design
    effect at that look (:mod:`feedback.experiments.units`); identical to it
    when each trial is its own unit.

    Parameters
    ----------
    arm1, arm2 : UnitSums
        The champion's and the challenger's cumulative sums at each look, looks
        along ``axis`` (e.g. :func:`~feedback.experiments.units.unit_sums` over
        an array of shape ``(experiments, looks, units)``). A look at which an
        arm has no trials yet gives no evidence.
    tau2 : float, default=0.0025
        Mixing variance; see :func:`msprt_likelihood_ratio`.
    axis : int, default=-1
        The axis of looks.

    Returns
    -------
    float or numpy.ndarray
        The always-valid p-value after the last look, per experiment.

    Raises
    ------
    ValueError
        On invalid counts, or ``tau2 <= 0``.
    """
    tau2 = _check_tau2(tau2)
    empty = (np.asarray(arm1.trials) == 0) | (np.asarray(arm2.trials) == 0)
    x1, n1, x2, n2 = check_counts(
        *(np.where(empty, fill, values) for fill, values in zip((0, 1, 0, 1), _counts(arm1, arm2), strict=True))
    )
    lam = np.where(empty, 0.0, _likelihood_ratio(x1, n1, x2, n2, tau2, arm1.design_effect, arm2.design_effect))
    with np.errstate(divide="ignore"):
        per_look = np.minimum(1.0, 1.0 / lam)
    if per_look.ndim == 0:
        return float(per_look)
    return as_result(per_look.min(axis=axis))


class SequentialTest:
    """Always-valid test that the champion and challenger proportions differ.

    Feed it the cumulative counts at every look (every day, every batch); its
    p-value is the running minimum of ``min(1, 1 / Lambda)`` of the mSPRT, so it
    can be checked after every look and the test stopped whenever it rejects,
    with the false-positive rate held at ``alpha``. Keep one instance per metric
    and experiment; to rebuild it from stored daily counts, replay them in order
    or call :func:`msprt_p_value` on the whole history.

    Parameters
    ----------
    alpha : float, default=0.05
        Significance level, in (0, 1).
    tau2 : float, default=0.0025
        Mixing variance of the difference; see :func:`msprt_likelihood_ratio`
        for the choice.

    Attributes
    ----------
    state_ : SequentialState or None
        The state after the latest look; None before the first.

    Examples
    --------
    >>> test = SequentialTest(alpha=0.05)
    >>> test.update(80, 100, 85, 100).rejected
    False
    >>> state = test.update(1600, 2000, 1700, 2000)
    >>> state.n_looks, state.rejected
    (2, True)
    """

    def __init__(self, alpha: float = 0.05, tau2: float = DEFAULT_TAU2):
        self.alpha = alpha
        self.tau2 = tau2
        self.state_: SequentialState | None = None

    def update(self, x1: int, n1: int, x2: int, n2: int) -> SequentialState:
        """Take one look at the cumulative counts, each trial its own unit.

        Parameters
        ----------
        x1, n1 : int
            Cumulative successes and trials of the champion.
        x2, n2 : int
            Cumulative successes and trials of the challenger.

        Returns
        -------
        SequentialState
            The always-valid p-value and verdict after this look.

        Raises
        ------
        ValueError
            On invalid counts, an arm with no trials yet, trial counts smaller
            than at the previous look (counts must be cumulative), or an invalid
            ``alpha`` or ``tau2``.
        """
        x1, n1, x2, n2 = check_counts(x1, n1, x2, n2, scalar=True)
        return self.update_units(UnitSums.independent(x1, n1), UnitSums.independent(x2, n2))

    def update_units(self, arm1: UnitSums, arm2: UnitSums) -> SequentialState:
        """Take one look at the cumulative per-unit sums of each arm (cluster-robust variance).

        Parameters
        ----------
        arm1, arm2 : UnitSums
            The champion's and the challenger's sums since the start, one look
            (scalars).

        Returns
        -------
        SequentialState

        Raises
        ------
        ValueError
            As :meth:`update`.
        """
        alpha = check_level(self.alpha, "alpha")
        tau2 = _check_tau2(self.tau2)
        counts = [int(c) for c in check_counts(arm1.successes, arm1.trials, arm2.successes, arm2.trials, scalar=True)]
        x1, n1, x2, n2 = counts
        d1, d2 = float(arm1.design_effect), float(arm2.design_effect)
        previous = self.state_
        if previous is not None and (n1 < previous.n1 or n2 < previous.n2):
            raise ValueError(
                f"Counts must be cumulative: trials went from ({previous.n1}, {previous.n2}) to ({n1}, {n2}). "
                "Pass the totals since the experiment started, or start a new SequentialTest."
            )
        floats = [np.float64(c) for c in counts]
        lam = float(_likelihood_ratio(*floats, tau2, d1, d2))
        p_look = 1.0 if lam <= 1.0 else 1.0 / lam
        p_value = p_look if previous is None else min(previous.p_value, p_look)
        diff = x2 / n2 - x1 / n1
        half = float(_half_width(*floats, tau2, d1, d2, alpha))
        low, high = max(diff - half, -1.0), min(diff + half, 1.0)
        if previous is not None:
            low, high = max(low, previous.ci_low), min(high, previous.ci_high)
        self.state_ = SequentialState(
            p_value=p_value,
            rejected=p_value < alpha,
            n_looks=1 if previous is None else previous.n_looks + 1,
            diff=diff,
            x1=x1,
            n1=n1,
            x2=x2,
            n2=n2,
            alpha=alpha,
            tau2=tau2,
            ci_low=low,
            ci_high=high,
            units1=int(arm1.units),
            units2=int(arm2.units),
            deff1=d1,
            deff2=d2,
        )
        return self.state_


def _counts(arm1: UnitSums, arm2: UnitSums) -> tuple:
    return arm1.successes, arm1.trials, arm2.successes, arm2.trials


def _variance(x1, n1, x2, n2, d1, d2) -> np.ndarray:
    """Variance of ``p2 - p1``: each arm's binomial variance times its design effect, else the pooled one."""
    p1, p2 = x1 / n1, x2 / n2
    var = d1 * p1 * (1.0 - p1) / n1 + d2 * p2 * (1.0 - p2) / n2
    pooled = (x1 / d1 + x2 / d2) / (n1 / d1 + n2 / d2)
    return np.where(var > 0, var, pooled * (1.0 - pooled) * (d1 / n1 + d2 / n2))


def _half_width(x1, n1, x2, n2, tau2: float, d1, d2, alpha: float) -> np.ndarray:
    """Half-width of the differences the mSPRT does not reject at one look (infinite without variance).

    ``Lambda(theta) < 1 / alpha`` for ``(d - theta)**2 < V (V + tau2) / tau2 * (2 ln(1/alpha) + ln(1 + tau2 / V))``.
    """
    var = _variance(x1, n1, x2, n2, d1, d2)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.sqrt(var * (var + tau2) / tau2 * (2.0 * np.log(1.0 / alpha) + np.log1p(tau2 / var)))
    return np.where(var > 0, half, np.inf)


def _likelihood_ratio(x1, n1, x2, n2, tau2: float, d1, d2) -> np.ndarray:
    """Lambda of the normal-approximation mSPRT on validated float arrays (design effects ``d1``, ``d2``)."""
    diff = x2 / n2 - x1 / n1
    var = _variance(x1, n1, x2, n2, d1, d2)
    return np.where(var > 0, mixture_likelihood_ratio(diff, var, tau2), 0.0)


def mixture_likelihood_ratio(diff, var, tau2) -> np.ndarray:
    """Lambda of the normal-mixture SPRT for an estimated difference with a known (estimated) variance.

    ``Lambda = sqrt(V / (V + tau2)) * exp(tau2 d**2 / (2 V (V + tau2)))``, "delta ~ N(0, tau2)" against
    "delta = 0" for ``d ~ N(delta, V)``; shared with :mod:`feedback.experiments.outcomes`. ``var`` > 0.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_lam = 0.5 * np.log(var / (var + tau2)) + tau2 * np.square(diff) / (2.0 * var * (var + tau2))
        return np.exp(log_lam)


def _check_tau2(value: float) -> float:
    """A positive, finite mixing variance, or a ValueError."""
    try:
        tau2 = float(value)
    except (TypeError, ValueError):
        tau2 = math.nan
    if not (math.isfinite(tau2) and tau2 > 0):
        raise ValueError(f"tau2 (the mixing variance) must be a positive number, got {value!r}.")
    return tau2
