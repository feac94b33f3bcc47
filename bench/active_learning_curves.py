"""Labels needed to reach 98% of full-pool accuracy, per data set and query strategy.

Runs :func:`active_learning.simulate.simulate` (the product's logistic
pipeline, an oracle, a stratified 70/30 split per seed, seeds 0-4) on data that
ships with scikit-learn, then checks the goals for the default strategy:

* it needs at most half of random's labels, and
* never more than plain margin sampling's.

"Labels" count the random initial ones. The mean curve over seeds decides.
When random does not get there within the budget, its need is only known to be
above the budget, and the half-of-random goal is confirmed only if default
needs at most half the budget; otherwise it is reported as not shown.

Example::

    python -c "import sys, bench.active_learning_curves as b; sys.exit(b.run())"
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification

from active_learning import labels_to_reach, mean_curve, simulate

STRATEGIES = ("random", "least-confident", "margin", "entropy", "ranked-batch", "default")
FRACTION = 0.98
# name: (loader, budget, batch, initial)
DATASETS = {
    "digits": (lambda: load_digits(return_X_y=True, as_frame=True), 450, 15, 20),
    "breast_cancer": (lambda: load_breast_cancer(return_X_y=True, as_frame=True), 80, 5, 10),
    "wine": (lambda: load_wine(return_X_y=True, as_frame=True), 40, 2, 6),
    "make_classification": (lambda: _synthetic(), 450, 15, 15),
}


def _synthetic():
    X, y = make_classification(n_samples=1000, n_features=20, n_informative=5, n_classes=3, random_state=0)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]), y


def run(argv=None) -> int:
    """Print the table and the goal checks; returns 0 (the goals are reported, not enforced)."""
    parser = argparse.ArgumentParser(prog="bench active_learning_curves", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--datasets", default=",".join(DATASETS), help="comma-separated subset of " + ", ".join(DATASETS)
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown data set(s): {', '.join(unknown)}; choose from {', '.join(DATASETS)}")

    started = time.perf_counter()
    print(
        f"Labels to reach {FRACTION:.0%} of full-pool accuracy (mean curve over {args.seeds} seeds; "
        "logistic pipeline; initial labels included)"
    )
    header = f"{'data set':<20} {'strategy':<16} {'labels':>9} {'vs random':>10} {'acc@budget':>10}"
    print(header)
    print("-" * len(header))
    goals = []
    for name in names:
        loader, budget, batch, initial = DATASETS[name]
        X, y = loader()
        t0 = time.perf_counter()
        result = simulate(
            X,
            y,
            STRATEGIES,
            budget=budget,
            batch=batch,
            initial=initial,
            seeds=args.seeds,
            test_size=0.3,
            model_name="logistic",
        )
        needed = {s: labels_to_reach(result[s], FRACTION) for s in STRATEGIES}
        full = result["random"]["full_accuracy"]
        for s in STRATEGIES:
            final = mean_curve(result[s]["curves"])[-1, 1]
            print(
                f"{name:<20} {s:<16} {_fmt(needed[s], budget):>9} {_ratio(needed[s], needed['random'], budget):>10} "
                f"{final:>10.3f}"
            )
        print(
            f"{'':<20} full pool {full:.3f} (target {FRACTION * full:.3f}); pool {int(len(y) * 0.7)}, "
            f"budget {budget}, batch {batch}, initial {initial}; {time.perf_counter() - t0:.0f}s"
        )
        goals.append((name, budget, needed))

    print()
    print("Goals for 'default':")
    for name, budget, needed in goals:
        half = _half_of_random(needed["default"], needed["random"], budget)
        margin = _not_above_margin(needed["default"], needed["margin"])
        print(f"  {name:<20} <= half of random: {half:<34} <= margin: {margin}")
    print(f"Total {time.perf_counter() - started:.0f}s")
    return 0


def _fmt(n, budget) -> str:
    return str(n) if n is not None else f">{budget}"


def _ratio(n, random_n, budget) -> str:
    if n is None:
        return "-"
    if random_n is None:
        return f"<{n / budget:.2f}x"
    return f"{n / random_n:.2f}x"


def _half_of_random(default_n, random_n, budget) -> str:
    if default_n is None:
        return "NO (default not reached)"
    if random_n is not None:
        verdict = "yes" if default_n <= random_n / 2 else "NO"
        return f"{verdict} ({default_n} vs {random_n})"
    if default_n <= budget / 2:
        return f"yes ({default_n} vs >{budget})"
    return f"not shown ({default_n} vs >{budget})"


def _not_above_margin(default_n, margin_n) -> str:
    if default_n is None:
        return "NO (default not reached)" if margin_n is not None else "not shown (neither reached)"
    if margin_n is None:
        return f"yes ({default_n} vs not reached)"
    return f"{'yes' if default_n <= margin_n else 'NO'} ({default_n} vs {margin_n})"


if __name__ == "__main__":
    raise SystemExit(run())
