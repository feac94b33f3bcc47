"""Simulated labelling: learning curves of query strategies against an oracle.

The oracle is a file whose labels are all known. Per seed the rows are split
into a stratified pool and held-out test set; ``initial`` pool rows are
labelled at random (stratified when every class fits), then each round a
strategy picks ``batch`` more rows, the oracle labels them, and the task's own
pipeline (:func:`active_learning.training.build_estimator` and
:func:`~active_learning.training.fit_clone`) is refitted and scored on the test
set. All strategies of a seed share the split and the initial labels, so their
curves are paired.

Example::

    python -m active_learning.simulate --data digits.csv --label-col label \\
        --strategies random,margin,default --budget 200 --batch 10 --initial 20 \\
        --seeds 3 --json

The Models page draws these curves (``feedback.web.charts.simulation_chart``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from active_learning.strategies import STRATEGIES, get_strategy
from active_learning.training import DEFAULT_MODEL, MODEL_NAMES, build_estimator, fit_clone, infer_feature_schema

__all__ = ["simulate", "mean_curve", "labels_to_reach", "main"]


def simulate(X, y, strategies=("random", "margin", "default"), budget: int = 100, batch: int = 1,
             initial: int = 10, seeds: int = 3, test_size: float = 0.3,
             model_name: str = DEFAULT_MODEL) -> dict:
    """Learning curves of query strategies on fully labelled data.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Feature columns only.
    y : array-like of shape (n_samples,)
        The oracle's labels (compared as strings).
    strategies : sequence of str, default=("random", "margin", "default")
        Names from :data:`active_learning.strategies.STRATEGIES`.
    budget : int, default=100
        Total labels at the end of a run, the ``initial`` ones included
        (capped by the pool size).
    batch : int, default=1
        Items queried per round.
    initial : int, default=10
        Randomly chosen labels before the first query.
    seeds : int, default=3
        Seeds 0 .. seeds-1; each has its own split and initial labels.
    test_size : float, default=0.3
    model_name : {"logistic", "random-forest", "gradient-boosting"}, default="logistic"

    Returns
    -------
    dict
        ``{strategy: {"curves": [[[n_labels, test_accuracy], ...] per seed],
        "full_accuracy": float}}``; ``full_accuracy`` is the mean test accuracy
        of the model trained on the whole pool.
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X), columns=None)
    frame = frame.rename(columns=str).reset_index(drop=True)
    labels = _as_labels(y)
    names = _check_arguments(frame, labels, strategies, budget, batch, initial, seeds, test_size, model_name)
    features = infer_feature_schema(frame)
    result = {name: {"curves": [], "full_accuracy": 0.0} for name in names}
    full_scores = []
    for seed in range(seeds):
        X_pool, X_test, y_pool, y_test = _split(frame, labels, test_size, seed)
        estimator = build_estimator(features, model_name, random_state=seed)
        full_scores.append(_accuracy(fit_clone(estimator, X_pool, y_pool), X_test, y_test))
        start = _initial_positions(y_pool, min(initial, len(y_pool)), seed)
        for name in names:
            curve = _run_curve(get_strategy(name), estimator, X_pool, y_pool, X_test, y_test,
                               start, min(budget, len(y_pool)), batch, seed)
            result[name]["curves"].append(curve)
    for name in names:
        result[name]["full_accuracy"] = float(np.mean(full_scores))
    return result


def mean_curve(curves) -> np.ndarray:
    """Mean accuracy per label count over seeds: array of ``[n_labels, accuracy]`` rows."""
    steps = min(len(c) for c in curves)
    points = np.asarray([c[:steps] for c in curves], dtype=float)
    return np.column_stack([points[0, :, 0], points[:, :, 1].mean(axis=0)])


def labels_to_reach(entry: dict, fraction: float = 0.98) -> int | None:
    """Fewest labels at which the mean curve reaches ``fraction`` of full-pool accuracy, or None."""
    curve = mean_curve(entry["curves"])
    reached = np.flatnonzero(curve[:, 1] >= fraction * entry["full_accuracy"] - 1e-12)
    return int(curve[reached[0], 0]) if len(reached) else None


def _run_curve(strategy, estimator, X_pool, y_pool, X_test, y_test, start, budget, batch, seed) -> list:
    rng = np.random.default_rng([seed, 1])
    labeled = list(start)
    unlabeled = np.setdiff1d(np.arange(len(y_pool)), labeled)
    curve = []
    while True:
        model = _fit_or_none(estimator, X_pool.iloc[labeled], y_pool[labeled])
        accuracy = _accuracy(model, X_test, y_test) if model is not None else _constant_accuracy(y_pool[labeled], y_test)
        curve.append([len(labeled), accuracy])
        n = min(batch, budget - len(labeled), len(unlabeled))
        if n <= 0:
            return curve
        picked, _ = strategy(model, X_pool.iloc[unlabeled], n, random_state=rng, X_labeled=X_pool.iloc[labeled])
        chosen = unlabeled[np.asarray(picked, dtype=int)]
        labeled.extend(chosen.tolist())
        unlabeled = np.setdiff1d(unlabeled, chosen)


def _fit_or_none(estimator, X, y):
    return fit_clone(estimator, X, y) if len(np.unique(y)) >= 2 else None


def _accuracy(model, X_test, y_test) -> float:
    return float(np.mean(np.asarray(model.predict(X_test)).astype(str) == y_test))


def _constant_accuracy(y_labeled, y_test) -> float:
    """Accuracy of always answering the one class seen so far (0 with no labels)."""
    return float(np.mean(y_test == y_labeled[0])) if len(y_labeled) else 0.0


def _as_labels(y) -> np.ndarray:
    values = y.to_numpy(dtype=object) if isinstance(y, (pd.Series, pd.Index)) else np.asarray(y, dtype=object)
    return values.astype(str)


def _split(frame, labels, test_size, seed):
    try:
        return train_test_split(frame, labels, test_size=test_size, stratify=labels, random_state=seed)
    except ValueError:  # a class too small to stratify on: plain random split
        return train_test_split(frame, labels, test_size=test_size, random_state=seed)


def _initial_positions(y_pool, n, seed) -> np.ndarray:
    classes = np.unique(y_pool)
    if n == 0:
        return np.array([], dtype=int)
    if n >= len(classes) and n < len(y_pool):
        try:
            chosen, _ = train_test_split(np.arange(len(y_pool)), train_size=n, stratify=y_pool, random_state=seed)
            return np.asarray(chosen)
        except ValueError:
            pass
    return np.random.default_rng([seed, 0]).choice(len(y_pool), size=n, replace=False)


def _check_arguments(frame, labels, strategies, budget, batch, initial, seeds, test_size, model_name) -> list:
    if isinstance(strategies, str):
        strategies = [s.strip() for s in strategies.split(",") if s.strip()]
    names = list(dict.fromkeys(strategies))
    if not names:
        raise ValueError("Name at least one strategy.")
    for name in names:
        get_strategy(name)
    if model_name not in MODEL_NAMES:
        raise ValueError(f"Unknown model {model_name!r}; choose one of {', '.join(MODEL_NAMES)}.")
    if len(frame) != len(labels):
        raise ValueError(f"X has {len(frame)} rows but y has {len(labels)} labels.")
    if frame.shape[1] == 0:
        raise ValueError("There are no feature columns.")
    if len(np.unique(labels)) < 2:
        raise ValueError("The labels hold fewer than two classes; there is nothing to learn.")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}.")
    for label, value, low in (("budget", budget, 1), ("batch", batch, 1), ("initial", initial, 0), ("seeds", seeds, 1)):
        if int(value) != value or value < low:
            raise ValueError(f"{label} must be an integer of at least {low}, got {value!r}.")
    if budget < initial:
        raise ValueError(f"budget ({budget}) counts all labels and must be at least initial ({initial}).")
    return names


# --- command line ---

def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ValueError(f"No such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True)
    raise ValueError(f"Cannot read {path.name}: use a .csv, .parquet or .jsonl file.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m active_learning.simulate", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="labelled .csv, .parquet or .jsonl file (the oracle)")
    parser.add_argument("--label-col", required=True, help="column holding the true label")
    parser.add_argument("--drop", default="", help="comma-separated columns that are not features (e.g. an id)")
    parser.add_argument("--strategies", default="random,margin,default", help=f"comma-separated: {', '.join(STRATEGIES)}")
    parser.add_argument("--budget", type=int, default=100, help="total labels per run, initial ones included")
    parser.add_argument("--batch", type=int, default=1, help="items queried per round")
    parser.add_argument("--initial", type=int, default=10, help="random labels before the first query")
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (splits)")
    parser.add_argument("--test-size", type=float, default=0.3, help="held-out share per seed")
    parser.add_argument("--model", default=DEFAULT_MODEL, choices=MODEL_NAMES)
    parser.add_argument("--json", action="store_true", help="print the curves as JSON")
    return parser


def main(argv=None) -> int:
    """Run the simulation from the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        frame = _read_table(args.data)
        if args.label_col not in frame.columns:
            raise ValueError(f"No column {args.label_col!r} in {args.data.name}; columns are: {', '.join(map(str, frame.columns))}.")
        drop = [c.strip() for c in args.drop.split(",") if c.strip()]
        missing = [c for c in drop if c not in frame.columns]
        if missing:
            raise ValueError(f"--drop names unknown columns: {', '.join(missing)}.")
        frame = frame[frame[args.label_col].notna()]
        X = frame.drop(columns=[args.label_col, *drop])
        result = simulate(X, frame[args.label_col], args.strategies, args.budget, args.batch, args.initial,
                          args.seeds, args.test_size, args.model)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        for name, entry in result.items():
            reached = labels_to_reach(entry)
            final = mean_curve(entry["curves"])[-1]
            print(f"{name:16} 98% of full ({entry['full_accuracy']:.3f}) at "
                  f"{reached if reached is not None else 'not reached'}; {final[1]:.3f} at {final[0]:.0f} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
