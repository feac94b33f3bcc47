"""What every error-rate simulation shares: the measured rate against its goal, and the table.

A simulation module in ``bench/`` (listed in ``SIMULATIONS`` of ``bench/__main__.py``)
has a ``NAME`` and a ``simulate(runs=None) -> list[Rate]``; ``runs=None`` means its own
long default. ``python -m bench --only NAME`` runs one of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """One simulated rate (or other figure) against its goal.

    Parameters
    ----------
    name : str
        What was measured, e.g. ``"A/B null, per-unit traffic, mSPRT daily"``.
    value : float
        The measured rate, a fraction (0.05 is 5%).
    goal : float
        The bound the product states.
    at_most : bool, default=True
        True: met when ``value <= goal`` (an error rate); False: met when
        ``value >= goal`` (power, coverage, detection).
    runs : int, default=0
        Simulated runs the rate rests on (0: not a proportion of runs).
    conditions : str, default=""
        The conditions it was measured under, printed beside it.
    """

    name: str
    value: float
    goal: float
    at_most: bool = True
    runs: int = 0
    conditions: str = ""

    @property
    def met(self) -> bool:
        return self.value <= self.goal if self.at_most else self.value >= self.goal

    @property
    def margin(self) -> float:
        """Half-width of the 95% normal interval of the rate over ``runs`` (0 when unknown)."""
        if self.runs <= 0:
            return 0.0
        p = min(max(self.value, 0.0), 1.0)
        return 1.96 * math.sqrt(max(p * (1 - p), 0.25 / self.runs) / self.runs)


def rate_table(rates: list[Rate]) -> str:
    """The printed table: one line per rate, its interval over the runs, its goal, met or MISSED.

    >>> rate_table([Rate("null", 0.04, 0.05, runs=1000)]).splitlines()[2].split()
    ['null', '4.0%', '±1.2%', '<=', '5.0%', 'met', '1,000', 'runs']
    """
    header = f"{'simulation':<50} {'rate':>7} {'±95%':>6} {'goal':>11}  result"
    lines = [header, "-" * len(header)]
    for r in rates:
        goal = f"{'<=' if r.at_most else '>='} {r.goal:.1%}"
        runs = f"  {r.runs:,} runs" if r.runs else ""
        extra = f"  ({r.conditions})" if r.conditions else ""
        lines.append(
            f"{r.name:<50} {r.value:>7.1%} ±{r.margin:>4.1%} {goal:>11}  {'met' if r.met else 'MISSED'}{runs}{extra}"
        )
    return "\n".join(lines)
