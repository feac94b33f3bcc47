"""Schema creation, migrations and the all-or-nothing write path."""

import pandas as pd
import pytest
from sqlalchemy import text
from store_sql import read_sql

from feedback import store
from feedback.review import record_label
from feedback.store import Alert, db, native, utcnow
from feedback.workspace import open_workspace


def _columns(ws, table):
    frame = read_sql(
        ws, "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]
    )
    return list(frame["column_name"])


def _migrations(ws):
    return sorted(read_sql(ws, "SELECT name FROM appliedmigration")["name"])


def _tables(ws):
    return sorted(read_sql(ws, "SELECT table_name FROM duckdb_tables()")["table_name"])


def test_create_db_and_tables_is_idempotent(ws, ingested, state):
    before = (state(ws), _tables(ws), _migrations(ws), _columns(ws, "labelevent"))

    store.create_db_and_tables(ws)
    store.create_db_and_tables(ws)

    assert (state(ws), _tables(ws), _migrations(ws), _columns(ws, "labelevent")) == before
    assert _migrations(ws) == [name for name, _ in db.MIGRATIONS]


def test_fresh_database_gets_every_table_and_migration(tmp_path):
    ws = open_workspace(home=tmp_path / "fresh")
    try:
        store.create_db_and_tables(ws)
        assert {"task", "prediction", "labelevent", "modelversion", "decision", "appliedmigration"} <= set(_tables(ws))
        assert _migrations(ws) == [name for name, _ in db.MIGRATIONS]
        assert "suggestion_hidden" in _columns(ws, "labelevent")
    finally:
        ws.close()


_INDEXES = {  # the indexes DuckDB makes us drop before dropping a column of their table
    "labelevent": {
        "ix_labelevent_external_id": "CREATE INDEX ix_labelevent_external_id ON labelevent (external_id)",
        "ux_labelevent_client_id": "CREATE UNIQUE INDEX ux_labelevent_client_id ON labelevent (client_id)",
    },
    "lease": {"ix_lease_annotator": "CREATE INDEX ix_lease_annotator ON lease (annotator)"},
}


def _make_older_store(home, column: str, migration: str, table: str = "labelevent") -> None:
    """Drop ``<table>.<column>`` and forget ``migration``, as in a store from before that migration.

    DuckDB refuses to drop a column of an indexed table, and sees a dropped unique index only
    after the commit: the indexes go first, in their own transaction, and come back after
    (except an index on the dropped column).
    """
    ws = open_workspace(home=home)
    try:
        with store.session(ws) as session:
            for name in _INDEXES[table]:
                session.execute(text(f"DROP INDEX {name}"))
        with store.session(ws) as session:
            session.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
            for ddl in _INDEXES[table].values():
                if not ddl.endswith(f"({column})"):
                    session.execute(text(ddl))
            session.execute(text("DELETE FROM appliedmigration WHERE name = :name"), {"name": migration})
        assert column not in _columns(ws, table)
    finally:
        ws.close()


def test_older_database_without_suggestion_hidden_is_migrated(home, ingested_home_events):
    _make_older_store(home, "suggestion_hidden", "0002_label_suggestion_hidden")  # from before blind-first review

    ws = open_workspace(home=home)
    try:
        store.create_db_and_tables(ws)

        assert "suggestion_hidden" in _columns(ws, "labelevent")
        assert "0002_label_suggestion_hidden" in _migrations(ws)
        old = read_sql(ws, "SELECT external_id, suggestion_hidden FROM labelevent ORDER BY id")
        assert list(old["external_id"]) == ingested_home_events
        assert not old["suggestion_hidden"].any()
        event = record_label(ws, "d-0105", None, annotator="ana", action="skip", suggestion_hidden=True)
        assert event.suggestion_hidden is True
    finally:
        ws.close()


@pytest.fixture
def ingested_home_events(ws, ingested):
    """Two label events written with the current schema, then the store is closed."""
    record_label(ws, "d-0100", None, annotator="ana", action="skip")
    record_label(ws, "d-0101", None, annotator="ana", action="ambiguous")
    ws.close()
    return ["d-0100", "d-0101"]


def test_unit_of_work_writes_all_or_nothing(ws, state):
    before = state(ws)
    with pytest.raises(RuntimeError), store.session(ws) as session:
        session.add(Alert(kind="test", message="half-written?"))
        native.insert_frame(
            session,
            "feedbacksignal",
            pd.DataFrame(
                {
                    "external_id": ["x"],
                    "signal": ["disputed"],
                    "user_label": [None],
                    "received_at": [pd.Timestamp.now(tz="UTC")],
                }
            ),
        )
        session.flush()
        raise RuntimeError("crash in the middle")
    assert state(ws) == before
    assert read_sql(ws, "SELECT count(*) AS n FROM alert")["n"].iloc[0] == 0


def test_bulk_insert_takes_arrow_and_falls_back_to_pandas_for_mixed_python_objects(ws, ingested, logged):
    ids = logged(ws).index[:3].tolist()
    typed = pd.DataFrame(
        {
            "external_id": ids,
            "annotator": "ana",
            "action": "skip",
            "created_at": utcnow(),
            "suggestion_hidden": False,
            "comment": [None, "x", "y"],
        }
    )
    mixed = typed.assign(comment=pd.Series([None, "x", 7], dtype=object))  # as pd.read_json can give
    assert not isinstance(native.scannable(typed), pd.DataFrame), "a typed frame goes in as Arrow"
    assert isinstance(native.scannable(mixed), pd.DataFrame), "Arrow refuses a column of str and int: pandas it is"
    with store.session(ws) as session:
        assert native.insert_frame(session, "labelevent", typed) == 3
        assert native.insert_frame(session, "labelevent", mixed) == 3
    stored = read_sql(ws, "SELECT comment FROM labelevent ORDER BY id")["comment"]
    assert stored.isna().tolist() == [True, False, False, True, False, False]
    assert stored.dropna().tolist() == ["x", "y", "x", "7"]


def test_a_store_from_before_client_ids_gets_the_column_and_its_unique_index(home, ingested_home_events):
    _make_older_store(home, "client_id", "0007_label_event_client_id")

    ws = open_workspace(home=home)
    try:
        store.create_db_and_tables(ws)
        assert "client_id" in _columns(ws, "labelevent")
        record_label(ws, "d-0105", None, annotator="ana", action="skip", client_id="cid-once-0001")
        with pytest.raises(Exception, match="(?i)duplicate|unique|constraint"):
            record_label(ws, "d-0106", None, annotator="ana", action="skip", client_id="cid-once-0001")
    finally:
        ws.close()


def test_a_store_from_before_explored_leases_gets_the_column_and_old_leases_count_as_ranked(home, ws, ingested):
    from feedback.review import claim_review_items

    held = claim_review_items(ws, "ana", n=2)
    ws.close()
    _make_older_store(home, "explored", "0012_lease_explored", table="lease")

    ws = open_workspace(home=home)
    try:
        store.create_db_and_tables(ws)
        assert "explored" in _columns(ws, "lease")
        leases = read_sql(ws, "SELECT external_id, explored FROM lease ORDER BY external_id")
        assert sorted(leases["external_id"]) == sorted(item.id for item in held)
        assert not leases["explored"].any()
        with store.session(ws) as session:
            assert store.repository.explored_ids(session) == set()
    finally:
        ws.close()
