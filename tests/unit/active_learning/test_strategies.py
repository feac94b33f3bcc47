import warnings

import numpy as np
import pytest
from modAL.uncertainty import entropy_sampling as modal_entropy
from modAL.uncertainty import margin_sampling as modal_margin
from modAL.uncertainty import uncertainty_sampling as modal_uncertainty
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris

from active_learning import (
    STRATEGIES,
    EmptyPoolError,
    bottom_k,
    build_estimator,
    fit_clone,
    get_strategy,
    infer_feature_schema,
    is_fitted,
    random_k,
    spread_top_k,
    top_k,
)


class FixedProba(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose predict_proba returns a fixed table; X holds row numbers."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X=None, y=None):
        self.classes_ = np.arange(np.shape(self.proba)[1])
        return self

    def predict_proba(self, X):
        return np.asarray(self.proba, dtype=float)[np.asarray(X, dtype=int).ravel()]


# Row 4 (near uniform) is the least confident and has the highest entropy, row 3
# comes second on both; row 1 has the smallest margin (0.45 - 0.44), row 4 the next.
PROBA = [
    [0.98, 0.01, 0.01],
    [0.45, 0.44, 0.11],
    [0.70, 0.20, 0.10],
    [0.40, 0.30, 0.30],
    [0.36, 0.33, 0.31],
    [0.90, 0.05, 0.05],
]
POOL = np.arange(len(PROBA)).reshape(-1, 1)


@pytest.fixture(scope="module")
def iris_model():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X = X.rename(columns=lambda c: c.replace(" ", "_").replace("(", "").replace(")", ""))
    estimator = build_estimator(infer_feature_schema(X))
    labeled = np.r_[0:5, 50:55, 100:105]
    model = fit_clone(estimator, X.iloc[labeled], y.to_numpy()[labeled])
    pool = X.drop(index=labeled).reset_index(drop=True)
    return model, pool, X.iloc[labeled], estimator


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_strategy_returns_distinct_in_pool_indices(name, iris_model):
    model, pool, labeled, _ = iris_model
    indices, scores = get_strategy(name)(model, pool, 7, random_state=0, X_labeled=labeled)
    assert len(indices) == 7 and len(scores) == 7
    assert len(set(indices.tolist())) == 7
    assert all(0 <= i < len(pool) for i in indices)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_same_random_state_gives_same_indices(name, iris_model):
    model, pool, labeled, _ = iris_model
    strategy = get_strategy(name)
    first, _ = strategy(model, pool, 5, random_state=42, X_labeled=labeled)
    again, _ = strategy(model, pool, 5, random_state=42, X_labeled=labeled)
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_cold_start_falls_back_to_random(name, iris_model):
    _, pool, _, unfitted = iris_model
    assert not is_fitted(unfitted) and not is_fitted(None)
    indices, _ = get_strategy(name)(unfitted, pool, 4, random_state=3)
    expected, _ = get_strategy("random")(None, pool, 4, random_state=3)
    np.testing.assert_array_equal(indices, expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("least-confident", [4, 3]),
        ("margin", [1, 4]),
        ("entropy", [4, 3]),
        ("spread-margin", [1, 4]),
    ],
)
def test_uncertainty_strategies_pick_least_certain_rows(name, expected):
    indices, _ = get_strategy(name)(FixedProba(PROBA).fit(), POOL, 2, random_state=0)
    assert indices.tolist() == expected


def test_single_queries_match_modal():
    estimator = FixedProba(PROBA).fit()
    for ours, theirs in (("least-confident", modal_uncertainty), ("margin", modal_margin), ("entropy", modal_entropy)):
        mine, _ = get_strategy(ours)(estimator, POOL, 1, random_state=0)
        reference, _ = theirs(estimator, POOL, n_instances=1)
        assert mine.tolist() == list(reference)


def test_scores_are_the_measure_of_chosen_rows():
    indices, scores = get_strategy("margin")(FixedProba(PROBA).fit(), POOL, 1)
    assert indices.tolist() == [1] and scores[0] == pytest.approx(0.01)
    _, scores = get_strategy("random")(FixedProba(PROBA).fit(), POOL, 2, random_state=0)
    assert np.isnan(scores).all()


def test_get_strategy_names_the_choices():
    with pytest.raises(ValueError, match="Unknown query strategy 'smallest'.*random, least-confident, margin"):
        get_strategy("smallest")


def test_query_size_errors(iris_model):
    model, pool, _, _ = iris_model
    with pytest.raises(ValueError, match="pool holds only"):
        get_strategy("margin")(model, pool.iloc[:3], 5)
    with pytest.raises(EmptyPoolError):
        get_strategy("random")(model, pool.iloc[:0], 1)
    with pytest.raises(ValueError, match="positive integer"):
        get_strategy("entropy")(model, pool, 0)


def test_top_k_breaks_ties_by_seed():
    scores = np.ones(50)
    picks = {tuple(top_k(scores, 3, random_state=seed)) for seed in range(10)}
    assert len(picks) > 1
    assert top_k(scores, 3, random_state=5).tolist() == top_k(scores, 3, random_state=5).tolist()
    assert top_k([0.2, np.nan, 0.9, 0.5], 2, random_state=0).tolist() == [2, 3]
    assert bottom_k([0.2, 0.1, 0.9], 1).tolist() == [1]
    assert sorted(random_k(5, 5, random_state=0).tolist()) == [0, 1, 2, 3, 4]


def test_spread_top_k_skips_near_duplicates():
    scores = np.array([0.99, 0.989, 0.988, 0.987, 0.986, 0.5, 0.45, 0.4, 0.35, 0.3])
    embedding = np.array(
        [
            [0.0, 0.0],
            [0.0, 0.001],
            [0.001, 0.0],
            [0.001, 0.001],
            [0.0, 0.002],
            [5.0, 5.0],
            [9.0, 0.0],
            [0.0, 9.0],
            [9.0, 9.0],
            [4.0, 8.0],
        ]
    )
    assert top_k(scores, 5).tolist() == [0, 1, 2, 3, 4]
    spread, bonus = spread_top_k(scores, lambda positions: embedding[positions], 5, weight=1.0)
    assert spread[0] == 0 and sum(i < 5 for i in spread) == 1
    assert bonus[0] == 0 and np.all(bonus[1:] > 0.5)
    plain, no_bonus = spread_top_k(scores, None, 5, weight=0.0)
    assert plain.tolist() == [0, 1, 2, 3, 4] and not no_bonus.any()
    assert spread_top_k(scores, None, 4, weight=1.0)[0].tolist() == [0, 1, 2, 3], "small batches: by score"


def test_spread_margin_is_margin_for_small_batches_and_spreads_large_ones(iris_model):
    model, pool, _, _ = iris_model
    for n in (1, 2, 4):
        ours, _ = get_strategy("spread-margin")(model, pool, n, random_state=0)
        margin, _ = get_strategy("margin")(model, pool, n, random_state=0)
        assert ours.tolist() == margin.tolist()
    spread, _ = get_strategy("spread-margin")(model, pool, 6, random_state=0)
    margin, _ = get_strategy("margin")(model, pool, 6, random_state=0)
    assert len(set(spread.tolist())) == 6 and spread[0] == margin[0]


def test_balanced_batch_weighs_uncertainty_where_ranked_batch_chases_an_outlier():
    import pandas as pd

    rng = np.random.default_rng(0)
    labelled = pd.DataFrame({"a": [-2.0, -2.2, 2.0, 2.2], "b": [0.1, -0.1, 0.1, -0.1]})
    y = np.array(["left", "left", "right", "right"])
    model = fit_clone(build_estimator(infer_feature_schema(labelled)), labelled, y)
    near = np.column_stack([rng.choice([-2.1, 2.1], 40) + rng.normal(0, 0.2, 40), rng.normal(0, 0.2, 40)])
    boundary, outlier = [0.0, 0.0], [2.1, 30.0]  # the one uncertain row; a certain row far from everything
    pool = pd.DataFrame(np.vstack([near, boundary, outlier]), columns=["a", "b"])
    ranked, _ = get_strategy("ranked-batch")(model, pool, 1, X_labeled=labelled)
    balanced, margins = get_strategy("balanced-batch")(model, pool, 1, X_labeled=labelled)
    assert ranked.tolist() == [41]  # modAL's alpha is 0.91 with 4 labelled rows: distance decides
    assert balanced.tolist() == [40] and margins[0] < 0.1


def test_cluster_margin_takes_one_central_row_per_uncertain_region():
    # FixedProba reads each row's number as its only feature: rows 0-9 and 150-159 are two far-apart regions of
    # uncertain rows (the first a little less certain), rows 60-89 confident ones between them.
    proba = np.tile([0.95, 0.05], (200, 1))
    proba[0:10] = [0.505, 0.495]
    proba[150:160] = [0.53, 0.47]
    pool = np.r_[0:10, 60:90, 150:160].reshape(-1, 1)
    estimator = FixedProba(proba).fit()
    margin, _ = get_strategy("margin")(estimator, pool, 2, random_state=0)
    clustered, margins = get_strategy("cluster-margin")(estimator, pool, 2, random_state=0)
    assert all(pool[i, 0] < 10 for i in margin), "margin alone spends the batch on the one region"
    assert sorted(pool[clustered, 0].tolist()) in ([4, 154], [4, 155], [5, 154], [5, 155]), "the centre of each"
    np.testing.assert_allclose(margins, [proba[pool[i, 0], 0] - proba[pool[i, 0], 1] for i in clustered])


def test_cluster_margin_fills_the_batch_when_the_uncertain_rows_are_identical():
    # Categorical tasks log many identical rows: k-means then finds fewer distinct clusters than the batch asks for.
    proba = np.tile([0.5, 0.5], (40, 1))
    pool = np.zeros((40, 1), dtype=int)  # every row is row 0: one point, forty times
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and says nothing about it: the batch is filled, not short
        indices, margins = get_strategy("cluster-margin")(FixedProba(proba).fit(), pool, 3, random_state=0)
    assert len(set(indices.tolist())) == 3 and all(0 <= i < 40 for i in indices)
    np.testing.assert_allclose(margins, 0.0)
