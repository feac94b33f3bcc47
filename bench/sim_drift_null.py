"""Dataset drift on null streams, and on the demo's drifting batches (issue 11, item 2).

Null streams: for each cell of the grid (window rows x reference rows x
features x correlation), references are drawn from one process, each with
windows drawn from the same process (no drift). Features are equicorrelated
Gaussians (``rho`` between every pair); one column in five is categorical (the
latent value cut into 4 categories), the rest numeric. Each window is judged by
the library's per-column tests (vectorised with
:func:`feedback.monitor.drift_draws.drift_verdicts`, which gives
:func:`~feedback.monitor.column_drift`'s verdicts) and by two dataset rules:

- before: Evidently's rule alone, half or more of the columns drifted;
- after: :func:`feedback.monitor.dataset_drift`'s rule, that share and a count
  (ties broken by strength) beyond chance (:func:`feedback.monitor.drift_null`,
  one null per reference, as the Monitor page caches it).

A window that alarms is a false alarm. Goal: 5% or fewer; one line per window
and reference size, pooled over features and correlation, naming its worst cell.

Demo: the digits demo's drifting batches (:func:`feedback.demo.make_digits_stream`,
batches 3-5 against the 100-row seed set) and its steady ones (0-2), over
seeds, through :func:`feedback.monitor.dataset_drift` itself; the detection
rate after must stay at least where it was before.

``python -m bench --only drift-null``
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd

from bench._rates import Rate
from feedback.demo import DRIFT_STARTS_AT, make_digits_stream
from feedback.monitor import dataset_drift, drift_null
from feedback.monitor.drift_draws import drift_verdicts, pool_columns

NAME = "drift-null"
WINDOWS = (50, 100, 300, 1000, 5000)
REFERENCES = (100, 1000, 3000, 50_000)
FEATURES = (5, 20, 100)
RHOS = (0.0, 0.5, 0.9)
GOAL = 0.05
MAX_STACKED_ROWS = 50_000  # window rows stacked under one reference at once


def null_stream_alarms(
    n_reference: int, n_current: int, n_features: int, rho: float, n_references: int, n_windows: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dataset alarms on windows of a null stream, before and after calibration.

    Returns
    -------
    before, after : numpy.ndarray of bool, shape (n_references * n_windows,)
        Evidently's share rule alone, and the library's rule.
    """
    rng = np.random.default_rng(seed)
    before, after = [], []
    for r in range(n_references):
        frame = correlated_frame(rng, n_reference + n_windows * n_current, n_features, rho)
        chance = drift_null(frame.iloc[:n_reference], n_current, random_state=seed * 1000 + r)
        drifted, strength = window_verdicts_stacked(frame, n_reference, n_current)
        by_share = drifted >= np.ceil(0.5 * n_features - 1e-9)
        before.append(by_share)
        after.append(by_share & (chance.p_value(drifted, strength) <= chance.alpha))
    return np.concatenate(before), np.concatenate(after)


def window_verdicts_stacked(frame: pd.DataFrame, n_reference: int, n_current: int) -> tuple[np.ndarray, np.ndarray]:
    """Drifted columns and strength of each window: the first ``n_reference`` rows are the reference, windows follow."""
    columns = pool_columns(frame, list(frame.columns), None, n_reference)
    n_windows = (len(frame) - n_reference) // n_current
    per_batch = max(1, MAX_STACKED_ROWS // n_current)
    counts, strengths = [], []
    for start in range(0, n_windows, per_batch):
        stop = min(n_windows, start + per_batch)
        ref_w = np.zeros((stop - start, len(frame)))
        ref_w[:, :n_reference] = 1.0
        cur_w = np.zeros_like(ref_w)
        for k, w in enumerate(range(start, stop)):
            cur_w[k, n_reference + w * n_current : n_reference + (w + 1) * n_current] = 1.0
        flags, scores = drift_verdicts(columns, ref_w, cur_w)
        counts.append(flags.sum(axis=1))
        strengths.append(scores.sum(axis=1))
    return np.concatenate(counts), np.concatenate(strengths)


def demo_detection(seeds: range) -> dict[str, float]:
    """Share of the demo's drifting and steady batches that alarm, before and after."""
    hits = {"before": [], "after": [], "before_steady": [], "after_steady": []}
    for seed in seeds:
        reference, batches = make_digits_stream(seed)
        columns = [c for c in reference.columns if c.startswith("px_")]
        kinds = dict.fromkeys(columns, "numeric")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning)
            chance = drift_null(reference[columns], len(batches[0]), kinds, random_state=seed)
            for b, batch in enumerate(batches):
                report = dataset_drift(reference[columns], batch[columns], kinds=kinds, chance=chance)
                suffix = "" if b >= DRIFT_STARTS_AT else "_steady"
                hits["before" + suffix].append(report.share_drifted >= report.drift_share)
                hits["after" + suffix].append(report.dataset_drifted)
    return {key: float(np.mean(values)) for key, values in hits.items()}


def simulate(runs: int | None = None) -> list[Rate]:
    """The null alarm rate per window and reference size (pooled over features and correlation), and the demo's
    detection rate before and after.

    ``runs`` is the number of windows per grid cell (default 20: 2 references x 10 windows; 100 takes over an
    hour on 2 cores); a line pools the 9 cells of its window and reference sizes and names its worst cell.
    """
    n_windows = 10
    n_references = max(1, (runs or 20) // n_windows)
    rates = []
    for m, n in itertools.product(WINDOWS, REFERENCES):
        before, after, worst = [], [], (-1.0, "")
        for p, rho in itertools.product(FEATURES, RHOS):
            seed = 1 + len(rates) * 100 + len(before)
            b, a = null_stream_alarms(n, m, p, rho, n_references, n_windows, seed=seed)
            before.append(b)
            after.append(a)
            worst = max(worst, (float(a.mean()), f"{p} features, rho {rho}"))
        before, after = np.concatenate(before), np.concatenate(after)
        conditions = (
            f"{FEATURES[0]}-{FEATURES[-1]} features, rho {RHOS[0]}-{RHOS[-1]}; worst cell {worst[0]:.1%} "
            f"({worst[1]}); Evidently's rule alone {before.mean():.1%}"
        )
        name = f"null alarm, window {m}, reference {n}"
        rates.append(Rate(name, float(after.mean()), GOAL, runs=len(after), conditions=conditions))
    demo = demo_detection(range(20))
    runs_demo = 20 * (6 - DRIFT_STARTS_AT)
    steady = f"steady batches alarm {demo['before_steady']:.1%} before, {demo['after_steady']:.1%} after"
    return [
        *rates,
        Rate("demo drifting batches detected, before", demo["before"], demo["before"], at_most=False, runs=runs_demo),
        Rate(
            "demo drifting batches detected, after",
            demo["after"],
            demo["before"],
            at_most=False,
            runs=runs_demo,
            conditions=f"100-row seed reference, 64 pixels, 300-row batches, 20 seeds; {steady}",
        ),
    ]


def correlated_frame(rng: np.random.Generator, n: int, n_features: int, rho: float) -> pd.DataFrame:
    """Equicorrelated Gaussian features; every fifth column cut into 4 categories."""
    latent = np.sqrt(rho) * rng.normal(size=(n, 1)) + np.sqrt(1.0 - rho) * rng.normal(size=(n, n_features))
    frame = pd.DataFrame(latent, columns=[f"x{i}" for i in range(n_features)])
    for i in range(4, n_features, 5):
        frame[f"x{i}"] = np.array(list("abcd"))[np.digitize(latent[:, i], [-0.7, 0.0, 0.7])]
    return frame
