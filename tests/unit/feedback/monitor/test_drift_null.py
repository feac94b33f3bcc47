"""The null of the drifted-column count: the vectorised verdicts against column_drift, the draws, the rule."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from feedback.monitor import DriftNull, column_drift, dataset_drift, drift_null
from feedback.monitor.drift_draws import _ks_critical_step, drift_verdicts, pool_columns
from feedback.monitor.window_drift import null_rows


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _mixed_frame(rng, n_reference, n_current, n_windows):
    """Reference rows then windows, every kind of column, some shifted windows, missing values and new categories."""
    n = n_reference + n_windows * n_current
    shift = np.r_[np.zeros(n_reference), np.repeat(np.linspace(0.0, 0.4, n_windows), n_current)]
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n) + shift,
            "six": (rng.integers(0, 8, n) + (shift > 0.2)).astype(float),
            "few": (rng.integers(0, 3, n) + (rng.random(n) < shift)).astype(float),
            "flag": (rng.random(n) < 0.5 + shift / 4).astype(int),
            "letter": np.where(rng.random(n) < shift, "e", rng.choice(list("abcd"), n)),
        }
    )
    frame.loc[rng.random(n) < 0.05, "x"] = np.nan
    frame.loc[rng.random(n) < 0.05, "letter"] = None
    return frame


@pytest.mark.parametrize("n_reference, n_current", [(60, 40), (400, 150), (900, 300), (2500, 80), (4000, 1000)])
def test_vectorised_verdicts_equal_column_drift_s(rng, n_reference, n_current):
    n_windows = 5
    frame = _mixed_frame(rng, n_reference, n_current, n_windows)
    reference = frame.iloc[:n_reference]
    valid = {c: int(reference[c].notna().sum()) for c in frame.columns}
    columns = pool_columns(frame, list(frame.columns), None, valid)
    ref_w = np.zeros((n_windows, len(frame)))
    ref_w[:, :n_reference] = 1.0
    cur_w = np.zeros_like(ref_w)
    for w in range(n_windows):
        cur_w[w, n_reference + w * n_current : n_reference + (w + 1) * n_current] = 1.0
    flags, scores = drift_verdicts(columns, ref_w, cur_w)
    for w in range(n_windows):
        window = frame.iloc[n_reference + w * n_current : n_reference + (w + 1) * n_current]
        for k, name in enumerate(frame.columns):
            expected = column_drift(reference[name], window[name])
            assert columns[k].test == expected.test, name
            assert flags[w, k] == expected.drifted, (name, w, expected)
            if expected.test in ("wasserstein", "jensenshannon"):
                assert scores[w, k] == pytest.approx(expected.statistic / 0.1)
            elif abs(np.log(expected.statistic / 0.05)) > 1e-6:  # away from the turning point
                assert (scores[w, k] >= 1.0) == expected.drifted, (name, w, expected, scores[w, k])


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation unsuccessful:RuntimeWarning")
@pytest.mark.parametrize("n1, n2", [(30, 20), (100, 50), (7, 13), (300, 300)])
def test_the_exact_ks_critical_step_is_where_scipy_s_p_value_crosses_5_percent(n1, n2):
    lcm = np.lcm(n1, n2)
    step = _ks_critical_step(n1, n2)
    for i in range(n1 + 1):
        for j in range(0, n2 + 1, max(1, n2 // 25)):
            h = abs(i * (lcm // n1) - j * (lcm // n2))
            x, y = np.repeat([0.0, 1.0], [i, n1 - i]), np.repeat([0.0, 1.0], [j, n2 - j])
            assert (stats.ks_2samp(x, y).pvalue < 0.05) == (h >= step), (i, j)


def test_weights_must_be_two_arrays_of_one_shape():
    with pytest.raises(ValueError, match="same 2-D shape"):
        drift_verdicts([], np.ones((2, 3)), np.ones((2, 4)))


# --- the rule ------------------------------------------------------------------------------------------


def _null(flags, scores=None, alpha=0.05):
    flags = np.asarray(flags, dtype=bool)
    scores = flags * 2.0 if scores is None else scores
    columns = tuple(f"c{k}" for k in range(flags.shape[1]))
    return DriftNull(flags, scores, columns, n_reference=100, n_current=50, n_pool=100, draws="split", alpha=alpha)


def test_the_p_value_counts_the_draws_with_as_many_drifted_columns_or_more():
    flags = np.zeros((99, 4), dtype=bool)
    flags[:10, :2] = True  # 10 draws flag 2 columns
    flags[10:14, :4] = True  # 4 draws flag all 4
    null = _null(flags)
    assert null.p_value(1) == pytest.approx(15 / 100) and null.p_value(3) == pytest.approx(5 / 100)
    assert null.critical_count() == 3, "the fewest drifted columns with a p-value of 5% or less"
    assert null.expected_count() == pytest.approx((10 * 2 + 4 * 4) / 99)
    assert null.column_rates == {"c0": pytest.approx(14 / 99), "c1": pytest.approx(14 / 99), "c2": 4 / 99, "c3": 4 / 99}
    # Over columns c2 and c3 only, 4 draws of 99 flag both and none flags one alone.
    assert null.critical_count(["c2", "c3"]) == 1 and null.p_value(1, columns=["c2", "c3"]) == pytest.approx(5 / 100)
    assert null.to_dict(["c2", "c3"])["expected_share"] == pytest.approx(4 / 99)


def test_a_count_that_chance_reaches_too_often_alarms_only_when_stronger_than_chance():
    flags = np.ones((99, 3), dtype=bool)
    null = _null(flags, scores=np.linspace(1.0, 3.0, 99)[:, None] * flags)
    assert null.critical_count() == 4 and null.p_value(3) == 1.0
    assert null.p_value(3, strength=3 * 2.95) == pytest.approx(4 / 100), "three draws as strong, plus one"
    assert null.p_value(3, strength=100.0) == pytest.approx(1 / 100)
    assert np.allclose(null.p_value([3, 3], [0.0, 100.0]), [1.0, 0.01])


# --- the draws -----------------------------------------------------------------------------------------


def test_small_references_are_split_and_large_ones_bootstrapped_from_a_bounded_pool(rng):
    small = pd.DataFrame(rng.normal(size=(600, 3))).add_prefix("x")
    null = drift_null(small, 5000)
    assert (null.draws, null.n_pool, null.n_draws, null.columns) == ("split", 600, 200, ("x0", "x1", "x2"))
    assert null.flags.shape == (200, 3)
    large = pd.DataFrame(rng.normal(size=(9000, 3))).add_prefix("x")
    null = drift_null(large, 300, max_pool_rows=1500, n_draws=99)
    assert (null.draws, null.n_pool, null.n_draws, null.n_reference) == ("bootstrap", 1500, 99, 9000)
    again = drift_null(large, 300, max_pool_rows=1500, n_draws=99)
    assert np.array_equal(null.flags, again.flags), "the same random_state gives the same null"


def test_p_value_tests_flag_about_5_percent_of_null_columns(rng):
    null = drift_null(pd.DataFrame(rng.normal(size=(800, 10))).add_prefix("x"), 200)
    assert 0.02 <= null.expected_count() / 10 <= 0.08


def test_correlated_features_widen_the_null(rng):
    common = rng.normal(size=(3000, 1))
    independent = pd.DataFrame(rng.normal(size=(3000, 20))).add_prefix("x")
    correlated = pd.DataFrame(0.95 * common + 0.31 * rng.normal(size=(3000, 20))).add_prefix("x")
    loose, tight = drift_null(independent, 300), drift_null(correlated, 300)
    assert tight.counts().std() > 2 * loose.counts().std()
    assert tight.critical_count() > loose.critical_count()


def test_a_small_window_against_a_large_reference_needs_more_than_wasserstein_noise(rng):
    reference = pd.DataFrame(rng.normal(size=(3000, 10))).add_prefix("x")
    steady = pd.DataFrame(rng.normal(size=(50, 10))).add_prefix("x")
    chance = drift_null(reference, 50)
    assert chance.expected_count() > 5, "normalised Wasserstein at 0.1 flags most columns of a 50-row window"
    report = dataset_drift(reference, steady, chance=chance)
    assert report.share_drifted >= 0.5 and not report.dataset_drifted
    # All ten columns drift by chance often enough, so it is the strength that tells a real shift.
    shifted = dataset_drift(reference, steady + 1.0, chance=chance)
    assert shifted.n_drifted == 10 and shifted.required_drifted == 11 and shifted.dataset_drifted


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alpha": 0.0}, "alpha"),
        ({"n_draws": 10}, "n_draws must be at least 19"),
        ({"n_current": 0}, "n_current"),
    ],
)
def test_drift_null_names_what_is_wrong(rng, kwargs, message):
    reference = pd.DataFrame(rng.normal(size=(100, 2))).add_prefix("x")
    with pytest.raises(ValueError, match=message):
        drift_null(reference, **{"n_current": 50, **kwargs})
    with pytest.raises(ValueError, match="at least 2 rows"):
        drift_null(reference.iloc[:1], 50)


def test_dataset_drift_refuses_a_null_drawn_for_other_columns(rng):
    reference = pd.DataFrame(rng.normal(size=(200, 3))).add_prefix("x")
    chance = drift_null(reference[["x0", "x1"]], 100)
    with pytest.raises(ValueError, match="other columns"):
        dataset_drift(reference, reference.iloc[:100], chance=chance)


def test_report_json_says_what_chance_flags(rng):
    reference = pd.DataFrame(rng.normal(size=(500, 4))).add_prefix("x")
    payload = dataset_drift(reference, reference.iloc[:100] + 2.0).to_dict()
    assert payload["dataset_drifted"] and payload["required_drifted"] == 2 and payload["p_value"] < 0.01
    assert payload["chance"]["n_draws"] == 200 and payload["chance"]["critical_count"] == 2
    assert all(0.0 <= column["chance_rate"] <= 0.2 for column in payload["columns"].values())


def test_windows_share_a_null_by_size_rounded_down_to_two_significant_digits():
    assert [null_rows(n) for n in (1, 99, 100, 347, 1234, 5000)] == [1, 99, 100, 340, 1200, 5000]
