"""Commands run while the app holds the DuckDB file: refused clearly, or handed over through the inbox.

The app opens the store (and starts its inbox watcher) when a page first renders,
so each test loads the Review page before running a command.
"""

from __future__ import annotations

import pandas as pd
import pytest
from e2e_support import new_prediction_rows, open_review, read_json, run_feedback, wait_for
from sqlmodel import func, select

from feedback import store
from feedback.store import FeedbackSignal, LabelEvent, Prediction
from feedback.workspace import open_workspace

pytestmark = pytest.mark.e2e


def _store_counts(home, ids: list[str]) -> dict:
    ws = open_workspace(home)
    try:
        with store.session(ws) as session:
            return {
                "predictions": session.exec(select(func.count()).select_from(Prediction)).one(),
                "signals": session.exec(select(func.count()).select_from(FeedbackSignal)).one(),
                "labels": session.exec(select(func.count()).select_from(LabelEvent)).one(),
                "new_predictions": session.exec(select(Prediction).where(Prediction.external_id.in_(ids))).all(),
                "new_signals": session.exec(select(FeedbackSignal).where(FeedbackSignal.external_id.in_(ids))).all(),
                "new_labels": session.exec(select(LabelEvent).where(LabelEvent.external_id.in_(ids))).all(),
            }
    finally:
        ws.close()


def _feedback_file(ids: list[str], path) -> None:
    pd.DataFrame({"id": ids[:2], "signal": ["disputed", "accepted"], "user_label": ["3", None]}).to_csv(
        path, index=False
    )


def test_cli_refused_while_app_runs(app, page, tmp_path, demo_template):
    before = _store_counts(demo_template, [])  # the app serves a copy of this store
    open_review(page, app)  # now the app process holds the file
    batch = tmp_path / "refused.csv"
    ids = new_prediction_rows(app.home, batch, prefix="refused")

    # `ingest` (its own lock check) and `label` (the shared one of every store command).
    for args in (("ingest", batch), ("label", "p0-0000", "0", "--annotator", "cli")):
        result = run_feedback(app.home, *args)
        assert result.returncode != 0, (args, result.stdout, result.stderr)
        assert "held by another process" in result.stderr, (args, result.stderr)
        assert "--inbox" in result.stderr, (args, result.stderr)
        assert "nothing was changed" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr, (args, result.stderr)
    assert not (app.home / "inbox").exists() or not any((app.home / "inbox").rglob("*.csv"))
    assert app.running

    app.stop()
    after = _store_counts(app.home, ids)
    assert after["new_predictions"] == []
    assert {k: after[k] for k in ("predictions", "signals", "labels")} == {
        k: before[k] for k in ("predictions", "signals", "labels")
    }


def test_inbox_ingest_while_app_runs(app, tmp_path, demo_template):
    before_labels = _store_counts(demo_template, [])["labels"]  # the app serves a copy of this store
    # No browser visit first: the server starts the inbox watcher itself.
    batch = tmp_path / "handed-over.csv"
    ids = new_prediction_rows(app.home, batch, n=5, prefix="inbox")
    done = app.home / "inbox" / "done"

    result = run_feedback(app.home, "ingest", batch, "--inbox")
    assert result.returncode == 0, result.stderr
    assert "Handed to the app" in result.stdout
    outcome = wait_for(
        lambda: list(done.glob("*-handed-over.csv.result.json")), 10, "the predictions file in inbox/done"
    )
    result_json = read_json(outcome[0])
    assert result_json["ok"] is True, result_json
    assert result_json["n_new"] == 5 and result_json["n_skipped_existing"] == 0, result_json
    assert (done / outcome[0].name.removesuffix(".result.json")).is_file()

    signals = tmp_path / "handed-over-feedback.csv"
    _feedback_file(ids, signals)
    result = run_feedback(app.home, "ingest-feedback", signals, "--inbox")
    assert result.returncode == 0, result.stderr
    outcome = wait_for(
        lambda: list(done.glob("*-handed-over-feedback.csv.result.json")), 10, "the feedback file in inbox/done"
    )
    assert read_json(outcome[0]) == {"ok": True, "signals": 2}

    labels = tmp_path / "handed-over-labels.csv"
    pd.DataFrame({"id": ids[2:4], "label": ["7", "1"]}).to_csv(labels, index=False)
    result = run_feedback(app.home, "import-labels", labels, "--annotator", "vendor team", "--inbox")
    assert result.returncode == 0, result.stderr
    outcome = wait_for(
        lambda: list(done.glob("*-handed-over-labels.csv.result.json")), 10, "the labels file in inbox/done"
    )
    assert read_json(outcome[0]) == {"ok": True, "label_events": 2}

    assert not (app.home / "inbox" / "failed").exists() or not any((app.home / "inbox" / "failed").iterdir())
    assert not any((app.home / "inbox" / "predictions").iterdir())
    assert not any((app.home / "inbox" / "feedback").iterdir())
    assert app.running

    app.stop()
    after = _store_counts(app.home, ids)
    assert after["predictions"] == 1800 + 5
    assert sorted(p.external_id for p in after["new_predictions"]) == ids
    assert all(p.model_version == 1 for p in after["new_predictions"])
    assert sorted((s.external_id, s.signal, s.user_label) for s in after["new_signals"]) == [
        (ids[0], "disputed", "3"),
        (ids[1], "accepted", None),
    ]
    assert after["labels"] == before_labels + 2
    assert sorted((e.external_id, e.label, e.annotator) for e in after["new_labels"]) == [
        (ids[2], "7", "vendor team"),
        (ids[3], "1", "vendor team"),
    ]
