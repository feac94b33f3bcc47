"""What the Streamlit pages share: the workspace (one per process) and its background threads.

The app process owns the DuckDB file for its whole life; other processes hand
files over through the inbox, which a watcher thread started here ingests.
"""

from __future__ import annotations

import os

import streamlit as st

from feedback.exceptions import DatabaseBusyError
from feedback.inbox import InboxWatcher
from feedback.jobs import BackgroundJob
from feedback.workspace import Workspace, open_workspace


def _setting(name: str) -> str | None:
    try:
        if name in st.secrets:
            return str(st.secrets[name])
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        pass
    return os.environ.get(name)


@st.cache_resource(show_spinner=False)
def _workspace(home: str | None, url: str | None) -> Workspace:
    from feedback.db import create_db_and_tables, ensure_available

    ws = open_workspace(home, url)
    ensure_available(ws.engine)
    create_db_and_tables(ws.engine)
    return ws


@st.cache_resource(show_spinner=False)
def _inbox_watcher(home: str | None, url: str | None) -> InboxWatcher:
    interval = float(_setting("FEEDBACK_INBOX_INTERVAL") or 2.0)
    watcher = InboxWatcher(_workspace(home, url), interval=interval)
    watcher.start()
    return watcher


@st.cache_resource(show_spinner=False)
def _jobs(home: str | None, url: str | None) -> dict[str, BackgroundJob]:
    return {}


def get_workspace() -> Workspace:
    """The workspace named by ``FEEDBACK_HOME`` / ``FEEDBACK_DATABASE_URL`` (secrets or environment).

    When another process holds the database, the page says so and stops; the
    failure is not cached, so the next rerun tries again.
    """
    key = (_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))
    try:
        _inbox_watcher(*key)
        return _workspace(*key)
    except DatabaseBusyError as exc:
        st.error(f"The database {exc.path} is held by another process (PID {exc.pid}). "
                 "Reload this page once that command has finished.")
        st.stop()


def review_settings() -> dict[str, float]:
    """Lease settings of the review queue: ``FEEDBACK_OVERLAP_SHARE`` (default 0, no item goes to
    two experts) and ``FEEDBACK_LEASE_SECONDS`` (default 600), from secrets or the environment."""
    return {
        "overlap_share": float(_setting("FEEDBACK_OVERLAP_SHARE") or 0.0),
        "lease_seconds": float(_setting("FEEDBACK_LEASE_SECONDS") or 600.0),
    }


def inbox_watcher() -> InboxWatcher:
    """The running inbox watcher of this process."""
    return _inbox_watcher(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


def jobs() -> dict[str, BackgroundJob]:
    """Background jobs of this process by name (shared by every browser session)."""
    return _jobs(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


def start_retrain(actor: str) -> bool:
    """Start the background retrain unless one is running; the retrain policy decides auto-promotion.

    Shared by the Retrain button and the trigger scheduler. Returns whether a retrain was started.
    """
    from feedback.retraining import retrain
    from feedback.triggers import load_policy

    ws = get_workspace_quietly()
    registry = jobs()
    running = registry.get("retrain")
    if running is not None and running.running:
        return False
    policy = load_policy(ws)
    job = BackgroundJob("retrain", lambda progress: retrain(ws, actor=actor, policy=policy.gate(),
                                                            auto_promote=policy.auto_promote, progress=progress))
    registry["retrain"] = job
    job.start()
    return True


def get_workspace_quietly() -> Workspace:
    """The workspace, for threads outside a page run (raises instead of drawing an error)."""
    return _workspace(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


@st.cache_resource(show_spinner=False)
def _retrain_scheduler(home: str | None, url: str | None):
    from feedback.triggers import RetrainScheduler

    interval = float(_setting("FEEDBACK_TRIGGER_INTERVAL") or 30.0)
    scheduler = RetrainScheduler(_workspace(home, url), lambda reason: start_retrain(f"trigger: {reason}"),
                                 interval=interval)
    scheduler.start()
    return scheduler


def retrain_scheduler():
    """The running trigger scheduler of this process (started on first use)."""
    return _retrain_scheduler(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))
