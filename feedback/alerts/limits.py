"""Alert limits that rest on each window's own sample size: the band around the past windows, floors and ceilings.

Every function is vectorised: arguments broadcast, the last axis of a history
holds its windows (a window left out has ``n`` 0), so the simulations in
``tests/simulations`` and ``bench/`` run this very code on many runs at once.

The band of a proportion (accuracy, dispute rate)
    The past windows give the pooled proportion p and the between-window
    variance tau^2 (Hedges' moment estimator: the variance of the windows'
    proportions less their mean binomial variance p(1-p)/n_i, at least 0). The
    next window's true proportion is then taken to follow a Beta with mean p and
    variance tau^2 + Var(p), Var(p) being the pooled estimate's own uncertainty,
    so its count is beta-binomial at the window's own n. The window leaves the
    band when its count is in a tail of probability below the one-sided level
    of ``sigma`` (3 sigma: 0.135%). This is exact at small n and near 0 or 1,
    where a mean +/- 3 sd band is not; with tau^2 = 0 it is the binomial p-chart
    limit at the window's n, and tau^2 plays the part of Laney's p'-chart
    correction for between-window variation.
The band of a mean (mean confidence)
    The same with normal errors: the n-weighted mean of the past window means,
    the window's own squared standard error sd^2/n, tau^2 (from the window means
    less their mean sd_i^2/n_i) and the centre's uncertainty; the quantile is
    Student's t with Satterthwaite's degrees of freedom for the estimated tau^2.
Floors and ceilings
    A proportion is below a floor when the window's one-sided Wilson upper
    bound at ``sigma`` is (:func:`feedback.monitor.wilson_interval`, checked
    against statsmodels' ``proportion_confint(method="wilson")``); a mean when
    mean + sigma * sd / sqrt(n) is. Ceilings mirror them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import betabinom, norm, t

from feedback.monitor import wilson_interval

__all__ = ["Band", "limit_bounds", "mean_band", "proportion_band", "tail_level"]


@dataclass(frozen=True)
class Band:
    """The band a window is held against (arrays when the inputs were arrays).

    Attributes
    ----------
    low, high : float or numpy.ndarray
        The window leaves the band below ``low`` or above ``high`` (NaN without
        two past windows).
    below, above : bool or numpy.ndarray
        Whether the window's value is below ``low`` or above ``high``.
    centre : float or numpy.ndarray
        The pooled past value.
    between_sd : float or numpy.ndarray
        The estimated standard deviation of the windows' true values (tau).
    n_windows : int or numpy.ndarray
        Past windows the band rests on.
    """

    low: np.ndarray
    high: np.ndarray
    below: np.ndarray
    above: np.ndarray
    centre: np.ndarray
    between_sd: np.ndarray
    n_windows: np.ndarray


def tail_level(sigma: float) -> float:
    """The one-sided tail probability of ``sigma`` standard normal deviations (3: 0.00135)."""
    return float(norm.sf(sigma))


def proportion_band(successes, n, successes_now, n_now, sigma: float = 3.0, *, limits: bool = True) -> Band:
    """The beta-binomial band of a proportion at the current window's own n.

    Parameters
    ----------
    successes, n : array-like, last axis the past windows
        Each past window's count and items (``n`` 0 leaves a window out).
    successes_now, n_now : array-like
        The current window's count and items.
    sigma : float, default=3.0
        One-sided level as normal deviations: the band's tails hold ``tail_level(sigma)`` each.
    limits : bool, default=True
        Also compute ``low`` and ``high`` (quantiles: slower on long arrays;
        ``below`` and ``above`` come from tail probabilities either way).

    Returns
    -------
    Band
        ``low``/``high`` as proportions of ``n_now``; ``below``/``above`` False
        without two past windows.

    Examples
    --------
    >>> band = proportion_band([270, 268, 272, 269], [300] * 4, 240, 300)
    >>> round(float(band.low), 3), bool(band.below)
    (0.837, True)
    """
    k, m = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    valid = m > 0
    n_windows = valid.sum(axis=-1)
    total = m.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (k.sum(axis=-1) + 0.5) / (total + 1.0)  # kept off 0 and 1: a spotless history still has a spread
        rates = np.where(valid, k / np.where(valid, m, 1.0), np.nan)
        sampling = np.where(valid, p[..., None] * (1 - p[..., None]) / np.where(valid, m, 1.0), np.nan)
        tau2, weights = _between_variance(rates, sampling, m, valid, n_windows)
        centre_var = np.nansum(weights**2 * (sampling + tau2[..., None]), axis=-1)
        spread = np.minimum(tau2 + centre_var, 0.99 * p * (1 - p))
        size = p * (1 - p) / spread - 1.0
        a, b = p * size, (1 - p) * size
    alpha = tail_level(sigma)
    k_now, m_now = np.asarray(successes_now, dtype=float), np.asarray(n_now, dtype=float)
    enough = n_windows >= 2
    below = enough & (betabinom.cdf(k_now, m_now, a, b) < alpha)
    above = enough & (betabinom.sf(k_now - 1, m_now, a, b) <= alpha)
    low = high = np.full(np.shape(below), np.nan)
    if limits:
        low = np.where(enough, betabinom.ppf(alpha, m_now, a, b) / m_now, np.nan)
        high = np.where(enough, betabinom.ppf(1 - alpha, m_now, a, b) / m_now, np.nan)
    return Band(low, high, below, above, p, np.sqrt(tau2), n_windows)


def mean_band(means, sds, n, mean_now, sd_now, n_now, sigma: float = 3.0) -> Band:
    """The band of a mean (e.g. mean confidence) at the current window's own standard error.

    Parameters
    ----------
    means, sds, n : array-like, last axis the past windows
        Each past window's mean, the sample standard deviation of its items, and its items.
    mean_now, sd_now, n_now : array-like
        The current window's mean, standard deviation and items.
    sigma : float, default=3.0
        One-sided level as normal deviations.

    Returns
    -------
    Band

    Examples
    --------
    >>> band = mean_band([0.80, 0.81, 0.79, 0.80], [0.1] * 4, [500] * 4, 0.7, 0.1, 500)
    >>> bool(band.below), bool(band.above)
    (True, False)
    """
    y, s, m = (np.asarray(x, dtype=float) for x in (means, sds, n))
    valid = (m > 0) & np.isfinite(y) & np.isfinite(s)
    m = np.where(valid, m, 0.0)
    n_windows = valid.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sampling = np.where(valid, s**2 / np.where(valid, m, 1.0), np.nan)
        tau2, weights = _between_variance(np.where(valid, y, np.nan), sampling, m, valid, n_windows)
        centre = np.nansum(weights * np.where(valid, y, 0.0), axis=-1)
        centre_var = np.nansum(weights**2 * (sampling + tau2[..., None]), axis=-1)
        total = np.asarray(sd_now, dtype=float) ** 2 / np.asarray(n_now, dtype=float) + tau2 + centre_var
        # Satterthwaite: tau^2 comes from the spread of the window means, a chi-square with n_windows - 1 df.
        spread = _variance(np.where(valid, y, np.nan), n_windows) * (1.0 + np.sum(weights**2, axis=-1))
        df = np.where(tau2 > 0, (n_windows - 1) * (total / spread) ** 2, np.inf)
        half = t.ppf(norm.cdf(sigma), np.maximum(df, 1.0)) * np.sqrt(total)
    enough = n_windows >= 2
    low, high = np.where(enough, centre - half, np.nan), np.where(enough, centre + half, np.nan)
    value = np.asarray(mean_now, dtype=float)
    return Band(low, high, enough & (value < low), enough & (value > high), centre, np.sqrt(tau2), n_windows)


def limit_bounds(value, n, sigma: float = 3.0, sd=None) -> tuple[np.ndarray, np.ndarray]:
    """The window's one-sided bounds at ``sigma``, held against a floor (upper bound) or a ceiling (lower bound).

    Parameters
    ----------
    value : array-like
        The window's proportion (or mean, with ``sd``).
    n : array-like
        Items it rests on.
    sigma : float, default=3.0
    sd : array-like or None, default=None
        None: ``value`` is a proportion and the bounds are Wilson's. Else the
        sample standard deviation of the items, and the bounds are
        value +/- sigma * sd / sqrt(n).

    Returns
    -------
    low, high : numpy.ndarray
        A floor fires when ``high`` is below it, a ceiling when ``low`` is above it.

    Examples
    --------
    >>> low, high = limit_bounds(0.8, 30)
    >>> round(float(high), 3)
    0.935
    """
    m = np.asarray(n, dtype=float)
    if sd is None:
        successes = np.rint(np.asarray(value, dtype=float) * m)
        low, high = wilson_interval(successes, m, confidence=1.0 - 2.0 * tail_level(sigma))
        return np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    half = sigma * np.asarray(sd, dtype=float) / np.sqrt(m)
    return np.asarray(value, dtype=float) - half, np.asarray(value, dtype=float) + half


def _between_variance(values, sampling, n, valid, n_windows):
    """Hedges' tau^2 (variance of the windows' values less their mean sampling variance, at least 0), and the
    windows' weights in the pooled centre (their share of the items)."""
    observed = _variance(values, n_windows)
    tau2 = np.where(n_windows >= 2, np.maximum(observed - np.nanmean(sampling, axis=-1), 0.0), 0.0)
    weights = np.where(valid, n, 0.0) / np.sum(np.where(valid, n, 0.0), axis=-1, keepdims=True)
    return tau2, weights


def _variance(values, n_windows):
    """Sample variance (ddof 1) over the last axis, ignoring NaN; NaN below two values."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nansum(values, axis=-1) / n_windows
        return np.nansum((values - mean[..., None]) ** 2, axis=-1) / (n_windows - 1)
