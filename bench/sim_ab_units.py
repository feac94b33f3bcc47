"""A/B tests on per-unit traffic: false positives at every look schedule the A/B page allows, and power.

Arms are assigned per unit, and each unit sends several predictions whose
accuracy (and dispute propensity) is the unit's own: per-unit accuracy is drawn
from a Beta with mean 0.85 and standard deviation 0.10, per-unit dispute rate
from a Beta with mean 0.05 and standard deviation 0.03. Each experiment has
``UNITS`` units per arm arriving on a uniform day of ``DAYS``; a unit's
predictions fall uniformly on the days from its arrival to the end. The tests
are those of :mod:`feedback.experiments` on the per-unit sums
(:func:`~feedback.experiments.unit_sums`):

- one look at the planned horizon (the end): the cluster-robust z-test;
- a look every day (20 looks): the cluster-robust mSPRT.

Goal: 5% or fewer false positives when both arms are equally good, whatever the
number of predictions per unit (1, 5, 20, 100). The z-test at the horizon is an
exact-level test, so its rate sits at 5% and its goal allows the 95% Monte Carlo
margin of the runs. Power at +5 points of accuracy (0.85 to 0.90) is reported
against 80%. Vectorised: rows are experiments, simulated in chunks.
"""

from __future__ import annotations

import numpy as np

from bench._rates import Rate
from feedback.experiments import clustered_msprt_p_value, clustered_ztest, unit_sums

NAME = "ab-units"
RUNS = 1_000
CHUNK = 50
DAYS = 20
UNITS = 2_000  # per arm
ALPHA = 0.05
ACCURACY = (0.85, 0.10)  # per-unit Beta: mean, standard deviation
DISPUTES = (0.05, 0.03)
LIFT = 0.05
PER_UNIT = (1, 5, 20, 100)
POWER_GOAL = 0.80


def unit_traffic(
    rng: np.random.Generator,
    runs: int,
    units: int,
    per_unit: int,
    mean: float,
    sd: float,
    days: int,
    *,
    returning: bool = False,
):
    """One arm's cumulative per-unit successes and trials at each daily look.

    Each unit arrives on a uniform day. By default all its trials arrive that day
    (new units every day); with ``returning`` they fall uniformly on the days
    from its arrival to the end, so a look sees part of a unit's trials.

    Parameters
    ----------
    rng : numpy.random.Generator
    runs, units, per_unit, days : int
        Experiments, units per arm, trials per unit, days (one look each).
    mean, sd : float
        Of the per-unit success probability (a Beta).
    returning : bool, default=False

    Returns
    -------
    successes, trials : ndarray of shape (runs, days, units)
    """
    strength = mean * (1 - mean) / sd**2 - 1
    theta = rng.beta(mean * strength, (1 - mean) * strength, (runs, units))
    arrival = rng.integers(0, days, (runs, units))
    if not returning:
        seen = np.arange(days)[:, None] >= arrival[:, None, :]
        return rng.binomial(per_unit, theta)[:, None, :] * seen, per_unit * seen
    active = np.arange(days) >= arrival[..., None]
    trials = rng.multinomial(per_unit, active / active.sum(-1, keepdims=True))
    successes = rng.binomial(trials, theta[..., None])
    return successes.cumsum(-1).swapaxes(-1, -2), trials.cumsum(-1).swapaxes(-1, -2)


def rejections(rng, runs: int, per_unit: int, rates: tuple[float, float], sd: float, returning: bool = False):
    """Whether each experiment's fixed-horizon z-test and daily mSPRT reject, champion vs challenger rates."""
    arms = [unit_sums(*unit_traffic(rng, runs, UNITS, per_unit, r, sd, DAYS, returning=returning)) for r in rates]
    final = clustered_ztest(*(arm.at((slice(None), -1)) for arm in arms), alpha=ALPHA)
    sequential = clustered_msprt_p_value(*arms) < ALPHA
    return {"z": final.rejected, "z_up": final.rejected & (final.diff > 0), "msprt": sequential}


def _rate(rng, runs, per_unit, rates, sd, returning=False) -> dict[str, float]:
    chunks = [
        rejections(rng, min(CHUNK, runs - start), per_unit, rates, sd, returning) for start in range(0, runs, CHUNK)
    ]
    return {key: float(np.mean(np.concatenate([c[key] for c in chunks]))) for key in chunks[0]}


def simulate(runs: int | None = None) -> list[Rate]:
    """False-positive rates of both schedules for accuracy and disputes, and power at +5 points."""
    runs = RUNS if runs is None else runs
    rng = np.random.default_rng(20261206)
    exact_level = ALPHA + 1.96 * np.sqrt(ALPHA * (1 - ALPHA) / runs)
    cases = [
        (m, name, rate, False) for m in PER_UNIT for name, rate in (("accuracy", ACCURACY), ("disputes", DISPUTES))
    ]
    out = []
    for per_unit, metric, (mean, sd), returning in [*cases, (20, "accuracy", ACCURACY, True)]:
        null = _rate(rng, runs, per_unit, (mean, mean), sd, returning)
        label = f"null {metric}, {per_unit}/unit" + (", returning" if returning else "")
        where = (
            f"{UNITS:,} units/arm over {DAYS} days"
            + (", returning daily" if returning else "")
            + f", per-unit rate Beta(mean {mean:g}, sd {sd:g})"
        )
        out += [
            Rate(f"{label}, z at horizon", null["z"], exact_level, runs=runs, conditions=f"{where}; 5% + MC margin"),
            Rate(f"{label}, mSPRT {DAYS} daily looks", null["msprt"], ALPHA, runs=runs, conditions=where),
        ]
    for per_unit in PER_UNIT:
        power = _rate(rng, runs, per_unit, (ACCURACY[0], ACCURACY[0] + LIFT), ACCURACY[1])
        where = f"{UNITS:,} units/arm over {DAYS} days, accuracy 0.85 vs 0.90, per-unit sd 0.1"
        out += [
            Rate(f"power +5 pts, {per_unit}/unit, {label}", power[key], POWER_GOAL, False, runs, where)
            for key, label in (("z_up", "z at horizon"), ("msprt", f"mSPRT {DAYS} daily looks"))
        ]
    return out
