"""A store held by another process: the CLI refuses cleanly, or hands the file over through the inbox."""

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.workspace import open_workspace

HOLDER = textwrap.dedent(
    """
    import sys, time
    import duckdb
    connection = duckdb.connect(sys.argv[1])  # read-write: takes DuckDB's file lock
    connection.execute("SELECT count(*) FROM prediction").fetchall()
    print("locked", flush=True)
    sys.stdin.readline()  # hold the file until the test closes our stdin
    connection.close()
    """
)


@pytest.fixture
def held_store(home, state, write_production):
    """The store, with 20 predictions, held read-write by another process until the test ends."""
    from feedback.intake import ingest_predictions

    ws = open_workspace(home=home)
    ingest_predictions(ws, write_production(20, name="first.csv"))
    before = state(ws)
    ws.close()  # this process must not hold the file itself
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home / "feedback.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked", "the holder process could not take the lock"
        yield holder, before
    finally:
        if holder.poll() is None:
            holder.stdin.close()
            try:
                holder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                holder.kill()
                holder.wait()


def _release(holder):
    holder.stdin.close()
    assert holder.wait(timeout=10) == 0


def test_ingest_on_a_held_store_fails_clearly_and_changes_nothing(held_store, home, state, write_production):
    holder, before = held_store

    result = CliRunner().invoke(
        cli, ["ingest", str(write_production(15, start=200, name="second.csv")), "--home", str(home)]
    )

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    message = result.stderr
    assert str(home / "feedback.duckdb") in message
    assert f"PID {holder.pid}" in message
    assert "held by another process" in message and "nothing was changed" in message
    assert "--inbox" in message  # says what to do
    _release(holder)
    ws = open_workspace(home=home)
    try:
        assert state(ws) == before
    finally:
        ws.close()


@pytest.mark.parametrize(
    "command", [["status"], ["queue"], ["retrain"], ["import-labels", "labels.csv", "--annotator", "ana"]]
)
def test_other_commands_on_a_held_store_say_so_too(held_store, home, command):
    holder, _ = held_store
    result = CliRunner().invoke(cli, [*command, "--home", str(home)])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert f"The database {home / 'feedback.duckdb'} is held by another process (PID {holder.pid})" in result.stderr


def test_ingest_through_the_inbox_works_while_the_store_is_held(held_store, home, state, write_production):
    holder, before = held_store
    source = write_production(15, start=200, name="second.csv")

    result = CliRunner().invoke(cli, ["ingest", str(source), "--inbox", "--home", str(home), "--json"])

    assert result.exit_code == 0, result.stderr
    landed = list((home / "inbox" / "predictions").iterdir())
    assert len(landed) == 1 and landed[0].name.endswith("second.csv")
    assert landed[0].read_bytes() == source.read_bytes()
    assert result.stdout and str(landed[0]) in result.stdout
    _release(holder)
    # Once the owner processes its inbox the rows arrive; until then nothing in the store changed.
    ws = open_workspace(home=home)
    try:
        assert state(ws) == before
        from feedback.intake import process_inbox

        assert process_inbox(ws)[0]["n_new"] == 15
        assert state(ws)["predictions"] == before["predictions"] + 15
    finally:
        ws.close()
