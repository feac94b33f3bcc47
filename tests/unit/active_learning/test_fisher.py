"""Fisher-information batches: the greedy rule against its definition, and what it buys over margin alone."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from active_learning import fisher_batch, get_strategy


def _information(p, x):
    """One row's Fisher information for a softmax model (one weight vector for two classes), from the definition."""
    z = np.append(x, 1.0)
    if len(p) == 2:
        return p[0] * p[1] * np.outer(z, z)
    return np.kron(np.diag(p) - np.outer(p, p), np.outer(z, z))


def _pool_variance(proba, Z, rows, F, ridge=1.0):
    A = ridge * np.eye(len(F)) + sum((_information(proba[i], Z[i]) for i in rows), np.zeros_like(F))
    return np.trace(np.linalg.solve(A, F))


def _capped(Z, rows):
    """Z with ``rows`` shrunk, one by one, to at most their median norm."""
    cap = np.median([np.linalg.norm(Z[i]) for i in rows])
    out = Z.copy()
    for i in rows:
        out[i] = Z[i] * min(1.0, cap / np.linalg.norm(Z[i]))
    return out


@pytest.mark.parametrize("classes", [2, 3])
def test_each_pick_is_the_row_that_most_lowers_the_pool_variance(classes):
    rng = np.random.default_rng(classes)
    Z = rng.normal(size=(60, 4))
    logits = Z @ rng.normal(size=(4, classes))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labeled, pool = np.arange(10), np.arange(10, 60)
    F = sum(_information(proba[i], Z[i]) for i in pool) / len(pool)
    candidates = pool[::2] - 10
    picked = fisher_batch(proba[pool], Z[pool], proba[labeled], Z[labeled], candidates, 4)
    asked = _capped(Z, candidates + 10)  # a candidate's information counts its capped features
    chosen = list(labeled)
    for position in picked:
        left = [c for c in candidates if c + 10 not in chosen]
        best = min(left, key=lambda c: _pool_variance(proba, asked, [*chosen, c + 10], F))
        assert position == best
        chosen.append(position + 10)


def _fixed_logistic(weights, intercept):
    model = LogisticRegression()
    model.classes_, model.coef_, model.intercept_ = np.array([0, 1]), np.array([weights]), np.array([intercept])
    return model


def test_fisher_margin_asks_about_a_new_direction_where_margin_repeats_itself():
    # On the decision boundary, five copies of one row and, on the other side of the second feature, five copies
    # of a row a little off it; confident rows on either side: margin spends a batch of 2 on two copies of the
    # first; once one copy is labelled another adds little information, so fisher-margin asks about one of each.
    model = _fixed_logistic([4.0, 0.0], 0.0)
    rng = np.random.default_rng(0)
    confident = np.column_stack([rng.choice([-2.0, 2.0], 30), rng.normal(size=30)])
    pool = np.vstack([np.tile([0.0, 1.0], (5, 1)), np.tile([0.05, -1.0], (5, 1)), confident])
    margin, _ = get_strategy("margin")(model, pool, 2, random_state=0)
    fisher, margins = get_strategy("fisher-margin")(model, pool, 2, random_state=0)
    assert set(margin.tolist()) <= set(range(5))
    assert sorted(i // 5 for i in fisher) == [0, 1]
    proba = model.predict_proba(pool[fisher])
    np.testing.assert_allclose(margins, np.abs(proba[:, 1] - proba[:, 0]))


def test_wide_features_are_projected_and_the_batch_is_seeded():
    # One-hot and text features run to thousands of columns: they are projected before the information is built.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 150))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = LogisticRegression(max_iter=500).fit(X[:40], y[:40])
    strategy = get_strategy("fisher-margin")
    first, _ = strategy(model, X[40:], 8, random_state=7, X_labeled=X[:40])
    again, _ = strategy(model, X[40:], 8, random_state=7, X_labeled=X[:40])
    assert first.tolist() == again.tolist() and len(set(first.tolist())) == 8
    uncertain = set(np.argsort(np.abs(np.diff(model.predict_proba(X[40:]), axis=1).ravel()))[:24].tolist())
    assert set(first.tolist()) <= uncertain, "picks come from the 3 x batch most uncertain rows"


def test_a_far_row_does_not_win_on_its_distance_alone():
    # Every row sits on the decision boundary. The pool varies mostly along the second feature; one candidate lies
    # far out along the first. Uncapped, its information (growing with the square of its distance) outweighs the
    # rows along the pool's main direction; capped at the candidates' median norm, a row along that direction wins.
    rng = np.random.default_rng(0)
    pool = np.column_stack([0.3 * rng.normal(size=40), 2.0 * rng.normal(size=40)])
    pool[:4] = [[12.0, 0.0], [0.0, 1.0], [0.0, -1.2], [0.1, 1.1]]
    proba = np.full((40, 2), 0.5)
    first = fisher_batch(proba, pool, proba[:0], pool[:0], np.arange(4), 1)
    assert first.tolist() != [0]
    F = sum(_information(p, z) for p, z in zip(proba, pool, strict=True)) / len(pool)
    uncapped = [_pool_variance(proba, pool, [c], F) for c in range(4)]
    assert int(np.argmin(uncapped)) == 0  # the far row is what an uncapped criterion asks first
