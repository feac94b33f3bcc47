"""The gate across retrains: false promotions per gate and over 10 retrains, power, and the forecast.

``python -m bench --only gate``. Each run draws, for every gate, how many audit items only
the champion and only the challenger get right: ``Multinomial(n, ((d - g) / 2, (d + g) / 2,
1 - d))`` for a discordance ``d`` (share of items exactly one model gets right) and a true
gain ``g``. The audit slice grows between retrains (300 items at the first gate, 100 more at
each next one) and every challenger is drawn afresh: independent gates, the least favourable
case for a sequence (correlated challengers promote less often). The gate's accuracy rule is
:func:`active_learning.accuracy_test_passes`, the one :func:`active_learning.decide` applies.

- False promotions: ``g = 0``, at gate 1 and over 10 successive gates against one champion
  (today's fixed level 0.05 given beside it).
- Power at the first gate, +5 points on 300 items, against statsmodels' exact McNemar test
  at 0.05 on the same draws.
- Forecast calibration: a challenger truly ``min_gain + 2`` points better, undecided at
  gate 1 on 300 items, gets the forecast for gate 2; the run then labels that many more
  audit items and gate 2 decides. The share promoted should be near the forecast's 80%.
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.contingency_tables import mcnemar

from active_learning import accuracy_test_passes, forecast_audit_labels, forecast_gain, gate_level, midp_value
from bench._rates import Rate

NAME = "gate"
ALPHA = 0.05
GATES = 10
FIRST_AUDIT, AUDIT_STEP = 300, 100
DISCORDANCE = (0.05, 0.1, 0.2, 0.3)
POWER_DISCORDANCE = (0.1, 0.15, 0.2, 0.3)
CALIBRATION_DISCORDANCE = (0.1, 0.2, 0.3)


def _draw(rng: np.random.Generator, n, discordance: float, gain: float) -> tuple[np.ndarray, np.ndarray]:
    """Per run: audit items only the champion gets right, only the challenger gets right (``n``: one per run)."""
    counts = rng.multinomial(n, [(discordance - gain) / 2, (discordance + gain) / 2, 1 - discordance])
    return counts[:, 0], counts[:, 1]


def sequence_false_promotions(runs: int, discordance: float, levels, *, seed: int = 0) -> float:
    """Share of runs in which any of the successive gates (one per level) promotes an equally good challenger."""
    rng = np.random.default_rng(seed)
    promoted = np.zeros(runs, dtype=bool)
    for k, level in enumerate(levels):
        n = FIRST_AUDIT + AUDIT_STEP * k
        a, b = _draw(rng, np.full(runs, n), discordance, 0.0)
        promoted |= accuracy_test_passes(a, b, n, level)
    return float(promoted.mean())


def first_gate_power(runs: int, discordance: float, gain: float = 0.05, *, n: int = 300, seed: int = 0):
    """Share promoted by gate 1, and by statsmodels' exact McNemar test at ``ALPHA``, on the same draws."""
    rng = np.random.default_rng(seed)
    a, b = _draw(rng, np.full(runs, n), discordance, gain)
    ours = accuracy_test_passes(a, b, n, gate_level(ALPHA, 1))
    pairs, inverse = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)
    p_exact = np.array([mcnemar([[0, x], [y, 0]], exact=True).pvalue for x, y in pairs])[inverse.ravel()]
    exact = (p_exact < ALPHA) & (b > a)
    return float(ours.mean()), float(exact.mean())


def forecast_calibration(runs: int, discordance: float, *, min_gain: float = 0.0, seed: int = 0):
    """Share of undecided runs that the forecast's labels let gate 2 promote, runs it covers, median labels asked."""
    rng = np.random.default_rng(seed)
    gain, level_1, level_2 = forecast_gain(min_gain), gate_level(ALPHA, 1), gate_level(ALPHA, 2)
    a, b = _draw(rng, np.full(runs, FIRST_AUDIT), discordance, gain)
    promoted = accuracy_test_passes(a, b, FIRST_AUDIT, level_1, min_gain)
    worse = ((b - a) / FIRST_AUDIT <= min_gain) & (midp_value(a, b) < level_1)  # decide() keeps these
    discordant = a + b
    forecasts = {
        m: forecast_audit_labels(FIRST_AUDIT, int(m), level=level_2, gate=2, min_gain=min_gain).labels_needed
        for m in np.unique(discordant[~promoted & ~worse])
    }
    needed = np.array([forecasts.get(m) if forecasts.get(m) is not None else -1 for m in discordant])
    covered = ~promoted & ~worse & (needed >= 0)
    total = FIRST_AUDIT + np.maximum(needed, 0)
    next_a, next_b = _draw(rng, total, discordance, gain)  # retrain always gates a new challenger
    final = accuracy_test_passes(next_a, next_b, total, level_2, min_gain)
    return float(final[covered].mean()), int(covered.sum()), int(np.median(needed[covered]))


def simulate(runs: int | None = None) -> list[Rate]:
    """The gate's rates against their goals (``runs`` per condition; default 20,000, 4,000 for the forecast)."""
    runs = runs or 20_000
    calibration_runs = max(runs // 5, 200)
    rates = []
    for d in DISCORDANCE:
        first = sequence_false_promotions(runs, d, [gate_level(ALPHA, 1)], seed=1)
        rates.append(Rate(f"false promotions at gate 1, d={d:.0%}", first, 0.05, runs=runs, conditions="300 items"))
    for d in DISCORDANCE:
        ours = sequence_false_promotions(runs, d, gate_level(ALPHA, np.arange(1, GATES + 1)), seed=2)
        today = sequence_false_promotions(runs, d, [ALPHA] * GATES, seed=2)
        rates.append(
            Rate(
                f"false promotions over {GATES} retrains, d={d:.0%}",
                ours,
                0.05,
                runs=runs,
                conditions=f"audit 300 to {FIRST_AUDIT + AUDIT_STEP * (GATES - 1)}; fixed level 0.05: {today:.1%}",
            )
        )
    for d in POWER_DISCORDANCE:
        ours, exact = first_gate_power(runs, d, seed=3)
        rates.append(
            Rate(
                f"power at gate 1 minus exact McNemar, d={d:.0%}",
                ours - exact,
                -0.05,
                at_most=False,
                conditions=f"+5 points, 300 items, {runs:,} runs: gate 1 {ours:.1%}, exact McNemar at 0.05 {exact:.1%}",
            )
        )
    for d, min_gain in [(d, 0.0) for d in CALIBRATION_DISCORDANCE] + [(0.2, 0.02)]:
        success, covered, median = forecast_calibration(calibration_runs, d, min_gain=min_gain, seed=4)
        name = f"forecast of 80% power: promoted, d={d:.0%}" + (f", min_gain {min_gain:.0%}" if min_gain else "")
        conditions = f"true gain {forecast_gain(min_gain):+.0%}, median {median:,} more labels"
        rates.append(Rate(name, success, 0.75, False, covered, conditions))
        rates.append(Rate(name, success, 0.85, True, covered, conditions))
    return rates
