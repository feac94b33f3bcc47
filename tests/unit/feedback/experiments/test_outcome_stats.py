"""The per-unit tests of a continuous outcome: ours against scipy's Welch test, CUPED, and the mSPRT on means."""

import numpy as np
import pytest
from scipy import stats

from feedback.experiments import msprt_likelihood_ratio
from feedback.experiments.outcomes import (
    cuped_theta,
    mean_msprt_p_value,
    mean_sequential_state,
    unit_moments,
    welch_from_moments,
    welch_test,
)
from feedback.experiments.sequential import mixture_likelihood_ratio


def _revenue(rng, n):
    """Many zeros, lognormal amounts, and a pre-experiment value correlated with the outcome."""
    x = (rng.random(n) < 0.4) * rng.lognormal(1.0, 1.2, n)
    y = 0.6 * x + (rng.random(n) < 0.3) * rng.lognormal(1.0, 1.2, n)
    return y, x


@pytest.mark.parametrize("sizes", [(5, 7), (120, 80), (2000, 2500)])
def test_the_vectorised_welch_test_matches_scipys(sizes):
    rng = np.random.default_rng(sizes[0])
    (y1, x1), (y2, x2) = _revenue(rng, sizes[0]), _revenue(rng, sizes[1])
    ours = welch_from_moments(unit_moments(y1, y2), cuped=False)
    theirs = stats.ttest_ind(y2, y1, equal_var=False)
    interval = theirs.confidence_interval(0.95)
    np.testing.assert_allclose(
        [ours.t, ours.df, ours.p_value, ours.ci_low, ours.ci_high],
        [theirs.statistic, theirs.df, theirs.pvalue, interval.low, interval.high],
        rtol=1e-9,
    )
    # CUPED: Welch's test on Y - theta (X - mean X), theta from both arms pooled
    x, y = np.concatenate([x1, x2]), np.concatenate([y1, y2])
    theta = np.cov(x, y)[0, 1] / np.var(x, ddof=1)
    adjusted = [yi - theta * (xi - x.mean()) for yi, xi in ((y1, x1), (y2, x2))]
    theirs = stats.ttest_ind(adjusted[1], adjusted[0], equal_var=False)
    moments = unit_moments(y1, y2, x1, x2)
    ours, scalar = welch_from_moments(moments), welch_test(y1, y2, x1, x2)
    np.testing.assert_allclose(cuped_theta(moments), theta, rtol=1e-9)
    for result in (ours, scalar):
        np.testing.assert_allclose([result.t, result.df, result.p_value], [theirs.statistic, theirs.df, theirs.pvalue])
        np.testing.assert_allclose(result.diff, adjusted[1].mean() - adjusted[0].mean(), atol=1e-12)


def test_cuped_shrinks_the_variance_by_the_explained_share():
    rng = np.random.default_rng(1)
    (y1, x1), (y2, x2) = _revenue(rng, 20_000), _revenue(rng, 20_000)
    result = welch_test(y1, y2, x1, x2)
    rho2 = np.corrcoef(np.concatenate([x1, x2]), np.concatenate([y1, y2]))[0, 1] ** 2
    assert result.variance_reduction == pytest.approx(rho2, abs=0.02)
    assert welch_test(y1, y2).variance_reduction == 0.0 and welch_test(y1, y2).theta == 0.0


def test_vectorised_rows_are_independent_experiments():
    rng = np.random.default_rng(2)
    y1, y2 = rng.lognormal(0, 1, (3, 50)), rng.lognormal(0, 1, (3, 60))
    rows = welch_from_moments(unit_moments(y1, y2), cuped=False)
    for i in range(3):
        assert rows.p_value[i] == pytest.approx(stats.ttest_ind(y2[i], y1[i], equal_var=False).pvalue)


def test_too_few_units_or_no_spread_is_no_evidence():
    assert welch_test([3.0], [1.0, 2.0]).p_value == 1.0
    assert welch_test([0.0, 0.0, 0.0], [0.0, 0.0]).p_value == 1.0


@pytest.mark.parametrize(
    "args, message",
    [
        (([1.0, 2.0], [1.0, 2.0], [0.0, 1.0], None), "for both arms"),
        (([1.0, np.inf], [1.0, 2.0]), "finite numbers"),
        (([1.0, 2.0], [1.0, 2.0], [0.0], [1.0, 2.0]), "as long as"),
    ],
)
def test_bad_input_says_what_is_wrong(args, message):
    with pytest.raises(ValueError, match=message):
        welch_test(*args)


def test_the_mixture_is_the_one_of_the_proportions_msprt():
    # the proportions' mSPRT is the normal mixture on p2 - p1 with the unpooled variance
    x1, n1, x2, n2 = 160, 200, 175, 200
    p1, p2 = x1 / n1, x2 / n2
    var = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    assert mixture_likelihood_ratio(p2 - p1, var, 0.0025) == pytest.approx(msprt_likelihood_ratio(x1, n1, x2, n2))


def test_the_mean_msprt_is_the_running_minimum_over_looks():
    rng = np.random.default_rng(3)
    y1, y2 = rng.lognormal(0, 1, 400), rng.lognormal(0.2, 1, 400)
    looks = [100, 200, 300, 400]
    moments = [unit_moments(y1[:k], y2[:k]) for k in looks]
    stacked = unit_moments(y1, y2)
    stacked = type(stacked)(*(np.stack([getattr(m, f) for m in moments], axis=-1) for f in vars(stacked)))
    per_look = []
    for m in moments:
        w = welch_from_moments(m, cuped=False)
        var = (w.ci_high - w.diff) ** 2 / stats.t.isf(0.025, w.df) ** 2
        per_look.append(min(1.0, 1.0 / float(mixture_likelihood_ratio(w.diff, var, 0.04))))
    assert mean_msprt_p_value(stacked, tau2=0.04, cuped=False) == pytest.approx(min(per_look))
    state = mean_sequential_state(stacked, tau2=0.04, cuped=False)
    assert (state.n_looks, state.n1, state.n2, state.tau2) == (4, 400, 400, 0.04)
    assert state.p_value == pytest.approx(min(per_look)) and state.rejected == (min(per_look) < 0.05)
    # without a stated effect the mixing sd is a tenth of the pooled per-unit sd, so the unit does not matter
    scaled = type(stacked)(*(getattr(stacked, f) * s for f, s in zip(vars(stacked), [1, 7, 49, 1, 1, 1], strict=True)))
    assert mean_msprt_p_value(scaled, cuped=False) == pytest.approx(mean_msprt_p_value(stacked, cuped=False))
