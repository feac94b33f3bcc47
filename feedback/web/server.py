"""ASGI entry point: serves app.py and starts the store's background work as soon as the server is up.

``streamlit run feedback/web/server.py`` finds the ``st.App`` below and runs it.
Without it, the app would take the database (and start watching the inbox)
only when a first browser session runs a page, so files handed over with
``--inbox`` after a restart would wait for a visitor.
"""

from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

from feedback.exceptions import DatabaseBusyError, FeedbackError
from feedback.web.config import settings
from feedback.web.session import worker

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"


@asynccontextmanager
async def lifespan(_app):
    """Open the store and start the inbox watcher, the label alert check and the retrain triggers at server start."""
    try:
        settings()  # checked before the store is opened: a bad setting opens nothing
        worker()
    except DatabaseBusyError as exc:
        # Another process has the file; each page visit tries again.
        print(f"Inbox watcher not started yet: {exc}", flush=True)
    except FeedbackError as exc:
        # A bad setting: the server still starts, so that every page can show the same message.
        print(f"Error: {exc}", flush=True)
    yield


app = st.App(str(APP_SCRIPT), lifespan=lifespan)
