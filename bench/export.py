"""Export of 1,000,000 label events against DuckDB's own COPY of the same rows.

Measured: ``feedback.intake.export.export_labels(ws, out, fmt)`` for csv and parquet,
which writes every event with its provenance (what was served is copied onto
the event when it is recorded, so no join is needed) via a temporary file.

Baseline: ``COPY labelevent TO ... (FORMAT csv, HEADER true)`` and
``(FORMAT parquet)`` on the same connection, the same rows.

Goal: export within 1.5x of the baseline, per format.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.datasets import make_classification

from bench._harness import Result, runs_str, scratch_dir, timed
from feedback import store
from feedback.access import Actor
from feedback.intake import export_labels
from feedback.lifecycle import init_task
from feedback.store import native, repository
from feedback.workspace import Workspace, open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

NAME = "export"
GOAL = 1.5
ROWS = 1_000_000
FORMATS = ("csv", "parquet")
_COPY_OPTIONS = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet"}

# Filled natively, as a bulk load would: one logged prediction per item, label
# events spread over the items (some labelled twice), realistic column mix.
_FILL_PREDICTIONS = """
    INSERT INTO prediction (external_id, batch_id, received_at, model_version, predicted, confidence,
                            margin, entropy, probabilities, is_audit)
    SELECT 'p-' || lpad(i::VARCHAR, 8, '0'), 'b-' || (i // 100000), TIMESTAMPTZ '2026-01-01 00:00:00+00'
           + to_seconds(i), 1, (i % 10)::VARCHAR, 0.1 + (hash(i) % 900) / 1000.0, (hash(i) % 500) / 1000.0,
           (hash(i) % 2300) / 1000.0, '[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1]', hash(i) % 20 = 0
    FROM range(?) t(i)
"""
_FILL_EVENTS = """
    INSERT INTO labelevent (external_id, annotator, created_at, label, action, reason_code, comment,
                            seconds_spent, shown_prediction, shown_model_version, suggestion_hidden,
                            served_prediction, served_confidence, is_audit, batch_id)
    SELECT 'p-' || lpad((hash(i) % ?)::VARCHAR, 8, '0'), 'annotator-' || (i % 7),
           TIMESTAMPTZ '2026-01-02 00:00:00+00' + to_milliseconds(i * 250),
           CASE WHEN i % 10 < 8 THEN (i % 10)::VARCHAR END,
           CASE i % 10 WHEN 8 THEN 'skip' WHEN 9 THEN 'ambiguous' ELSE
               CASE WHEN i % 3 = 0 THEN 'correct' ELSE 'confirm' END END,
           CASE WHEN i % 3 = 0 THEN 'model-wrong' END,
           CASE WHEN i % 50 = 0 THEN 'looks like a ' || (i % 10) || ', see the stroke' END,
           0.5 + (hash(i) % 20000) / 1000.0, ((i + 1) % 10)::VARCHAR, 1, i % 4 = 0,
           ((i + 1) % 10)::VARCHAR, (hash(i) % 1000) / 1000.0, hash(i) % 20 = 0, 'b-' || (i // 10000)
    FROM range(?) t(i)
"""


def make_store(folder: Path, rows: int) -> Workspace:
    """A store with a small task, ``rows`` predictions and ``rows`` label events."""
    X, y = make_classification(
        n_samples=500, n_features=20, n_informative=12, n_classes=10, n_clusters_per_class=1, random_state=0
    )
    seed = pd.DataFrame(X, columns=[f"f{i}" for i in range(20)])
    seed["label"] = y
    seed.to_parquet(folder / "seed.parquet", index=False)
    ws = open_workspace(folder / "home")
    init_task(ws, folder / "seed.parquet", "label")
    with store.session(ws) as session:
        raw = native.connection(session)
        raw.execute(_FILL_PREDICTIONS, [rows])
        raw.execute(_FILL_EVENTS, [rows, rows])
    with store.session(ws) as session:
        n = native.read_frame(session, "SELECT count(*) AS n FROM labelevent")["n"].iloc[0]
    assert n == rows, f"filled {n} of {rows} label events"
    return ws


def _copy(ws: Workspace, source: str, path: Path, fmt: str) -> None:
    """DuckDB's own COPY of a table or a parenthesised query, on the store's connection."""
    with store.session(ws) as session:
        native.connection(session).execute(f"COPY {source} TO '{path}' ({_COPY_OPTIONS[fmt]})")


def _check(path: Path, fmt: str, rows: int) -> None:
    reader = "read_csv_auto" if fmt == "csv" else "read_parquet"
    with duckdb.connect() as con:
        n = con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0]
    assert n == rows, f"{path.name} holds {n} of {rows} rows"


def run(rows: int | None = None, repeat: int = 3) -> list[Result]:
    """Time export_labels and COPY for each format ``repeat`` times, interleaved; print the figures."""
    rows = rows or ROWS
    results = []
    with scratch_dir(NAME) as folder:
        ws = make_store(folder, rows)
        try:
            for fmt in FORMATS:
                out, raw_out, query_out = (folder / f"{stem}.{fmt}" for stem in ("labels", "raw", "query"))
                runs, baseline_runs, query_runs = [], [], []
                for _ in range(max(1, repeat)):
                    out.unlink(missing_ok=True)
                    runs.append(timed(partial(export_labels, ws, out, fmt, actor=ADMIN)))
                    raw_out.unlink(missing_ok=True)
                    baseline_runs.append(timed(partial(_copy, ws, "labelevent", raw_out, fmt)))
                    # Reference only: the export's own query through COPY, without export_labels around it.
                    query_out.unlink(missing_ok=True)
                    query_runs.append(timed(partial(_copy, ws, f"({repository.EXPORT_SQL})", query_out, fmt)))
                _check(out, fmt, rows)
                _check(raw_out, fmt, rows)
                result = Result(
                    f"{NAME} {fmt}", rows, min(runs), min(baseline_runs), GOAL, tuple(runs), tuple(baseline_runs)
                )
                results.append(result)
                print(f"export_labels {fmt}, {rows:,} label events with provenance")
                print(
                    f"  export runs (s):        {runs_str(result.runs)}  best {result.seconds:.2f} s"
                    f"  ({out.stat().st_size / 1e6:,.0f} MB)"
                )
                print(
                    f"  baseline runs (s):      {runs_str(result.baseline_runs)}"
                    f"  best {result.baseline_seconds:.2f} s"
                    f"  (COPY labelevent TO ... {fmt}, {raw_out.stat().st_size / 1e6:,.0f} MB)"
                )
                print(
                    f"  reference (s):          {runs_str(tuple(query_runs))}  best {min(query_runs):.2f} s"
                    f"  (COPY of repository.EXPORT_SQL itself, ORDER BY event_id,"
                    f" {min(query_runs) / result.baseline_seconds:.2f}x the baseline)"
                )
                print(f"  ratio: {result.ratio:.2f}x  (goal <= {GOAL:g}x: {'met' if result.met else 'MISSED'})")
        finally:
            ws.close()
    return results
