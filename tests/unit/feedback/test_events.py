"""Write events: ingest and label imports tell their listeners, which the app and the CLI wire at start."""

import pytest
from click.testing import CliRunner

from feedback import events
from feedback.cli import cli
from feedback.exceptions import InputError
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.review import import_labels


@pytest.fixture
def heard():
    """A listener for this test: ``(moment, kind)`` for each event, removed afterwards."""
    calls = []
    remove = events.on_write(
        lambda ws, kind: calls.append(("after", kind)), before=lambda ws, kind: calls.append(("before", kind))
    )
    yield calls
    remove()


def test_each_write_is_announced_before_it_starts_and_after_it_is_stored(
    ws, heard, write_production, write_truth, tmp_path, logged
):
    ingest_predictions(ws, write_production(20, start=0))
    ids = list(logged(ws).index[:2])
    import_labels(ws, write_truth(ids), annotator="oracle")
    (tmp_path / "fb.csv").write_text(f"id,signal\n{ids[0]},disputed\n")
    ingest_feedback(ws, tmp_path / "fb.csv")
    assert heard == [
        ("before", "predictions"),
        ("after", "predictions"),
        ("before", "labels"),
        ("after", "labels"),
        ("before", "feedback"),
        ("after", "feedback"),
    ]


def test_a_listener_refusing_before_the_write_leaves_nothing_stored(ws, write_production, state):
    def refuse(ws, kind):
        raise InputError(f"no {kind} today")

    before = state(ws)
    remove = events.on_write(lambda ws, kind: None, before=refuse)
    try:
        with pytest.raises(InputError, match="no predictions today"):
            ingest_predictions(ws, write_production(20, start=0))
    finally:
        remove()
    assert state(ws) == before


def test_the_same_listener_twice_is_one_listener_and_removing_it_stops_it():
    calls = []

    def listener(ws, kind):
        calls.append(kind)

    remove = events.on_write(listener)
    events.on_write(listener)  # the app and the CLI may both wire the same check in one process
    events.written(None, "labels")
    remove()
    events.written(None, "labels")
    assert calls == ["labels"]


def test_the_cli_wires_the_alert_check_at_start(monkeypatch, tmp_path):
    wired = []
    monkeypatch.setattr("feedback.alerts.check_alerts_on_writes", lambda: wired.append(True))  # what the CLI calls
    CliRunner().invoke(cli, ["status", "--home", str(tmp_path / "no-store")])
    assert wired == [True]


def test_the_cli_wires_the_background_webhook_deliveries_at_start(monkeypatch, tmp_path):
    wired = []
    monkeypatch.setattr("feedback.worker.deliver_alerts_in_background", lambda: wired.append(True))
    CliRunner().invoke(cli, ["status", "--home", str(tmp_path / "no-store")])
    assert wired == [True]
