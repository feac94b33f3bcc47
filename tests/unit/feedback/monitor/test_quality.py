"""Live-quality figures against hand-computed values and scikit-learn."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, precision_recall_fscore_support

from active_learning import compare_models
from feedback.monitor import (
    Estimate,
    calibration_table,
    class_mix,
    estimate_accuracy,
    estimate_proportion,
    estimate_quality,
    wilson_interval,
)

# --- Wilson interval --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "successes, n, expected",
    [
        # Reference values: Brown, Cai and DasGupta (2001) / statsmodels proportion_confint(method="wilson").
        (45, 50, (0.7864, 0.9565)),
        (0, 10, (0.0, 0.2775)),
        (10, 10, (0.7225, 1.0)),
        (1, 2, (0.0945, 0.9055)),
    ],
)
def test_wilson_interval_matches_reference_values(successes, n, expected):
    assert wilson_interval(successes, n) == pytest.approx(expected, abs=1e-4)


def test_wilson_interval_matches_the_closed_form_at_other_confidence_levels():
    k, n, z = 30, 40, 2.5758293035489  # z for 99%
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    assert wilson_interval(k, n, confidence=0.99) == pytest.approx((centre - half, centre + half))


def test_wilson_interval_is_none_without_data_and_nan_in_arrays():
    assert wilson_interval(0, 0) == (None, None)
    low, high = wilson_interval(np.array([3, 0]), np.array([10, 0]))
    assert low[0] == pytest.approx(wilson_interval(3, 10)[0]) and np.isnan(low[1]) and np.isnan(high[1])


@pytest.mark.parametrize("successes, n, confidence", [(5, 4, 0.95), (-1, 4, 0.95), (1, -1, 0.95), (1, 4, 1.0)])
def test_wilson_interval_rejects_impossible_input(successes, n, confidence):
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence)


def test_wilson_interval_covers_at_its_nominal_rate():
    rng = np.random.default_rng(0)
    p, n = 0.85, 60
    hits = rng.binomial(n, p, size=20_000)
    low, high = wilson_interval(hits, np.full_like(hits, n))
    assert 0.93 <= np.mean((low <= p) & (p <= high)) <= 0.97


# --- accuracy -----------------------------------------------------------------------------------------


def test_estimate_accuracy_gives_estimate_interval_and_n():
    result = estimate_accuracy(["a"] * 9 + ["b"], ["a"] * 9 + ["a"])
    assert result.estimate == pytest.approx(0.9) and result.n == 10
    assert (result.ci_low, result.ci_high) == pytest.approx(wilson_interval(9, 10))
    assert result.ci_low < result.estimate < result.ci_high


def test_estimate_accuracy_is_null_without_audit_labels_and_serialises():
    result = estimate_accuracy([], [])
    assert result == Estimate(None, None, None, 0)
    assert json.loads(json.dumps(result.to_dict())) == {"estimate": None, "ci_low": None, "ci_high": None, "n": 0}


def test_estimate_accuracy_accepts_pandas_arrow_strings():
    truth = pd.Series(["1", "2", "2"], dtype="string")
    assert estimate_accuracy(truth, pd.Series(["1", "2", "1"])).estimate == pytest.approx(2 / 3)


def test_estimate_accuracy_rejects_mismatched_or_missing_labels():
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 1"):
        estimate_accuracy(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="missing"):
        estimate_accuracy(["a", None], ["a", "b"])


def test_estimate_proportion_for_a_dispute_rate():
    assert estimate_proportion(3, 120).estimate == pytest.approx(0.025)
    assert estimate_proportion(0, 0).estimate is None


# --- macro-F1 and per-class figures -------------------------------------------------------------------


def _noisy_predictions(seed=0, n=400, labels=("cat", "dog", "fox", "owl")):
    rng = np.random.default_rng(seed)
    truth = rng.choice(labels, n, p=[0.4, 0.3, 0.2, 0.1])
    pred = np.where(rng.random(n) < 0.8, truth, rng.choice(labels, n))
    return truth, pred, list(labels)


def test_estimate_quality_matches_scikit_learn():
    truth, pred, labels = _noisy_predictions()
    quality = estimate_quality(truth, pred, labels + ["emu"])  # a class nobody saw
    precision, recall, _, support = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    assert quality["n"] == len(truth)
    assert quality["accuracy"]["estimate"] == pytest.approx(np.mean(truth == pred))
    # Macro-F1 averages over every task label: "emu", which nobody saw, counts as F1 = 0.
    assert quality["macro_f1"]["estimate"] == pytest.approx(
        f1_score(truth, pred, labels=labels + ["emu"], average="macro", zero_division=0)
    )
    for i, label in enumerate(labels):
        figures = quality["per_class"][label]
        assert figures["precision"]["estimate"] == pytest.approx(precision[i])
        assert figures["recall"]["estimate"] == pytest.approx(recall[i])
        assert figures["recall"]["n"] == figures["support"] == support[i]
        assert figures["precision"]["n"] == figures["n_predicted"] == np.sum(pred == label)
    assert quality["per_class"]["emu"]["precision"] == {"estimate": None, "ci_low": None, "ci_high": None, "n": 0}
    json.dumps(quality)


def test_macro_f1_interval_brackets_the_estimate_and_is_reproducible():
    truth, pred, labels = _noisy_predictions()
    first = estimate_quality(truth, pred, labels, random_state=3)["macro_f1"]
    again = estimate_quality(truth, pred, labels, random_state=3)["macro_f1"]
    other = estimate_quality(truth, pred, labels, random_state=4)["macro_f1"]
    assert first == again and first != other
    assert first["ci_low"] < first["estimate"] < first["ci_high"]
    assert first["ci_high"] - first["ci_low"] < 0.15


@pytest.mark.parametrize(
    "truth, pred, labels, expected",
    [
        (["a", "a", "b"], ["a", "b", "b"], ["a", "b", "c"], 4 / 9),  # over classes present it was 2/3
        (["a", "b", "b", "a", "b"], ["a", "b", "a", "a", "b"], ["a", "b", "c"], 0.8 * 2 / 3),
    ],
)
def test_monitor_and_gate_show_one_macro_f1_for_the_same_items(truth, pred, labels, expected):
    monitor = estimate_quality(truth, pred, labels)["macro_f1"]["estimate"]
    gate = compare_models(truth, pred, pred, labels, n_resamples=10).champion.macro_f1
    assert monitor == gate == pytest.approx(expected)


def test_macro_f1_interval_narrows_with_more_labels():
    small = estimate_quality(*_noisy_predictions(n=100))["macro_f1"]
    large = estimate_quality(*_noisy_predictions(n=1600))["macro_f1"]
    assert large["ci_high"] - large["ci_low"] < (small["ci_high"] - small["ci_low"]) / 2


def test_estimate_quality_without_audit_labels_is_all_nulls():
    quality = estimate_quality([], [], ["a", "b"])
    assert quality["accuracy"]["estimate"] is None and quality["macro_f1"]["estimate"] is None
    assert quality["per_class"]["a"]["recall"]["n"] == 0


def test_estimate_quality_rejects_labels_outside_the_task():
    with pytest.raises(ValueError, match="y_pred has values outside labels: 'zebra'"):
        estimate_quality(["a"], ["zebra"], ["a", "b"])


# --- calibration and class mix ------------------------------------------------------------------------


def test_calibration_table_bins_every_item_once():
    confidence = [0.0, 0.05, 0.15, 0.95, 1.0, 1.0]
    correct = [False, False, True, True, True, False]
    table = calibration_table(confidence, correct, n_bins=10)
    assert len(table) == 10 and table["n"].sum() == 6
    assert table["n"].tolist() == [2, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    last = table.iloc[-1]
    assert last["mean_confidence"] == pytest.approx((0.95 + 1 + 1) / 3)
    assert last["accuracy"] == pytest.approx(2 / 3)
    assert (last["accuracy_ci_low"], last["accuracy_ci_high"]) == pytest.approx(wilson_interval(2, 3))
    assert np.isnan(table.loc[2, "accuracy"]) and table.loc[2, "n"] == 0


def test_calibration_table_of_a_calibrated_model_follows_the_diagonal():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.3, 1.0, 20_000)
    correct = rng.random(20_000) < confidence
    table = calibration_table(confidence, correct).query("n > 500")
    assert np.allclose(table["accuracy"], table["mean_confidence"], atol=0.03)


def test_calibration_table_rejects_bad_confidence():
    with pytest.raises(ValueError, match="within"):
        calibration_table([1.2], [True])
    with pytest.raises(ValueError, match="confidence has 2 values but correct has 1"):
        calibration_table([0.5, 0.6], [True])


def test_class_mix_sets_predicted_and_reference_shares_side_by_side():
    mix = class_mix(["b", "b", "a", "b"], ["a", "a", "b", "c"], ["a", "b", "c"])
    assert mix["label"].tolist() == ["a", "b", "c"]
    assert mix["predicted_n"].tolist() == [1, 3, 0]
    assert mix["predicted_share"].tolist() == pytest.approx([0.25, 0.75, 0.0])
    assert mix["reference_share"].tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert mix["share_difference"].tolist() == pytest.approx([-0.25, 0.5, -0.25])


def test_class_mix_of_an_empty_window_has_nan_shares_and_unknown_classes_fail():
    assert class_mix([], ["a"], ["a", "b"])["predicted_share"].isna().all()
    with pytest.raises(ValueError, match="predicted has values outside labels"):
        class_mix(["z"], ["a"], ["a", "b"])
