"""The A/B statistics against hand computations, and the recommendation's rules."""

import math

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from feedback.experiments import (
    ACTIONS,
    DEFAULT_TAU2,
    Recommendation,
    SequentialState,
    SequentialTest,
    ZTestResult,
    msprt_likelihood_ratio,
    msprt_p_value,
    recommend,
    srm_check,
    two_proportion_ztest,
)

# ------------------------------------------------------------------ z-test


def test_ztest_matches_hand_computation():
    r = two_proportion_ztest(1600, 2000, 1700, 2000)
    assert isinstance(r, ZTestResult)
    # pooled p = 3300/4000 = 0.825; se0 = sqrt(0.825 * 0.175 * (2/2000))
    se0 = math.sqrt(0.825 * 0.175 * 2 / 2000)
    assert r.z == pytest.approx(0.05 / se0)
    assert r.p_value == pytest.approx(math.erfc(abs(r.z) / math.sqrt(2)))
    assert r.diff == pytest.approx(0.05)
    # unpooled se = sqrt(0.8*0.2/2000 + 0.85*0.15/2000)
    se = math.sqrt(0.16 / 2000 + 0.1275 / 2000)
    assert r.ci_low == pytest.approx(0.05 - 1.959963985 * se)
    assert r.ci_high == pytest.approx(0.05 + 1.959963985 * se)
    assert (r.x1, r.n1, r.x2, r.n2, r.alpha) == (1600, 2000, 1700, 2000, 0.05)
    assert r.rejected


def test_ztest_squared_is_the_uncorrected_chi_squared():
    r = two_proportion_ztest(37, 120, 55, 130)
    chi2 = chi2_contingency([[37, 83], [55, 75]], correction=False)[0]
    assert r.z**2 == pytest.approx(chi2)


def test_ztest_is_antisymmetric_in_the_arms():
    a = two_proportion_ztest(30, 100, 45, 90)
    b = two_proportion_ztest(45, 90, 30, 100)
    assert a.z == pytest.approx(-b.z)
    assert a.diff == pytest.approx(-b.diff)
    assert a.p_value == pytest.approx(b.p_value)
    assert a.ci_low == pytest.approx(-b.ci_high)


def test_ztest_alpha_sets_the_interval_level():
    wide = two_proportion_ztest(30, 100, 45, 90, alpha=0.01)
    narrow = two_proportion_ztest(30, 100, 45, 90, alpha=0.10)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


def test_ztest_identical_degenerate_arms_give_no_evidence():
    r = two_proportion_ztest(50, 50, 80, 80)
    assert (r.z, r.p_value, r.diff) == (0.0, 1.0, 0.0)
    assert not r.rejected


def test_ztest_broadcasts_like_a_loop():
    rng = np.random.default_rng(3)
    n1, n2 = rng.integers(1, 300, 50), rng.integers(1, 300, 50)
    x1, x2 = rng.binomial(n1, 0.4), rng.binomial(n2, 0.5)
    vec = two_proportion_ztest(x1, n1, x2, n2)
    for i in range(50):
        one = two_proportion_ztest(int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]))
        assert vec.p_value[i] == pytest.approx(one.p_value)
        assert vec.ci_low[i] == pytest.approx(one.ci_low)
    assert isinstance(one.p_value, float) and isinstance(one.n1, int)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0, 0, 5, 10), r"champion \(x1, n1\) arm has no trials \(n = 0\)"),
        ((5, 10, 0, 0), r"challenger \(x2, n2\) arm has no trials \(n = 0\)"),
        ((11, 10, 5, 10), "success count below 0 or above its trials"),
        ((-1, 10, 5, 10), "success count below 0 or above its trials"),
        ((2.5, 10, 5, 10), "x1 must hold whole numbers"),
        ((1, float("nan"), 5, 10), "n1 must hold whole numbers"),
        (([1, 2], [10, 10, 10], 5, 10), "do not broadcast"),
    ],
)
def test_ztest_refuses_bad_counts(args, match):
    with pytest.raises(ValueError, match=match):
        two_proportion_ztest(*args)


def test_ztest_refuses_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        two_proportion_ztest(1, 10, 2, 10, alpha=1.5)


# ------------------------------------------------------------------ mSPRT


def test_likelihood_ratio_matches_the_formula():
    x1, n1, x2, n2, tau2 = 400, 500, 440, 500, 0.0025
    p1, p2 = 0.8, 0.88
    v = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    expected = math.sqrt(v / (v + tau2)) * math.exp(tau2 * (p2 - p1) ** 2 / (2 * v * (v + tau2)))
    assert msprt_likelihood_ratio(x1, n1, x2, n2, tau2=tau2) == pytest.approx(expected)
    assert msprt_p_value(x1, n1, x2, n2, tau2=tau2) == pytest.approx(min(1.0, 1.0 / expected))


def test_p_value_is_the_minimum_over_looks():
    x1, n1 = [85, 160, 240], [100, 200, 300]
    x2, n2 = [95, 172, 252], [100, 200, 300]
    per_look = [min(1.0, 1.0 / msprt_likelihood_ratio(a, b, c, d)) for a, b, c, d in zip(x1, n1, x2, n2, strict=True)]
    assert msprt_p_value(x1, n1, x2, n2) == pytest.approx(min(per_look))
    # the first look is the strongest here, and later weaker looks do not undo it
    assert per_look[0] < per_look[-1]


def test_p_value_over_experiments_along_an_axis():
    x1 = np.array([[85, 160], [80, 170]])
    n = np.array([[100, 200], [100, 200]])
    x2 = np.array([[95, 172], [81, 171]])
    rows = msprt_p_value(x1, n, x2, n)
    assert rows.shape == (2,)
    cols = msprt_p_value(x1.T, n.T, x2.T, n.T, axis=0)
    np.testing.assert_allclose(rows, cols)
    assert rows[0] == pytest.approx(msprt_p_value(x1[0], n[0], x2[0], n[0]))


def test_degenerate_variance():
    # 0 of 100 against 100 of 100: overwhelming evidence, pooled variance used
    assert msprt_p_value(0, 100, 100, 100) < 1e-6
    # identical arms that all succeeded (or all failed): no evidence
    assert msprt_p_value(100, 100, 100, 100) == 1.0
    assert msprt_p_value(0, 100, 0, 100) == 1.0


@pytest.mark.parametrize("tau2", [0, -1.0, float("inf"), "x"])
def test_bad_tau2_is_refused(tau2):
    with pytest.raises(ValueError, match="tau2"):
        msprt_p_value(1, 10, 2, 10, tau2=tau2)


def test_sequential_test_init_only_stores_parameters():
    test = SequentialTest(alpha=2.0, tau2=-1)  # validated at update, not at construction
    assert (test.alpha, test.tau2, test.state_) == (2.0, -1, None)
    with pytest.raises(ValueError, match="alpha"):
        test.update(1, 10, 2, 10)
    assert SequentialTest().tau2 == DEFAULT_TAU2


def test_sequential_test_matches_msprt_p_value_and_never_rises():
    rng = np.random.default_rng(11)
    x1 = rng.binomial(100, 0.8, 30).cumsum()
    x2 = rng.binomial(100, 0.84, 30).cumsum()
    n = 100 * np.arange(1, 31)
    test = SequentialTest(alpha=0.05)
    previous = 1.0
    for look in range(30):
        state = test.update(x1[look], n[look], x2[look], n[look])
        assert isinstance(state, SequentialState)
        assert state.n_looks == look + 1
        assert state.p_value <= previous
        seen = slice(0, look + 1)
        assert state.p_value == pytest.approx(msprt_p_value(x1[seen], n[seen], x2[seen], n[seen]))
        assert state.rejected == (state.p_value < 0.05)
        assert (state.x1, state.n1, state.x2, state.n2) == (x1[look], n[look], x2[look], n[look])
        previous = state.p_value
    assert test.state_ is state


def test_sequential_rejection_sticks():
    test = SequentialTest()
    assert test.update(1600, 2000, 1700, 2000).rejected
    # the challenger's lead vanishes later; an always-valid rejection stands
    later = test.update(3300, 4000, 3300, 4000)
    assert later.rejected and later.diff == 0.0


def test_sequential_test_refuses_non_cumulative_counts_and_empty_arms():
    test = SequentialTest()
    test.update(80, 100, 85, 100)
    with pytest.raises(ValueError, match="cumulative"):
        test.update(40, 50, 90, 110)
    with pytest.raises(ValueError, match=r"n = 0"):
        SequentialTest().update(0, 0, 1, 10)
    with pytest.raises(ValueError, match="single count"):
        SequentialTest().update([1, 2], [10, 10], 1, 10)


# ------------------------------------------------------------------ recommendation

BALANCED = srm_check(10_000, 10_000, 0.5)
SKEWED = srm_check(10_400, 9_600, 0.5)


def _assert_evidence(rec: Recommendation):
    """Every reason carries numbers; the test reasons carry their counts."""
    assert rec.action in ACTIONS
    for reason in rec.reasons:
        assert any(ch.isdigit() for ch in reason), reason


def test_better_accuracy_promotes_with_evidence():
    acc = two_proportion_ztest(1600, 2000, 1700, 2000)
    disputes = two_proportion_ztest(500, 10_000, 490, 10_000)
    rec = recommend(acc, disputes, BALANCED)
    assert rec.action == "promote challenger"
    _assert_evidence(rec)
    text = " ".join(rec.reasons)
    for fragment in ("1,700/2,000", "1,600/2,000", "+0.050", "490/10,000", "10,000 champion / 10,000 challenger"):
        assert fragment in text
    assert len(rec.reasons) == 3


def test_worse_accuracy_keeps_champion():
    rec = recommend(two_proportion_ztest(1700, 2000, 1600, 2000), None, BALANCED)
    assert rec.action == "keep champion"
    assert "(worse)" in rec.reasons[1]
    _assert_evidence(rec)


def test_more_disputes_keep_champion_even_when_accuracy_is_better():
    acc = two_proportion_ztest(1600, 2000, 1700, 2000)
    disputes = two_proportion_ztest(500, 10_000, 650, 10_000)
    rec = recommend(acc, disputes, BALANCED)
    assert rec.action == "keep champion"
    assert "Dispute rate" in rec.reasons[2] and "(worse)" in rec.reasons[2]


def test_fewer_disputes_alone_do_not_promote():
    acc = two_proportion_ztest(1600, 2000, 1610, 2000)
    disputes = two_proportion_ztest(500, 10_000, 350, 10_000)
    rec = recommend(acc, disputes, BALANCED)
    assert rec.action == "keep collecting"
    assert "(better)" in rec.reasons[2]
    _assert_evidence(rec)


def test_no_difference_keeps_collecting():
    rec = recommend(two_proportion_ztest(160, 200, 165, 200), None, None)
    assert rec.action == "keep collecting"
    assert len(rec.reasons) == 1  # no split (shadow mode) and no disputes given: accuracy only
    assert "165/200" in rec.reasons[0] and "no significant difference" in rec.reasons[0]


def test_sample_ratio_mismatch_overrides_everything():
    assert SKEWED.mismatch
    rec = recommend(two_proportion_ztest(1600, 2000, 1700, 2000), None, SKEWED)
    assert rec.action == "investigate traffic split"
    assert "sample-ratio mismatch, so the arm comparisons are not trusted" in rec.reasons[0]
    assert "10,400 champion / 9,600 challenger" in rec.reasons[0]
    _assert_evidence(rec)


def test_recommend_reads_sequential_states():
    acc = SequentialTest()
    acc.update(160, 200, 170, 200)
    acc_state = acc.update(1600, 2000, 1700, 2000)
    disputes = SequentialTest().update(500, 10_000, 495, 10_000)
    rec = recommend(acc_state, disputes, BALANCED)
    assert rec.action == "promote challenger"
    assert "always-valid p" in rec.reasons[1] and "after 2 look(s)" in rec.reasons[1]
    _assert_evidence(rec)
    # at 2,000 units a 5-point lead rejects; at 200 it does not yet
    early = SequentialTest().update(160, 200, 170, 200)
    assert recommend(early, None, BALANCED).action == "keep collecting"
