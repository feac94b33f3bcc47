"""Ingest of 1,000,000 logged predictions against DuckDB inserting the same rows natively.

Measured: ``feedback.intake.ingest.ingest_predictions(ws, file)`` on a Parquet file of
production inputs (20 numeric features, 10 classes): read, validate, look up
known ids, score with the champion, uncertainty, audit flags, write.

Baseline: the rows that ingest wrote (its prediction, input and batch rows,
exported from the store after the run) inserted into a fresh database with the
same schema by ``INSERT INTO ... SELECT * FROM read_parquet(...)``, commit
included, as ingest's time includes its commit.

Goal: ingest within 2x of the baseline.

The breakdown of a run comes from ingest's own ``progress`` callback, which
announces each stage as it starts; the timed call is the product's code path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from bench._harness import Result, Stages, runs_str, scratch_dir, timed
from feedback import store
from feedback.intake import ingest_predictions
from feedback.lifecycle import init_task, load_task
from feedback.store import PREDICTION_INPUT, native, repository
from feedback.workspace import open_workspace

NAME = "ingest"
GOAL = 2.0
ROWS = 1_000_000
N_FEATURES = 20
N_CLASSES = 10
N_SEED = 2000
TABLES = ("ingestbatch", "prediction", PREDICTION_INPUT)


def make_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """A labelled seed file and a production file of ``rows`` unlabelled inputs from the same distribution."""
    X, y = make_classification(
        n_samples=N_SEED + rows,
        n_features=N_FEATURES,
        n_informative=12,
        n_classes=N_CLASSES,
        n_clusters_per_class=1,
        random_state=0,
    )
    columns = [f"f{i}" for i in range(N_FEATURES)]
    seed = pd.DataFrame(X[:N_SEED], columns=columns)
    seed.insert(0, "id", [f"seed-{i}" for i in range(N_SEED)])
    seed["label"] = y[:N_SEED]
    production = pd.DataFrame(X[N_SEED:], columns=columns)
    production.insert(0, "id", np.char.add("p-", np.char.zfill(np.arange(rows).astype(str), 8)).astype(object))
    seed_path, production_path = folder / "seed.parquet", folder / "production.parquet"
    seed.to_parquet(seed_path, index=False)
    production.to_parquet(production_path, index=False)
    return seed_path, production_path


def _ingest_once(pristine: Path, home: Path, production: Path) -> tuple[float, Stages, int]:
    """Ingest the production file into a copy of the freshly initialised store."""
    shutil.copytree(pristine, home)
    ws = open_workspace(home)
    stages, outcome = Stages(), {}

    def ingest() -> None:
        outcome["result"] = ingest_predictions(ws, production, progress=stages.progress)
        stages.stop()

    try:
        seconds = timed(ingest)
    finally:
        ws.close()
    return seconds, stages, outcome["result"].n_new


def _export_written_rows(home: Path, folder: Path) -> dict[str, Path]:
    """The rows ingest wrote, per table, as Parquet files (the baseline's input)."""
    paths = {}
    with duckdb.connect(str(home / "feedback.duckdb"), read_only=True) as con:
        for table in TABLES:
            paths[table] = folder / f"{table}.parquet"
            con.execute(f"COPY {native.quote(table)} TO '{paths[table]}' (FORMAT parquet)")
    return paths


def _baseline_once(home: Path, features: list[dict], written: dict[str, Path]) -> tuple[float, int]:
    """DuckDB inserting the written rows natively into a fresh store with the same schema."""
    ws = open_workspace(home)
    try:
        store.create_db_and_tables(ws)
        with store.session(ws) as session:
            repository.create_input_tables(session, features)

        def insert() -> None:
            with store.session(ws) as session:
                raw = native.connection(session)
                for table, path in written.items():
                    raw.execute(f"INSERT INTO {native.quote(table)} BY NAME SELECT * FROM read_parquet('{path}')")

        seconds = timed(insert)
        with store.session(ws) as session:
            n = native.read_frame(session, "SELECT count(*) AS n FROM prediction")["n"].iloc[0]
    finally:
        ws.close()
    return seconds, int(n)


def run(rows: int | None = None, repeat: int = 2) -> list[Result]:
    """Time ingest and its baseline ``repeat`` times each, interleaved; print figures and a breakdown."""
    rows = rows or ROWS
    with scratch_dir(NAME) as folder:
        seed, production = make_files(folder, rows)
        pristine = folder / "pristine"
        ws = open_workspace(pristine)
        try:
            init_task(ws, seed, "label")
            features = load_task(ws).features
        finally:
            ws.close()

        runs, baseline_runs, breakdowns, written = [], [], [], None
        for attempt in range(max(1, repeat)):
            home = folder / f"ingest-{attempt}"
            seconds, stages, n_new = _ingest_once(pristine, home, production)
            assert n_new == rows, f"ingest logged {n_new} of {rows} rows"
            runs.append(seconds)
            breakdowns.append(stages)
            if written is None:
                written = _export_written_rows(home, folder)
            shutil.rmtree(home)
            baseline_home = folder / f"baseline-{attempt}"
            baseline, n_base = _baseline_once(baseline_home, features, written)
            assert n_base == rows, f"baseline inserted {n_base} of {rows} rows"
            baseline_runs.append(baseline)
            shutil.rmtree(baseline_home)

    result = Result(NAME, rows, min(runs), min(baseline_runs), GOAL, tuple(runs), tuple(baseline_runs))
    best = runs.index(result.seconds)
    print(f"ingest_predictions, {rows:,} rows x {N_FEATURES} features, {N_CLASSES} classes (Parquet file)")
    print(
        f"  ingest runs (s):        {runs_str(result.runs)}  best {result.seconds:.2f} s"
        f"  ({rows / result.seconds:,.0f} rows/s)"
    )
    print(
        f"  baseline runs (s):      {runs_str(result.baseline_runs)}  best {result.baseline_seconds:.2f} s"
        "  (INSERT ... SELECT * FROM read_parquet of the written rows, fresh store, same schema)"
    )
    print(f"  ratio: {result.ratio:.2f}x  (goal <= {GOAL:g}x: {'met' if result.met else 'MISSED'})")
    print(f"  breakdown of the best ingest run ({result.seconds:.2f} s):")
    print(breakdowns[best].report(result.seconds))
    return [result]
