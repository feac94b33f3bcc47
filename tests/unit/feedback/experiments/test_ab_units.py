"""Per-unit sums and the cluster-robust A/B tests: against statsmodels, and reducing to the classical tests."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from feedback.experiments import (
    SequentialTest,
    UnitSums,
    clustered_msprt_p_value,
    clustered_ztest,
    cumulative_unit_sums,
    msprt_p_value,
    two_proportion_ztest,
    unit_sums,
)


def _clustered_arm(rng, units: int, per_unit_max: int, mean: float):
    """Per-unit successes and trials with unit-level rates (so the trials of a unit go together)."""
    trials = rng.integers(1, per_unit_max + 1, units)
    return rng.binomial(trials, rng.beta(20 * mean, 20 * (1 - mean), units)), trials


# ------------------------------------------------------------------ the classical tests are the special case


@pytest.mark.parametrize("seed", range(5))
def test_one_trial_per_unit_gives_exactly_the_classical_tests(seed):
    rng = np.random.default_rng(seed)
    n1, n2 = rng.integers(5, 400, 2)
    y1, y2 = rng.binomial(1, 0.8, n1), rng.binomial(1, 0.75, n2)
    arm1, arm2 = unit_sums(y1, np.ones(n1)), unit_sums(y2, np.ones(n2))
    assert arm1.design_effect == pytest.approx(1.0, abs=1e-12) and arm1.units == n1

    clustered, classical = clustered_ztest(arm1, arm2), two_proportion_ztest(y1.sum(), n1, y2.sum(), n2)
    for field in ("z", "p_value", "diff", "ci_low", "ci_high"):
        assert getattr(clustered, field) == pytest.approx(getattr(classical, field), rel=1e-9, abs=1e-12)
    assert (clustered.units1, clustered.units2) == (classical.units1, classical.units2) == (n1, n2)

    # the mSPRT over looks: arm 1's units arrive one by one (a per-unit table per look), arm 2 is complete
    seen = np.arange(n1) <= np.arange(n1 // 2, n1, 7)[:, None]
    looks1 = unit_sums(y1 * seen, seen.astype(int))
    looks2 = unit_sums(np.tile(y2, (len(seen), 1)), np.ones((len(seen), n2)))
    x1, m1 = looks1.successes, looks1.trials
    expected = msprt_p_value(x1, m1, np.full_like(x1, y2.sum()), np.full_like(m1, n2))
    assert clustered_msprt_p_value(looks1, looks2) == pytest.approx(expected, rel=1e-9)


def test_update_and_update_units_agree_when_each_trial_is_a_unit():
    by_counts, by_units = SequentialTest(), SequentialTest()
    for x1, n1, x2, n2 in ((80, 100, 88, 100), (170, 200, 181, 200)):
        a = by_counts.update(x1, n1, x2, n2)
        b = by_units.update_units(UnitSums.independent(x1, n1), UnitSums.independent(x2, n2))
    assert a == b and (a.units1, a.deff1) == (200, 1.0)


# ------------------------------------------------------------------ the design effect


def test_the_cluster_variance_is_statsmodels_cluster_robust_variance_of_the_mean():
    rng = np.random.default_rng(7)
    successes, trials = _clustered_arm(rng, 40, 30, 0.8)
    arm = unit_sums(successes, trials)
    # the same data, one row per trial, with its unit as the cluster
    unit = np.repeat(np.arange(40), trials)
    outcome = np.concatenate([np.r_[np.ones(s), np.zeros(t - s)] for s, t in zip(successes, trials, strict=True)])
    fit = sm.OLS(outcome, np.ones(len(outcome))).fit(cov_type="cluster", cov_kwds={"groups": unit})
    p, n = arm.successes / arm.trials, arm.trials
    assert fit.params[0] == pytest.approx(p)
    # d = cluster-robust variance / binomial variance with its n / (n - 1) factor
    assert arm.design_effect * p * (1 - p) / (n - 1) == pytest.approx(fit.bse[0] ** 2, rel=1e-10)
    assert arm.design_effect > 2  # units of up to 30 trials with spread rates


@pytest.mark.parametrize(
    "successes, trials, expected",
    [
        ([7], [10], 10.0),  # one unit: it counts once
        ([10, 5], [10, 5], 1.0),  # every trial a success: no variation to inflate
        ([0, 0, 0], [4, 4, 4], 1.0),
        ([2, 2, 2, 2], [4, 4, 4, 4], 1.0),  # units more alike than chance: never below 1
        ([0, 0], [0, 0], 1.0),  # no trials at all
    ],
)
def test_design_effect_edge_cases(successes, trials, expected):
    assert unit_sums(successes, trials).design_effect == expected


def test_unit_sums_reduces_the_unit_axis_and_keeps_the_others():
    rng = np.random.default_rng(2)
    successes, trials = _clustered_arm(rng, 60, 10, 0.7)
    table = np.stack([np.stack([successes, trials])] * 3)  # (3, 2, 60)
    arm = unit_sums(table[:, 0], table[:, 1])
    assert arm.successes.shape == (3,)
    assert arm.design_effect[2] == pytest.approx(unit_sums(successes, trials).design_effect)
    # padding with units that have no trials changes nothing
    padded = unit_sums(np.r_[successes, 0, 0], np.r_[trials, 0, 0])
    assert padded == unit_sums(successes, trials)
    moved = unit_sums(table[:, 0].T, table[:, 1].T, axis=0)
    np.testing.assert_allclose(moved.design_effect, arm.design_effect)


@pytest.mark.parametrize(
    "successes, trials, match",
    [
        ([3, 5], [2, 5], "more successes than trials"),
        ([1.5, 1], [2, 2], "whole numbers"),
        ([-1, 1], [2, 2], "whole numbers >= 0"),
        ([1, 1, 1], [2, 2], "broadcast"),
    ],
)
def test_unit_sums_refuses_bad_counts(successes, trials, match):
    with pytest.raises(ValueError, match=match):
        unit_sums(successes, trials)


def test_cumulative_unit_sums_match_the_per_unit_table_at_every_look():
    rng = np.random.default_rng(4)
    n_events = 400
    units = rng.choice([f"u{i}" for i in range(30)], n_events)
    times = rng.integers(0, 50, n_events)
    trials = rng.integers(0, 4, n_events)
    successes = rng.binomial(trials, 0.6)
    looks = np.array([5, 17, 30, 49])

    streamed = cumulative_unit_sums(units, times, successes, trials, looks)

    for i, look in enumerate(looks):
        seen = times <= look
        names = sorted(set(units))
        y = [successes[seen & (units == u)].sum() for u in names]
        m = [trials[seen & (units == u)].sum() for u in names]
        table = unit_sums(y, m)
        for field in ("successes", "trials", "units", "design_effect"):
            assert getattr(streamed, field)[i] == pytest.approx(getattr(table, field), rel=1e-9)


def test_cumulative_unit_sums_without_events_are_empty_looks():
    empty = cumulative_unit_sums([], [], [], [], np.array([1, 2]))
    np.testing.assert_array_equal(empty.trials, [0, 0])
    np.testing.assert_array_equal(empty.design_effect, [1, 1])


# ------------------------------------------------------------------ the clustered z-test


def test_clustered_ztest_is_the_z_test_on_rao_scott_effective_counts():
    rng = np.random.default_rng(9)
    arm1, arm2 = (unit_sums(*_clustered_arm(rng, 50, 20, p)) for p in (0.8, 0.85))
    r = clustered_ztest(arm1, arm2)
    x1, n1, d1 = arm1.successes, arm1.trials, arm1.design_effect
    x2, n2, d2 = arm2.successes, arm2.trials, arm2.design_effect
    pooled = (x1 / d1 + x2 / d2) / (n1 / d1 + n2 / d2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (d1 / n1 + d2 / n2))
    assert r.z == pytest.approx(z)
    assert r.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    se = math.sqrt(d1 * (x1 / n1) * (1 - x1 / n1) / n1 + d2 * (x2 / n2) * (1 - x2 / n2) / n2)
    assert r.ci_high - r.ci_low == pytest.approx(2 * 1.959963985 * se)
    assert (r.units1, r.n1, r.deff1) == (50, int(n1), d1)
    # wider than the interval that counts trials as independent
    naive = two_proportion_ztest(x1, n1, x2, n2)
    assert r.ci_high - r.ci_low > naive.ci_high - naive.ci_low and r.p_value > naive.p_value


@pytest.mark.parametrize("seed", range(20))
def test_two_proportion_ztest_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n1, n2 = (int(n) for n in rng.integers(2, 5_000, 2))
    x1, x2 = int(rng.binomial(n1, rng.uniform(0.05, 0.95))), int(rng.binomial(n2, rng.uniform(0.05, 0.95)))
    if x1 + x2 in (0, n1 + n2):
        pytest.skip("no variation: statsmodels divides by zero")
    ours = two_proportion_ztest(x1, n1, x2, n2)
    z, p = proportions_ztest([x2, x1], [n2, n1])  # statsmodels tests p_first - p_second
    low, high = confint_proportions_2indep(x2, n2, x1, n1, method="wald", compare="diff")
    assert ours.z == pytest.approx(z, rel=1e-10) and ours.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert ours.ci_low == pytest.approx(max(low, -1.0), abs=1e-12)
    assert ours.ci_high == pytest.approx(min(high, 1.0), abs=1e-12)


# ------------------------------------------------------------------ the clustered mSPRT and its interval


def test_the_always_valid_interval_excludes_zero_exactly_when_the_test_rejects():
    rng = np.random.default_rng(12)
    verdicts = set()
    for lift in (0.0, 0.03, 0.08) * 4:
        test = SequentialTest()
        sums = [np.zeros((2, 0)), np.zeros((2, 0))]
        for _ in range(8):
            for arm, rate in enumerate((0.8, 0.8 + lift)):
                sums[arm] = np.concatenate([sums[arm], np.stack(_clustered_arm(rng, 15, 10, rate))], axis=1)
            state = test.update_units(unit_sums(*sums[0]), unit_sums(*sums[1]))
            assert state.ci_low <= state.diff <= state.ci_high or state.ci_low > state.ci_high
            assert state.rejected == (not state.ci_low <= 0 <= state.ci_high)
            verdicts.add(state.rejected)
        assert state.units1 == 120 and state.deff1 == pytest.approx(unit_sums(*sums[0]).design_effect)
    assert verdicts == {True, False}


def test_the_interval_narrows_as_looks_accumulate_and_matches_the_formula():
    test, tau2 = SequentialTest(), 0.0025
    first = test.update(80, 100, 85, 100)
    v = 0.8 * 0.2 / 100 + 0.85 * 0.15 / 100
    half = math.sqrt(v * (v + tau2) / tau2 * (2 * math.log(20) + math.log(1 + tau2 / v)))
    assert (first.ci_low, first.ci_high) == pytest.approx((0.05 - half, 0.05 + half))
    second = test.update(1600, 2000, 1700, 2000)
    assert first.ci_low <= second.ci_low and second.ci_high <= first.ci_high


def test_looks_before_both_arms_have_data_give_no_evidence():
    arm1 = UnitSums(np.array([0.0, 40, 80]), np.array([0.0, 50, 100]), np.array([0.0, 5, 10]), np.ones(3))
    arm2 = UnitSums(np.array([3.0, 45, 95]), np.array([4.0, 50, 100]), np.array([1.0, 5, 10]), np.ones(3))
    assert clustered_msprt_p_value(arm1, arm2) == pytest.approx(msprt_p_value([40, 80], [50, 100], [45, 95], [50, 100]))


def test_the_design_effect_weakens_the_evidence():
    arm1 = UnitSums(1600.0, 2000.0, 100.0, 1.0)
    strong = clustered_msprt_p_value(arm1, UnitSums(1700.0, 2000.0, 100.0, 1.0))
    weak = clustered_msprt_p_value(UnitSums(1600.0, 2000.0, 100.0, 3.0), UnitSums(1700.0, 2000.0, 100.0, 3.0))
    assert strong < 0.05 < weak
