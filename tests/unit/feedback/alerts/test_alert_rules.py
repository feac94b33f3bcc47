"""Alert rules: floors, ceilings, the 3-sigma band, the minimum sample size, drift."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback.alerts import AlertDecision, MetricRule, default_rules, evaluate_drift, evaluate_rule, evaluate_rules
from feedback.monitor import dataset_drift

STEADY = [0.90, 0.92, 0.91, 0.89, 0.90]  # mean 0.904, sample std 0.0114: band [0.870, 0.938]


def test_floor_fires_without_history_and_names_metric_value_n_and_threshold():
    decision = evaluate_rule(MetricRule("accuracy", floor=0.8), [], 0.75, n=120)
    assert decision.kind == "floor" and decision.threshold == 0.8
    assert decision.metric == "accuracy" and decision.value == 0.75 and decision.n == 120
    assert decision.message == "accuracy 0.750 (n=120) is below the floor 0.800"


def test_ceiling_fires_for_an_upper_metric():
    decision = evaluate_rule(MetricRule("dispute_rate", ceiling=0.1, direction="upper"), [], 0.15, n=400)
    assert decision.kind == "ceiling" and decision.message == "dispute_rate 0.150 (n=400) is above the ceiling 0.100"


def test_nothing_fires_below_the_minimum_sample_size():
    rule = MetricRule("accuracy", floor=0.8, min_n=30)
    assert evaluate_rule(rule, STEADY, 0.1, n=29) is None
    assert evaluate_rule(rule, STEADY, 0.1, n=30) is not None


def test_band_is_mean_plus_minus_three_sample_sigma_of_past_windows():
    mean, sigma = np.mean(STEADY), np.std(STEADY, ddof=1)
    decision = evaluate_rule(MetricRule("accuracy"), STEADY, 0.85, n=200)
    assert decision.kind == "band_lower"
    assert decision.band == pytest.approx((mean - 3 * sigma, mean + 3 * sigma))
    assert decision.threshold == pytest.approx(mean - 3 * sigma) and decision.n_history == 5
    assert "below the band's lower limit 0.870 (mean 0.904 - 3 sigma of 5 past windows)" in decision.message
    assert evaluate_rule(MetricRule("accuracy"), STEADY, 0.88, n=200) is None


def test_band_needs_three_past_windows():
    rule = MetricRule("accuracy")
    assert evaluate_rule(rule, STEADY[:2], 0.5, n=200) is None
    assert evaluate_rule(rule, STEADY[:3], 0.5, n=200).kind == "band_lower"
    assert evaluate_rule(MetricRule("accuracy", min_windows=6), STEADY, 0.5, n=200) is None


def test_direction_picks_the_side_of_the_band():
    high = 0.99
    assert evaluate_rule(MetricRule("accuracy", direction="lower"), STEADY, high, n=200) is None
    assert evaluate_rule(MetricRule("dispute_rate", direction="upper"), STEADY, high, n=200).kind == "band_upper"
    assert evaluate_rule(MetricRule("x", direction="both"), STEADY, high, n=200).kind == "band_upper"
    assert evaluate_rule(MetricRule("x", direction="both"), STEADY, 0.5, n=200).kind == "band_lower"
    assert evaluate_rule(MetricRule("dispute_rate", direction="upper"), STEADY, 0.5, n=200) is None


def test_floor_takes_precedence_over_the_band():
    decision = evaluate_rule(MetricRule("accuracy", floor=0.8), STEADY, 0.7, n=200)
    assert decision.kind == "floor" and decision.band is not None


def test_band_can_be_turned_off():
    assert evaluate_rule(MetricRule("accuracy", band_sigma=None), STEADY, 0.5, n=200) is None


def test_missing_values_are_skipped_and_a_missing_current_never_fires():
    history = [0.90, None, float("nan"), 0.92, 0.91]
    decision = evaluate_rule(MetricRule("accuracy"), history, 0.5, n=200)
    assert decision.n_history == 3
    assert evaluate_rule(MetricRule("accuracy", floor=0.9), STEADY, None, n=200) is None
    assert evaluate_rule(MetricRule("accuracy", floor=0.9), STEADY, float("nan"), n=200) is None


def test_bad_rules_are_rejected():
    with pytest.raises(ValueError, match="direction must be one of"):
        evaluate_rule(MetricRule("accuracy", direction="down"), STEADY, 0.5, n=200)
    with pytest.raises(ValueError, match="n must be >= 0"):
        evaluate_rule(MetricRule("accuracy"), STEADY, 0.5, n=-1)


def test_band_false_alarm_rate_on_steady_windows_is_small():
    """Accuracy of 60-item audit windows from a steady 0.88 model: how often does the band fire?"""
    rng = np.random.default_rng(5)
    rule = MetricRule("accuracy")
    fired = checked = 0
    for _ in range(300):
        values = rng.binomial(60, 0.88, size=13) / 60
        for t in range(3, 13):
            checked += 1
            fired += evaluate_rule(rule, values[:t], values[t], n=60) is not None
    assert fired / checked <= 0.05, f"band fired on {fired}/{checked} steady windows"


def test_decisions_serialise_to_json():
    decision = evaluate_rule(MetricRule("accuracy"), STEADY, 0.5, n=200)
    payload = json.loads(json.dumps(decision.to_dict()))
    assert payload["metric"] == "accuracy" and payload["kind"] == "band_lower" and len(payload["band"]) == 2
    assert AlertDecision("a", 1.0, 1, "floor", 0.5, "m").to_dict()["band"] is None


# --- drift and the defaults ---------------------------------------------------------------------------


def test_evaluate_drift_fires_on_a_drifted_dataset_and_names_the_columns():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({c: rng.normal(size=800) for c in "abcd"})
    cur = pd.DataFrame({c: rng.normal(1.0 if c in "abc" else 0.0, size=300) for c in "abcd"})
    report = dataset_drift(ref, cur)
    decision = evaluate_drift(report, n=300)
    assert decision.metric == "drift_share" and decision.kind == "dataset_drift"
    assert decision.value == pytest.approx(0.75) and decision.threshold == 0.5
    expected = f"{report.expected_drifted:.1f} on average, p={report.p_value:.3f}"
    assert (
        decision.message
        == f"feature drift in 3 of 4 columns (share 0.75 >= 0.50, n=300; chance alone flags {expected}): a, b, c"
    )
    assert evaluate_drift(report.to_dict(), n=300) == decision
    assert evaluate_drift(report, n=10) is None
    steady = dataset_drift(ref, pd.DataFrame({c: rng.normal(size=300) for c in "abcd"}))
    assert evaluate_drift(steady, n=300) is None


def test_default_rules_cover_accuracy_disputes_and_confidence():
    rules = default_rules(accuracy_floor=0.8, dispute_ceiling=0.2)
    assert rules["accuracy"] == MetricRule("accuracy", floor=0.8, direction="lower")
    assert rules["dispute_rate"].direction == "upper" and rules["dispute_rate"].ceiling == 0.2
    assert rules["mean_confidence"].direction == "lower"
    assert all(rule.min_n == 30 and rule.band_sigma == 3.0 for rule in rules.values())


def test_evaluate_rules_uses_each_metrics_own_history_and_n():
    rules = default_rules(accuracy_floor=0.8, dispute_ceiling=0.2)
    fired = evaluate_rules(
        rules,
        history={"mean_confidence": [0.80, 0.81, 0.79, 0.80]},
        current={"accuracy": 0.7, "dispute_rate": 0.3, "mean_confidence": 0.6},
        n={"accuracy": 12, "dispute_rate": 500, "mean_confidence": 500},
    )
    assert [(d.metric, d.kind) for d in fired] == [("dispute_rate", "ceiling"), ("mean_confidence", "band_lower")]
