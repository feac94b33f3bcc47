"""Feature drift of a window of production rows against a reference.

Evidently's default drift policy, computed with scipy (Evidently itself does not
import with pandas 3). For each column the test depends on the size of the
reference and on the column (Evidently,
``src/evidently/legacy/calculations/stattests/registry.py``):

=================  ==========================  ==================================  ===============
Reference rows     Column                      Test (``test`` name)                Drift if
=================  ==========================  ==================================  ===============
<= 1000            numeric, > 5 unique values  two-sample Kolmogorov-Smirnov       p < 0.05
                                               (``ks``)
<= 1000            categorical or <= 5 unique  chi-squared (``chisquare``) when    p < 0.05
                                               > 2 values, else two-proportion
                                               Z test (``z``)
> 1000             numeric, > 5 unique values  Wasserstein distance / std of the   >= 0.1
                                               reference (``wasserstein``)
> 1000             categorical or <= 5 unique  Jensen-Shannon distance of the      >= 0.1
                                               category frequencies
                                               (``jensenshannon``)
=================  ==========================  ==================================  ===============

Unique values are counted over reference and current together, ignoring
missing values. The dataset counts as drifted when the share of drifted columns
is ``drift_share`` (0.5) or more. Above 1,000 reference rows distances replace
p-values because p-values flag every tiny difference on big samples
(evidentlyai/evidently#50).

Missing values and infinities are dropped before testing, as Evidently does. A
column left with no value on either side cannot be tested: its statistic is
None, it does not drift, and it does not count towards the drifted share. A
constant reference column is handled by the same table: the same constant in
the current window never drifts, anything else does when the difference is
material.

One deliberate difference from Evidently: its ``chisquare`` is a goodness-of-fit
test that takes the reference frequencies as exact, which ignores the
reference's own sampling noise and so raises false alarms well above 5% when
the reference is small (at most 1,000 rows here by construction), and fails
when the current window holds a category the reference lacks. Here it is the
two-sample chi-squared test of homogeneity on the 2 x k contingency table
(``scipy.stats.chi2_contingency``), which has the stated 5% false-alarm rate
and handles new categories.

Know what the distances cost on small windows. Normalised Wasserstein at 0.1 is
not a calibrated test: on 300-row windows of an unshifted stream it flags about
one numeric column in five (the p-value tests flag their nominal one in twenty;
see tests/simulations/test_monitoring_simulation.py). The 50% column rule
keeps the dataset-level false-alarm rate low when there are several columns,
but with only one or two features, or windows much smaller than 300 rows, expect
dataset alarms on a stream that has not moved (evidentlyai/evidently#509, #710).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import stats
from scipy.spatial import distance

__all__ = [
    "DISTANCE_THRESHOLD",
    "DRIFT_SHARE",
    "P_VALUE_THRESHOLD",
    "SMALL_REFERENCE_ROWS",
    "ColumnDrift",
    "DatasetDrift",
    "column_drift",
    "dataset_drift",
]

SMALL_REFERENCE_ROWS = 1000  # at or below: p-value tests; above: distances
P_VALUE_THRESHOLD = 0.05
DISTANCE_THRESHOLD = 0.1
DRIFT_SHARE = 0.5
_FEW_VALUES = 5  # a numeric column with at most this many values is treated as categorical
_WASSERSTEIN_MIN_STD = 0.001  # Evidently's floor on the normalising std
_KINDS = ("numeric", "categorical")
_P_VALUE_TESTS = ("ks", "chisquare", "z")


@dataclass(frozen=True)
class ColumnDrift:
    """The drift test of one column.

    ``statistic`` is the drift score: a p-value for ``ks``, ``chisquare`` and
    ``z`` (drift when below ``threshold``), a distance for ``wasserstein`` and
    ``jensenshannon`` (drift when at or above ``threshold``). It is None when
    the column could not be tested (no value left on one side).
    """

    test: str
    statistic: float | None
    threshold: float
    drifted: bool
    n_reference: int
    n_current: int

    @property
    def tested(self) -> bool:
        """Whether the column had values on both sides to test."""
        return self.statistic is not None

    def to_dict(self) -> dict[str, Any]:
        """``{"test", "statistic", "drifted", "threshold", "n_reference", "n_current"}``."""
        return {
            "test": self.test,
            "statistic": self.statistic,
            "drifted": self.drifted,
            "threshold": self.threshold,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
        }


@dataclass(frozen=True)
class DatasetDrift:
    """Drift of every column and whether the dataset as a whole drifted."""

    share_drifted: float
    dataset_drifted: bool
    columns: dict[str, ColumnDrift] = field(default_factory=dict)
    drift_share: float = DRIFT_SHARE

    @property
    def n_drifted(self) -> int:
        """Columns that drifted."""
        return sum(c.drifted for c in self.columns.values())

    @property
    def n_tested(self) -> int:
        """Columns that had values on both sides to test."""
        return sum(c.tested for c in self.columns.values())

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the columns that drifted, in column order."""
        return [name for name, c in self.columns.items() if c.drifted]

    def to_dict(self) -> dict[str, Any]:
        """The monitor JSON shape, plus counts.

        ``{"share_drifted", "dataset_drifted", "drift_share", "n_columns",
        "n_tested", "n_drifted", "columns": {name: {"test", "statistic",
        "drifted", ...}}}``.
        """
        return {
            "share_drifted": self.share_drifted,
            "dataset_drifted": self.dataset_drifted,
            "drift_share": self.drift_share,
            "n_columns": len(self.columns),
            "n_tested": self.n_tested,
            "n_drifted": self.n_drifted,
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
        }


def column_drift(reference, current, kind: str | None = None) -> ColumnDrift:
    """Test one column of a window against the same column of the reference.

    Parameters
    ----------
    reference : array-like of shape (n_reference,)
        The column in the reference data (the champion's training data).
    current : array-like of shape (n_current,)
        The column in the window under test.
    kind : {"numeric", "categorical"} or None, default=None
        How to treat the column; None infers it from the reference's dtype
        (numbers are numeric, booleans and everything else categorical). A
        numeric column with 5 or fewer unique values is tested as categorical
        either way.

    Returns
    -------
    ColumnDrift
        The test chosen, its statistic and threshold, whether the column
        drifted, and the counts of non-missing values on each side.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the two kinds, or a column declared numeric
        holds values that are not numbers.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> column_drift(rng.normal(size=500), rng.normal(size=300)).test
    'ks'
    >>> column_drift(rng.normal(size=2000), rng.normal(1.0, size=300)).drifted
    True
    >>> column_drift(["a", "b"] * 50, ["a"] * 60).test
    'z'
    """
    ref = _as_series(reference)
    cur = _as_series(current)
    if kind is None:
        kind = "numeric" if is_numeric_dtype(ref.dtype) and not is_bool_dtype(ref.dtype) else "categorical"
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS} or None, got {kind!r}")
    if kind == "numeric":
        ref, cur = _as_numbers(ref, "reference"), _as_numbers(cur, "current")
        n_values = len(np.unique(np.concatenate([ref.to_numpy(), cur.to_numpy()])))
    else:
        ref, cur = _drop_missing(ref), _drop_missing(cur)
        n_values = pd.concat([ref, cur], ignore_index=True).nunique()
    numeric = kind == "numeric" and n_values > _FEW_VALUES
    if len(ref) <= SMALL_REFERENCE_ROWS:
        test = "ks" if numeric else ("chisquare" if n_values > 2 else "z")
    else:
        test = "wasserstein" if numeric else "jensenshannon"
    threshold = P_VALUE_THRESHOLD if test in _P_VALUE_TESTS else DISTANCE_THRESHOLD
    if ref.empty or cur.empty:
        return ColumnDrift(test, None, threshold, False, len(ref), len(cur))
    statistic = float(_STATISTICS[test](ref, cur))
    drifted = statistic < threshold if test in _P_VALUE_TESTS else statistic >= threshold
    return ColumnDrift(test, statistic, threshold, bool(drifted), len(ref), len(cur))


def dataset_drift(
    reference_df: pd.DataFrame,
    current_df: pd.DataFrame,
    kinds: Mapping[str, str] | None = None,
    drift_share: float = DRIFT_SHARE,
    columns: Sequence[str] | None = None,
) -> DatasetDrift:
    """Test every feature column of a window against the reference.

    Parameters
    ----------
    reference_df : pandas.DataFrame
        The reference data, usually the rows the champion trained on.
    current_df : pandas.DataFrame
        The window under test; columns it has beyond ``columns`` are ignored.
    kinds : mapping of str to {"numeric", "categorical"}, default=None
        Kind per column; columns not named are inferred from their dtype.
    drift_share : float, default=0.5
        The dataset drifts when the share of drifted columns, among those that
        could be tested, is at least this.
    columns : sequence of str, default=None
        Columns to test; None means every column of ``reference_df``.

    Returns
    -------
    DatasetDrift
        ``share_drifted``, ``dataset_drifted`` and the drift of each column;
        ``to_dict()`` gives the monitor JSON shape.

    Raises
    ------
    ValueError
        If there are no columns to test, a column is missing from either frame,
        ``kinds`` names an unknown column, or ``drift_share`` is outside (0, 1].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=800), "c": rng.choice(["a", "b", "c"], 800)})
    >>> cur = pd.DataFrame({"x": rng.normal(2.0, size=300), "c": rng.choice(["a", "b", "c"], 300)})
    >>> report = dataset_drift(ref, cur)
    >>> report.share_drifted, report.dataset_drifted, report.drifted_columns
    (0.5, True, ['x'])
    """
    if not 0.0 < drift_share <= 1.0:
        raise ValueError(f"drift_share must be in (0, 1], got {drift_share}")
    names = list(reference_df.columns if columns is None else columns)
    if not names:
        raise ValueError("no columns to test for drift")
    for frame, side in ((reference_df, "reference"), (current_df, "current")):
        missing = [c for c in names if c not in frame.columns]
        if missing:
            raise ValueError(f"{side} data lacks columns: {', '.join(map(str, missing))}")
    kinds = dict(kinds or {})
    unknown = [c for c in kinds if c not in names]
    if unknown:
        raise ValueError(f"kinds names columns that are not tested: {', '.join(map(str, unknown))}")
    results = {str(name): column_drift(reference_df[name], current_df[name], kinds.get(name)) for name in names}
    n_tested = sum(r.tested for r in results.values())
    n_drifted = sum(r.drifted for r in results.values())
    share = n_drifted / n_tested if n_tested else 0.0
    return DatasetDrift(
        share_drifted=share,
        dataset_drifted=bool(n_tested and share >= drift_share),
        columns=results,
        drift_share=drift_share,
    )


# --- private helpers: the statistics ------------------------------------------------------------------


def _as_series(values) -> pd.Series:
    """A Series with a fresh index (numpy arrays, lists and Series alike)."""
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values).ravel() if not isinstance(values, list) else values)


def _as_numbers(values: pd.Series, side: str) -> pd.Series:
    """Finite float values of a numeric column; text that is not a number is an error."""
    if is_numeric_dtype(values.dtype) or is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        if bad.any():
            raise ValueError(f"{side} values are not numbers: {', '.join(map(repr, values[bad].unique()[:5]))}")
        arr = converted.to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(arr[np.isfinite(arr)])


def _drop_missing(values: pd.Series) -> pd.Series:
    """Categorical values without NaN, None or +/-inf."""
    if is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        keep = np.isfinite(arr)
        return values[keep].reset_index(drop=True)
    return values[values.notna()].reset_index(drop=True)


def _frequencies(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts of each value seen on either side, aligned, in a stable order."""
    ref_counts = reference.value_counts()
    cur_counts = current.value_counts()
    keys = sorted(set(ref_counts.index) | set(cur_counts.index), key=lambda v: (type(v).__name__, str(v)))
    return (
        ref_counts.reindex(keys, fill_value=0).to_numpy(dtype=float),
        cur_counts.reindex(keys, fill_value=0).to_numpy(dtype=float),
    )


_KS_EXACT_MAX_PRODUCT = 100_000  # past this n1 * n2 the exact p-value costs far more than it changes


def _ks(reference: pd.Series, current: pd.Series) -> float:
    """p-value of the two-sample Kolmogorov-Smirnov test (asymptotic for large samples, as scipy's own
    ``auto`` would only do past 10,000 rows each: 1,000 x 5,000 rows took 7 ms a column exactly)."""
    method = "auto" if len(reference) * len(current) <= _KS_EXACT_MAX_PRODUCT else "asymp"
    return stats.ks_2samp(reference.to_numpy(dtype=float), current.to_numpy(dtype=float), method=method).pvalue


def _chisquare(reference: pd.Series, current: pd.Series) -> float:
    """p-value of the chi-squared test of homogeneity on the 2 x k table."""
    ref, cur = _frequencies(reference, current)
    if len(ref) < 2:
        return 1.0
    return stats.chi2_contingency(np.vstack([ref, cur]), correction=False).pvalue


def _z(reference: pd.Series, current: pd.Series) -> float:
    """p-value of the pooled two-proportion Z test on the share of one value."""
    ref, cur = _frequencies(reference, current)
    if len(ref) < 2:  # one value, the same on both sides
        return 1.0
    n1, n2 = ref.sum(), cur.sum()
    p1, p2 = ref[0] / n1, cur[0] / n2
    pooled = (ref[0] + cur[0]) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    return 2.0 * stats.norm.sf(abs(z))


def _wasserstein(reference: pd.Series, current: pd.Series) -> float:
    """Wasserstein-1 distance divided by the reference's std (floored at 0.001)."""
    ref = reference.to_numpy(dtype=float)
    scale = max(float(np.std(ref)), _WASSERSTEIN_MIN_STD)
    return stats.wasserstein_distance(ref, current.to_numpy(dtype=float)) / scale


def _jensenshannon(reference: pd.Series, current: pd.Series) -> float:
    """Jensen-Shannon distance (natural log, as scipy and Evidently) of the value frequencies."""
    ref, cur = _frequencies(reference, current)
    return float(distance.jensenshannon(ref / ref.sum(), cur / cur.sum()))


_STATISTICS = {
    "ks": _ks,
    "chisquare": _chisquare,
    "z": _z,
    "wasserstein": _wasserstein,
    "jensenshannon": _jensenshannon,
}
