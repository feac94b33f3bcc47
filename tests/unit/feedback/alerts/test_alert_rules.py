"""Alert rules: floors and ceilings beyond chance, the band at each window's own n, the minimum history, drift."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import betabinom, norm
from statsmodels.stats.proportion import proportion_confint

from feedback.alerts import (
    AlertDecision,
    MetricRule,
    Observation,
    default_rules,
    evaluate_drift,
    evaluate_rule,
    limit_bounds,
    mean_band,
    proportion_band,
    tail_level,
)
from feedback.monitor import dataset_drift

# Fifteen steady windows of 300 audit labels around 0.90 (enough history for the default band).
STEADY = [Observation(v, 300) for v in (0.90, 0.92, 0.91, 0.89, 0.90, 0.91, 0.90, 0.89, 0.92, 0.90) + (0.90,) * 5]


def test_floor_fires_only_when_the_wilson_upper_bound_is_below_it():
    rule = MetricRule("accuracy", floor=0.85)
    judged = evaluate_rule(rule, [], Observation(0.65, 120))
    decision = judged.alert
    assert decision.kind == judged.verdict == "floor" and decision.threshold == 0.85
    assert decision.metric == "accuracy" and decision.value == 0.65 and decision.n == 120
    _, high = proportion_confint(78, 120, alpha=2 * norm.sf(3), method="wilson")
    assert decision.message == (
        f"accuracy 0.650 (n=120) is below the floor 0.850 beyond chance (3-sigma upper bound {high:.3f})"
    )
    # 25 of 30 right is below 0.85, but within chance of it: the old point rule fired in 17.9% of such windows.
    assert evaluate_rule(rule, [], Observation(25 / 30, 30)).verdict == "passed"


def test_ceiling_fires_only_when_the_wilson_lower_bound_is_above_it():
    rule = MetricRule("dispute_rate", ceiling=0.1, direction="upper")
    assert evaluate_rule(rule, [], Observation(0.15, 400)).alert.kind == "ceiling"
    assert evaluate_rule(rule, [], Observation(0.12, 400)).alert is None


def test_limit_bounds_match_statsmodels_wilson_and_the_mean_standard_error():
    k, n = np.array([0, 3, 25, 30, 180]), np.array([30, 30, 30, 30, 200])
    low, high = limit_bounds(k / n, n, sigma=2.5)
    ref_low, ref_high = proportion_confint(k, n, alpha=2 * norm.sf(2.5), method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-9) and high == pytest.approx(ref_high, abs=1e-9)
    low, high = limit_bounds(0.8, 100, sigma=3.0, sd=0.2)
    assert (low, high) == pytest.approx((0.74, 0.86))


def test_min_n_gates_every_rule():
    rule = MetricRule("accuracy", floor=0.8, min_n=30)
    assert evaluate_rule(rule, STEADY, Observation(0.1, 29)).verdict == "too_few"
    assert evaluate_rule(rule, STEADY, Observation(0.1, 30)).alert is not None
    assert evaluate_rule(rule, STEADY, Observation(None, 0)).verdict == "too_few"
    assert evaluate_rule(rule, STEADY, Observation(float("nan"), 200)).verdict == "too_few"


def test_band_fires_below_the_binomial_limit_at_the_windows_own_n():
    judged = evaluate_rule(MetricRule("accuracy"), STEADY, Observation(0.84, 300))
    assert judged.verdict == "band_lower" and judged.n_history == 15
    low, high = judged.band
    assert low < 0.904 < high and judged.alert.threshold == low
    assert evaluate_rule(MetricRule("accuracy"), STEADY, Observation(0.88, 300)).verdict == "passed"
    # The same 0.84 on 30 labels is within chance: the band is wider at a smaller n.
    assert evaluate_rule(MetricRule("accuracy"), STEADY, Observation(0.84, 30)).verdict == "passed"


def test_proportion_band_is_the_beta_binomial_tail_and_binomial_without_between_window_spread():
    k, n = np.full(40, 4500), np.full(40, 5000)  # identical windows: tau 0, a very precise centre
    band = proportion_band(k, n, 0, 300, sigma=3.0)
    alpha = tail_level(3.0)
    assert float(band.between_sd) == 0.0 and int(band.n_windows) == 40
    assert band.low * 300 == pytest.approx(betabinom.ppf(alpha, 300, 1e9 * 0.9, 1e9 * 0.1), abs=1)
    # The band's edges are the tail-probability cut-offs of the same distribution.
    inside = proportion_band(k, n, np.array([band.low * 300, band.low * 300 - 1]), 300)
    assert list(inside.below) == [False, True]
    spread = proportion_band(np.array([255, 285, 260, 280, 270] * 2), np.full(10, 300), 0, 300)
    assert float(spread.between_sd) > 0.02 and spread.low < band.low, "between-window variation widens the band"


def test_band_needs_min_windows_of_enough_items():
    rule = MetricRule("accuracy")
    assert evaluate_rule(rule, STEADY[:14], Observation(0.5, 300)).verdict == "passed"
    assert evaluate_rule(rule, STEADY, Observation(0.5, 300)).verdict == "band_lower"
    small = STEADY[:14] + [Observation(0.9, 20)]
    assert evaluate_rule(rule, small, Observation(0.5, 300)).n_history == 14, "a window below min_n is left out"
    assert evaluate_rule(MetricRule("accuracy", min_windows=3), STEADY[:3], Observation(0.5, 300)).alert


def test_band_direction():
    high = Observation(0.99, 300)
    assert evaluate_rule(MetricRule("accuracy", direction="lower"), STEADY, high).alert is None
    assert evaluate_rule(MetricRule("dispute_rate", direction="upper"), STEADY, high).verdict == "band_upper"
    assert evaluate_rule(MetricRule("x", direction="both"), STEADY, high).verdict == "band_upper"
    assert evaluate_rule(MetricRule("x", direction="both"), STEADY, Observation(0.5, 300)).verdict == "band_lower"
    assert evaluate_rule(MetricRule("dispute_rate", direction="upper"), STEADY, Observation(0.5, 300)).alert is None


def test_absolute_limits_come_before_the_band_and_the_band_can_be_off():
    assert evaluate_rule(MetricRule("accuracy", floor=0.8), STEADY, Observation(0.7, 300)).verdict == "floor"
    assert evaluate_rule(MetricRule("accuracy", band_sigma=None), STEADY, Observation(0.5, 300)).alert is None


def test_mean_band_uses_each_windows_standard_error():
    means = [0.80, 0.81, 0.79, 0.80, 0.80] * 3
    past = [Observation(m, 500, 0.1) for m in means]
    rule = MetricRule("mean_confidence", statistic="mean")
    assert evaluate_rule(rule, past, Observation(0.70, 500, 0.1)).verdict == "band_lower"
    assert evaluate_rule(rule, past, Observation(0.78, 500, 0.1)).verdict == "passed"
    assert evaluate_rule(rule, past, Observation(0.78, 30, 0.3)).verdict == "passed", "a small noisy window"
    # Without between-window spread the band is the normal limit of the window's own standard error.
    band = mean_band(np.full(50, 0.8), np.full(50, 0.1), np.full(50, 10_000), 0.8, 0.1, 100)
    assert float(band.low) == pytest.approx(0.8 - 3 * np.sqrt(0.01 / 100 + 0.01 / 10_000 / 50), rel=1e-6)


def test_bad_direction_statistic_or_n_is_refused():
    with pytest.raises(ValueError, match="direction"):
        evaluate_rule(MetricRule("accuracy", direction="down"), STEADY, Observation(0.5, 200))
    with pytest.raises(ValueError, match="statistic"):
        evaluate_rule(MetricRule("accuracy", statistic="median"), STEADY, Observation(0.5, 200))
    with pytest.raises(ValueError, match="n must be"):
        evaluate_rule(MetricRule("accuracy"), STEADY, Observation(0.5, -1))


def test_decisions_serialise_to_json():
    decision = evaluate_rule(MetricRule("accuracy"), STEADY, Observation(0.5, 200)).alert
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
    assert rules["mean_confidence"].direction == "lower" and rules["mean_confidence"].statistic == "mean"
    assert all(rule.min_n == 30 and rule.band_sigma == 3.0 and rule.min_windows == 15 for rule in rules.values())
