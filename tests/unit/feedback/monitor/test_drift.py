"""Drift tests: Evidently's choice of test, the statistics against scipy, and the awkward columns."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from feedback.monitor import ColumnDrift, DatasetDrift, column_drift, dataset_drift


@pytest.fixture
def rng():
    return np.random.default_rng(42)


# --- which test, by reference size and column --------------------------------------------------------


@pytest.mark.parametrize(
    "n_reference, values, kind, expected",
    [
        (1000, "many", None, "ks"),
        (1001, "many", None, "wasserstein"),
        (1000, "six", None, "ks"),  # 6 unique values: still numeric
        (1000, "five", None, "chisquare"),  # 5 unique values: treated as categorical
        (1001, "five", None, "jensenshannon"),
        (1000, "two", None, "z"),
        (1000, "many", "categorical", "chisquare"),
        (500, "letters", None, "chisquare"),
        (5000, "letters", None, "jensenshannon"),
        (500, "bools", None, "z"),
    ],
)
def test_the_test_follows_evidentlys_defaults(rng, n_reference, values, kind, expected):
    draw = {
        "many": lambda n: rng.normal(size=n),
        "six": lambda n: rng.integers(0, 6, n).astype(float),
        "five": lambda n: rng.integers(0, 5, n),
        "two": lambda n: rng.integers(0, 2, n),
        "letters": lambda n: rng.choice(list("abcd"), n),
        "bools": lambda n: rng.random(n) < 0.3,
    }[values]
    result = column_drift(draw(n_reference), draw(300), kind=kind)
    assert result.test == expected


def test_unique_values_are_counted_over_both_sides(rng):
    # Four values in the reference, two new ones in the current window: six, so KS.
    assert column_drift(rng.integers(0, 4, 500), rng.integers(2, 8, 300)).test == "ks"


# --- the statistics -----------------------------------------------------------------------------------


def test_ks_statistic_is_scipys_p_value(rng):
    ref, cur = rng.normal(size=800), rng.normal(0.3, size=300)
    result = column_drift(ref, cur)
    # 800 x 300 rows: past the exact method's budget, so scipy's asymptotic p-value.
    assert result.statistic == pytest.approx(stats.ks_2samp(ref, cur, method="asymp").pvalue)
    assert result.threshold == 0.05 and result.drifted == (result.statistic < 0.05)
    assert (result.n_reference, result.n_current) == (800, 300)
    small_ref, small_cur = ref[:200], cur[:100]
    assert column_drift(small_ref, small_cur).statistic == pytest.approx(stats.ks_2samp(small_ref, small_cur).pvalue)


def test_wasserstein_is_normalised_by_the_reference_std(rng):
    ref, cur = rng.normal(0, 2.0, 3000), rng.normal(0.5, 2.0, 300)
    result = column_drift(ref, cur)
    assert result.statistic == pytest.approx(stats.wasserstein_distance(ref, cur) / np.std(ref))
    assert result.drifted and result.threshold == 0.1


def test_jensen_shannon_uses_category_frequencies_with_natural_log(rng):
    ref = rng.choice(["a", "b", "c"], 2000, p=[0.5, 0.3, 0.2])
    cur = np.array(["a"] * 100 + ["b"] * 100 + ["c"] * 50 + ["d"] * 50)
    result = column_drift(ref, cur)
    counts = pd.Series(ref).value_counts()
    p = np.array([counts["a"], counts["b"], counts["c"], 0]) / 2000
    q = np.array([100, 100, 50, 50]) / 300
    assert result.statistic == pytest.approx(distance.jensenshannon(p, q))
    assert result.drifted


def test_chi_squared_is_the_two_sample_test_of_homogeneity(rng):
    ref = rng.choice(["a", "b", "c"], 600, p=[0.5, 0.3, 0.2])
    cur = rng.choice(["a", "b", "c"], 300, p=[0.3, 0.3, 0.4])
    table = np.array([[np.sum(ref == v) for v in "abc"], [np.sum(cur == v) for v in "abc"]])
    result = column_drift(ref, cur)
    assert result.test == "chisquare"
    assert result.statistic == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)
    assert result.drifted


def test_chi_squared_handles_a_category_the_reference_never_had(rng):
    result = column_drift(rng.choice(["a", "b", "c"], 500), np.array(["a", "b", "c", "new"] * 75))
    assert result.test == "chisquare" and np.isfinite(result.statistic) and result.drifted


def test_z_test_is_the_pooled_two_proportion_test():
    ref = np.array([1] * 30 + [0] * 70)
    cur = np.array([1] * 50 + [0] * 50)
    pooled = 80 / 200
    z = (0.3 - 0.5) / np.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    result = column_drift(ref, cur)
    assert result.test == "z" and result.statistic == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert result.drifted


def test_same_distribution_does_not_drift(rng):
    for ref_size in (800, 3000):
        assert not column_drift(rng.normal(size=ref_size), rng.normal(size=300)).drifted
        assert not column_drift(rng.choice(list("xyz"), ref_size), rng.choice(list("xyz"), 300)).drifted


# --- constant columns, missing values, bad input -------------------------------------------------------


@pytest.mark.parametrize("n_reference", [500, 3000])
def test_a_constant_reference_column_drifts_only_when_the_current_differs(rng, n_reference):
    constant = np.zeros(n_reference)
    same = column_drift(constant, np.zeros(300))
    assert same.statistic is not None and not same.drifted
    assert column_drift(constant, np.ones(300)).drifted
    assert column_drift(constant, rng.normal(size=300)).drifted
    assert column_drift(np.array(["x"] * n_reference), np.array(["y"] * 300)).drifted


def test_missing_values_and_infinities_are_dropped(rng):
    ref = rng.normal(size=800)
    cur = rng.normal(size=300)
    dirty_cur = np.concatenate([cur, [np.nan, np.inf, -np.inf]])
    dirty_ref = np.concatenate([ref, [np.nan] * 5])
    clean, dirty = column_drift(ref, cur), column_drift(dirty_ref, dirty_cur)
    assert dirty.statistic == pytest.approx(clean.statistic)
    assert (dirty.n_reference, dirty.n_current) == (800, 300)
    cats = column_drift(pd.Series(["a", None, "b"] * 100), pd.Series(["a", "b", np.nan] * 50))
    assert cats.n_reference == 200 and cats.n_current == 100 and not cats.drifted


def test_a_column_with_nothing_left_is_untested_not_drifted(rng):
    result = column_drift(rng.normal(size=800), np.full(300, np.nan))
    assert result.statistic is None and not result.drifted and not result.tested
    assert column_drift([], []).statistic is None


def test_nullable_and_text_numbers(rng):
    ref = pd.Series(rng.integers(0, 50, 800), dtype="Int64")
    ref[3] = pd.NA
    assert column_drift(ref, pd.Series(rng.integers(0, 50, 300))).test == "ks"
    text_numbers = column_drift(pd.Series(["1.5", "2.5", "3.5"] * 100), [1.5, 2.5, 3.5] * 100, kind="numeric")
    assert text_numbers.test == "chisquare" and not text_numbers.drifted
    with pytest.raises(ValueError, match="not numbers: 'seven'"):
        column_drift(np.array(["1", "seven"] * 5), np.arange(10), kind="numeric")
    with pytest.raises(ValueError, match="kind must be one of"):
        column_drift([1.0], [1.0], kind="ordinal")


# --- the dataset -------------------------------------------------------------------------------------


def _frames(rng, n_reference=800, n_current=300, shift=(0.0, 0.0, 0.0, 0.0)):
    ref = pd.DataFrame({f"x{i}": rng.normal(size=n_reference) for i in range(4)})
    cur = pd.DataFrame({f"x{i}": rng.normal(s, size=n_current) for i, s in enumerate(shift)})
    return ref, cur


def test_dataset_drifts_when_half_or_more_of_the_columns_drift_beyond_chance(rng):
    ref, cur = _frames(rng, shift=(1.0, 1.0, 0.0, 0.0))
    report = dataset_drift(ref, cur)
    assert report.drifted_columns == ["x0", "x1"]
    assert report.share_drifted == 0.5 and report.dataset_drifted
    assert report.required_drifted == 2 and report.p_value <= 0.05
    ref, cur = _frames(rng, shift=(1.0, 0.0, 0.0, 0.0))
    assert not dataset_drift(ref, cur).dataset_drifted
    # A quarter is enough by share. One column of four drifts by chance in about 1 window in 5, but
    # not this strongly: the strength breaks the tie with the null draws that flag one column.
    lenient = dataset_drift(ref, cur, drift_share=0.25)
    assert lenient.share_drifted == 0.25 and lenient.required_drifted == 2
    assert lenient.chance.p_value(1) > 0.1 and lenient.p_value <= 0.05 and lenient.dataset_drifted
    ref, cur = _frames(rng, shift=(0.0, 0.0, 0.0, 0.0))
    assert not dataset_drift(ref, cur, drift_share=0.25).dataset_drifted


def test_to_dict_has_the_monitor_json_shape(rng):
    ref, cur = _frames(rng, shift=(1.0, 0.0, 0.0, 0.0))
    ref["channel"], cur["channel"] = rng.choice(["a", "b"], 800), rng.choice(["a", "b"], 300)
    payload = json.loads(json.dumps(dataset_drift(ref, cur).to_dict()))
    assert {"share_drifted", "dataset_drifted", "columns"} <= set(payload)
    assert list(payload["columns"]) == ["x0", "x1", "x2", "x3", "channel"]
    for column in payload["columns"].values():
        assert {"test", "statistic", "drifted"} <= set(column)
        assert isinstance(column["drifted"], bool) and isinstance(column["statistic"], float)
    assert payload["columns"]["channel"]["test"] == "z"
    assert payload["share_drifted"] == pytest.approx(0.2) and payload["dataset_drifted"] is False


def test_untestable_columns_do_not_count_towards_the_share(rng):
    ref, cur = _frames(rng, shift=(1.0, 0.0, 0.0, 0.0))
    cur[["x2", "x3"]] = np.nan
    report = dataset_drift(ref, cur)
    assert report.n_tested == 2 and report.n_drifted == 1 and report.tested_columns == ["x0", "x1"]
    assert report.share_drifted == 0.5 and report.to_dict()["columns"]["x3"]["statistic"] is None
    # Chance is counted over the two tested columns: one of two drifts by chance in about 1 window in
    # 10, but rarely as strongly as x0 here.
    assert report.required_drifted == 2 and report.chance.p_value(1, columns=["x0", "x1"]) > 0.05
    assert report.p_value <= 0.05 and report.dataset_drifted
    assert report.expected_drifted == pytest.approx(report.chance.expected_count(["x0", "x1"]))


def test_dataset_drift_takes_kinds_columns_and_ignores_extra_current_columns(rng):
    ref = pd.DataFrame({"code": rng.integers(0, 40, 800), "x": rng.normal(size=800)})
    cur = pd.DataFrame({"code": rng.integers(0, 40, 300), "x": rng.normal(size=300), "id": range(300)})
    report = dataset_drift(ref, cur, kinds={"code": "categorical"})
    assert report.columns["code"].test == "chisquare" and report.columns["x"].test == "ks"
    assert list(dataset_drift(ref, cur, columns=["x"]).columns) == ["x"]


def test_dataset_drift_names_what_is_wrong(rng):
    ref, cur = _frames(rng)
    with pytest.raises(ValueError, match="current data lacks columns: x3"):
        dataset_drift(ref, cur.drop(columns="x3"))
    with pytest.raises(ValueError, match="kinds names columns that are not tested: nope"):
        dataset_drift(ref, cur, kinds={"nope": "numeric"})
    with pytest.raises(ValueError, match="no columns"):
        dataset_drift(ref[[]], cur)
    with pytest.raises(ValueError, match="drift_share"):
        dataset_drift(ref, cur, drift_share=0)


def test_results_are_plain_frozen_records():
    report = DatasetDrift(0.0, False, {"a": ColumnDrift("ks", 0.5, 0.05, False, 10, 10)})
    assert report.n_drifted == 0 and report.drifted_columns == []
    with pytest.raises(AttributeError):
        report.columns["a"].drifted = True
