"""Who may act: experts' accounts and sign-in, the three roles, and the check every state-changing action makes."""

from feedback.access.auth import (
    SignInThrottle,
    User,
    authenticate,
    hash_password,
    load_users,
    load_users_file,
    verify_password,
)
from feedback.access.permissions import PERMISSIONS, ROLES, Actor, can, require, who_may
from feedback.access.sessions import SESSION_COOKIE, end_session, session_hours, session_user, start_session

__all__ = [
    "Actor",
    "PERMISSIONS",
    "ROLES",
    "SESSION_COOKIE",
    "SignInThrottle",
    "User",
    "authenticate",
    "can",
    "end_session",
    "hash_password",
    "load_users",
    "load_users_file",
    "require",
    "session_hours",
    "session_user",
    "start_session",
    "verify_password",
    "who_may",
]
