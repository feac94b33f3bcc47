"""The engine of a workspace, its units of work (sessions), the schema (DDL and migrations).

The rest of the code reaches the database only through :func:`session`: one ``Session``
per unit of work, handed to the repository functions. The engine stays inside the store.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Column, Double, MetaData, String, Table, create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, select

from feedback.exceptions import DatabaseBusyError
from feedback.store import models
from feedback.store.native import quote
from feedback.workspace import Workspace

PREDICTION_INPUT = "prediction_input"
SEED_INPUT = "seed_input"
_LOCK_PATTERN = re.compile(r"Could not set lock on file \"(?P<file>[^\"]+)\".*?PID (?P<pid>\d+)", re.S)


def make_engine(url: str) -> Engine:
    """Create the engine for a database URL (DuckDB file, or PostgreSQL later).

    Parameters
    ----------
    url : str
        SQLAlchemy URL, e.g. ``duckdb:///data/feedback.duckdb``.

    Returns
    -------
    Engine
    """
    if url.startswith("duckdb:///"):
        Path(url.split(":///", 1)[1].split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


def engine(ws: Workspace) -> Engine:
    """The workspace's engine, made on first use; :meth:`feedback.workspace.Workspace.close` releases it."""
    if ws._engine is None:  # the workspace keeps the store's engine so that closing it releases the file
        ws._engine = make_engine(ws.database_url)
    return ws._engine


@contextmanager
def session(ws: Workspace) -> Iterator[Session]:
    """One unit of work on the workspace's store: ``with store.session(ws) as session: ...``.

    Every repository call in the block runs in the session's one transaction, the bulk ones
    included. It commits when the block ends normally and rolls back when it raises. Rows
    read in the block stay readable after it (they are not expired on commit).

    Yields
    ------
    Session
    """
    with Session(engine(ws), expire_on_commit=False) as unit:
        yield unit
        unit.commit()


def ensure_available(ws: Workspace) -> None:
    """Open the database once, turning DuckDB's lock error into a clear one.

    Raises
    ------
    DatabaseBusyError
        If another process holds the DuckDB file.
    """
    try:
        with engine(ws).connect():
            pass
    except OperationalError as exc:
        match = _LOCK_PATTERN.search(str(exc))
        if not match:
            raise
        raise DatabaseBusyError(match["file"], int(match["pid"])) from None


_SCHEMA_READY: weakref.WeakSet[Engine] = weakref.WeakSet()


def create_db_and_tables(ws: Workspace) -> None:
    """Create the fixed tables if missing and apply pending migrations (once per engine).

    Every library call starts here, so the work is remembered per engine: one
    check per process and database, not one per click.
    """
    bound = engine(ws)
    if bound in _SCHEMA_READY:
        return
    SQLModel.metadata.create_all(bound)
    with Session(bound) as session:
        applied = set(session.exec(select(models.AppliedMigration.name)).all())
        for name, migrate in MIGRATIONS:
            if name in applied:
                continue
            with bound.begin() as conn:
                migrate(conn)
            session.add(models.AppliedMigration(name=name))
            session.commit()
    _SCHEMA_READY.add(bound)


def _add_column_if_missing(conn: Connection, table: str, column: str, ddl_type: str) -> None:
    # Portable to DuckDB and PostgreSQL; SQLAlchemy's column reflection fails on duckdb-engine.
    conn.execute(text(f"ALTER TABLE {quote(table)} ADD COLUMN IF NOT EXISTS {quote(column)} {ddl_type}"))


def _migration_0001_initial(conn: Connection) -> None:
    """The first schema is created by ``create_all``: nothing to alter."""


def _migration_0002_label_suggestion_hidden(conn: Connection) -> None:
    """Stores from before blind-first review lack ``label_event.suggestion_hidden``."""
    _add_column_if_missing(conn, "labelevent", "suggestion_hidden", "BOOLEAN DEFAULT FALSE")


def _migration_0003_label_event_provenance(conn: Connection) -> None:
    """Label events carry what was served (prediction, confidence, audit flag, batch)."""
    for column, ddl_type in (
        ("served_prediction", "VARCHAR"),
        ("served_confidence", "DOUBLE"),
        ("is_audit", "BOOLEAN"),
        ("batch_id", "VARCHAR"),
    ):
        _add_column_if_missing(conn, "labelevent", column, ddl_type)
    conn.execute(
        text(
            "UPDATE labelevent SET served_prediction = p.predicted, served_confidence = p.confidence, "
            "is_audit = p.is_audit, batch_id = p.batch_id FROM prediction p "
            "WHERE p.external_id = labelevent.external_id AND labelevent.batch_id IS NULL"
        )
    )


def _migration_0004_label_event_undo(conn: Connection) -> None:
    """Undo events name the event they void (``label_event.voids_event_id``)."""
    _add_column_if_missing(conn, "labelevent", "voids_event_id", "INTEGER")


def _migration_0005_ab_experiments(conn: Connection) -> None:
    """Predictions carry their A/B experiment, arm and unit id.

    The ``experiment`` table itself is new, so ``create_all`` makes it on old stores.
    """
    for column, ddl_type in (("arm", "VARCHAR"), ("unit_id", "VARCHAR"), ("experiment_id", "INTEGER")):
        _add_column_if_missing(conn, "prediction", column, ddl_type)


def _migration_0006_alert_monitoring(conn: Connection) -> None:
    """Alerts name their metric and window, who acknowledged or resolved them, and the webhook outcome."""
    for column, ddl_type in (
        ("metric", "VARCHAR"),
        ("window_kind", "VARCHAR"),
        ("window_id", "VARCHAR"),
        ("acknowledged_at", "TIMESTAMP WITH TIME ZONE"),
        ("acknowledged_by", "VARCHAR"),
        ("resolved_at", "TIMESTAMP WITH TIME ZONE"),
        ("resolved_by", "VARCHAR"),
        ("delivery_status", "VARCHAR"),
        ("delivery", "JSON"),
    ):
        _add_column_if_missing(conn, "alert", column, ddl_type)


def _migration_0007_label_event_client_id(conn: Connection) -> None:
    """Answers from the review card carry the id the browser made for them, unique, so a resend lands once."""
    _add_column_if_missing(conn, "labelevent", "client_id", "VARCHAR")
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ux_labelevent_client_id ON labelevent (client_id)"))


def _migration_0008_web_sessions(conn: Connection) -> None:
    """Sign-in sessions that survive a reload live in the new ``websession`` table, which ``create_all``
    makes on old stores: nothing to alter."""


def _migration_0009_ab_horizon(conn: Connection) -> None:
    """An A/B experiment may plan a horizon (``experiment.horizon_units``) for its fixed-horizon test."""
    _add_column_if_missing(conn, "experiment", "horizon_units", "INTEGER")


def _migration_0010_outcomes(conn: Connection) -> None:
    """Experiments carry their pre-registration (primary and guardrail metrics, smallest effect; the horizon is 0009's).

    The ``outcome`` table is new, so ``create_all`` makes it on old stores.
    """
    for column, ddl_type in (
        ("primary_metric", "VARCHAR"),
        ("guardrail_metrics", "JSON"),
        ("lower_is_better", "JSON"),
        ("min_effect", "DOUBLE"),
    ):
        _add_column_if_missing(conn, "experiment", column, ddl_type)


def _migration_0011_window_judgments(conn: Connection) -> None:
    """Each closed window's verdict per metric lives in the new ``windowjudgment`` table, which ``create_all``
    makes on old stores: nothing to alter. Windows closed before it are history only (never judged)."""


def _migration_0012_lease_explored(conn: Connection) -> None:
    """Leases say whether the queue surfaced the item as a random exploration item (``lease.explored``)."""
    _add_column_if_missing(conn, "lease", "explored", "BOOLEAN DEFAULT FALSE")


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial", _migration_0001_initial),
    ("0002_label_suggestion_hidden", _migration_0002_label_suggestion_hidden),
    ("0003_label_event_provenance", _migration_0003_label_event_provenance),
    ("0004_label_event_undo", _migration_0004_label_event_undo),
    ("0005_ab_experiments", _migration_0005_ab_experiments),
    ("0006_alert_monitoring", _migration_0006_alert_monitoring),
    ("0007_label_event_client_id", _migration_0007_label_event_client_id),
    ("0008_web_sessions", _migration_0008_web_sessions),
    ("0009_ab_horizon", _migration_0009_ab_horizon),
    ("0010_outcomes", _migration_0010_outcomes),
    ("0011_window_judgments", _migration_0011_window_judgments),
    ("0012_lease_explored", _migration_0012_lease_explored),
]


def input_table(name: str, features: list[dict]) -> Table:
    """The wide table of input features for a task: ``external_id`` plus one column each."""
    columns = [Column("external_id", String, primary_key=True)]
    for feature in features:
        column_type = Double if feature["kind"] == "numeric" else String
        columns.append(Column(feature["name"], column_type))
    return Table(name, MetaData(), *columns)


def create_input_tables(session: Session, features: list[dict]) -> None:
    """Create the prediction and seed input tables for the task's feature schema, in the session's transaction."""
    for name in (PREDICTION_INPUT, SEED_INPUT):
        input_table(name, features).create(session.connection(), checkfirst=True)
