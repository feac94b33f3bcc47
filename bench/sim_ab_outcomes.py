"""A/B on a revenue-like outcome per unit: false positives of Welch, CUPED and the mSPRT on null streams.

Each simulated experiment runs ``DAYS`` days; every day ``UNITS_PER_DAY`` new units arrive in
each arm, and each unit's outcome over the experiment is revenue-like: a Poisson number of
purchases at a unit-level rate (lognormal across units), each of a lognormal amount around the
unit's own basket, so about half the units spend nothing and a few spend a lot. Its
pre-experiment value is the same process over an earlier period (the CUPED covariate). Rows of
every array are runs; the tests are vectorised over them.
"""

from __future__ import annotations

import numpy as np

from bench._rates import Rate
from feedback.experiments.outcomes import UnitMoments, mean_msprt_p_value, welch_from_moments
from feedback.experiments.plan import units_for_power

NAME = "ab-outcomes"
ALPHA = 0.05
DAYS = 14
UNITS_PER_DAY = 100  # per arm
RUNS = 4_000
LIFT = 0.2  # the smallest effect that matters in the power check: 20% more purchases
PRE_UNITS = 1_000_000
CHUNK = 250  # runs simulated at once, to bound memory


def revenue_stream(
    runs: int, *, lift: float = 0.0, basket_sigma: float = 0.8, days: int = DAYS, units: int = UNITS_PER_DAY, seed=0
) -> UnitMoments:
    """Cumulative per-arm sums after each day of a revenue-like experiment (arrays of shape (2, runs, days)).

    Parameters
    ----------
    runs : int
        Simulated experiments.
    lift : float, default=0.0
        The challenger's purchase rate is ``1 + lift`` times the champion's (0: a null stream).
    basket_sigma : float, default=0.8
        Spread (log scale) of a purchase's amount around the unit's basket: 1.5 gives very heavy tails.
    days, units : int
        Looks, and new units per arm per day.
    seed : int or Generator
    """
    rng = np.random.default_rng(seed)
    shape = (2, runs, days, units)
    rate = np.exp(rng.normal(-0.3, 1.0, shape))
    basket = rng.normal(2.0, 0.6, shape)
    factor = np.array([1.0, 1.0 + lift]).reshape(2, 1, 1, 1)
    y = rng.poisson(rate * factor) * rng.lognormal(basket, basket_sigma)
    x = rng.poisson(rate) * rng.lognormal(basket, basket_sigma)
    n = np.broadcast_to(units * np.arange(1, days + 1, dtype=np.float64), shape[:3]).copy()

    def daily(values: np.ndarray) -> np.ndarray:
        return values.sum(axis=-1).cumsum(axis=-1)

    return UnitMoments(n, daily(y), daily(y * y), daily(x), daily(x * x), daily(x * y))


def last_look(m: UnitMoments) -> UnitMoments:
    """The sums at the final look only (the fixed horizon)."""
    return UnitMoments(*(getattr(m, f)[..., -1] for f in ("n", "sum_y", "sum_yy", "sum_x", "sum_xx", "sum_xy")))


def null_rates(m: UnitMoments) -> dict[str, float]:
    """Share of null experiments each test calls significant, and CUPED's mean variance reduction."""
    final = last_look(m)
    plain, cuped = welch_from_moments(final, cuped=False), welch_from_moments(final)
    return {
        "welch": float(np.mean(plain.p_value < ALPHA)),
        "cuped": float(np.mean(cuped.p_value < ALPHA)),
        "peeked": float(np.mean(welch_from_moments(m, cuped=False).p_value.min(axis=-1) < ALPHA)),
        "msprt": float(np.mean(mean_msprt_p_value(m, cuped=False) < ALPHA)),
        "msprt_cuped": float(np.mean(mean_msprt_p_value(m) < ALPHA)),
        "variance_reduction": float(np.mean(cuped.variance_reduction)),
    }


def pre_post_correlation(runs: int = 200, seed=0) -> float:
    """corr(X, Y) of a unit's pre-experiment and experiment values: CUPED's reduction should be its square."""
    rng = np.random.default_rng(seed)
    rate, basket = np.exp(rng.normal(-0.3, 1.0, runs * 1000)), rng.normal(2.0, 0.6, runs * 1000)
    y, x = (rng.poisson(rate) * rng.lognormal(basket, 0.8) for _ in range(2))
    return float(np.corrcoef(x, y)[0, 1])


def planned_power(runs: int, *, sequential: bool, seed=0) -> tuple[float, int]:
    """Power at the units :func:`units_for_power` plans for a 20% lift, sized on a pre-experiment sample.

    The per-unit spread comes from 1,000,000 pre-experiment units, as ``ab plan`` takes it from stored
    outcomes; the smallest effect is 20% of their mean per unit. Returns the share of ``runs``
    experiments with a lift that the planned test detects, and the planned units (both arms).
    """
    rng = np.random.default_rng(seed)
    before = last_look(revenue_stream(1, days=1, units=PRE_UNITS, seed=rng))
    mean = before.sum_y[0, 0] / PRE_UNITS
    sd = np.sqrt((before.sum_yy[0, 0] - PRE_UNITS * mean**2) / (PRE_UNITS - 1))
    effect = LIFT * mean
    needed = units_for_power(sd, effect, 0.5, sequential=sequential)
    days = DAYS if sequential else 1
    per_day = int(np.ceil(needed / 2 / days))
    hits = 0
    for start in range(0, runs, CHUNK):
        m = revenue_stream(min(CHUNK, runs - start), lift=LIFT, days=days, units=per_day, seed=rng)
        if sequential:
            hits += int(np.sum(mean_msprt_p_value(m, tau2=effect**2, cuped=False) < ALPHA))
        else:
            final = welch_from_moments(last_look(m), cuped=False)
            hits += int(np.sum(final.rejected & (final.diff > 0)))
    return hits / runs, 2 * per_day * days


def simulate(runs: int | None = None) -> list[Rate]:
    """The false-positive rates on null revenue streams, CUPED's variance reduction, and the planned power."""
    runs = runs or RUNS
    conditions = f"{DAYS} daily looks x {UNITS_PER_DAY} new units/arm, revenue-like"
    rates = []
    for sigma, label in ((0.8, "sigma 0.8"), (1.5, "sigma 1.5")):
        measured = null_rates(revenue_stream(runs, basket_sigma=sigma, seed=[2026, int(sigma * 10)]))
        where = f"{conditions}, purchase amounts lognormal {label}, ~45% zeros"
        rates += [
            Rate(f"outcome null, Welch at horizon ({label})", measured["welch"], ALPHA, runs=runs, conditions=where),
            Rate(f"outcome null, Welch+CUPED at horizon ({label})", measured["cuped"], ALPHA, runs=runs),
            Rate(
                f"outcome null, mSPRT daily ({label})",
                measured["msprt"],
                ALPHA,
                runs=runs,
                conditions=f"a Welch test read daily: {measured['peeked']:.1%}",
            ),
            Rate(f"outcome null, mSPRT+CUPED daily ({label})", measured["msprt_cuped"], ALPHA, runs=runs),
        ]
        if sigma == 0.8:
            rho2 = pre_post_correlation() ** 2
            rates.append(
                Rate(
                    "CUPED variance reduction (sigma 0.8)",
                    measured["variance_reduction"],
                    0.8 * rho2,
                    at_most=False,
                    conditions=f"corr(pre, post)^2 = {rho2:.3f}; goal 80% of it",
                )
            )
    power_runs = max(runs // 4, 200)
    fixed, n_fixed = planned_power(power_runs, sequential=False, seed=2027)
    sequential, n_sequential = planned_power(power_runs, sequential=True, seed=2028)
    where = f"+20% purchases; planned {n_fixed:,} units, Welch at horizon; the forecast says 80%"
    rates += [
        Rate("planned power, Welch at horizon (>= 75%)", fixed, 0.75, at_most=False, runs=power_runs, conditions=where),
        Rate("planned power, Welch at horizon (<= 85%)", fixed, 0.85, runs=power_runs),
        Rate(
            "planned power, mSPRT daily (>= 75%)",
            sequential,
            0.75,
            at_most=False,
            runs=power_runs,
            conditions=f"planned {n_sequential:,} units over {DAYS} daily looks, tau2 = effect^2",
        ),
    ]
    return rates
