"""Whether a window drifted as a whole: Evidently's share of drifted columns, checked against chance.

Each column is tested as :func:`~feedback.monitor.drift.column_drift` does
(Evidently's defaults). The dataset counts as drifted when both hold:

- the share of drifted columns, among those that could be tested, is at least
  ``drift_share`` (0.5, Evidently's rule: a material part of the data moved);
- the count of drifted columns (ties broken by how strongly they drifted) is
  one that chance reaches in at most 5% of windows of the same size drawn
  from the reference itself (:func:`~feedback.monitor.drift_null.drift_null`),
  which accounts for the window size, the reference size and the features'
  correlation.

On null streams the dataset alarm then fires in 5% or fewer of the windows
(bench/sim_drift_null.py: windows of 50-5,000 rows, references of 100-50,000,
5-100 features, correlation 0-0.9); Evidently's rule alone fired in up to 100%
of small windows against a large reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from feedback.monitor.drift import DRIFT_SHARE, ColumnDrift, column_drift
from feedback.monitor.drift_draws import window_verdicts
from feedback.monitor.drift_null import DriftNull, drift_null

__all__ = ["DatasetDrift", "dataset_drift"]


@dataclass(frozen=True)
class DatasetDrift:
    """Drift of every column and whether the dataset as a whole drifted.

    ``chance`` is the null the dataset decision was checked against (None when
    a report is built by hand: then only the share rule applies); ``strength``
    the sum of the columns' statistics in units of their thresholds, which
    breaks ties between windows with as many drifted columns.
    """

    share_drifted: float
    dataset_drifted: bool
    columns: dict[str, ColumnDrift] = field(default_factory=dict)
    drift_share: float = DRIFT_SHARE
    chance: DriftNull | None = None
    strength: float = 0.0

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

    @property
    def tested_columns(self) -> list[str]:
        """Names of the columns that had values on both sides, in column order."""
        return [name for name, c in self.columns.items() if c.tested]

    @property
    def expected_drifted(self) -> float | None:
        """Columns of those tested that chance alone flags, on average (None without a null)."""
        return self.chance.expected_count(self.tested_columns) if self.chance else None

    @property
    def required_drifted(self) -> int:
        """Drifted columns that raise the dataset alarm whatever their strength: ``drift_share`` of those tested,
        and beyond chance (one fewer can, when they drift more strongly than chance makes them)."""
        by_share = math.ceil(self.drift_share * self.n_tested - 1e-9)
        return max(by_share, 1, self.chance.critical_count(self.tested_columns) if self.chance else 0)

    @property
    def p_value(self) -> float | None:
        """Chance of at least this many drifted columns in a window that did not drift (None without a null)."""
        return self.chance.p_value(self.n_drifted, self.strength, self.tested_columns) if self.chance else None

    def to_dict(self) -> dict[str, Any]:
        """The monitor JSON shape, plus counts and the null.

        ``{"share_drifted", "dataset_drifted", "drift_share", "n_columns",
        "n_tested", "n_drifted", "required_drifted", "p_value", "strength", "chance":
        {"expected_drifted", "critical_count", ...} or None, "columns": {name:
        {"test", "statistic", "drifted", ..., "chance_rate"}}}``, where
        ``chance_rate`` is the share of null draws in which the column drifted
        and ``chance`` counts over the tested columns.
        """
        rates = self.chance.column_rates if self.chance else {}
        return {
            "share_drifted": self.share_drifted,
            "dataset_drifted": self.dataset_drifted,
            "drift_share": self.drift_share,
            "n_columns": len(self.columns),
            "n_tested": self.n_tested,
            "n_drifted": self.n_drifted,
            "required_drifted": self.required_drifted,
            "p_value": self.p_value,
            "strength": self.strength,
            "chance": self.chance.to_dict(self.tested_columns) if self.chance else None,
            "columns": {name: {**c.to_dict(), "chance_rate": rates.get(name)} for name, c in self.columns.items()},
        }


def dataset_drift(
    reference_df: pd.DataFrame,
    current_df: pd.DataFrame,
    kinds: Mapping[str, str] | None = None,
    drift_share: float = DRIFT_SHARE,
    columns: Sequence[str] | None = None,
    chance: DriftNull | None = None,
    random_state=0,
) -> DatasetDrift:
    """Test every feature column of a window against the reference, and the dataset against chance.

    Parameters
    ----------
    reference_df : pandas.DataFrame
        The reference data, usually the rows the champion trained on.
    current_df : pandas.DataFrame
        The window under test; columns it has beyond ``columns`` are ignored.
    kinds : mapping of str to {"numeric", "categorical"}, default=None
        Kind per column; columns not named are inferred from their dtype.
    drift_share : float, default=0.5
        The dataset drifts only when the share of drifted columns, among those
        that could be tested, is at least this.
    columns : sequence of str, default=None
        Columns to test; None means every column of ``reference_df``.
    chance : DriftNull, default=None
        The null of the drifted count for this reference and window size,
        from :func:`drift_null` (callers that judge many windows cache it);
        None draws it here with ``random_state``.
    random_state : int, numpy.random.RandomState or None, default=0
        Seeds the null's draws when ``chance`` is None.

    Returns
    -------
    DatasetDrift
        ``share_drifted``, ``dataset_drifted``, the drift of each column and
        the null; ``to_dict()`` gives the monitor JSON shape.

    Raises
    ------
    ValueError
        If there are no columns to test, a column is missing from either frame,
        ``kinds`` names an unknown column, ``drift_share`` is outside (0, 1],
        or ``chance`` was drawn for other columns.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame(rng.normal(size=(800, 3)), columns=["x", "y", "z"]).assign(c=rng.choice(["a", "b"], 800))
    >>> cur = pd.DataFrame(rng.normal(size=(300, 3)), columns=["x", "y", "z"]).assign(c=rng.choice(["a", "b"], 300))
    >>> report = dataset_drift(ref, cur.assign(x=cur.x + 1, y=cur.y + 1))
    >>> report.share_drifted, report.dataset_drifted, report.drifted_columns
    (0.5, True, ['x', 'y'])
    >>> round(report.expected_drifted, 1), report.required_drifted, report.p_value < 0.05
    (0.2, 2, True)
    >>> dataset_drift(ref, cur.assign(x=cur.x + 1)).dataset_drifted  # one column of four: chance does as much
    False
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
    if chance is None:
        chance = drift_null(reference_df, max(len(current_df), 1), kinds, names, random_state=random_state)
    elif list(chance.columns) != [str(name) for name in names]:
        raise ValueError("chance was drawn for other columns; draw it with drift_null for these columns")
    results = {str(name): column_drift(reference_df[name], current_df[name], kinds.get(name)) for name in names}
    _, scores = window_verdicts(reference_df, current_df, names, kinds)
    report = DatasetDrift(0.0, False, results, drift_share, chance, float(scores.sum()))
    n_tested, n_drifted = report.n_tested, report.n_drifted
    share = n_drifted / n_tested if n_tested else 0.0
    drifted = bool(n_tested and share >= drift_share and report.p_value <= chance.alpha)
    return DatasetDrift(share, drifted, results, drift_share, chance, report.strength)
