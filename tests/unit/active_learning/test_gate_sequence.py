import numpy as np
import pytest
from scipy.stats import binom
from statsmodels.stats.contingency_tables import mcnemar

from active_learning import (
    GatePolicy,
    accuracy_test_passes,
    compare_models,
    decide,
    gate_level,
    level_rule,
    midp_value,
)


def test_levels_of_all_gates_against_one_champion_sum_to_alpha():
    levels = gate_level(0.05, np.arange(1, 1_000_001))
    assert levels.sum() == pytest.approx(0.05, rel=1e-5)
    assert np.all(np.diff(levels) < 0)
    assert gate_level(0.05, 1) == pytest.approx(0.0304, abs=5e-5)
    assert gate_level(0.05, 10) == pytest.approx(0.05 * 6 / (np.pi**2 * 100))


def test_gate_numbers_start_at_one():
    with pytest.raises(ValueError, match="start at 1"):
        gate_level(0.05, 0)


def test_level_rule_states_the_gate_and_its_level():
    assert level_rule(0.05, 4).startswith("gate 4 against this champion: level 0.0019 (alpha 0.05;")


@pytest.mark.parametrize("a,b", [(0, 5), (5, 0), (3, 9), (12, 4), (30, 18), (40, 61), (7, 8), (1, 0)])
def test_midp_is_statsmodels_exact_mcnemar_minus_the_point_mass(a, b):
    exact = mcnemar([[0, a], [b, 0]], exact=True).pvalue
    point = binom.pmf(min(a, b), a + b, 0.5)
    if exact < 1:
        assert midp_value(a, b) == pytest.approx(exact - point)
    else:  # statsmodels caps 2 P(X <= k) at 1; the mid-p subtracts the point mass from the uncapped value
        assert 1 - point <= midp_value(a, b) <= 1


def test_midp_is_vectorised_and_one_without_discordant_items():
    a, b = np.array([0, 3, 40]), np.array([0, 9, 61])
    assert midp_value(a, b).tolist() == [1.0, midp_value(3, 9), midp_value(40, 61)]


GRID = [(a, b) for a in range(0, 13, 4) for b in range(0, 37, 4)]


@pytest.fixture(scope="module")
def reports():
    """One two-class report per (only champion right, only challenger right) count on 200 items."""
    out = []
    for n_a_only, n_b_only in GRID:
        y = ["cat"] * 200
        a = ["cat"] * (200 - n_b_only) + ["dog"] * n_b_only
        b = ["cat"] * (200 - n_b_only - n_a_only) + ["dog"] * n_a_only + ["cat"] * n_b_only
        out.append(compare_models(y, a, b, ["cat", "dog"], n_resamples=10))
    return out


@pytest.mark.parametrize("gate", [1, 2, 4])
@pytest.mark.parametrize("min_gain", [0.0, 0.03])
def test_vectorised_rule_is_the_rule_decide_applies(reports, gate, min_gain):
    policy = GatePolicy(min_gain=min_gain, per_class_tolerance=1.0)
    decided = [decide(report, policy, new_labels=5, gate=gate).decision == "promote" for report in reports]
    a, b = np.array(GRID).T
    assert accuracy_test_passes(a, b, 200, gate_level(0.05, gate), min_gain).tolist() == decided
    assert any(decided) and not all(decided)
