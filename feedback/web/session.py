"""The app process's store and its background work: one workspace and one worker per process.

The app process owns the DuckDB file for its whole life; other processes hand
files over through the inbox, which the worker's watcher ingests; a second
thread re-checks the alerts after experts' labels, a third starts the retrains
the triggers ask for (see :class:`feedback.worker.Worker`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from feedback import store
from feedback.alerts import check_alerts_on_writes
from feedback.exceptions import DatabaseBusyError, FeedbackError, InputError
from feedback.web.config import settings, store_key
from feedback.web.text import md_text
from feedback.web.users import user_names

# Everything the worker threads (inbox, label alerts, retrain, trigger scheduler) run is imported here, in the
# importing thread: a first import of scikit-learn in two threads at once can fail with "partially
# initialized module" (seen when the inbox watcher's first ingest raced the scheduler's start).
from feedback.worker import Worker, deliver_alerts_in_background
from feedback.workspace import Workspace, open_workspace

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _workspace(home: str | None, url: str | None) -> Workspace:
    check_alerts_on_writes()  # every ingest and label import of this process runs the alert check
    deliver_alerts_in_background()  # its new alerts go to the webhook on a thread: no ingest waits for it
    ws = open_workspace(home, url)
    store.ensure_available(ws)
    store.create_db_and_tables(ws)
    return ws


@st.cache_resource(show_spinner=False)
def _worker(home: str | None, url: str | None) -> Worker:
    return Worker(_workspace(home, url), settings(), known_users=user_names).start()


def worker() -> Worker:
    """The running background work of this process's store (started on first use).

    Raises
    ------
    DatabaseBusyError
        Another process holds the database.
    InputError
        A setting is out of its range.
    """
    return _worker(*store_key())


def get_workspace() -> Workspace:
    """The workspace named by ``FEEDBACK_HOME`` / ``FEEDBACK_DATABASE_URL`` (secrets or environment).

    Its background work runs from the first call. When another process holds the database,
    or a setting is out of its range, the page says so and stops; the failure is not cached,
    so the next rerun tries again.
    """
    try:
        settings()
        return worker().ws
    except DatabaseBusyError as exc:
        st.error(
            f"The database {md_text(exc.path)} is held by another process (PID {exc.pid}). "
            "Reload this page once that command has finished."
        )
        st.stop()
    except InputError as exc:
        st.error(f"The app cannot start: {exc}")
        st.stop()


def get_workspace_quietly() -> Workspace:
    """The workspace, for threads outside a page run (raises instead of drawing an error)."""
    return _workspace(*store_key())


def load_or_stop(load: Callable[[], T]) -> T:
    """A page's first library call; a FeedbackError (no task yet, say) is shown as a note and the page stops."""
    try:
        return load()
    except FeedbackError as exc:
        st.info(md_text(exc))
        st.stop()
