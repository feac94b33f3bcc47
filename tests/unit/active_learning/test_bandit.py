"""The default policy's mechanics: the reward, the exploration floor, Thompson sampling, determinism."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

from active_learning import (
    ARMS,
    STRATEGIES,
    LabelValue,
    bandit_query,
    build_estimator,
    chosen_vs_random,
    compare_chosen_sets,
    default_query,
    draw_arm,
    fit_clone,
    floor_count,
    infer_feature_schema,
)
from active_learning.bandit import PRIOR_MEAN, PRIOR_SD, posterior
from active_learning.strategies import ARM_MIN_LABELS, ARM_PRIORS

CHOSEN = next(name for name in ARMS if name != "random")  # the default's (first) non-random arm


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=400, centers=[[-1.5, 0], [1.5, 0]], cluster_std=1.0, random_state=0)
    return X, y.astype(str)


def _value(difference, se, n_eval=100):
    low, high = difference - 2 * se, difference + 2 * se
    return LabelValue(10, 50, n_eval, 10.0, 0.8, 0.8 - difference, difference, (low, high), se)


def test_reward_is_negative_for_wrong_labels_and_near_zero_for_random_ones(blobs):
    X, y = blobs
    flipped = y.copy()
    wrong = 200 + np.flatnonzero(y[200:] == "0")[:60]  # a "strategy" that chose 60 rows of class 0 labelled 1
    flipped[wrong] = "1"
    random_rows = np.arange(0, 200)
    alike = np.setdiff1d(np.arange(200, 400), wrong)[:60]
    values = compare_chosen_sets(
        LogisticRegression(), X, flipped, random_rows, {"wrong": wrong, "alike": alike}, random_state=0
    )
    assert values["wrong"].interval[1] < 0, "labels that hurt the model get a negative reward"
    assert values["wrong"].accuracy_chosen < values["wrong"].accuracy_random
    low, high = values["alike"].interval
    assert low <= 0 <= high, "labels drawn like the random ones gain nothing over them"
    assert values["alike"].n_eval == 200 and values["alike"].n_random == 200 and values["alike"].n_chosen == 60


def test_reward_matches_the_single_set_form_and_needs_enough_random_labels(blobs):
    X, y = blobs
    chosen, random_rows = np.zeros(len(y), bool), np.zeros(len(y), bool)
    chosen[200:240], random_rows[:100] = True, True
    single = chosen_vs_random(LogisticRegression(), X, y, chosen, random_rows, n_splits=3, random_state=1)
    many = compare_chosen_sets(
        LogisticRegression(), X, y, np.arange(100), {"c": np.arange(200, 240)}, n_splits=3, random_state=1
    )
    assert single == many["c"]
    too_few = chosen_vs_random(LogisticRegression(), X, y, chosen, np.arange(len(y)) < 5)
    assert not too_few.measured and np.isnan(too_few.difference) and too_few.standard_error == np.inf


def test_floor_count_has_the_floor_as_its_mean():
    rng = np.random.default_rng(0)
    assert floor_count(10, 0.2, rng) == 2
    counts = [floor_count(2, 0.2, rng) for _ in range(4000)]
    assert set(counts) == {0, 1}
    assert np.mean(counts) == pytest.approx(0.4, abs=0.03)
    with pytest.raises(ValueError, match="floor must be between 0 and 1"):
        floor_count(5, 1.5, rng)


def test_posterior_is_the_prior_without_evidence_and_follows_strong_evidence():
    assert posterior(LabelValue.unmeasured()) == (PRIOR_MEAN, PRIOR_SD)
    mean, sd = posterior(_value(-0.10, 0.005))
    assert mean == pytest.approx(-0.10, abs=0.005) and sd < 0.005


def test_thompson_sampling_follows_the_rewards():
    def share(value, arm):
        return np.mean([draw_arm({"margin": value}, np.random.default_rng(s)) == arm for s in range(500)])

    assert share(_value(0.10, 0.01), "margin") > 0.99, "a clearly paying arm is played"
    assert share(_value(-0.10, 0.01), "random") > 0.99, "a clearly losing arm gives way to random"
    assert 0.95 < share(LabelValue.unmeasured(), "margin") < 1, "the prior leans to uncertainty, not all the way"


def test_an_arm_with_a_lower_prior_plays_less_until_the_other_arms_labels_measure_worse():
    unmeasured = LabelValue.unmeasured()
    paying = _value(0.05, 0.01)  # chosen labels, pooled, beat random ones

    def share_b(evidence, priors):
        draws = [draw_arm(evidence, np.random.default_rng(s), paying, priors) for s in range(2000)]
        return np.mean(np.array(draws) == "b")

    both_unmeasured = {"a": unmeasured, "b": unmeasured}
    assert 0.45 < share_b(both_unmeasured, None) < 0.55, "equal priors: a coin flip"
    # P(N(0, .05) > N(PRIOR_MEAN, PRIOR_SD)) with the default prior 0.10 +- 0.05: 7.9%
    assert 0.06 < share_b(both_unmeasured, {"b": (0.0, 0.05)}) < 0.10
    assert share_b({"a": _value(-0.10, 0.01), "b": unmeasured}, {"b": (0.0, 0.05)}) > 0.95, (
        "once the first arm's labels hurt, the hedge arm takes over"
    )
    assert posterior(unmeasured, (0.0, 0.05)) == (0.0, 0.05)
    assert set(ARM_PRIORS) <= set(ARMS) - {"random"}, "a prior for an arm the default does not play is a typo"


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    frame = pd.DataFrame(X, columns=["a", "b"])
    model = fit_clone(build_estimator(infer_feature_schema(frame)), frame.iloc[:60], y[:60])
    arms = np.array(["random"] * 30 + [CHOSEN] * 30, dtype=object)
    return model, frame, y, arms


def test_default_query_keeps_the_exploration_floor_and_is_seeded(fitted):
    model, frame, y, arms = fitted
    pool, labelled = frame.iloc[60:], frame.iloc[:60]
    kwargs = {"X_labeled": labelled, "y_labeled": y[:60], "labeled_arms": arms, "floor": 0.2}
    queries = [default_query(model, pool, 10, random_state=seed, **kwargs) for seed in range(30)]
    for query in queries:
        assert len(set(query.indices.tolist())) == 10
        assert set(query.arms) <= set(ARMS)
        n_random = int(np.sum(query.arms == "random"))
        assert n_random == 10 if query.arm == "random" else n_random == 2
        assert set(query.evidence) == set(ARMS) - {"random"}
    again = default_query(model, pool, 10, random_state=7, **kwargs)
    assert again.indices.tolist() == queries[7].indices.tolist() and again.arms.tolist() == queries[7].arms.tolist()


def test_an_arm_plays_only_once_the_task_has_its_minimum_labels(fitted):
    model, frame, y, arms = fitted
    pool = frame.iloc[60:]
    assert ARM_MIN_LABELS and set(ARM_MIN_LABELS) <= set(ARMS) - {"random"}
    for name, minimum in ARM_MIN_LABELS.items():
        for n_labels, may_play in ((minimum - 1, False), (minimum, True)):
            rows = np.r_[0 : n_labels // 2, 30 : 30 + n_labels - n_labels // 2]  # random and chosen labels, half each
            kwargs = {"X_labeled": frame.iloc[rows], "y_labeled": y[rows], "labeled_arms": arms[rows]}
            queries = [default_query(model, pool, 5, random_state=seed, **kwargs) for seed in range(150)]
            assert all((name in query.evidence) == may_play for query in queries), (n_labels, name)
            assert any(query.arm == name for query in queries) == may_play, (n_labels, name)


def test_default_query_is_random_at_cold_start(fitted):
    _, frame, _, _ = fitted
    query = default_query(None, frame, 5, random_state=3)
    assert query.arm == "random" and (query.arms == "random").all()


def test_a_reused_round_draws_from_the_earlier_evidence_without_measuring_again(fitted):
    model, frame, y, arms = fitted
    pool, labelled = frame.iloc[60:], frame.iloc[:60]
    measured = default_query(model, pool, 10, random_state=1, X_labeled=labelled, y_labeled=y[:60], labeled_arms=arms)
    assert measured.pooled.measured and measured.evidence[CHOSEN].measured
    # without labels nothing could be measured: the reused evidence is what the round draws from
    reused = default_query(model, pool, 10, random_state=2, X_labeled=labelled, reuse=measured)
    assert reused.evidence == measured.evidence and reused.pooled == measured.pooled
    unreused = default_query(model, pool, 10, random_state=2, X_labeled=labelled)
    assert not unreused.pooled.measured
    cold = default_query(None, pool, 10, random_state=3)  # a cold start measured nothing: it is not reused
    assert not default_query(model, pool, 10, random_state=2, X_labeled=labelled, reuse=cold).pooled.measured


def test_with_one_chosen_arm_its_evidence_is_the_pooled_evidence(fitted):
    model, frame, y, arms = fitted
    arms = np.where(arms == "random", "random", "margin").astype(object)
    two_arms = {"random": STRATEGIES["random"], "margin": STRATEGIES["margin"]}
    kwargs = {"X_labeled": frame.iloc[:60], "y_labeled": y[:60], "labeled_arms": arms, "random_state": 4}
    query = bandit_query(two_arms, model, frame.iloc[60:], 5, **kwargs)
    assert query.pooled.measured and query.pooled == query.evidence["margin"]
    # labels of an arm no longer played still count in the pooled evidence
    older = np.where(np.arange(60) % 3 == 0, "entropy", arms).astype(object)
    mixed = bandit_query(two_arms, model, frame.iloc[60:], 5, **{**kwargs, "labeled_arms": older})
    assert mixed.pooled.n_chosen > mixed.evidence["margin"].n_chosen
