"""How many audit labels the next gate needs: its power, computed exactly, and the forecast built on it.

The gate promotes when the challenger's accuracy gain exceeds ``min_gain`` and McNemar's
mid-p is below the gate's level (:mod:`active_learning.gate_sequence`). On ``n`` audit items,
with the two models disagreeing on a share ``d`` of items and the challenger truly better by
``g``, the discordant count is ``M ~ Bin(n, d)`` and, given ``M = m``, the items only the
challenger gets right are ``B ~ Bin(m, (d + g) / (2 d))``. The power is the probability of
the rejection region under that law, summed exactly over every ``m`` that carries mass.
The forecast plugs in the discordance observed on the audit items so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from active_learning.gate_sequence import midp_value

__all__ = ["DEFAULT_GAIN", "TARGET_POWER", "AuditForecast", "forecast_audit_labels", "forecast_gain", "gate_power"]

DEFAULT_GAIN = 0.02  # the gain a forecast assumes above max(min_gain, 0)
TARGET_POWER = 0.8
MAX_LABELS = 1_000_000  # beyond this, the forecast says "out of reach"


def forecast_gain(min_gain: float) -> float:
    """The true gain a forecast assumes: ``max(min_gain, 0) + DEFAULT_GAIN``.

    At a true gain of exactly ``min_gain`` the estimate exceeds ``min_gain`` only half
    the time, so 80% power is out of reach there; the forecast aims 2 points above it.
    """
    return max(min_gain, 0.0) + DEFAULT_GAIN


def _largest_passing_k(m: np.ndarray, level: float) -> np.ndarray:
    """For each discordant count ``m``, the largest smaller count ``k`` whose mid-p is below ``level`` (-1: none)."""
    k0 = binom.ppf(level / 2, m, 0.5)  # smallest k with P(X <= k) >= level / 2; mid-p passes at k0 or k0 - 1
    return np.where(midp_value(k0, m - k0) < level, k0, k0 - 1)


def gate_power(n: int, discordance: float, gain: float, level: float, min_gain: float = 0.0) -> float:
    """Probability that the gate's accuracy rule promotes on ``n`` audit items, computed exactly.

    Parameters
    ----------
    n : int
        Audit items the gate will score both models on.
    discordance : float
        Share of items exactly one of the two models gets right, in (0, 1].
    gain : float
        The challenger's true accuracy gain; ``abs(gain) <= discordance``.
    level : float
        The gate's level.
    min_gain : float, default=0.0
        The policy's minimum gain on the estimate.

    Returns
    -------
    float
        ``P(gain estimate > min_gain and mid-p < level)``; with ``gain = 0`` this is the
        gate's false-promotion rate.
    """
    if not 0 < discordance <= 1 or abs(gain) > discordance:
        raise ValueError(f"need 0 < discordance <= 1 and |gain| <= discordance, got {discordance}, {gain}")
    lo, hi = binom.ppf([1e-12, 1 - 1e-12], n, discordance)
    m = np.arange(int(lo), int(hi) + 1)
    q = (discordance + gain) / (2 * discordance)
    k_max = _largest_passing_k(m, level)
    t = np.floor((m + n * min_gain) / 2) + 1  # estimate (2b - m) / n > min_gain  <=>  b >= t
    # rejection region: min(b, m - b) <= k_max, i.e. b >= m - k_max or b <= k_max; intersected with b >= t
    upper = binom.sf(np.maximum(m - k_max, t) - 1, m, q)
    lower = np.clip(binom.cdf(k_max, m, q) - binom.cdf(t - 1, m, q), 0.0, None)
    lower = np.where(t <= k_max, lower, 0.0)
    return float(np.sum(binom.pmf(m, n, discordance) * (upper + lower)))


@dataclass(frozen=True)
class AuditForecast:
    """The audit labels the next gate needs for ``power`` at an assumed gain, with its assumptions.

    Attributes
    ----------
    labels_needed : int or None
        Audit labels to add to the ``n`` already labelled; 0 when ``n`` already suffices;
        None when out of reach (see ``describe``).
    n : int
        Labelled audit items the two models were compared on.
    n_discordant : int
        Of those, the items exactly one of the two models got right.
    gain : float
        The true accuracy gain assumed.
    level : float
        The significance level of the next gate.
    gate : int
        The next gate's number against the current champion.
    min_gain : float
        The policy's minimum gain on the estimate.
    power : float
        The chance of promotion the forecast aims for.
    """

    labels_needed: int | None
    n: int
    n_discordant: int
    gain: float
    level: float
    gate: int
    min_gain: float = 0.0
    power: float = TARGET_POWER

    @property
    def discordance(self) -> float:
        """The observed share of audit items the two models disagree on (one right, one wrong)."""
        return self.n_discordant / self.n if self.n else 0.0

    def describe(self) -> str:
        """The forecast in one sentence, with every assumption it rests on."""
        assumptions = (
            f"assumes the next challenger disagrees with the champion on {self.discordance:.1%} of items "
            f"as this one does ({self.n_discordant} of {self.n} audit items), a true gain of {self.gain:+.1%} "
            f"(min_gain {self.min_gain:+.1%} plus {DEFAULT_GAIN:.0%}), no class losing recall, and "
            f"gate {self.gate} against this champion at level {self.level:.3g}"
        )
        if self.discordance < self.gain:
            return (
                f"No forecast: the two models disagree on {self.n_discordant} of {self.n} audit items "
                f"({self.discordance:.1%}), too few for a gain of {self.gain:+.1%}."
            )
        if self.labels_needed is None:
            return f"More than {MAX_LABELS:,} more audit labels would give {self.power:.0%} power ({assumptions})."
        if self.labels_needed == 0:
            return (
                f"The {self.n} audit items already give {self.power:.0%} power ({assumptions}): "
                "the challenger's true gain is probably smaller than that."
            )
        return (
            f"About {self.labels_needed:,} more audit labels ({self.n + self.labels_needed:,} in all) would give "
            f"the next gate {self.power:.0%} power to promote a challenger {self.gain:+.1%} better ({assumptions})."
        )


def forecast_audit_labels(
    n: int, n_discordant: int, *, level: float, gate: int, min_gain: float = 0.0, power: float = TARGET_POWER
) -> AuditForecast:
    """Forecast the audit labels the next gate needs from the discordance observed so far.

    Parameters
    ----------
    n : int
        Labelled audit items the two models were compared on (at least 1).
    n_discordant : int
        Of those, the items exactly one of the two got right.
    level : float
        The next gate's level (:func:`active_learning.gate_level`).
    gate : int
        The next gate's number against the current champion.
    min_gain : float, default=0.0
        The policy's minimum gain; the forecast assumes a true gain of :func:`forecast_gain`.
    power : float, default=0.8

    Returns
    -------
    AuditForecast
        The smallest total ``N >= n`` (within 0.5%, by bisection on the exact power of
        :func:`gate_power`) whose power reaches ``power``, as labels to add.
    """
    if n < 1:
        raise ValueError("a forecast needs at least one labelled audit item")
    gain = forecast_gain(min_gain)
    out = AuditForecast(None, n, n_discordant, gain, level, gate, min_gain, power)
    d = n_discordant / n
    if d < gain:
        return out

    def enough(total: int) -> bool:
        return gate_power(total, d, gain, level, min_gain) >= power

    if enough(n):
        return AuditForecast(0, n, n_discordant, gain, level, gate, min_gain, power)
    low, high = n, 2 * n
    while not enough(high):
        if high >= MAX_LABELS:
            return out
        low, high = high, min(2 * high, MAX_LABELS)
    while high - low > max(1, high // 200):  # to 0.5%: the forecast is "about" this many
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid, high)
    return AuditForecast(high - n, n, n_discordant, gain, level, gate, min_gain, power)
