"""Pure selection helpers: turn per-row scores into pool positions.

Scoring is kept apart from selection (modAL's ``utils/selection.py`` idea):
the strategies in :mod:`active_learning.strategies` compute one score per
pool row, and these functions choose which rows to ask about. Ties are
broken by a seeded shuffle, never by the global ``np.random`` state, so the
same ``random_state`` always gives the same indices.
"""

from __future__ import annotations

import numpy as np

from active_learning.exceptions import EmptyPoolError


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


def diverse_bottom_k(scores, embedding, n_instances: int = 1, *, candidates: int = 5,
                     random_state=None) -> np.ndarray:
    """Low scores spread over the feature space (diverse mini-batch selection).

    Takes the ``candidates * n_instances`` lowest-scoring rows, then walks them
    from the lowest score up and keeps a row only if it is at least as far from
    every row already kept as the median distance between candidates; any
    places still free are filled by score. With ``n_instances=1`` this is
    :func:`bottom_k`.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Lower means more worth asking about (e.g. margins).
    embedding : array-like of shape (n_samples, n_features)
        Dense row representation used for distances (e.g. scaled features).
    n_instances : int, default=1
    candidates : int, default=5
        How many times ``n_instances`` rows compete for the batch.
    random_state : int, numpy.random.Generator or None, default=None

    Returns
    -------
    ndarray of int of shape (n_instances,)
    """
    values = np.asarray(scores, dtype=float).ravel()
    n = check_query_size(len(values), n_instances)
    shortlist = bottom_k(values, min(len(values), n * max(int(candidates), 1)), random_state=random_state)
    if n == 1 or len(shortlist) == n:
        return shortlist[:n]
    points = np.asarray(embedding, dtype=float)[shortlist]
    distances = np.sqrt(np.maximum(
        np.sum(points**2, axis=1)[:, None] + np.sum(points**2, axis=1)[None, :] - 2.0 * points @ points.T, 0.0))
    threshold = np.median(distances[np.triu_indices(len(shortlist), k=1)])
    kept = [0]
    for i in range(1, len(shortlist)):
        if len(kept) == n:
            break
        if distances[i, kept].min() >= threshold:
            kept.append(i)
    rest = [i for i in range(len(shortlist)) if i not in set(kept)]
    kept.extend(rest[: n - len(kept)])
    return shortlist[np.asarray(kept)]
