"""Issue 11 item 1: A/B tests on per-unit traffic hold 5% false positives at both look schedules.

Arms are assigned per unit; new units arrive every day, each sends 20
predictions, and its accuracy (or dispute propensity) is its own, drawn from a Beta. Counting predictions as
independent (the classical tests) makes an equally good challenger "win" in about
a fifth of experiments; the tests on per-unit sums hold their level. The traffic
is bench/sim_ab_units.py's (the long version prints the rates for 1 to 100
predictions per unit). Run with ``-s`` to see the measured rates.
"""

import numpy as np
import pytest

from bench.sim_ab_units import unit_traffic
from feedback.experiments import (
    clustered_msprt_p_value,
    clustered_ztest,
    msprt_p_value,
    two_proportion_ztest,
    unit_sums,
)

ALPHA = 0.05
RUNS = 600
UNITS = 300  # per arm
DAYS = 20  # one look a day
PER_UNIT = 20
# a rate of 5% measured on 600 runs lies below this 99% of the time (2.33 standard errors)
BOUND = ALPHA + 2.33 * np.sqrt(ALPHA * (1 - ALPHA) / RUNS)


def _null_rates(metric: str, mean: float, sd: float, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    arms = [unit_traffic(rng, RUNS, UNITS, PER_UNIT, mean, sd, DAYS) for _ in range(2)]
    sums = [unit_sums(successes, trials) for successes, trials in arms]
    final = (slice(None), -1)
    counts = [value for arm in sums for value in (arm.successes, arm.trials)]
    rates = {
        "z at horizon, by unit": clustered_ztest(sums[0].at(final), sums[1].at(final)).rejected,
        "mSPRT daily, by unit": clustered_msprt_p_value(*sums) < ALPHA,
        "z at horizon, iid": two_proportion_ztest(*(c[final] for c in counts)).rejected,
        "mSPRT daily, iid": msprt_p_value(*counts) < ALPHA,
    }
    rates = {name: float(np.mean(rejected)) for name, rejected in rates.items()}
    print(f"\nnull {metric}, {RUNS} experiments, {UNITS} units/arm x {PER_UNIT} predictions, {DAYS} looks: {rates}")
    return rates


@pytest.mark.parametrize(
    "metric, mean, sd, iid_at_least",
    [
        ("audit accuracy", 0.85, 0.10, {"z at horizon, iid": 0.15, "mSPRT daily, iid": 0.15}),
        ("dispute rate", 0.05, 0.03, {"z at horizon, iid": 0.065}),
    ],
)
def test_an_equally_good_challenger_rarely_wins_at_either_look_schedule(metric, mean, sd, iid_at_least):
    rates = _null_rates(metric, mean, sd, seed=20261206 + len(metric))
    assert rates["z at horizon, by unit"] <= BOUND
    assert rates["mSPRT daily, by unit"] <= BOUND
    # the classical tests, which count predictions as independent, do not hold on this traffic (issue 11 measured
    # 20.7% and 21.3% on accuracy, 8.9% for the dispute-rate z-test)
    for test, at_least in iid_at_least.items():
        assert rates[test] >= at_least, test


def test_a_5_point_better_challenger_is_still_detected():
    rng = np.random.default_rng(20261207)
    champion, challenger = (unit_sums(*unit_traffic(rng, RUNS, UNITS, PER_UNIT, p, 0.10, DAYS)) for p in (0.85, 0.90))
    final = clustered_ztest(champion.at((slice(None), -1)), challenger.at((slice(None), -1)))
    fixed = float(np.mean(final.rejected & (final.diff > 0)))
    sequential = float(np.mean(clustered_msprt_p_value(champion, challenger) < ALPHA))
    print(f"\n+5 points, {UNITS} units/arm x {PER_UNIT}: power z at horizon {fixed:.3f}, mSPRT daily {sequential:.3f}")
    assert fixed >= 0.90 and sequential >= 0.80
