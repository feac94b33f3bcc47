"""The drift verdict of every column for many (reference, window) pairs at once.

A pair is a pair of row weights over one pool of rows: how many times each row
counts in the reference and in the window. The null draws of
:mod:`feedback.monitor.drift_null` are such pairs (disjoint splits or bootstrap
counts of the reference's rows), and so is a real reference with a batch of
windows stacked under it. Each column gets the test :func:`column_drift` would
give it, with the same statistic and threshold, computed for all pairs with a
few array operations per column, with a score of how strongly: sorted cumulative weights give the empirical
distribution functions (KS, Wasserstein), summed weights per category give the
frequencies (chi-squared, Z, Jensen-Shannon). The verdicts equal
:func:`~feedback.monitor.drift.column_drift`'s (tests/unit/feedback/monitor/
test_drift_null.py checks it).

The Z test is computed as the chi-squared test of the 2 x 2 table, which is
the same test (the pooled Z squared is that chi-squared statistic). The exact
KS p-value is a step function of the statistic, so its 5% critical value is
found once per pair of sample sizes, with scipy's own ``ks_2samp`` on samples
built to have each possible statistic.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special, stats

from feedback.monitor.drift import (
    DISTANCE_THRESHOLD,
    FEW_VALUES,
    KS_EXACT_MAX_PRODUCT,
    P_VALUE_THRESHOLD,
    WASSERSTEIN_MIN_STD,
    choose_test,
    column_kind,
    is_missing,
    numbers_or_nan,
)

__all__ = ["PooledColumn", "drift_verdicts", "non_missing", "pool_columns", "window_verdicts"]

_CONTINUOUS = ("ks", "wasserstein")


@dataclass(frozen=True)
class PooledColumn:
    """One column of the pool, ready for :func:`drift_verdicts`.

    ``values`` are floats with NaN for missing values when ``test`` is "ks" or
    "wasserstein", otherwise category codes with -1 for missing values.
    """

    name: str
    test: str
    values: np.ndarray


def pool_columns(
    pool: pd.DataFrame,
    columns: Sequence[str],
    kinds: Mapping[str, str] | None,
    n_reference: int | Mapping[str, int],
) -> list[PooledColumn]:
    """The pool's columns, each with the test :func:`column_drift` chooses for it.

    Parameters
    ----------
    pool : pandas.DataFrame
        The rows that weights will point into.
    columns : sequence of str
        Columns to test.
    kinds : mapping of str to {"numeric", "categorical"} or None
        Kind per column; columns not named are inferred from their dtype.
    n_reference : int or mapping of str to int
        Non-missing reference values per column (or one count for all): at
        most 1,000 means p-value tests, more means distances. Unique values
        are counted over the whole pool.

    Returns
    -------
    list of PooledColumn
    """
    kinds = dict(kinds or {})
    out = []
    for name in columns:
        series = pool[name].reset_index(drop=True)
        kind = column_kind(series, kinds.get(name))
        if kind == "numeric":
            values = numbers_or_nan(series, "reference")
            n_values = len(np.unique(values[~np.isnan(values)]))
        else:
            codes, uniques = pd.factorize(series.where(~is_missing(series)), use_na_sentinel=True)
            values, n_values = codes.astype(np.int64), len(uniques)
        rows = n_reference[name] if isinstance(n_reference, Mapping) else n_reference
        test = choose_test(rows, kind == "numeric" and n_values > FEW_VALUES, n_values)
        if test not in _CONTINUOUS and kind == "numeric":
            codes, _ = pd.factorize(pd.Series(values), use_na_sentinel=True)
            values = codes.astype(np.int64)
        out.append(PooledColumn(str(name), test, values))
    return out


def drift_verdicts(
    columns: Sequence[PooledColumn], reference_weights, current_weights
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each column drifted, and how strongly, for each pair of row weights.

    Parameters
    ----------
    columns : sequence of PooledColumn
        From :func:`pool_columns`.
    reference_weights, current_weights : array-like of shape (n_pairs, n_pool)
        Non-negative integer counts: how many times each pool row is in the
        reference and in the window of each pair.

    Returns
    -------
    flags : numpy.ndarray of bool, shape (n_pairs, n_columns)
        The verdict of each column's test; False where a side has no value.
    scores : numpy.ndarray of float, shape (n_pairs, n_columns)
        Each test's statistic in units of its threshold (the KS statistic over
        its 5% critical value, the chi-squared statistic over its 95th
        percentile, the distance over 0.1): about 1 where the verdict turns,
        0 where a side has no value.
    """
    ref_w = np.asarray(reference_weights, dtype=float)
    cur_w = np.asarray(current_weights, dtype=float)
    if ref_w.ndim != 2 or ref_w.shape != cur_w.shape:
        raise ValueError(f"weights must be two arrays of the same 2-D shape, got {ref_w.shape} and {cur_w.shape}")
    flags = np.zeros((ref_w.shape[0], len(columns)), dtype=bool)
    scores = np.zeros(flags.shape)
    sizes = ref_w.sum(axis=1), cur_w.sum(axis=1)
    signed = None  # one weight difference for every column without missing values
    for k, column in enumerate(columns):
        if column.test in _CONTINUOUS:
            complete = not np.isnan(column.values).any()
            if complete and signed is None:
                signed = _signed_weights(ref_w, cur_w, *sizes)
            flags[:, k], scores[:, k] = _continuous(column, ref_w, cur_w, signed if complete else None, sizes)
        else:
            flags[:, k], scores[:, k] = _categorical(column, ref_w, cur_w)
    return flags, scores


def window_verdicts(
    reference_df: pd.DataFrame, current_df: pd.DataFrame, columns: Sequence[str], kinds: Mapping[str, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`drift_verdicts` of one window against its reference: flags and scores of shape (n_columns,)."""
    kinds = dict(kinds or {})
    n_valid = {name: non_missing(reference_df[name], kinds.get(name)) for name in columns}
    pool = pd.concat([reference_df[list(columns)], current_df[list(columns)]], ignore_index=True)
    pooled = pool_columns(pool, columns, kinds, n_valid)
    on_reference = (np.arange(len(pool)) < len(reference_df)).astype(float)[None, :]
    flags, scores = drift_verdicts(pooled, on_reference, 1.0 - on_reference)
    return flags[0], scores[0]


def non_missing(values: pd.Series, kind: str | None) -> int:
    """Values a column has once missing ones are dropped, as :func:`column_drift` counts them."""
    values = values.reset_index(drop=True)
    if column_kind(values, kind) == "numeric":
        return int(np.count_nonzero(~np.isnan(numbers_or_nan(values, "reference"))))
    return int(np.count_nonzero(~is_missing(values)))


# --- private helpers ------------------------------------------------------------------------------------


def _signed_weights(ref_w: np.ndarray, cur_w: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Each row's step in F_reference - F_current (0 for pairs with an empty side)."""
    tested = (n1 > 0) & (n2 > 0)
    return ref_w / np.where(tested, n1, 1.0)[:, None] - cur_w / np.where(tested, n2, 1.0)[:, None]


def _continuous(
    column: PooledColumn,
    ref_w: np.ndarray,
    cur_w: np.ndarray,
    signed: np.ndarray | None,
    sizes: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """KS (p < 0.05) or normalised Wasserstein (>= 0.1) from the weighted empirical distributions, and scores.

    ``signed`` is :func:`_signed_weights` when the column has no missing value
    (so every column shares it), else None and it is computed on the column's rows.
    """
    valid = np.flatnonzero(~np.isnan(column.values))
    order = valid[np.argsort(column.values[valid], kind="stable")]
    x = column.values[order]
    a = ref_w[:, order]
    if signed is None:
        b = cur_w[:, order]
        n1, n2 = a.sum(axis=1), b.sum(axis=1)
        steps = _signed_weights(a, b, n1, n2)
    else:
        (n1, n2), steps = sizes, signed[:, order]
    tested = (n1 > 0) & (n2 > 0)
    if not tested.any() or len(x) < 2:
        return np.zeros(len(n1), dtype=bool), np.zeros(len(n1))
    gaps = np.diff(x)
    gap_cdf = np.abs(np.cumsum(steps[:, :-1], axis=1))
    if column.test == "wasserstein":
        centred = x - x.mean()
        n1s = np.where(tested, n1, 1.0)
        mean = a @ centred / n1s
        std = np.sqrt(np.maximum(a @ centred**2 / n1s - mean**2, 0.0))
        distance = np.where(tested, gap_cdf @ gaps / np.maximum(std, WASSERSTEIN_MIN_STD), 0.0)
        return tested & (distance >= DISTANCE_THRESHOLD), distance / DISTANCE_THRESHOLD
    d = np.where(gaps > 0, gap_cdf, 0.0).max(axis=1)
    rejects, critical = _ks_rejects(d, n1, n2)
    return tested & rejects, np.where(tested, d / critical, 0.0)


def _ks_rejects(d: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each KS p-value is below 0.05, as :func:`column_drift` computes it, and the critical statistic."""
    out, critical = np.zeros(len(d), dtype=bool), np.ones(len(d))
    pairs = np.stack([n1, n2], axis=1).astype(np.int64)
    for size_1, size_2 in np.unique(pairs[(pairs > 0).all(axis=1)], axis=0):
        rows = (pairs[:, 0] == size_1) & (pairs[:, 1] == size_2)
        if size_1 * size_2 <= KS_EXACT_MAX_PRODUCT:
            lcm = math.lcm(int(size_1), int(size_2))
            step = _ks_critical_step(int(size_1), int(size_2))
            out[rows], critical[rows] = np.rint(d[rows] * lcm) >= step, step / lcm
        else:
            critical[rows] = _ks_asymptotic_critical(int(np.round(size_1 * size_2 / (size_1 + size_2))))
            out[rows] = d[rows] > critical[rows]
    return out, critical


@lru_cache(maxsize=4096)
def _ks_asymptotic_critical(en: int) -> float:
    """The statistic above which scipy's asymptotic KS p-value (``kstwo.sf(d, en)``) is below 0.05."""
    return float(stats.kstwo.isf(P_VALUE_THRESHOLD, en))


@lru_cache(maxsize=4096)
def _ks_critical_step(n1: int, n2: int) -> int:
    """The smallest statistic (in steps of 1 / lcm(n1, n2)) whose KS p-value is below 0.05.

    The statistic is |i / n1 - j / n2| for counts i <= n1, j <= n2; the p-value
    falls as it grows, so a bisection over the possible values finds the step,
    each p-value being scipy's ``ks_2samp`` on two samples of 0s and 1s built to
    have that statistic. Returns lcm + 1 when no statistic reaches 0.05.
    """
    lcm = math.lcm(n1, n2)
    steps = np.abs(np.arange(n1 + 1)[:, None] * (lcm // n1) - np.arange(n2 + 1)[None, :] * (lcm // n2))
    values, first = np.unique(steps, return_index=True)
    low, high = 0, len(values)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning)
        while low < high:
            mid = (low + high) // 2
            i, j = divmod(int(first[mid]), n2 + 1)
            x, y = np.repeat([0.0, 1.0], [i, n1 - i]), np.repeat([0.0, 1.0], [j, n2 - j])
            if stats.ks_2samp(x, y, method="auto").pvalue < P_VALUE_THRESHOLD:
                high = mid
            else:
                low = mid + 1
    return int(values[low]) if low < len(values) else lcm + 1


def _categorical(column: PooledColumn, ref_w: np.ndarray, cur_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chi-squared or Z (p < 0.05) or Jensen-Shannon (>= 0.1) from the weighted category counts, and scores."""
    valid = np.flatnonzero(column.values >= 0)
    order = valid[np.argsort(column.values[valid], kind="stable")]
    if len(order) == 0:
        return np.zeros(ref_w.shape[0], dtype=bool), np.zeros(ref_w.shape[0])
    codes = column.values[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    r = np.add.reduceat(ref_w[:, order], starts, axis=1)
    c = np.add.reduceat(cur_w[:, order], starts, axis=1)
    n1, n2 = r.sum(axis=1), c.sum(axis=1)
    tested = (n1 > 0) & (n2 > 0)
    n1s, n2s = np.where(tested, n1, 1.0)[:, None], np.where(tested, n2, 1.0)[:, None]
    if column.test == "jensenshannon":
        p, q = r / n1s, c / n2s
        middle = (p + q) / 2.0
        js = special.rel_entr(p, middle).sum(axis=1) + special.rel_entr(q, middle).sum(axis=1)
        distance = np.where(tested, np.sqrt(np.maximum(js, 0.0) / 2.0), 0.0)
        return tested & (distance >= DISTANCE_THRESHOLD), distance / DISTANCE_THRESHOLD
    totals = r + c
    present = totals > 0
    share = np.where(present, totals, 1.0) / (n1s + n2s)
    expected_r, expected_c = n1s * share, n2s * share
    chi2 = np.where(present, (r - expected_r) ** 2 / expected_r + (c - expected_c) ** 2 / expected_c, 0.0).sum(axis=1)
    dof = present.sum(axis=1) - 1
    p_value = np.where(dof > 0, stats.chi2.sf(chi2, np.maximum(dof, 1)), 1.0)
    score = np.where(tested & (dof > 0), chi2 / stats.chi2.isf(P_VALUE_THRESHOLD, np.maximum(dof, 1)), 0.0)
    return tested & (p_value < P_VALUE_THRESHOLD), score
