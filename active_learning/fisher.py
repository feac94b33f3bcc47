"""Fisher-information batch selection: the rows whose labels most shrink the model's variance over the pool.

BAIT (Ash et al. 2021) for a softmax model on the classifier's features, after
the variance-reduction criterion of Schein and Ungar (2007) for logistic
regression. A labelled row ``x`` with predicted probabilities ``p`` adds
``I(x) = (diag(p) - p p^T) kron z z^T`` to the information of the model's
weights (``z`` is ``x``'s features with an intercept). With ``A`` the ridge
plus the labelled rows' information and ``F`` the pool's mean information,
``tr(A^-1 F)`` is the model's expected error variance over the pool; rows are
added greedily, each the one that lowers it most given the rows already in the
batch, so a batch does not ask twice about one direction of doubt.

A candidate's features are shrunk to at most the candidates' median norm before
its information is counted: Mallows-type weights, as robust logistic regression
bounds a row's leverage. Uncapped, the rows the criterion values most are the
far ones, where a wrong label moves the model most (300 seeds, wine with 30% of
labels flipped: 0.63x random's labels to 98% of full accuracy uncapped, 0.49x
capped, margin 0.48x; clean wine 0.44x either way).
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

__all__ = ["MAX_FEATURES", "fisher_batch"]

MAX_FEATURES = 64  # wider features are projected on their leading principal components first
RIDGE = 1.0  # the logistic model's L2 penalty (1 / C with scikit-learn's C=1.0), in the standardised features


def fisher_batch(proba_pool, Z_pool, proba_labeled, Z_labeled, candidates, n, *, random_state=None) -> np.ndarray:
    """Greedy Fisher-information batch: ``n`` of ``candidates`` that most reduce ``tr(A^-1 F)``.

    Parameters
    ----------
    proba_pool : ndarray of shape (n_pool, n_classes)
        The model's probabilities on the pool.
    Z_pool : ndarray of shape (n_pool, n_features)
        The features the classifier sees, for the pool.
    proba_labeled, Z_labeled : ndarray
        The same for the labelled rows (may have no rows).
    candidates : ndarray of int
        Pool positions to choose among; their features are capped at their median norm.
    n : int
        Batch size, at most ``len(candidates)``.
    random_state : int, numpy.random.Generator or None
        Seeds the projection of wide features.

    Returns
    -------
    ndarray of int
        ``n`` distinct pool positions from ``candidates``, in the order chosen.
    """
    Z_pool, Z_labeled = _narrow(np.asarray(Z_pool, float), np.asarray(Z_labeled, float), random_state)
    F = _information(proba_pool, Z_pool) / len(Z_pool)
    A_inv = np.linalg.inv(_information(proba_labeled, Z_labeled) + RIDGE * np.eye(len(F)))
    G = _factors(proba_pool[candidates], _capped(Z_pool[candidates]))
    K = G.shape[2]
    B = np.einsum("de,nek->ndk", A_inv, G)  # A^-1 G, kept current as rows join the batch
    C = np.einsum("de,nek->ndk", F, B)  # F A^-1 G
    taken = np.zeros(len(candidates), dtype=bool)
    order = []
    for _ in range(n):
        inner = np.eye(K) + np.einsum("ndk,ndj->nkj", G, B)
        gain = np.trace(np.linalg.solve(inner, np.einsum("ndk,ndj->nkj", B, C)), axis1=1, axis2=2)
        gain[taken] = -np.inf
        j = int(np.argmax(gain))
        taken[j] = True
        order.append(j)
        # Woodbury: A gains G_j G_j^T, so A^-1 loses B_j inner_j^-1 B_j^T.
        step = np.linalg.solve(inner[j], np.einsum("dk,ndj->nkj", B[j], G))
        B = B - np.einsum("dk,nkj->ndj", B[j], step)
        C = C - np.einsum("dk,nkj->ndj", C[j], step)
    return np.asarray(candidates)[order]


def _information(proba, Z) -> np.ndarray:
    """The rows' summed Fisher information, ``sum_x (diag(p) - p p^T) kron z z^T``; one weight vector for 2 classes."""
    Z = _with_intercept(Z)
    proba = np.asarray(proba, dtype=float)
    if proba.shape[1] == 2:
        return (Z * (proba[:, 0] * proba[:, 1])[:, None]).T @ Z
    n_rows, d = Z.shape
    K = proba.shape[1]
    S = np.einsum("nk,kl->nkl", proba, np.eye(K)) - proba[:, :, None] * proba[:, None, :]
    by_pair = (S.reshape(n_rows, K * K)[:, :, None] * Z[:, None, :]).reshape(n_rows, -1).T @ Z  # (k, l, f) x g
    return by_pair.reshape(K, K, d, d).transpose(0, 2, 1, 3).reshape(K * d, K * d)


def _factors(proba, Z) -> np.ndarray:
    """Each row's factor ``G`` (rows, D, K) with ``G G^T`` its Fisher information (D = K x features, or features)."""
    Z = _with_intercept(Z)
    proba = np.asarray(proba, dtype=float)
    if proba.shape[1] == 2:
        return (Z * np.sqrt(proba[:, 0] * proba[:, 1])[:, None])[:, :, None]
    n_rows, d = Z.shape
    K = proba.shape[1]
    root = np.sqrt(proba)
    L = np.einsum("nk,kj->nkj", root, np.eye(K)) - proba[:, :, None] * root[:, None, :]  # L L^T = diag(p) - p p^T
    return np.einsum("nkj,nf->nkfj", L, Z).reshape(n_rows, K * d, K)


def _capped(Z) -> np.ndarray:
    """Rows shrunk to at most the rows' median norm (their direction kept)."""
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    return Z * np.minimum(1.0, np.median(norms) / np.maximum(norms, np.finfo(float).tiny))


def _with_intercept(Z) -> np.ndarray:
    return np.column_stack([Z, np.ones(len(Z))])


def _narrow(Z_pool, Z_labeled, random_state):
    """Project features wider than MAX_FEATURES on the pool's and labels' leading principal components."""
    if Z_pool.shape[1] <= MAX_FEATURES:
        return Z_pool, Z_labeled
    seed = int(np.random.default_rng(random_state).integers(2**31 - 1))
    pca = PCA(n_components=MAX_FEATURES, svd_solver="randomized", random_state=seed)
    pca.fit(np.vstack([Z_pool, Z_labeled]))
    return pca.transform(Z_pool), pca.transform(Z_labeled)
