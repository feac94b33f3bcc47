"""One arm's evidence summed per unit of randomisation, and the design effect the tests divide by.

An A/B test assigns arms per unit (a user, an account), and one unit often sends
many predictions. Its predictions go together: a user the model suits gets most of
them right. Counting them as independent trials makes every test too sure of
itself (with 20 predictions per unit and per-unit accuracy spread with a standard
deviation of 10 points, an equally good challenger "wins" in about 21% of
experiments). The tests in :mod:`feedback.experiments.stats` and
:mod:`feedback.experiments.sequential` therefore work on :class:`UnitSums`:
per arm the successes ``x``, the trials ``n``, the units ``k`` and the design
effect ``d``, by which the binomial variance is multiplied.

The design effect is the cluster-robust (delta-method, or sandwich) variance of
the ratio estimator ``p = x / n`` over its binomial variance:

``d = [k / (k - 1) * sum_i (x_i - p n_i)**2 / n**2] / [p (1 - p) / (n - 1)]``,

where ``x_i`` and ``n_i`` are unit ``i``'s successes and trials. Both variances
carry their small-sample factor, so with one trial per unit ``d`` is exactly 1 and
every test is the classical one. ``d`` is never taken below 1 (a unit's trials are
never worth more than independent ones); with a single unit it is ``n`` (the unit
counts once); with no variation at all (every trial a success, or none) it is 1.
Dividing the counts by ``d`` gives Rao and Scott's (1992, Biometrics 48:577)
effective sample sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["UnitSums", "cumulative_unit_sums", "unit_sums"]


@dataclass(frozen=True)
class UnitSums:
    """An arm's counts summed per unit, reduced to what the tests need.

    Attributes
    ----------
    successes, trials : float or ndarray
        Totals over the arm's units.
    units : float or ndarray
        Units with at least one trial.
    design_effect : float or ndarray
        The factor (>= 1) by which the arm's binomial variance is multiplied;
        see the module docstring.

    Examples
    --------
    >>> arm = unit_sums([18, 12, 19, 9], [20, 20, 20, 20])
    >>> arm.successes, arm.trials, arm.units, round(arm.design_effect, 2)
    (58.0, 80.0, 4.0, 5.7)
    """

    successes: float | np.ndarray
    trials: float | np.ndarray
    units: float | np.ndarray
    design_effect: float | np.ndarray

    @classmethod
    def independent(cls, successes, trials) -> UnitSums:
        """Counts whose every trial is its own unit (design effect 1): the classical tests."""
        successes, trials = np.broadcast_arrays(np.asarray(successes, float), np.asarray(trials, float))
        return cls(successes, trials, trials, np.ones_like(trials))

    def at(self, index) -> UnitSums:
        """The sums at one position of their arrays (one look, one experiment)."""
        return UnitSums(*(np.asarray(value)[index] for value in vars(self).values()))


def unit_sums(successes, trials, *, axis: int = -1) -> UnitSums:
    """Reduce per-unit successes and trials to an arm's :class:`UnitSums`.

    Parameters
    ----------
    successes, trials : array-like of int
        Each unit's successes and trials, units along ``axis``; other axes hold
        looks or experiments and are kept. A unit with 0 trials is absent (pad
        arms of unequal size with zeros).
    axis : int, default=-1
        The axis of units.

    Returns
    -------
    UnitSums
        Floats for one-dimensional input; arrays over the other axes otherwise.

    Raises
    ------
    ValueError
        If the arrays do not broadcast, hold non-whole or negative numbers, or a
        unit has more successes than trials.
    """
    y, m = _check_units(successes, trials)
    y, m = np.moveaxis(y, axis, -1), np.moveaxis(m, axis, -1)
    moments = [y.sum(-1), m.sum(-1), (m > 0).sum(-1), (y * y).sum(-1), (y * m).sum(-1), (m * m).sum(-1)]
    return _from_moments(*moments)


def cumulative_unit_sums(units, times, successes, trials, looks) -> UnitSums:
    """An arm's :class:`UnitSums` at each look, from a stream of per-unit events.

    Each event adds ``successes`` and ``trials`` to its unit at its time (a batch
    of predictions served, a dispute, an expert label). The sums at a look take
    in every event up to and including it, in O(events) without building the
    per-unit table of every look.

    Parameters
    ----------
    units : array-like
        The unit of each event (any hashable ids).
    times : array-like of datetime64 or numbers
        When each event happened.
    successes, trials : array-like of int
        What each event adds to its unit.
    looks : array-like, sorted
        The times of the looks, comparable with ``times``.

    Returns
    -------
    UnitSums
        Arrays with one element per look.
    """
    looks = np.asarray(looks)
    times = np.asarray(times)
    if times.size == 0:
        zeros = np.zeros(len(looks))
        return _from_moments(zeros, zeros, zeros, zeros, zeros, zeros)
    order = np.argsort(times, kind="stable")
    codes = pd.factorize(units if isinstance(units, pd.Series) else pd.Series(np.asarray(units, dtype=object)))[0][
        order
    ]
    y, m = (np.asarray(values, dtype=np.float64)[order] for values in (successes, trials))
    y_before = pd.Series(y).groupby(codes).cumsum().to_numpy() - y
    m_before = pd.Series(m).groupby(codes).cumsum().to_numpy() - m
    increments = np.stack(
        [
            y,
            m,
            (m_before == 0) & (m > 0),
            2 * y_before * y + y * y,
            y_before * m + m_before * y + y * m,
            2 * m_before * m + m * m,
        ]
    )
    totals = np.concatenate([np.zeros((6, 1)), np.cumsum(increments, axis=1)], axis=1)
    at = np.searchsorted(times[order], looks, side="right")
    return _from_moments(*totals[:, at])


def _check_units(successes, trials) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit arrays as validated floats, or a ValueError naming the problem."""
    try:
        y, m = np.broadcast_arrays(np.asarray(successes, float), np.asarray(trials, float))
    except (TypeError, ValueError):
        raise ValueError("Per-unit successes and trials must be numeric arrays of shapes that broadcast.") from None
    for name, values in (("successes", y), ("trials", m)):
        if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)) or np.any(values < 0):
            raise ValueError(f"Per-unit {name} must be whole numbers >= 0.")
    if np.any(y > m):
        raise ValueError("A unit has more successes than trials.")
    return y, m


def _from_moments(x, n, k, syy, sym, smm) -> UnitSums:
    """UnitSums from the totals, the unit count and the second moments of the per-unit sums."""
    x, n, k, syy, sym, smm = (np.asarray(v, dtype=np.float64) for v in (x, n, k, syy, sym, smm))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / n, 0.0)
        spread = np.maximum(syy - 2 * p * sym + p * p * smm, 0.0)  # sum_i (x_i - p n_i)**2
        cluster = k / (k - 1) * spread / (n * n)
        binomial = p * (1 - p) / (n - 1)
        deff = np.where(binomial > 0, cluster / binomial, 1.0)
    deff = np.where(k >= 2, np.maximum(deff, 1.0), np.maximum(n, 1.0))
    deff = np.where((p > 0) & (p < 1), deff, 1.0)
    values = (x, n, k, deff)
    if x.ndim == 0:
        values = tuple(float(v) for v in values)
    return UnitSums(*values)
