"""Sign-in that survives a reload: a random token per signed-in browser, checked against the store.

The browser keeps the token in a cookie; the store keeps only its SHA-256 with the user's name
and an expiry, so a copy of the database signs nobody in. Signing out deletes the row, so the
cookie is worthless from then on even if the browser kept it. The user's role is never stored
here: it is read from the users configuration at every run, so a removed user or a changed role
counts at the next click.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from feedback import store
from feedback.exceptions import InputError
from feedback.store import WebSession, repository, utcnow
from feedback.workspace import Workspace

__all__ = ["DEFAULT_SESSION_HOURS", "SESSION_COOKIE", "end_session", "session_hours", "session_user", "start_session"]

SESSION_COOKIE = "feedback_session"
DEFAULT_SESSION_HOURS = 12.0


def session_hours(value: str | None) -> float:
    """The session lifetime from the ``FEEDBACK_SESSION_HOURS`` setting (12 when unset).

    Raises
    ------
    InputError
        Not a number, or not above zero; the message names the setting.
    """
    if value is None or str(value).strip() == "":
        return DEFAULT_SESSION_HOURS
    try:
        hours = float(value)
    except ValueError:
        hours = float("nan")
    if not hours > 0 or hours == float("inf"):
        raise InputError(
            f"FEEDBACK_SESSION_HOURS must be a number of hours above 0, got {value!r}; "
            "12 keeps a sign-in for a working day."
        )
    return hours


def start_session(ws: Workspace, user_name: str, *, hours: float, now: datetime | None = None) -> str:
    """Store a new session for ``user_name`` and return its token (for the browser's cookie).

    Expired sessions are deleted on the way, so the table holds only live ones.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with store.session(ws) as session:
        repository.delete_web_sessions(session, expired_before=now)
        repository.add_web_session(
            session,
            WebSession(
                token_hash=_hash(token), user_name=user_name, created_at=now, expires_at=now + timedelta(hours=hours)
            ),
        )
    return token


def session_user(ws: Workspace, token: str | None, *, now: datetime | None = None) -> str | None:
    """The user name a cookie's token signs in, or None (no token, unknown, signed out or expired)."""
    if not token or len(token) > 200:
        return None
    with store.session(ws) as session:
        return repository.web_session_user(session, _hash(token), now or utcnow())


def end_session(ws: Workspace, token: str | None) -> None:
    """Sign a browser out for good: its token no longer signs anyone in."""
    if token:
        with store.session(ws) as session:
            repository.delete_web_sessions(session, token_hash=_hash(token))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
