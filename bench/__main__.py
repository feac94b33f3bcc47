"""Run the benchmarks and print their tables: ``python -m bench [--only NAME] [--rows N] [--repeat N]``.

Exits with status 1 when a goal is missed. Add a benchmark by adding its
module (with a ``run(rows=None, repeat=...) -> list[Result]``) to BENCHMARKS,
and an error-rate simulation by adding its module (with a
``simulate(runs=None) -> list[Rate]``, see ``bench/_rates.py``) to SIMULATIONS.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import (
    active_learning_curves,
    export,
    ingest,
    retrain,
    review_latency,
    sim_ab_outcomes,
    sim_ab_units,
    sim_band_alerts,
    sim_drift_null,
    sim_gate,
    sim_live_window,
)
from bench._rates import rate_table
from feedback.alerts import check_alerts_on_writes
from feedback.worker import deliver_alerts_in_background

BENCHMARKS = {module.NAME: module for module in (ingest, export, retrain, review_latency)}
SIMULATION_MODULES = (
    sim_live_window,
    sim_ab_units,
    sim_gate,
    sim_ab_outcomes,
    sim_band_alerts,
    sim_drift_null,
)
SIMULATIONS = {module.NAME: module for module in SIMULATION_MODULES}
# Learning curves print their own table (labels to reach 95/98/99% of full accuracy per strategy) and goal checks.
CURVES = "active-learning"


def _table(results) -> str:
    header = f"{'benchmark':<16} {'rows':>11} {'seconds':>9} {'baseline':>9} {'ratio':>7} {'goal':>6}  result"
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<16} {r.rows:>11,} {r.seconds:>9.2f} {r.baseline_seconds:>9.2f} {r.ratio:>6.2f}x"
            f" {r.goal_text:>6}  {'met' if r.met else 'MISSED'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted([*BENCHMARKS, CURVES, *SIMULATIONS]),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join([*BENCHMARKS, CURVES, *SIMULATIONS])}",
    )
    parser.add_argument(
        "--rows", type=int, default=None, help="rows per benchmark (default: each one's own, 1,000,000)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of each timing, the best counts (default: each one's own, ingest 2, export 3)",
    )
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows < 1:
        parser.error("--rows must be at least 1")

    check_alerts_on_writes()  # ingest is timed as the app and the CLI run it: with the alert check after the write
    deliver_alerts_in_background()
    results, rates, curves_met = [], [], True
    started = time.perf_counter()
    for name in args.only or [*BENCHMARKS, CURVES, *SIMULATIONS]:
        print(f"== {name}", flush=True)
        if name == CURVES:
            curves_met = active_learning_curves.run([]) == 0
            print(flush=True)
            continue
        if name in SIMULATIONS:
            measured = SIMULATIONS[name].simulate()
            print(rate_table(measured), flush=True)
            rates.extend(measured)
            print(flush=True)
            continue
        options = {} if args.repeat is None else {"repeat": args.repeat}
        results.extend(BENCHMARKS[name].run(rows=args.rows, **options))
        print(flush=True)
    if results:
        print(_table(results))
    if rates:
        print("\n" + rate_table(rates))
    print(
        f"\ntotal {time.perf_counter() - started:.0f} s; each figure is the best of its runs, "
        "product and baseline interleaved in the same run"
    )
    return 0 if curves_met and all(r.met for r in [*results, *rates]) else 1


if __name__ == "__main__":
    sys.exit(main())
