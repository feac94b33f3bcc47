"""Pure selection helpers: turn per-row scores into pool positions.

Scoring is kept apart from selection (modAL's ``utils/selection.py`` idea):
the strategies in :mod:`active_learning.strategies` compute one score per
pool row, and these functions choose which rows to ask about. Ties are
broken by a seeded shuffle, never by the global ``np.random`` state, so the
same ``random_state`` always gives the same indices.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from active_learning.exceptions import EmptyPoolError

DIVERSITY_WEIGHT = 0.3  # the queue policy's default diversity weight
SHORTLIST_FACTOR = 3  # candidates per place that compete for a spread batch
SPREAD_MIN = 5  # smaller batches are taken by score alone


def check_query_size(n_pool: int, n_instances: int) -> int:
    """Validate a query size against a pool size and return it as an int.

    Raises
    ------
    EmptyPoolError
        The pool has no rows.
    ValueError
        ``n_instances`` is below 1 or larger than the pool.
    """
    if n_pool == 0:
        raise EmptyPoolError("The pool is empty: there is nothing left to query.")
    if int(n_instances) != n_instances or n_instances < 1:
        raise ValueError(f"n_instances must be a positive integer, got {n_instances!r}.")
    if n_instances > n_pool:
        raise ValueError(f"Asked for {n_instances} items but the pool holds only {n_pool}.")
    return int(n_instances)


def top_k(scores, n_instances: int = 1, *, random_state=None) -> np.ndarray:
    """Positions of the ``n_instances`` highest scores, best first.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Higher means more worth asking about. NaN ranks last.
    n_instances : int, default=1
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the tie-breaking shuffle.

    Returns
    -------
    ndarray of int of shape (n_instances,)

    Examples
    --------
    >>> top_k([0.1, 0.9, 0.9, 0.3], 2, random_state=0).tolist() in ([1, 2], [2, 1])
    True
    """
    values = np.asarray(scores, dtype=float).ravel()
    n = check_query_size(len(values), n_instances)
    tie_break = np.random.default_rng(random_state).permutation(len(values))
    ranked = np.where(np.isnan(values), -np.inf, values)
    # lexsort sorts by the last key first: score descending, then the shuffle.
    order = np.lexsort((tie_break, -ranked))
    return order[:n]


def bottom_k(scores, n_instances: int = 1, *, random_state=None) -> np.ndarray:
    """Positions of the ``n_instances`` lowest scores (e.g. smallest margins), best first."""
    return top_k(-np.asarray(scores, dtype=float), n_instances, random_state=random_state)


def random_k(n_pool: int, n_instances: int = 1, *, random_state=None) -> np.ndarray:
    """``n_instances`` distinct positions drawn uniformly from ``range(n_pool)``."""
    n = check_query_size(n_pool, n_instances)
    return np.random.default_rng(random_state).choice(n_pool, size=n, replace=False)


def spread_top_k(
    scores, embed: Callable[[np.ndarray], np.ndarray], n_instances: int = 1, *, weight: float = DIVERSITY_WEIGHT
) -> tuple[np.ndarray, np.ndarray]:
    """High scores spread over the feature space: the one diversity rule of the queue and the simulator.

    Greedy maximal marginal relevance (Carbonell and Goldstein 1998): the
    highest score is taken first; each next pick maximises its score plus
    ``weight`` times its distance to the nearest row already picked, relative
    to the median distance between candidates and capped at 1, so ten
    near-identical rows do not fill one batch. A batch of fewer than
    ``SPREAD_MIN`` rows, or a ``weight`` of 0, is taken by score alone (bench
    runs of the learning curves found spreading a batch of 2 cost labels).
    The live review queue calls this on its shortlisted items' priorities, and
    the ``default`` query strategy on the pool's margins, so the simulator
    measures the queue the app runs.

    Parameters
    ----------
    scores : array-like of shape (n_candidates,)
        Higher means more worth asking about (e.g. the queue's priority). Ties
        keep the order given.
    embed : callable
        ``embed(positions) -> ndarray of shape (len(positions), n_features)``:
        dense features of the candidates at ``positions`` (distances are
        Euclidean). Called once, and only when the batch is spread.
    n_instances : int, default=1
    weight : float, default=DIVERSITY_WEIGHT
        What the farthest candidate gains over a near-duplicate, in units of score.

    Returns
    -------
    positions : ndarray of int of shape (n_instances,)
        Positions in ``scores``, in the order picked.
    bonus : ndarray of float of shape (n_instances,)
        What distance added to each pick's score (0 when not spread).

    Examples
    --------
    >>> points = np.array([[0.0], [0.01], [5.0], [9.0], [0.02], [7.0]])
    >>> positions, _ = spread_top_k([1.0, 0.99, 0.8, 0.7, 0.98, 0.6], lambda idx: points[idx], 5, weight=1.0)
    >>> positions.tolist()
    [0, 2, 3, 5, 1]
    """
    values = np.asarray(scores, dtype=float).ravel()
    n = check_query_size(len(values), n_instances)
    order = np.argsort(-values, kind="stable")
    if weight <= 0 or n < SPREAD_MIN:
        return order[:n], np.zeros(n)
    values = values[order]
    points = np.asarray(embed(order), dtype=float)
    distances = np.sqrt(np.maximum(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2), 0.0))
    scale = np.median(distances[np.triu_indices(len(order), k=1)]) or 1.0
    picked, bonuses = [0], [0.0]
    nearest = distances[0].copy()
    while len(picked) < n:
        bonus = weight * np.minimum(nearest / scale, 1.0)
        value = values + bonus
        value[picked] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        bonuses.append(float(bonus[best]))
        nearest = np.minimum(nearest, distances[best])
    return order[np.asarray(picked)], np.asarray(bonuses)
