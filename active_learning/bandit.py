"""The default query policy: a bandit over query strategies, rewarded on held-out random labels.

The arms are :data:`active_learning.strategies.ARMS`: random, fisher-margin
(of the least certain rows, the batch whose labels most lower the model's
expected error variance over the pool) and modAL's ranked batch, which trades
uncertainty against distance to the labelled rows and so keeps off the one
noisy region uncertainty sampling can sink its labels into (once the task has
``ARM_MIN_LABELS`` labels). Any number of arms can play. Each round:

1. **Exploration floor.** A share ``floor`` of the batch (rounded at random, so
   a batch of 2 with a floor of 0.1 gets a random item 20% of the time) is drawn
   uniformly from the pool, whatever the bandit believes. These items, the
   random initial labels and the random arm's items are the *random labels*.
2. **Thompson sampling, in two levels.** The rest of the batch goes to one arm.
   Rewards have normal posteriors: a prior ``N(PRIOR_MEAN, PRIOR_SD**2)``
   (uncertainty sampling beats random on most tabular sets, not all), or an
   arm's own where the caller gives one (the hedge arm's is lower), updated by
   the measured reward with its standard error. A draw for all non-random arms
   pooled decides whether chosen labels beat random ones (random's reward is 0
   by definition); if they do, the arm with the highest draw of its own wins.
   Pooling decides the question that matters, random or not, on every chosen
   label rather than on one arm's share.

The reward of an arm is :func:`active_learning.label_value.compare_chosen_sets`:
held-out accuracy of a model trained on a random base plus ``m`` labels the
arm chose, minus that of one trained on the same base plus ``m`` other random
labels, scored in cross-fitting on folds of the random labels that neither
model saw. Because the random labels are a uniform sample of the pool and the
scored fold is held out, the paired difference is an unbiased estimate of
what the arm's labels gain over random ones on the pool. In the app the random
labels are the audit slice's, which the served models never train on; only the
throwaway measuring models see audit labels of other folds.

When the chosen labels stop beating random ones the bandit shifts the batch to
random sampling, and the floor keeps the evidence coming so that it can shift
back. The evidence is measured again every ``REFRESH_LABELS`` new labels, in the
live queue and the simulator alike (a caller passes the last round's query as
``reuse`` in between): each measure fits models in cross-validation, and a few
labels more hardly move it. Everything is seeded by ``random_state``: the same
labels and seed give the same query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.pipeline import Pipeline

from active_learning.label_value import LabelValue, compare_chosen_sets
from active_learning.selection import check_query_size, random_k

__all__ = [
    "EXPLORATION_FLOOR",
    "PRIOR_MEAN",
    "PRIOR_SD",
    "REFRESH_LABELS",
    "BanditQuery",
    "bandit_query",
    "draw_arm",
    "floor_count",
]

EXPLORATION_FLOOR = 0.02  # share of every batch drawn uniformly at random
# Prior reward of a chosen arm (accuracy gained over random labels): random wins the first draw 2.3% of the time.
# Its sd sets how fast measured harm moves the policy: after a reward of -0.29 +- 0.10 (labels that hurt, three
# standard errors below zero) random wins 14% of draws with sd 0.03, 31% with sd 0.05.
# Every random label costs the strong sets labels (bench/active_learning_curves.py, wine, fisher-margin as the one
# chosen arm: 5% floor 0.56x random's labels, 2% 0.51x); ranked batch, not random, is the hedge on noisy data.
PRIOR_MEAN = 0.10
PRIOR_SD = 0.05
REFRESH_LABELS = 10  # new labels after which the evidence is measured again
RANDOM_ARM = "random"
POOLED = "all chosen"  # the evidence of every non-random arm's labels together


@dataclass(frozen=True)
class BanditQuery:
    """One round of the default policy.

    Attributes
    ----------
    indices : ndarray of int
        Positions in the pool, the arm's picks first, then the floor's.
    arms : ndarray of str
        Which arm chose each index (``"random"`` for the floor).
    arm : str
        The arm that won this round's draw.
    evidence : dict of str to LabelValue
        Each non-random arm's measured reward (its labels against random ones).
    pooled : LabelValue
        All non-random arms' labels together against random ones.
    """

    indices: np.ndarray
    arms: np.ndarray
    arm: str
    evidence: dict[str, LabelValue] = field(default_factory=dict)
    pooled: LabelValue = field(default_factory=LabelValue.unmeasured)


def floor_count(n_instances: int, floor: float, rng: np.random.Generator) -> int:
    """Items of a batch of ``n_instances`` drawn at random: ``floor * n`` rounded up or down at random.

    The expected count is exactly ``floor * n_instances``.
    """
    if not 0 <= floor <= 1:
        raise ValueError(f"floor must be between 0 and 1, got {floor!r}.")
    share = floor * n_instances
    whole = int(np.floor(share))
    return whole + int(rng.random() < share - whole)


def draw_arm(
    evidence: dict[str, LabelValue],
    rng: np.random.Generator,
    pooled: LabelValue | None = None,
    priors: dict[str, tuple[float, float]] | None = None,
) -> str:
    """Thompson sampling in two levels: do chosen labels beat random ones, then which arm chooses.

    First one draw from the posterior of ``pooled`` (the labels of all
    non-random arms together against random ones; the one arm's evidence when
    there is a single arm): at or below 0, random wins (its reward is 0 by
    definition). Otherwise the arm whose draw from its own posterior is highest,
    each arm's prior taken from ``priors`` (name -> (mean, sd)) when it is there,
    else ``(PRIOR_MEAN, PRIOR_SD)``; the pooled draw always has the latter.
    Arms are drawn in sorted order, so the result depends only on the evidence and ``rng``.
    """
    if pooled is None:
        if len(evidence) != 1:
            raise ValueError("Give the pooled evidence of several arms.")
        pooled = next(iter(evidence.values()))
    if rng.normal(*posterior(pooled)) <= 0:
        return RANDOM_ARM
    priors = priors or {}
    draws = {name: rng.normal(*posterior(evidence[name], priors.get(name))) for name in sorted(evidence)}
    return max(draws, key=draws.get)


def posterior(value: LabelValue, prior: tuple[float, float] | None = None) -> tuple[float, float]:
    """Normal posterior (mean, sd) of an arm's reward: its prior updated by the measured difference.

    ``prior`` is (mean, sd); None means ``(PRIOR_MEAN, PRIOR_SD)``.
    """
    prior_mean, prior_sd = prior or (PRIOR_MEAN, PRIOR_SD)
    if not value.measured:
        return prior_mean, prior_sd
    prior_precision, data_precision = prior_sd**-2, value.standard_error**-2
    precision = prior_precision + data_precision
    mean = (prior_mean * prior_precision + value.difference * data_precision) / precision
    return float(mean), float(precision**-0.5)


def bandit_query(
    arms: dict[str, Callable],
    estimator,
    X_pool,
    n_instances: int = 1,
    *,
    X_labeled=None,
    y_labeled=None,
    labeled_arms=None,
    random_state=None,
    floor: float = EXPLORATION_FLOOR,
    reuse: BanditQuery | None = None,
    priors: dict[str, tuple[float, float]] | None = None,
) -> BanditQuery:
    """Choose a batch: the exploration floor at random, the rest by the arm Thompson sampling picks.

    Parameters
    ----------
    arms : dict of str to callable
        Name -> modAL-shaped strategy; must hold ``"random"``.
    estimator : fitted classifier or pipeline, or None
        The current model; None means a cold start: the whole batch is random.
    X_pool : DataFrame or array of shape (n_pool, n_features)
    n_instances : int, default=1
    X_labeled, y_labeled : optional
        The labelled rows and their labels.
    labeled_arms : array-like of str, optional
        Which arm chose each labelled row (``"random"`` for random ones, the
        initial labels included). Without it no reward is measured.
    random_state : int, numpy.random.Generator or None
    floor : float, default=EXPLORATION_FLOOR
    reuse : BanditQuery, optional
        An earlier round's query whose evidence this round draws from instead of
        measuring again (fewer than ``REFRESH_LABELS`` labels were added since).
    priors : dict of str to (float, float), optional
        Prior (mean, sd) of an arm's reward where it differs from ``(PRIOR_MEAN, PRIOR_SD)``.

    Returns
    -------
    BanditQuery
    """
    n = check_query_size(_n_rows(X_pool), n_instances)
    rng = np.random.default_rng(random_state)
    if estimator is None:  # cold start: random, as every strategy
        return BanditQuery(
            random_k(_n_rows(X_pool), n, random_state=rng), np.array([RANDOM_ARM] * n, dtype=object), RANDOM_ARM
        )
    if reuse is not None and set(reuse.evidence) == set(arms) - {RANDOM_ARM}:
        evidence, pooled = dict(reuse.evidence), reuse.pooled
    else:
        evidence = _evidence(arms, estimator, X_labeled, y_labeled, labeled_arms, rng)
        pooled = evidence.pop(POOLED)
    arm = draw_arm(evidence, rng, pooled, priors)
    n_floor = n if arm == RANDOM_ARM else floor_count(n, floor, rng)
    picked = np.array([], dtype=int)
    if n - n_floor > 0:
        picked, _ = arms[arm](estimator, X_pool, n - n_floor, random_state=rng, X_labeled=X_labeled)
        picked = np.asarray(picked, dtype=int)
    rest = np.setdiff1d(np.arange(_n_rows(X_pool)), picked)
    extra = rest[rng.choice(len(rest), size=n_floor, replace=False)] if n_floor else np.array([], dtype=int)
    arms_of = np.array([arm] * len(picked) + [RANDOM_ARM] * n_floor, dtype=object)
    return BanditQuery(np.concatenate([picked, extra]), arms_of, arm, evidence, pooled)


def _evidence(arms, estimator, X_labeled, y_labeled, labeled_arms, rng) -> dict[str, LabelValue]:
    """Each non-random arm's reward, and all of them pooled (``POOLED``), measured on the labelled rows."""
    names = [name for name in arms if name != RANDOM_ARM]
    if labeled_arms is None or y_labeled is None:
        return {name: LabelValue.unmeasured() for name in [*names, POOLED]}
    origin = np.asarray(labeled_arms, dtype=object)
    chosen = {name: np.flatnonzero(origin == name) for name in names}
    pooled = np.flatnonzero(origin != RANDOM_ARM)
    single = len(names) == 1 and np.array_equal(pooled, chosen[names[0]])  # one arm chose every label: measure once
    if not single:
        chosen[POOLED] = pooled
    classifier, features = _measuring_view(estimator, X_labeled)
    measured = compare_chosen_sets(
        classifier, features, y_labeled, np.flatnonzero(origin == RANDOM_ARM), chosen, random_state=rng
    )
    if single:
        measured[POOLED] = measured[names[0]]
    return measured


def _measuring_view(estimator, X):
    """The classifier and the features it sees: a fitted pipeline's preprocessing is applied once, not per fit."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[-1], estimator[:-1].transform(X)
    return estimator, X


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)
