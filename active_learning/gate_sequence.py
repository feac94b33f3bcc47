"""The gate's significance level across successive retrains, and its accuracy test.

Every retrain gates a new challenger against the same champion until one is promoted.
Testing each gate at ``alpha`` lets an equally good challenger through at least once in
about one sequence in five over 10 retrains. Gate ``k`` against one champion therefore
tests at ``alpha_k = alpha * 6 / (pi**2 * k**2)``: since ``sum(1 / k**2) = pi**2 / 6``,
the levels of all gates against one champion sum to at most ``alpha`` (a union bound),
so whatever the number of retrains, an equally good challenger is promoted at most
``alpha`` of the time over the whole sequence. The first gate keeps 61% of ``alpha``
(0.0304 at ``alpha = 0.05``); a promotion starts the count again for the new champion.

The test on each gate is McNemar's mid-p on the discordant items (Fagerland et al. 2013).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom

__all__ = ["LEVEL_RULE", "accuracy_test_passes", "gate_level", "level_rule", "midp_value"]

_SPEND = 6.0 / math.pi**2  # 1 / sum(1/k^2)

LEVEL_RULE = (
    "gate k against one champion tests at alpha·6/(π²k²), so all gates against that champion together "
    "promote an equally good challenger at most alpha of the time"
)


def gate_level(alpha: float, gate) -> float | np.ndarray:
    """The significance level of the ``gate``-th gate against one champion.

    Parameters
    ----------
    alpha : float
        The policy's level for the whole sequence of gates against one champion.
    gate : int or array-like of int
        1 for the first challenger gated against this champion, 2 for the next, ...

    Returns
    -------
    float or ndarray
        ``alpha * 6 / (pi**2 * gate**2)``; these sum to ``alpha`` over gates 1, 2, ...

    Examples
    --------
    >>> round(gate_level(0.05, 1), 4), round(gate_level(0.05, 4), 5)
    (0.0304, 0.0019)
    """
    k = np.asarray(gate)
    if np.any(k < 1):
        raise ValueError(f"gate numbers start at 1, got {gate}")
    level = alpha * _SPEND / k.astype(float) ** 2
    return float(level) if level.ndim == 0 else level


def level_rule(alpha: float, gate: int) -> str:
    """The gate's level in words, e.g. ``"gate 4 against this champion: level 0.0019 (...)"``."""
    return f"gate {gate} against this champion: level {gate_level(alpha, gate):.3g} (alpha {alpha:g}; {LEVEL_RULE})"


def midp_value(n_a_only, n_b_only) -> float | np.ndarray:
    """Two-sided McNemar mid-p from the discordant counts, vectorised.

    Parameters
    ----------
    n_a_only, n_b_only : int or array-like of int
        Items only model A got right, items only model B got right.

    Returns
    -------
    float or ndarray
        ``2 * (P(X <= k) - P(X = k) / 2)`` with ``X ~ Bin(b + c, 1/2)`` and
        ``k = min(b, c)``, capped at 1; 1.0 where there is no discordant item.
        It equals the exact McNemar p-value (``statsmodels``' ``mcnemar(exact=True)``)
        minus ``P(X = k)`` wherever that one is below 1.
    """
    a, b = np.asarray(n_a_only), np.asarray(n_b_only)
    n, k = a + b, np.minimum(a, b)
    p = 2.0 * (binom.cdf(k, n, 0.5) - 0.5 * binom.pmf(k, n, 0.5))
    p = np.where(n == 0, 1.0, np.minimum(1.0, p))
    return float(p) if p.ndim == 0 else p


def accuracy_test_passes(n_a_only, n_b_only, n, level, min_gain=0.0):
    """Whether the gate's accuracy rule says promote: gain above ``min_gain`` and mid-p below ``level``.

    Vectorised over runs, so simulations apply exactly the rule :func:`active_learning.decide` applies
    (before its per-class recall check).

    Parameters
    ----------
    n_a_only, n_b_only : int or array-like of int
        Audit items only the champion (A) got right, only the challenger (B) got right.
    n : int or array-like of int
        Audit items both were scored on.
    level : float or array-like
        This gate's level (:func:`gate_level`).
    min_gain : float, default=0.0
        The policy's minimum accuracy gain.

    Returns
    -------
    bool or ndarray of bool
    """
    a, b = np.asarray(n_a_only), np.asarray(n_b_only)
    gain = (b - a) / np.maximum(np.asarray(n), 1)
    passed = (gain > min_gain) & (midp_value(a, b) < level)
    return bool(passed) if np.ndim(passed) == 0 else passed
