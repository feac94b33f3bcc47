"""Query strategies: which unlabelled rows an expert should label next.

Each strategy is a plain function in modAL's shape::

    strategy(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None)
        -> (indices, scores)

``indices`` are distinct positions in ``X_pool`` (most wanted first) and
``scores`` the strategy's measure for those rows: ``1 - max p`` for
least-confident and ranked-batch, the top-two margin for margin, balanced-batch,
spread-margin, cluster-margin, fisher-margin and default (lower is less certain), entropy in
nats for entropy, NaN for random.

``default`` is the product's policy, a bandit over :data:`ARMS`
(:mod:`active_learning.bandit`); it needs the labelled rows' labels and which
arm chose each (``y_labeled``, ``labeled_arms``) to learn which arm pays off,
and :func:`default_query` also says which arm chose each pick.

The measures are :mod:`active_learning.uncertainty`'s (modAL's, the ones
behind ``uncertainty_sampling``, ``margin_sampling`` and ``entropy_sampling``,
applied to ``predict_proba``), the same functions that score every logged
prediction at ingest; ranked batches come from
``modAL.batch.uncertainty_batch_sampling``. They only need ``predict_proba``,
so they run on our own fitted pipelines. modAL's learner classes are not used
(they break on scikit-learn >= 1.8). Selection uses
:mod:`active_learning.selection`, which breaks ties with a seeded shuffle
instead of modAL's global ``np.random``.

Cold start: when ``estimator`` is None or not fitted, every strategy draws
uniformly at random.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from modAL.batch import ranked_batch, uncertainty_batch_sampling
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from active_learning.bandit import EXPLORATION_FLOOR, BanditQuery, bandit_query
from active_learning.fisher import fisher_batch
from active_learning.selection import SHORTLIST_FACTOR, bottom_k, check_query_size, random_k, spread_top_k, top_k
from active_learning.uncertainty import entropy_score, least_confidence_score, margin_score, uncertainty_score

__all__ = [
    "ARMS",
    "STRATEGIES",
    "DEFAULT_STRATEGY",
    "default_query",
    "get_strategy",
    "random_sampling",
    "least_confident_sampling",
    "margin_sampling",
    "entropy_sampling",
    "ranked_batch_sampling",
    "balanced_batch_sampling",
    "spread_margin_sampling",
    "cluster_margin_sampling",
    "fisher_margin_sampling",
    "default_sampling",
    "feature_embedding",
]

DEFAULT_STRATEGY = "default"
CLUSTER_SHORTLIST = 10  # uncertain candidates per place that cluster-margin clusters


def random_sampling(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
    """Uniformly random rows: the baseline and the audit slice's rule. Scores are NaN."""
    indices = random_k(_n_rows(X_pool), n_instances, random_state=random_state)
    return indices, np.full(len(indices), np.nan)


def _uncertainty_strategy(name: str, measure: Callable, pick: Callable, doc: str) -> Callable:
    """A modAL-shaped strategy ranking rows by one uncertainty measure of ``predict_proba`` (random while unfitted)."""

    def strategy(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
        if not is_fitted(estimator):
            return random_sampling(estimator, X_pool, n_instances, random_state=random_state)
        scores = measure(estimator.predict_proba(X_pool))
        indices = pick(scores, n_instances, random_state=random_state)
        return indices, scores[indices]

    strategy.__name__ = strategy.__qualname__ = name
    strategy.__doc__ = doc
    return strategy


least_confident_sampling = _uncertainty_strategy(
    "least_confident_sampling",
    least_confidence_score,
    top_k,
    "Rows whose most likely class has the lowest probability (scores: ``1 - max p``).",
)
margin_sampling = _uncertainty_strategy(
    "margin_sampling",
    margin_score,
    bottom_k,
    "Rows with the smallest gap between the two most likely classes (scores: the margin).",
)
entropy_sampling = _uncertainty_strategy(
    "entropy_sampling", entropy_score, top_k, "Rows whose class probabilities have the highest entropy (scores: nats)."
)


def ranked_batch_sampling(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
    """modAL's ranked batch mode (Cardoso et al. 2017): uncertainty traded against distance.

    Distances are measured on the pipeline's preprocessed features. Pass the
    labelled rows as ``X_labeled``; without them modAL starts the batch from the
    pool's most central row, which costs ``O(n_pool**2)`` memory.
    Deterministic given the fitted estimator (``random_state`` only seeds the
    cold start). Scores are ``1 - max p``.
    """
    if not is_fitted(estimator):
        return random_sampling(estimator, X_pool, n_instances, random_state=random_state)
    n = check_query_size(_n_rows(X_pool), n_instances)
    view = _BatchView(estimator, X_labeled)
    indices, scores = uncertainty_batch_sampling(view, X_pool, n_instances=n)
    return np.asarray(indices, dtype=int), np.asarray(scores, dtype=float)


def balanced_batch_sampling(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
    """modAL's ranked batch with margin uncertainty and distance weighed equally throughout.

    modAL scores a row ``alpha * (1 - similarity) + (1 - alpha) * uncertainty``
    with ``alpha = |U| / (|U| + |L|)``: while few rows are labelled the batch is
    almost pure distance and chases the pool's outliers. Fed the margin
    uncertainty times ``|U| / |L|`` (at the batch's start), modAL's
    ``ranked_batch`` scores ``alpha * ((1 - similarity) + uncertainty)``, the
    ranking of the two weighed equally. Scores are margins. Without labelled rows
    it is :func:`ranked_batch_sampling`.
    """
    n_labeled = 0 if X_labeled is None else _n_rows(X_labeled)
    if not is_fitted(estimator) or n_labeled == 0:
        return ranked_batch_sampling(estimator, X_pool, n_instances, random_state=random_state, X_labeled=X_labeled)
    n = check_query_size(_n_rows(X_pool), n_instances)
    proba = estimator.predict_proba(X_pool)
    uncertainty = uncertainty_score(proba, "margin") * _n_rows(X_pool) / n_labeled
    indices, _ = ranked_batch(_BatchView(estimator, X_labeled), X_pool, uncertainty, n, "euclidean", None)
    indices = np.asarray(indices, dtype=int)
    return indices, margin_score(proba)[indices]


def spread_margin_sampling(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
    """Margin uncertainty spread over the feature space: the live review queue's ranking rule.

    Rows are ranked by margin uncertainty (``1 - margin``, the queue's default
    measure), the ``SHORTLIST_FACTOR * n_instances`` most uncertain compete,
    and :func:`active_learning.selection.spread_top_k` picks the batch, with
    the queue's default diversity weight, in the preprocessed feature space.
    Below ``SPREAD_MIN`` (5) rows this is exactly :func:`margin_sampling`.
    The review queue calls the same ``spread_top_k``, so a simulation of this
    strategy measures the queue the app runs. Scores are margins.
    """
    if not is_fitted(estimator):
        return random_sampling(estimator, X_pool, n_instances, random_state=random_state)
    n = check_query_size(_n_rows(X_pool), n_instances)
    proba = estimator.predict_proba(X_pool)
    priority = uncertainty_score(proba, "margin")
    shortlist = top_k(priority, min(len(priority), SHORTLIST_FACTOR * n), random_state=random_state)

    def embed(positions):
        return feature_embedding(estimator, _take(X_pool, shortlist[positions]))

    picked, _ = spread_top_k(priority[shortlist], embed, n)
    indices = shortlist[picked]
    return indices, margin_score(proba)[indices]


def cluster_margin_sampling(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
    """The most uncertain rows, clustered, and the most central row of each cluster.

    Diverse mini-batch active learning (Zhdanov 2019; Citovsky et al. 2021 call
    it cluster-margin): the ``CLUSTER_SHORTLIST * n_instances`` rows with the
    smallest margins are split by k-means, each weighted by its margin
    uncertainty, into ``n_instances`` clusters in the preprocessed feature
    space, and the row nearest each cluster's centre is asked. Uncertain rows
    that stand for many others come before lone extremes, and a batch does not
    repeat one region. Seeded by ``random_state``. Scores are margins.
    """
    if not is_fitted(estimator):
        return random_sampling(estimator, X_pool, n_instances, random_state=random_state)
    n, rng, proba, margins, shortlist = _margin_shortlist(
        estimator, X_pool, n_instances, random_state, CLUSTER_SHORTLIST
    )
    if len(shortlist) == n:
        return shortlist, margins[shortlist]
    points = feature_embedding(estimator, _take(X_pool, shortlist))
    weights = uncertainty_score(proba[shortlist], "margin") + 1e-9
    kmeans = KMeans(n_clusters=n, n_init=1, random_state=int(rng.integers(2**31 - 1)))
    with warnings.catch_warnings():  # identical rows: fewer distinct clusters than asked, filled below
        warnings.simplefilter("ignore", ConvergenceWarning)
        clusters = kmeans.fit_predict(points, sample_weight=weights)
    central = []
    for cluster, centre in enumerate(kmeans.cluster_centers_):
        members = np.flatnonzero(clusters == cluster)
        if len(members):
            central.append(members[np.argmin(np.linalg.norm(points[members] - centre, axis=1))])
    # Identical rows leave clusters empty or share a centre: the next most uncertain rows fill the batch.
    picked = list(dict.fromkeys([*central, *range(len(shortlist))]))[:n]
    indices = shortlist[np.asarray(picked, dtype=int)]
    return indices, margins[indices]


def fisher_margin_sampling(estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None):
    """Of the most uncertain rows, the batch whose labels most shrink the model's variance over the pool.

    The ``SHORTLIST_FACTOR * n_instances`` (3 x) rows with the smallest margins are
    the candidates; :func:`active_learning.fisher.fisher_batch` adds them to the
    batch one at a time, each the row whose Fisher information most lowers the
    expected error variance over the pool given the labelled rows and the rows
    already picked (BAIT, Ash et al. 2021, on the classifier's features). It
    values rows that pin down directions the labels leave loose, and gives
    little to a second row like one already picked; a candidate's leverage is
    capped at the candidates' median, so a far row whose label may be wrong does
    not win on its distance alone. Seeded by ``random_state``. Scores are margins.
    """
    if not is_fitted(estimator):
        return random_sampling(estimator, X_pool, n_instances, random_state=random_state)
    n, rng, proba, margins, shortlist = _margin_shortlist(
        estimator, X_pool, n_instances, random_state, SHORTLIST_FACTOR
    )
    pool_features = feature_embedding(estimator, X_pool)
    if X_labeled is None or _n_rows(X_labeled) == 0:
        labeled_proba, labeled_features = proba[:0], pool_features[:0]
    else:
        labeled_proba, labeled_features = estimator.predict_proba(X_labeled), feature_embedding(estimator, X_labeled)
    indices = fisher_batch(proba, pool_features, labeled_proba, labeled_features, shortlist, n, random_state=rng)
    return indices, margins[indices]


def _margin_shortlist(estimator, X_pool, n_instances, random_state, factor):
    """Batch size, seeded generator, pool probabilities and margins, and the ``factor`` x batch least certain rows."""
    n = check_query_size(_n_rows(X_pool), n_instances)
    rng = np.random.default_rng(random_state)
    proba = estimator.predict_proba(X_pool)
    margins = margin_score(proba)
    return n, rng, proba, margins, bottom_k(margins, min(len(margins), factor * n), random_state=rng)


ARMS: dict[str, Callable] = {
    "random": random_sampling,
    "fisher-margin": fisher_margin_sampling,
    "ranked-batch": ranked_batch_sampling,
}
# Ranked batch is the hedge for noisy data, not the first choice: with a prior mean of 0 (fisher-margin's is
# PRIOR_MEAN) it takes about 8% of the draws before any evidence, more once fisher-margin's labels measure worse.
ARM_PRIORS: dict[str, tuple[float, float]] = {"ranked-batch": (0.0, 0.05)}
# Labels a task needs before an arm plays. Ranked batch weighs distance by |U| / (|U| + |L|): on its first rounds it
# asks the pool's far rows, which costs small noisy sets (wine +30% noise 0.53x random's labels, 0.45x waiting for
# 30 labels) while its hedge on larger ones comes later (breast_cancer +30% noise 0.75x, 0.68x waiting).
ARM_MIN_LABELS: dict[str, int] = {"ranked-batch": 30}


def default_query(
    estimator,
    X_pool,
    n_instances=1,
    *,
    random_state=None,
    X_labeled=None,
    y_labeled=None,
    labeled_arms=None,
    floor: float = EXPLORATION_FLOOR,
    reuse: BanditQuery | None = None,
) -> BanditQuery:
    """The default policy's batch and the arm behind each pick: :func:`active_learning.bandit.bandit_query` on ARMS.

    An arm plays once the task has ``ARM_MIN_LABELS`` labelled rows, each arm its prior from ``ARM_PRIORS``.
    """
    if not is_fitted(estimator):
        estimator = None
    n_labels = 0 if X_labeled is None else _n_rows(X_labeled)
    return bandit_query(
        {name: arm for name, arm in ARMS.items() if n_labels >= ARM_MIN_LABELS.get(name, 0)},
        estimator,
        X_pool,
        n_instances,
        X_labeled=X_labeled,
        y_labeled=y_labeled,
        labeled_arms=labeled_arms,
        random_state=random_state,
        floor=floor,
        reuse=reuse,
        priors=ARM_PRIORS,
    )


def default_sampling(
    estimator, X_pool, n_instances=1, *, random_state=None, X_labeled=None, y_labeled=None, labeled_arms=None
):
    """The product's default policy in modAL's shape (scores: margins, NaN where random or cold).

    A bandit over :data:`ARMS` with an exploration floor (:mod:`active_learning.bandit`).
    Without ``y_labeled`` and ``labeled_arms`` it has no reward to learn from and draws
    its arm from the prior.
    """
    query = default_query(
        estimator,
        X_pool,
        n_instances,
        random_state=random_state,
        X_labeled=X_labeled,
        y_labeled=y_labeled,
        labeled_arms=labeled_arms,
    )
    if not is_fitted(estimator):
        return query.indices, np.full(len(query.indices), np.nan)
    return query.indices, margin_score(estimator.predict_proba(_take(X_pool, query.indices)))


STRATEGIES: dict[str, Callable] = {
    "random": random_sampling,
    "least-confident": least_confident_sampling,
    "margin": margin_sampling,
    "entropy": entropy_sampling,
    "ranked-batch": ranked_batch_sampling,
    "balanced-batch": balanced_batch_sampling,
    "spread-margin": spread_margin_sampling,
    "cluster-margin": cluster_margin_sampling,
    "fisher-margin": fisher_margin_sampling,
    "default": default_sampling,
}


def get_strategy(name: str) -> Callable:
    """The strategy function registered under ``name``.

    Raises
    ------
    ValueError
        ``name`` is not registered; the message lists the choices.
    """
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown query strategy {name!r}; choose one of {', '.join(STRATEGIES)}.") from None


def is_fitted(estimator) -> bool:
    """True when ``estimator`` can give ``predict_proba`` (None and unfitted models cannot)."""
    if estimator is None:
        return False
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except (TypeError, AttributeError):  # not a scikit-learn estimator: trust predict_proba
        return hasattr(estimator, "predict_proba")
    return True


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take(X, positions):
    """Rows of ``X`` at ``positions`` (DataFrame, array or sparse matrix)."""
    return X.iloc[positions] if hasattr(X, "iloc") else X[positions]


def feature_embedding(estimator, X) -> np.ndarray:
    """Dense features the classifier sees: the pipeline's preprocessing output, or X itself."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        X = estimator[:-1].transform(X)
    if sp.issparse(X):
        X = X.toarray()
    return np.asarray(X, dtype=float)


class _BatchView:
    """The few learner attributes modAL's ranked batch reads, over a plain fitted estimator."""

    on_transformed = True

    def __init__(self, estimator, X_labeled):
        self.estimator = estimator
        self.X_training = None if X_labeled is None or _n_rows(X_labeled) == 0 else X_labeled

    def predict_proba(self, X, **kwargs):
        return self.estimator.predict_proba(X, **kwargs)

    def transform_without_estimating(self, X):
        return feature_embedding(self.estimator, X)
