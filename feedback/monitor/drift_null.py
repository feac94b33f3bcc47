"""What the drift tests flag by chance: the null distribution of the count of drifted columns.

Evidently's dataset rule (half the columns drifted) is not a calibrated test.
Its per-column tests are correlated when the features are, so their verdicts
come in bunches; and above 1,000 reference rows the normalised Wasserstein
distance at 0.1 flags a share of unshifted columns that depends on the window
size (most columns of a 50-row window). Measured on null streams, the rule
fired in 8-23% of 300-row windows with correlated features and in 90-100% of
50- to 100-row windows against 3,000 reference rows.

:func:`drift_null` measures instead how many columns the same tests flag when
nothing has drifted: it draws ``n_draws`` (200) pairs of a pseudo-reference and
a pseudo-window from the reference rows themselves, whole rows at a time (so
the features keep their correlation), and tests every column of each pair with
:func:`~feedback.monitor.drift_draws.drift_verdicts`, vectorised. The draws honour
both sides' sampling noise:

- reference of 1,000 rows or fewer (p-value tests, whose 5% per column holds at
  any sizes): the reference is split at random into a pseudo-window of
  ``min(n_current, n_reference // 2)`` rows and a pseudo-reference of the rest,
  disjoint, so no row counts twice (bootstrap ties would make the KS test
  quieter than on real data);
- larger references (distances, whose noise depends on both sizes): a
  pseudo-reference of ``n_reference`` rows and a pseudo-window of
  ``n_current`` rows, drawn independently with replacement from at most
  ``max_pool_rows`` (2,000) reference rows, sampled without replacement with
  ``random_state`` when the reference is larger. The distances' noise is set
  by the two sample sizes, not by the pool's, so the subsample bounds the time
  (a few milliseconds per column, whatever the reference's size) at a small
  cost in precision.

A window is judged by its count of drifted columns, ties broken by its
strength (the sum over columns of each test's statistic in units of its
threshold), with the Monte Carlo p-value ``(1 + #{draws with more drifted
columns, or as many and at least the same strength}) / (n_draws + 1)``; the
dataset alarm needs it at most ``alpha`` (5%), which holds the null alarm
rate at ``alpha`` (counts alone are lumpy: with 10 columns that chance flags
in most 50-row windows, no count would be rare enough, and a shift of one
standard deviation in every column could never alarm). ``critical_count`` is
the smallest count rare enough whatever its strength.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from feedback.monitor.drift import SMALL_REFERENCE_ROWS
from feedback.monitor.drift_draws import drift_verdicts, non_missing, pool_columns

__all__ = ["ALPHA", "MAX_NULL_POOL_ROWS", "N_NULL_DRAWS", "DriftNull", "drift_null"]

ALPHA = 0.05
N_NULL_DRAWS = 200
MAX_NULL_POOL_ROWS = 2_000


@dataclass(frozen=True)
class DriftNull:
    """How many columns the drift tests flag, and how strongly, on windows drawn from the reference itself.

    Attributes
    ----------
    flags : numpy.ndarray of bool, shape (n_draws, n_columns)
        Which columns drifted in each null draw.
    scores : numpy.ndarray of float, shape (n_draws, n_columns)
        Each column's statistic in units of its threshold, in each null draw.
    columns : tuple of str
        The columns, in the order of ``flags``.
    n_reference, n_current : int
        The sizes the null was drawn for.
    n_pool : int
        Reference rows the draws were taken from.
    draws : {"split", "bootstrap"}
        Disjoint splits of the reference, or independent draws with replacement.
    alpha : float
        The dataset alarm's false-alarm rate.

    The methods take ``columns``, the columns a window could test (all by
    default): a column the window has no value for is left out of the count.
    """

    flags: np.ndarray = field(repr=False)
    scores: np.ndarray = field(repr=False)
    columns: tuple[str, ...]
    n_reference: int
    n_current: int
    n_pool: int
    draws: str
    alpha: float = ALPHA

    @property
    def n_draws(self) -> int:
        """Null draws."""
        return len(self.flags)

    @property
    def column_rates(self) -> dict[str, float]:
        """Share of the null draws in which each column drifted: its false-alarm rate."""
        return {name: float(rate) for name, rate in zip(self.columns, self.flags.mean(axis=0), strict=True)}

    def counts(self, columns: Sequence[str] | None = None) -> np.ndarray:
        """Drifted columns among ``columns`` in each null draw."""
        return self.flags[:, self._positions(columns)].sum(axis=1)

    def _positions(self, columns: Sequence[str] | None) -> list[int] | slice:
        if columns is None:
            return slice(None)
        position = {name: k for k, name in enumerate(self.columns)}
        return [position[str(name)] for name in columns]

    def strengths(self, columns: Sequence[str] | None = None) -> np.ndarray:
        """Sum of the scores of ``columns`` in each null draw."""
        return self.scores[:, self._positions(columns)].sum(axis=1)

    def expected_count(self, columns: Sequence[str] | None = None) -> float:
        """Columns flagged by chance, on average."""
        return float(np.mean(self.counts(columns)))

    def p_value(self, n_drifted, strength=0.0, columns: Sequence[str] | None = None):
        """``(1 + #{draws with more drifted columns, or as many and strength or more}) / (n_draws + 1)``.

        ``n_drifted`` and ``strength`` may be arrays (one window each): the
        result is then an array. The default strength 0 counts every draw with
        as many drifted columns.
        """
        counts, strengths = self.counts(columns), self.strengths(columns)
        k, s = np.asarray(n_drifted)[..., None], np.asarray(strength, dtype=float)[..., None]
        beyond = (counts > k) | ((counts == k) & (strengths >= s))
        p = (1 + np.count_nonzero(beyond, axis=-1)) / (self.n_draws + 1)
        return float(p) if np.ndim(p) == 0 else p

    def critical_count(self, columns: Sequence[str] | None = None) -> int:
        """The fewest drifted columns whose p-value is at most ``alpha`` whatever their strength; columns + 1
        when none is."""
        counts = np.sort(self.counts(columns))
        n_columns = len(self.columns if columns is None else columns)
        for k in range(1, n_columns + 1):
            at_least = len(counts) - np.searchsorted(counts, k, side="left")
            if (1 + at_least) / (self.n_draws + 1) <= self.alpha:
                return k
        return n_columns + 1

    def to_dict(self, columns: Sequence[str] | None = None) -> dict[str, Any]:
        """``{"expected_drifted", "expected_share", "critical_count", "alpha", "n_draws", "draws",
        "n_pool", "n_reference", "n_current"}`` over ``columns``."""
        expected = self.expected_count(columns)
        return {
            "expected_drifted": expected,
            "expected_share": expected / max(len(self.columns if columns is None else columns), 1),
            "critical_count": self.critical_count(columns),
            "alpha": self.alpha,
            "n_draws": self.n_draws,
            "draws": self.draws,
            "n_pool": self.n_pool,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
        }


def drift_null(
    reference_df: pd.DataFrame,
    n_current: int,
    kinds: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
    *,
    n_draws: int = N_NULL_DRAWS,
    alpha: float = ALPHA,
    max_pool_rows: int = MAX_NULL_POOL_ROWS,
    random_state=0,
) -> DriftNull:
    """The drifted columns, and their scores, on windows of ``n_current`` rows that did not drift.

    Parameters
    ----------
    reference_df : pandas.DataFrame
        The reference data.
    n_current : int
        Rows of the windows to be judged.
    kinds : mapping of str to {"numeric", "categorical"}, default=None
        Kind per column; columns not named are inferred from their dtype.
    columns : sequence of str, default=None
        Columns to test; None means every column of ``reference_df``.
    n_draws : int, default=200
        Null draws; at least ``1 / alpha - 1`` so that an alarm is possible.
    alpha : float, default=0.05
        The false-alarm rate of the dataset decision.
    max_pool_rows : int, default=2000
        References larger than this (in the bootstrap regime) are subsampled to
        this many rows to draw from, which bounds the time.
    random_state : int, numpy.random.RandomState or None, default=0
        Seeds the draws: the same reference and size give the same null.

    Returns
    -------
    DriftNull

    Raises
    ------
    ValueError
        If the reference has fewer than 2 rows, ``n_current`` is below 1,
        ``alpha`` is outside (0, 1) or ``n_draws`` too small for it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = rng.normal(size=(3000, 1))
    >>> ref = pd.DataFrame(0.9 * common + 0.44 * rng.normal(size=(3000, 8))).add_prefix("x")
    >>> null = drift_null(ref, 50)
    >>> null.draws, null.expected_count() > 4, null.critical_count()
    ('bootstrap', True, 9)
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if n_draws + 1 < 1.0 / alpha:
        raise ValueError(f"n_draws must be at least {int(np.ceil(1.0 / alpha)) - 1} for alpha {alpha}, got {n_draws}")
    if n_current < 1:
        raise ValueError(f"n_current must be at least 1, got {n_current}")
    n_reference = len(reference_df)
    if n_reference < 2:
        raise ValueError(f"the reference needs at least 2 rows to draw a null from, got {n_reference}")
    names = list(reference_df.columns if columns is None else columns)
    rng = check_random_state(random_state)
    kinds = dict(kinds or {})
    n_valid = {name: non_missing(reference_df[name], kinds.get(name)) for name in names}
    pool = reference_df
    if n_reference > SMALL_REFERENCE_ROWS and n_reference > max_pool_rows:
        pool = reference_df.iloc[np.sort(rng.choice(n_reference, max_pool_rows, replace=False))]
    pooled = pool_columns(pool, names, kinds, n_valid)
    if n_reference <= SMALL_REFERENCE_ROWS:
        draws = "split"
        n_window = min(n_current, n_reference // 2)
        order = rng.random((n_draws, n_reference)).argsort(axis=1)
        rows = np.arange(n_draws)[:, None]
        ref_w, cur_w = np.ones((n_draws, n_reference)), np.zeros((n_draws, n_reference))
        ref_w[rows, order[:, :n_window]] = 0.0
        cur_w[rows, order[:, :n_window]] = 1.0
    else:
        draws = "bootstrap"
        uniform = np.full(len(pool), 1.0 / len(pool))
        ref_w = rng.multinomial(n_reference, uniform, size=n_draws).astype(float)
        cur_w = rng.multinomial(n_current, uniform, size=n_draws).astype(float)
    flags, scores = drift_verdicts(pooled, ref_w, cur_w)
    return DriftNull(
        flags=flags,
        scores=scores,
        columns=tuple(column.name for column in pooled),
        n_reference=n_reference,
        n_current=int(n_current),
        n_pool=len(pool),
        draws=draws,
        alpha=alpha,
    )
