"""Where a feedback store lives: its home folder and database URL (the engine is the store's, see feedback.store)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from feedback.exceptions import InputError

DEFAULT_HOME = "data"
DATABASE_FILENAME = "feedback.duckdb"
_URL_FIX = "set FEEDBACK_DATABASE_URL to duckdb:///PATH/TO/feedback.duckdb, or unset it to use <home>/feedback.duckdb"


@dataclass
class Workspace:
    """The folders and database of one feedback store.

    Parameters
    ----------
    home : Path
        Folder holding the database file, model files, snapshots and inbox.
    database_url : str
        SQLAlchemy URL of the label store.
    """

    home: Path
    database_url: str
    _engine: Any = field(default=None, repr=False)  # set by feedback.store.db.engine, released by close

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def snapshots_dir(self) -> Path:
        return self.home / "snapshots"

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def is_duckdb(self) -> bool:
        return self.database_url.startswith("duckdb:")

    @property
    def database_path(self) -> Path | None:
        """The DuckDB file behind the URL, or None for an in-memory or non-DuckDB store."""
        if not self.is_duckdb:
            return None
        path = self.database_url.split(":///", 1)[-1].split("?", 1)[0]
        return None if path in ("", ":memory:") else Path(path)

    def close(self) -> None:
        """Release the database (and so DuckDB's file lock)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def open_workspace(home: str | os.PathLike | None = None, database_url: str | None = None) -> Workspace:
    """Resolve the workspace from arguments, then ``FEEDBACK_HOME`` / ``FEEDBACK_DATABASE_URL``.

    Parameters
    ----------
    home : path-like, default=None
        Home folder; falls back to ``$FEEDBACK_HOME``, then ``data/``.
    database_url : str, default=None
        Database URL; falls back to ``$FEEDBACK_DATABASE_URL``, then a DuckDB
        file ``feedback.duckdb`` inside the home folder.

    Returns
    -------
    Workspace

    Raises
    ------
    InputError
        The home is a file, or the database URL is malformed or names a database this version cannot use
        (see :func:`check_database_url`).
    """
    home_path = Path(home or os.environ.get("FEEDBACK_HOME") or DEFAULT_HOME).resolve()
    if home_path.exists() and not home_path.is_dir():
        raise InputError(f"The home {home_path} is a file, not a folder; point FEEDBACK_HOME (or --home) at a folder.")
    url = database_url or os.environ.get("FEEDBACK_DATABASE_URL")
    if url:
        check_database_url(url)
    else:
        url = f"duckdb:///{home_path / DATABASE_FILENAME}"
    return Workspace(home=home_path, database_url=url)


def check_database_url(url: str) -> str:
    """Return ``url`` if it names a DuckDB file (``duckdb:///PATH``), the one database this version supports.

    Raises
    ------
    InputError
        The URL cannot be parsed, uses another scheme, names a host, user or options, or
        an in-memory database (which would keep nothing). The message does not repeat the
        URL, which may hold a password.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"FEEDBACK_DATABASE_URL is not a database URL; {_URL_FIX}.") from None
    if parsed.drivername != "duckdb":
        raise InputError(
            f"FEEDBACK_DATABASE_URL uses the scheme {parsed.drivername!r}, but only DuckDB is supported; {_URL_FIX}."
        )
    if parsed.host or parsed.username or parsed.password or parsed.port or parsed.query:
        raise InputError(
            f"FEEDBACK_DATABASE_URL names a host, user or options, which a DuckDB file has none of; {_URL_FIX}."
        )
    if parsed.database in (None, "", ":memory:"):
        raise InputError(f"FEEDBACK_DATABASE_URL names an in-memory database, which would keep nothing; {_URL_FIX}.")
    return url
