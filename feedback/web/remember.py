"""What a browser remembers across a reload: the signed-in user's session token, or the typed expert name.

Streamlit keeps ``session_state`` per websocket, and a reload opens a new one, so without this a
reload signs the user out (or, in open mode, records answers as "expert"). The browser keeps a
cookie, which Streamlit hands back in ``st.context.cookies`` when the page is opened again.

The cookie is written by a tiny ``st.components.v2`` component, as JavaScript, so it cannot be
HttpOnly; it is ``SameSite=Strict`` (never sent with another site's link or form) and ``Secure``
over HTTPS. A session cookie holds only a random token; the user it stands for and its expiry
are kept in the store (:mod:`feedback.access.sessions`), and signing out deletes them there.
"""

from __future__ import annotations

from urllib.parse import unquote

import streamlit as st

from feedback.access import SESSION_COOKIE, end_session, session_user, start_session
from feedback.workspace import Workspace

__all__ = [
    "EXPERT_COOKIE",
    "forget_sign_in",
    "remember_expert",
    "remember_sign_in",
    "remembered_expert",
    "remembered_user",
    "write_session_cookie",
]

EXPERT_COOKIE = "feedback_expert"
_EXPERT_MAX_AGE = 365 * 24 * 3600
_NAME_MAX = 100

_JS = """
export default function (component) {
  const cookie = component.data;
  if (!cookie || !cookie.name) return;
  let text = `${cookie.name}=${encodeURIComponent(cookie.value)}; path=/; max-age=${cookie.max_age}; SameSite=Strict`;
  if (window.location.protocol === "https:") text += "; Secure";
  document.cookie = text;
}
"""
_cookie_writer = st.components.v2.component("feedback.cookie_writer", js=_JS)


def _read_cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # noqa: BLE001 - no browser behind this run (AppTest, bare mode)
        return None
    return unquote(value) if isinstance(value, str) and value else None


def _write_cookie(name: str, value: str, max_age_seconds: int) -> None:
    with st.sidebar:
        _cookie_writer(data={"name": name, "value": value, "max_age": int(max_age_seconds)}, key=f"cookie_{name}")


def remembered_user(ws: Workspace) -> str | None:
    """The user name this browser's session cookie signs in (unexpired and not signed out), or None."""
    token = _read_cookie(SESSION_COOKIE)
    name = session_user(ws, token)
    if name is not None:
        st.session_state["session_token"] = token
    return name


def remember_sign_in(ws: Workspace, user_name: str, hours: float) -> None:
    """Start a session for ``user_name``; :func:`write_session_cookie` hands its token to the browser."""
    token = start_session(ws, user_name, hours=hours)
    st.session_state["session_token"] = token
    st.session_state["session_cookie"] = (token, int(hours * 3600))


def forget_sign_in(ws: Workspace) -> None:
    """Sign out for good: the token no longer signs anyone in, and the browser drops the cookie."""
    end_session(ws, st.session_state.pop("session_token", None) or _read_cookie(SESSION_COOKIE))
    st.session_state["session_cookie"] = ("", 0)


def write_session_cookie() -> None:
    """Hand the browser the cookie this session should hold (a new token, or an expired one to drop)."""
    cookie = st.session_state.get("session_cookie")
    if cookie is not None:
        _write_cookie(SESSION_COOKIE, *cookie)


def remembered_expert() -> str | None:
    """Open mode: the expert name this browser typed last, or None."""
    name = (_read_cookie(EXPERT_COOKIE) or "").strip()[:_NAME_MAX]
    return name or None


def remember_expert(name: str) -> None:
    """Open mode: keep the typed expert name in this browser for a year, so a reload keeps it."""
    name = (name or "").strip()[:_NAME_MAX]
    if name:
        _write_cookie(EXPERT_COOKIE, name, _EXPERT_MAX_AGE)
