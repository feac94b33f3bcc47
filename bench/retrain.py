"""Retrain plus comparison on 50,000 expert labels with the default model.

Measured: ``feedback.lifecycle.retraining.retrain(ws, actor=ADMIN)`` on a store holding a 500-row seed
and 50,000 logged predictions (20 numeric features, 10 classes), all labelled:
read the labels, fit a fresh clone of the pipeline, write the snapshot, score
champion and challenger on the labelled audit items, McNemar and the paired
bootstraps, register the version.

Baseline, for scale: scikit-learn fitting the same pipeline on the same rows
in memory (no store, no comparison).

Goal: under 10 seconds.
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import make_classification

from active_learning import build_estimator
from bench._harness import Result, runs_str, scratch_dir, timed
from feedback import store
from feedback.access import Actor
from feedback.gold import gold_label_series
from feedback.intake import ingest_predictions
from feedback.lifecycle import init_task, load_task, retrain
from feedback.review import import_labels
from feedback.store import repository
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

NAME = "retrain"
ROWS = 50_000
LIMIT_SECONDS = 10.0
N_SEED = 500


def _build_store(home, rows: int):
    X, y = make_classification(n_samples=rows + N_SEED, n_features=20, n_informative=12, n_classes=10, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    frame["label"] = y
    frame.iloc[:N_SEED].to_parquet(home.parent / "seed.parquet")
    frame.iloc[N_SEED:].drop(columns="label").to_parquet(home.parent / "prod.parquet")
    frame.iloc[N_SEED:][["id", "label"]].to_parquet(home.parent / "truth.parquet")
    ws = open_workspace(home)
    init_task(ws, home.parent / "seed.parquet", "label")
    ingest_predictions(ws, home.parent / "prod.parquet")
    import_labels(ws, home.parent / "truth.parquet", annotator="bench")
    return ws


def run(rows: int | None = None, repeat: int = 2) -> list[Result]:
    rows = rows or ROWS
    with scratch_dir("bench-retrain") as folder:
        ws = _build_store(folder / "home", rows)
        try:
            task = load_task(ws)
            names = [f["name"] for f in task.features]
            with store.session(ws) as session:
                training = pd.concat(
                    [
                        repository.seed_training_set(session),
                        repository.expert_training_set(session, gold_label_series(session)),
                    ]
                )
            X, y = training[names], training["__label__"].to_numpy(dtype=object)
            runs, baseline_runs, results = [], [], []
            for _ in range(max(1, repeat)):
                baseline_runs.append(timed(lambda: build_estimator(task.features, task.model_name).fit(X, y)))
                runs.append(timed(lambda: results.append(retrain(ws, actor=ADMIN))))
        finally:
            ws.close()
    last = results[-1]
    result = Result(
        NAME,
        rows,
        min(runs),
        min(baseline_runs),
        float("inf"),
        tuple(runs),
        tuple(baseline_runs),
        limit_seconds=LIMIT_SECONDS,
    )
    print(
        f"retrain on {last.n_train:,} labels ({rows:,} labelled predictions + {N_SEED} seed), "
        f"compared on {last.n_eval:,} audit items"
    )
    print(
        f"  retrain runs (s):       {runs_str(result.runs)}  best {result.seconds:.2f} s "
        f"(fit alone inside it: {last.training_seconds:.2f} s)"
    )
    print(
        f"  baseline runs (s):      {runs_str(result.baseline_runs)}  best {result.baseline_seconds:.2f} s "
        "(scikit-learn fitting the same pipeline in memory)"
    )
    print(f"  decision: {last.decision}; goal under {LIMIT_SECONDS:g} s: {'met' if result.met else 'MISSED'}")
    return [result]
