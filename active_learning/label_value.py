"""Are the chosen labels worth more than random ones? A cross-fitted comparison on held-out random labels.

One definition serves the default query policy's bandit (its reward, in
:mod:`active_learning.bandit`) and the Models page's statement (through
``feedback.lifecycle.learning``), so the two never disagree.

The comparison (per fold of the random labels): the fold is held out and
scored; the other random labels are split into a *base* and an *extra*
part; model C is trained on the base plus ``m`` chosen labels, model R on the
base plus ``m`` extra random labels, with ``m = min(len(extra), n_chosen)``.
The difference is C's accuracy minus R's on the held-out fold, paired item by
item. It answers the active-learning question: what does adding ``m`` labels
the policy chose gain over adding ``m`` random ones?

Why it is unbiased: the random labels are a uniform sample of the pool
(initial labels, the exploration floor, the random arm; in the app the audit
slice), neither model has seen the fold it is scored on, so the mean paired
difference over a fold estimates the two models' accuracy difference on the
pool without bias. Only the models that measure see random labels of other
folds; nothing here trains a model that is served.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.base import clone

__all__ = ["LabelValue", "chosen_vs_random", "compare_chosen_sets"]

MIN_RANDOM = 6  # fewer random labels leave no base, extra part and fold to measure on


@dataclass(frozen=True)
class LabelValue:
    """What ``m`` chosen labels gain over ``m`` random ones, measured on held-out random labels.

    Attributes
    ----------
    n_chosen, n_random : int
        Chosen and random labels available.
    n_eval : int
        Held-out random labels scored (each once, over the folds); the interval rests on them.
    n_compared : float
        Mean ``m``: labels of each kind added to the base, per fold.
    accuracy_chosen, accuracy_random : float
        Held-out accuracy with chosen and with random labels added.
    difference : float
        ``accuracy_chosen - accuracy_random``; NaN when there is too little to compare.
    interval : tuple of float
        95% t interval of the mean paired difference (scipy's ``ttest_1samp``).
    standard_error : float
        Of ``difference``, floored at one disagreement's worth; inf when unmeasured.
    """

    n_chosen: int
    n_random: int
    n_eval: int
    n_compared: float
    accuracy_chosen: float
    accuracy_random: float
    difference: float
    interval: tuple[float, float]
    standard_error: float

    @classmethod
    def unmeasured(cls, n_chosen: int = 0, n_random: int = 0) -> LabelValue:
        """Too little to compare: NaN figures, no evaluated item, an infinite standard error."""
        return cls(n_chosen, n_random, 0, 0.0, np.nan, np.nan, np.nan, (np.nan, np.nan), np.inf)

    @property
    def measured(self) -> bool:
        """True when there were enough labels of both kinds to compare."""
        return self.n_eval > 0


def chosen_vs_random(estimator, X, y, chosen, random, *, n_splits: int = 5, random_state=0) -> LabelValue:
    """Compare labels the queue chose with random labels, in cross-validation on the random ones.

    Parameters
    ----------
    estimator : scikit-learn classifier or pipeline
        Cloned (unfitted) for every model; fitted state is ignored.
    X : DataFrame, array or sparse matrix of shape (n_samples, n_features)
        The labelled rows.
    y : array-like of shape (n_samples,)
    chosen, random : array-like of bool of shape (n_samples,)
        Rows the queue chose, and rows drawn uniformly at random (the audit slice).
    n_splits : int, default=5
        Folds of the random rows (fewer when there are few).
    random_state : int, numpy.random.Generator or None, default=0
        Seeds the folds and the subsamples.

    Returns
    -------
    LabelValue
        ``difference`` NaN and ``n_eval`` 0 when there are fewer than
        ``MIN_RANDOM`` random rows or no chosen row.
    """
    chosen_positions = np.flatnonzero(np.asarray(chosen, dtype=bool))
    random_positions = np.flatnonzero(np.asarray(random, dtype=bool))
    return compare_chosen_sets(
        estimator, X, y, random_positions, {"chosen": chosen_positions}, n_splits=n_splits, random_state=random_state
    )["chosen"]


def compare_chosen_sets(
    estimator, X, y, random_positions, chosen_sets: dict, *, n_splits: int = 3, random_state=0, max_added: int = 60
) -> dict[str, LabelValue]:
    """:func:`chosen_vs_random` for several chosen sets at once (the bandit's arms), sharing the random-side models.

    Parameters
    ----------
    random_positions : array-like of int
        Positions in ``X`` of the random rows.
    chosen_sets : dict of str to array-like of int
        Name -> positions in ``X`` of the rows that name chose.
    max_added : int, default=60
        Cap on ``m`` (the newest chosen rows are used), which bounds the cost per call.

    Returns
    -------
    dict of str to LabelValue
    """
    rng = np.random.default_rng(random_state)
    labels = np.asarray(y, dtype=object).astype(str)
    random_positions = rng.permutation(np.asarray(random_positions, dtype=int))
    n_random = len(random_positions)
    if n_random < MIN_RANDOM:
        return {name: LabelValue.unmeasured(len(chosen), n_random) for name, chosen in chosen_sets.items()}
    folds = np.array_split(random_positions, min(n_splits, n_random // 3))
    cache: dict[tuple[int, int], np.ndarray] = {}
    out = {}
    for name, chosen in chosen_sets.items():
        chosen = np.asarray(chosen, dtype=int)
        if len(chosen) == 0:
            out[name] = LabelValue.unmeasured(0, n_random)
            continue
        diffs, right_c, right_r, added = [], [], [], []
        for k, fold in enumerate(folds):
            rest = np.concatenate([f for j, f in enumerate(folds) if j != k])
            m = min(len(rest) // 2, len(chosen), max_added)
            base, extra = rest[: len(rest) - m], rest[len(rest) - m :]
            if (k, m) not in cache:
                cache[(k, m)] = _correct(estimator, X, labels, np.concatenate([base, extra]), fold)
            with_chosen = _correct(estimator, X, labels, np.concatenate([base, chosen[-m:]]), fold)
            right_c.append(with_chosen)
            right_r.append(cache[(k, m)])
            diffs.append(with_chosen.astype(float) - cache[(k, m)])
            added.append(m)
        out[name] = _summary(len(chosen), n_random, np.concatenate(diffs), right_c, right_r, float(np.mean(added)))
    return out


def _correct(estimator, X, labels, train, test) -> np.ndarray:
    """Whether a model trained on rows ``train`` is right on rows ``test`` (a constant when one class)."""
    classes = np.unique(labels[train])
    if len(classes) < 2:
        return labels[test] == classes[0]
    model = clone(estimator).fit(_rows(X, train), labels[train])
    return np.asarray(model.predict(_rows(X, test))).astype(str) == labels[test]


def _rows(X, positions):
    return X.iloc[positions] if hasattr(X, "iloc") else X[positions]


def _summary(n_chosen, n_random, diffs, right_c, right_r, n_compared) -> LabelValue:
    n = len(diffs)
    mean = float(diffs.mean())
    if np.ptp(diffs) == 0:
        interval = (mean, mean)
    else:
        ci = stats.ttest_1samp(diffs, 0.0).confidence_interval(0.95)
        interval = (float(ci.low), float(ci.high))
    return LabelValue(
        n_chosen=n_chosen,
        n_random=n_random,
        n_eval=n,
        n_compared=n_compared,
        accuracy_chosen=float(np.concatenate(right_c).mean()),
        accuracy_random=float(np.concatenate(right_r).mean()),
        difference=mean,
        interval=interval,
        standard_error=float(np.sqrt(max(diffs.var(ddof=1) if n > 1 else 1.0, 1.0 / n) / n)),
    )
