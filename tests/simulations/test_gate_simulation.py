"""The gate across retrains, simulated (issue 11 item 5): fixed seeds, vectorised, a few seconds.

The draws and the rule are bench/sim_gate.py's (``python -m bench --only gate`` runs the long version).
"""

import numpy as np
import pytest

from active_learning import gate_level
from bench.sim_gate import GATES, first_gate_power, forecast_calibration, sequence_false_promotions

RUNS = 2000  # a rate near 5% is known to about ±1 point


@pytest.mark.parametrize("discordance", [0.1, 0.3])
def test_ten_retrains_of_equal_challengers_promote_at_most_5_percent(discordance):
    levels = gate_level(0.05, np.arange(1, GATES + 1))
    rate = sequence_false_promotions(RUNS, discordance, levels, seed=11)
    fixed = sequence_false_promotions(RUNS, discordance, [0.05] * GATES, seed=11)
    assert rate <= 0.05, f"{rate:.1%} of sequences promoted an equal challenger"
    assert fixed > 0.12, f"a fixed level 0.05 at every gate: {fixed:.1%}"  # the behaviour this replaces


@pytest.mark.parametrize("discordance", [0.1, 0.2, 0.3])
def test_first_gate_power_within_5_points_of_the_exact_mcnemar_test(discordance):
    ours, exact = first_gate_power(RUNS, discordance, seed=12)
    assert ours >= exact - 0.05, f"gate 1 {ours:.1%} against exact McNemar {exact:.1%} at +5 points on 300 items"


@pytest.mark.parametrize("discordance", [0.1, 0.2])
def test_the_forecast_of_80_percent_power_is_calibrated(discordance):
    success, covered, _ = forecast_calibration(RUNS, discordance, seed=13)
    assert covered > RUNS / 2
    assert 0.75 <= success <= 0.85, f"{success:.1%} of {covered} runs that labelled what the forecast asked promoted"
