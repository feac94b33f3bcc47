"""Proportions with their intervals: the Wilson score interval and the ``Estimate`` every figure carries.

Every figure the Monitor page shows is an :class:`Estimate`: the value, a 95%
interval and the number of labels it rests on. A figure resting on no labels is
None, never NaN, so that it serialises to JSON ``null``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

__all__ = ["Estimate", "estimate_proportion", "wilson_interval"]


@dataclass(frozen=True)
class Estimate:
    """A proportion, its interval and the number of labels it rests on.

    ``estimate``, ``ci_low`` and ``ci_high`` are None when ``n`` is 0.
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        """``{"estimate", "ci_low", "ci_high", "n"}``, ready for JSON."""
        return asdict(self)


def wilson_interval(successes, n, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int or array-like of int
        Number of successes.
    n : int or array-like of int
        Number of trials; broadcast against ``successes``.
    confidence : float, default=0.95
        Two-sided coverage of the interval.

    Returns
    -------
    low, high : float or None, or numpy.ndarray
        For scalar input, two floats in [0, 1], or ``(None, None)`` when ``n``
        is 0. For array input, two float arrays, NaN where ``n`` is 0.

    Raises
    ------
    ValueError
        If ``n`` is negative, ``successes`` is outside [0, n], or
        ``confidence`` is outside (0, 1).

    Notes
    -----
    Wilson (1927), J. Am. Stat. Assoc. 22(158):209. Unlike the Wald interval it
    stays inside [0, 1] and keeps close to its nominal coverage at small ``n``
    and at proportions near 0 or 1 (Brown, Cai and DasGupta 2001, Stat. Sci.
    16(2):101).

    Examples
    --------
    >>> low, high = wilson_interval(45, 50)
    >>> round(low, 3), round(high, 3)
    (0.786, 0.957)
    >>> wilson_interval(0, 0)
    (None, None)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(m < 0):
        raise ValueError(f"n must be >= 0, got {n}")
    if np.any(k < 0) or np.any(k > m):
        raise ValueError(f"successes must be between 0 and n, got successes={successes}, n={n}")
    z = norm.ppf(0.5 + confidence / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / m
        denominator = 1.0 + z**2 / m
        centre = (p + z**2 / (2.0 * m)) / denominator
        half = z * np.sqrt(p * (1.0 - p) / m + z**2 / (4.0 * m**2)) / denominator
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    # Exact at the edges: no successes cannot rule out 0, all successes cannot rule out 1.
    low = np.where(k == 0, 0.0, low)
    high = np.where(k == m, 1.0, high)
    low = np.where(m == 0, np.nan, low)
    high = np.where(m == 0, np.nan, high)
    if scalar:
        if m == 0:
            return None, None
        return float(low), float(high)
    return low, high


def estimate_proportion(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """A proportion with its Wilson interval, e.g. a dispute rate.

    Parameters
    ----------
    successes : int
        Items with the property (disputed, correct, ...).
    n : int
        Items observed.
    confidence : float, default=0.95
        Two-sided coverage of the interval.

    Returns
    -------
    Estimate
        Nulls when ``n`` is 0.

    Examples
    --------
    >>> estimate_proportion(3, 120).n
    120
    """
    successes, n = int(successes), int(n)
    low, high = wilson_interval(successes, n, confidence)
    return Estimate(estimate=successes / n if n else None, ci_low=low, ci_high=high, n=n)
