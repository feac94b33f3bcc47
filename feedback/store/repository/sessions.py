"""Sign-in sessions of the web app: one row per signed-in browser, keyed by the hash of its token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session

from feedback.store.models import WebSession


def add_web_session(session: Session, row: WebSession) -> None:
    """Store a new sign-in session."""
    session.add(row)


def web_session_user(session: Session, token_hash: str, now: datetime) -> str | None:
    """The user name of an unexpired sign-in session, or None."""
    row = session.get(WebSession, token_hash)
    return row.user_name if row is not None and row.expires_at > now else None


def delete_web_sessions(
    session: Session,
    *,
    token_hash: str | None = None,
    expired_before: datetime | None = None,
    user_name: str | None = None,
) -> None:
    """Delete one sign-in session (by token hash), every expired one, or every one of a user."""
    if token_hash is None and expired_before is None and user_name is None:
        raise ValueError("Name the sessions to delete: a token hash, an expiry time or a user.")
    statement = delete(WebSession)
    if token_hash is not None:
        statement = statement.where(WebSession.token_hash == token_hash)
    if expired_before is not None:
        statement = statement.where(WebSession.expires_at <= expired_before)
    if user_name is not None:
        statement = statement.where(WebSession.user_name == user_name)
    session.exec(statement)
