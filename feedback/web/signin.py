"""Sign-in and roles in the UI: the sign-in form and its throttle, the session's user and what they may do.

Each page run looks the user up again in the configuration (:mod:`feedback.web.users`), so a
person removed from it, or given another role, is signed out or changed at their next click.
"""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

from feedback.access import ROLES, Actor, SignInThrottle, User, authenticate, can, session_hours
from feedback.exceptions import InputError, PermissionDenied
from feedback.web.config import setting
from feedback.web.remember import forget_sign_in, remember_sign_in, remembered_user, write_session_cookie
from feedback.web.session import get_workspace, get_workspace_quietly
from feedback.web.text import md_text
from feedback.web.users import OPEN_ROLE, configured_users, oidc_configured


def signed_in_user() -> User | None:
    """The user signed in to this browser session, or None (open mode, or nobody yet)."""
    return st.session_state.get("user")


def current_role() -> str:
    """The signed-in user's role; ``OPEN_ROLE`` (everything allowed) when sign-in is off."""
    user = signed_in_user()
    if user is not None:
        return user.role
    return OPEN_ROLE if st.session_state.get("open_mode", not configured_users()) else "none"


def current_actor() -> Actor:
    """The person of this session as the acting user of a library call.

    Signed in: the user's name and role as configured now, so a button's callback (which runs
    before ``sign_in`` re-reads the users) acts with the role of this click, not of the last page
    run. Open mode: the typed name (``session_state["annotator"]``) with ``OPEN_ROLE``.

    Raises
    ------
    PermissionDenied
        Sign-in is on but nobody is signed in, or the user was removed since signing in.
    """
    user = signed_in_user()
    if user is not None:
        known = configured_users().get(user.name)
        if known is None:
            raise PermissionDenied(f"{user.name} is no longer a user of this app; ask an admin. Nothing was changed.")
        return known.actor
    if current_role() == OPEN_ROLE:
        return Actor(str(st.session_state.get("annotator") or "expert"), OPEN_ROLE)
    raise PermissionDenied("Nobody is signed in to this session; sign in first. Nothing was changed.")


def allowed(action: str) -> bool:
    """Whether the person in this session may do ``action`` (see ``feedback.access.auth.can``)."""
    role = current_role()
    return role in ROLES and can(role, action)


@st.cache_resource
def _sign_in_throttle() -> SignInThrottle:
    # One per process: every browser session counts against the same name.
    return SignInThrottle()


def _client() -> str:
    """Who is trying to sign in, for the throttle: the connection's IP address.

    Streamlit gives None for a connection from this machine (``localhost``). Forwarded-for headers
    are not used: any client could set them to a fresh value at each try and never be slowed.
    """
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "localhost"


def _sign_in(users: dict[str, User]) -> None:
    name = st.session_state.get("sign_in_name", "")
    password = st.session_state.get("sign_in_password", "")
    st.session_state["sign_in_password"] = ""
    throttle, client = _sign_in_throttle(), _client()
    wait = throttle.retry_after(name, client)
    if wait > 0:
        st.session_state["sign_in_error"] = (
            f"Too many wrong passwords for {md_text(repr(name.strip()))} from this "
            f"computer. Wait {math.ceil(wait)} s before trying again."
        )
        return
    user = authenticate(users, name, password)
    if user is None:
        throttle.failed(name, client)
        st.session_state["sign_in_error"] = "Wrong user name or password."
        return
    throttle.succeeded(name, client)
    st.session_state["sign_in_error"] = None
    st.session_state["user"] = replace(user, password_hash="")  # the hash stays out of the session
    remember_sign_in(get_workspace_quietly(), user.name, session_hours(setting("FEEDBACK_SESSION_HOURS")))


def _sign_out() -> None:
    forget_sign_in(get_workspace_quietly())
    for key in ("user", "annotator", "sign_in_name"):
        st.session_state.pop(key, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def sign_in() -> User | None:
    """Entry point gate: the signed-in user, or None in open mode; otherwise draw the sign-in form and stop.

    Each run looks the user up again, so a person removed from the configuration, or given
    another role, is signed out or changed at their next click. The expert name recorded with
    answers (``session_state["annotator"]``) is the signed-in user's name. A reload keeps the
    user signed in for ``FEEDBACK_SESSION_HOURS`` (12 by default) through a session cookie
    (:mod:`feedback.web.remember`); Sign out ends that session in the store too.
    """
    try:
        users = configured_users()
    except InputError as exc:
        st.error(f"The users configuration is broken, so nobody can sign in: {md_text(exc)}")
        st.stop()
    try:
        session_hours(setting("FEEDBACK_SESSION_HOURS"))
    except InputError as exc:
        st.error(str(exc))
        st.stop()
    st.session_state["open_mode"] = not users
    if not users:
        st.session_state.pop("user", None)
        return None
    user = signed_in_user()
    if user is None and oidc_configured() and st.user.is_logged_in:
        email = str(st.user.get("email") or "")
        if email not in users:
            st.error(
                md_text(
                    f"{email or 'This account'} has no role in this app; ask an admin to add "
                    f'[users."{email}"] with a role.'
                )
            )
            st.button("Sign out", on_click=st.logout)
            st.stop()
        user = replace(users[email], password_hash="")
    elif user is not None:
        known = users.get(user.name)
        user = None if known is None else replace(known, password_hash="")
    else:  # a reload: this browser may hold a session cookie from an earlier sign-in
        known = users.get(remembered_user(get_workspace()) or "")
        user = None if known is None else replace(known, password_hash="")
    write_session_cookie()
    if user is None:
        st.session_state.pop("user", None)
        if st.session_state.get("session_token"):  # removed from the users: the session ends too
            forget_sign_in(get_workspace())
            write_session_cookie()
        _sign_in_form(users)
        st.stop()
    st.session_state["user"] = user
    st.session_state["annotator"] = user.name
    st.sidebar.markdown(f"Signed in as **{md_text(user.name)}** ({user.role})")
    st.sidebar.button("Sign out", key="sign_out", on_click=_sign_out)
    return user


def _sign_in_form(users: dict[str, User]) -> None:
    st.title("Sign in")
    if oidc_configured():
        st.button("Sign in with your organisation's account", key="sign_in_oidc", on_click=st.login)
    if any(u.password_hash for u in users.values()):
        with st.form("sign_in"):
            st.text_input("User name", key="sign_in_name")
            st.text_input("Password", type="password", key="sign_in_password")
            st.form_submit_button("Sign in", on_click=_sign_in, args=(users,))
    if st.session_state.get("sign_in_error"):
        st.error(st.session_state["sign_in_error"])
