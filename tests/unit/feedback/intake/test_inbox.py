"""The inbox: files handed to the process that owns the database."""

import json
import time

import pandas as pd
import pytest
from sqlmodel import select

from feedback import store
from feedback.exceptions import InputError
from feedback.intake import drop_into_inbox, pending_files, process_inbox
from feedback.store import LabelEvent
from feedback.worker import InboxWatcher


def _wait_for(condition, timeout=10.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def test_dropped_file_is_ingested_and_moved_to_done(ws, write_production, state):
    source = write_production(30)
    target = drop_into_inbox(ws, source, "predictions")

    assert target.parent == ws.inbox_dir / "predictions" and target.name.endswith(source.name)
    assert target.read_bytes() == source.read_bytes()
    assert pending_files(ws) == [("predictions", target)]

    outcomes = process_inbox(ws)

    assert len(outcomes) == 1 and outcomes[0]["ok"] is True and outcomes[0]["n_new"] == 30
    assert state(ws)["predictions"] == 30
    done = ws.inbox_dir / "done" / target.name
    assert done.is_file() and not target.exists()
    result = json.loads((ws.inbox_dir / "done" / f"{target.name}.result.json").read_text())
    assert result["n_new"] == 30 and result["batch_id"] == outcomes[0]["batch_id"]
    assert pending_files(ws) == [] and process_inbox(ws) == []


def test_feedback_file_goes_through_the_inbox(ws, ingested, tmp_path, state):
    path = tmp_path / "fb.csv"
    pd.DataFrame({"id": ["d-0100", "d-0101"], "signal": ["disputed", "accepted"]}).to_csv(path, index=False)
    target = drop_into_inbox(ws, path, "feedback")

    outcomes = process_inbox(ws)

    assert outcomes[0]["ok"] is True and outcomes[0]["signals"] == 2
    assert state(ws)["disputes"] == 1
    assert (ws.inbox_dir / "done" / f"{target.name}.result.json").is_file()


def test_label_file_goes_through_the_inbox_under_its_annotators_name(ws, ingested, write_truth, state):
    target = drop_into_inbox(ws, write_truth(["d-0100", "d-0101", "d-0102"]), "labels", annotator="Ana Lee/QA")
    assert target.parent.parent == ws.inbox_dir / "labels", "one folder per annotator, whatever the name holds"
    assert pending_files(ws) == [("labels", target)]

    outcomes = process_inbox(ws)

    assert outcomes[0]["ok"] is True and outcomes[0]["label_events"] == 3
    with store.session(ws) as session:
        assert {e.annotator for e in session.exec(select(LabelEvent)).all()} == {"Ana Lee/QA"}
    assert state(ws)["label_events"] == 3
    assert json.loads((ws.inbox_dir / "done" / f"{target.name}.result.json").read_text()) == {
        "ok": True,
        "label_events": 3,
    }
    assert pending_files(ws) == []


def test_a_bad_label_file_is_refused_whole_in_the_inbox(ws, ingested, tmp_path, state):
    pd.DataFrame({"id": ["d-0100", "d-0101"], "label": ["3", "eleven"]}).to_csv(tmp_path / "bad.csv", index=False)
    target = drop_into_inbox(ws, tmp_path / "bad.csv", "labels", annotator="ana")
    [outcome] = process_inbox(ws)
    assert outcome["ok"] is False and "'eleven'" in outcome["error"]
    assert state(ws)["label_events"] == 0
    assert (ws.inbox_dir / "failed" / f"{target.name}.error.txt").is_file()


def test_an_annotator_named_dot_dot_stays_in_its_own_folder(ws, ingested, write_truth):
    target = drop_into_inbox(ws, write_truth(["d-0100"]), "labels", annotator="..")
    assert target.parent.parent == ws.inbox_dir / "labels"
    [outcome] = process_inbox(ws)
    assert outcome["ok"] is True
    with store.session(ws) as session:
        assert [e.annotator for e in session.exec(select(LabelEvent)).all()] == [".."]


def test_only_label_files_name_an_annotator(ws, write_production):
    with pytest.raises(InputError, match="Only label files name an annotator, not predictions files"):
        drop_into_inbox(ws, write_production(5), "predictions", annotator="ana")


def test_bad_file_goes_to_failed_with_the_reason_and_writes_nothing(ws, production_frame, tmp_path, state):
    production_frame(10).drop(columns="px_5").to_csv(tmp_path / "bad.csv", index=False)
    target = drop_into_inbox(ws, tmp_path / "bad.csv", "predictions")
    before = state(ws)

    outcomes = process_inbox(ws)

    assert outcomes[0]["ok"] is False and "px_5" in outcomes[0]["error"]
    assert (ws.inbox_dir / "failed" / target.name).is_file() and not target.exists()
    error = (ws.inbox_dir / "failed" / f"{target.name}.error.txt").read_text()
    assert "lacks feature column(s) px_5" in error
    assert state(ws) == before
    assert not (ws.inbox_dir / "done").exists()


def test_one_bad_file_does_not_block_the_good_ones(ws, production_frame, write_production, tmp_path, state):
    production_frame(5).assign(extra=1).to_csv(tmp_path / "bad.csv", index=False)
    drop_into_inbox(ws, tmp_path / "bad.csv", "predictions")
    drop_into_inbox(ws, write_production(12), "predictions")

    outcomes = process_inbox(ws)

    assert [o["ok"] for o in outcomes] == [False, True]
    assert state(ws)["predictions"] == 12


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("prod.csv", "alerts", "Unknown inbox kind 'alerts'"),
        ("prod.csv", "labels", "Say who labelled the file"),
        ("missing.csv", "predictions", "File not found"),
        ("prod.xlsx", "predictions", "use a .csv, .parquet or .jsonl file"),
    ],
)
def test_drop_refuses_what_the_inbox_cannot_take(ws, tmp_path, name, kind, expected):
    if name != "missing.csv":
        (tmp_path / name).write_text("id\n1\n")
    with pytest.raises(InputError, match=expected):
        drop_into_inbox(ws, tmp_path / name, kind)
    assert not (ws.inbox_dir / "predictions").exists() or not list((ws.inbox_dir / "predictions").iterdir())


def test_watcher_thread_picks_up_a_dropped_file_within_seconds(ws, write_production, state):
    watcher = InboxWatcher(ws, interval=0.2)
    watcher.start()
    try:
        target = drop_into_inbox(ws, write_production(15), "predictions")
        assert _wait_for(lambda: (ws.inbox_dir / "done" / f"{target.name}.result.json").exists(), timeout=10)
        assert _wait_for(lambda: watcher.last_outcomes != [], timeout=2)
    finally:
        watcher.stop()
        watcher.join(timeout=5)
    assert not watcher.is_alive()
    assert watcher.last_outcomes[0]["ok"] is True and watcher.last_outcomes[0]["n_new"] == 15
    assert state(ws)["predictions"] == 15
