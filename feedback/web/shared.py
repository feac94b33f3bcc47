"""What the Streamlit pages share: the workspace (one per process) and its background threads.

The app process owns the DuckDB file for its whole life; other processes hand
files over through the inbox, which a watcher thread started here ingests; a
second thread re-checks the alerts after experts' labels.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import streamlit as st

from feedback import store

# Everything the worker threads (inbox, label alerts, retrain, trigger scheduler) run is imported here, in the
# importing thread: a first import of scikit-learn in two threads at once can fail with "partially
# initialized module" (seen when the inbox watcher's first ingest raced the scheduler's start).
from feedback.access.auth import ROLES, SignInThrottle, User, authenticate, can, load_users, load_users_file
from feedback.access.permissions import Actor, require
from feedback.access.sessions import session_hours
from feedback.alerts.checks import LabelAlertWatcher
from feedback.exceptions import DatabaseBusyError, FeedbackError, InputError, PermissionDenied
from feedback.intake.inbox import InboxWatcher
from feedback.lifecycle.retraining import retrain
from feedback.lifecycle.triggers import RetrainScheduler, load_policy
from feedback.review.suspects import find_suspect_labels
from feedback.settings import Settings, load_settings
from feedback.web.jobs import BackgroundJob, PeriodicCheck
from feedback.web.remember import forget_sign_in, remember_sign_in, remembered_user, write_session_cookie
from feedback.web.text import md_text
from feedback.workspace import Workspace, open_workspace

T = TypeVar("T")


def _setting(name: str) -> str | None:
    try:
        if name in st.secrets:
            return str(st.secrets[name])
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        pass
    return os.environ.get(name)


@st.cache_resource(show_spinner=False)
def _workspace(home: str | None, url: str | None) -> Workspace:
    ws = open_workspace(home, url)
    store.ensure_available(ws)
    store.create_db_and_tables(ws)
    return ws


def settings() -> Settings:
    """The checked settings of this app, from secrets or the environment (see :func:`feedback.settings.load_settings`).

    Raises
    ------
    InputError
        A setting out of its range, or a bad ``FEEDBACK_DATABASE_URL``; the message names it.
    """
    return load_settings(_setting)


def _started(thread: PeriodicCheck) -> PeriodicCheck:
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def _inbox_watcher(home: str | None, url: str | None) -> InboxWatcher:
    return _started(InboxWatcher(_workspace(home, url), interval=settings().inbox_interval,
                                 known_users=_user_names))


def _user_names() -> frozenset[str] | None:
    """The users' names, read again at each inbox check (label files only from their folders); None when open."""
    return frozenset(configured_users()) or None


@st.cache_resource(show_spinner=False)
def _label_alert_watcher(home: str | None, url: str | None) -> LabelAlertWatcher:
    return _started(LabelAlertWatcher(_workspace(home, url),
                                      interval=settings().label_alert_interval))


@st.cache_resource(show_spinner=False)
def _jobs(home: str | None, url: str | None) -> dict[str, BackgroundJob]:
    return {}


def get_workspace() -> Workspace:
    """The workspace named by ``FEEDBACK_HOME`` / ``FEEDBACK_DATABASE_URL`` (secrets or environment).

    When another process holds the database, or a setting is out of its range, the
    page says so and stops; the failure is not cached, so the next rerun tries again.
    """
    key = (_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))
    try:
        settings()
        _inbox_watcher(*key)
        _label_alert_watcher(*key)
        return _workspace(*key)
    except DatabaseBusyError as exc:
        st.error(f"The database {md_text(exc.path)} is held by another process (PID {exc.pid}). "
                 "Reload this page once that command has finished.")
        st.stop()
    except InputError as exc:
        st.error(f"The app cannot start: {exc}")
        st.stop()


def load_or_stop(load: Callable[[], T]) -> T:
    """A page's first library call; a FeedbackError (no task yet, say) is shown as a note and the page stops."""
    try:
        return load()
    except FeedbackError as exc:
        st.info(md_text(exc))
        st.stop()


def review_settings() -> dict[str, float]:
    """Lease settings of the review queue: ``FEEDBACK_OVERLAP_SHARE`` (default 0, no item goes to
    two experts) and ``FEEDBACK_LEASE_SECONDS`` (default 600), from secrets or the environment."""
    checked = settings()
    return {"overlap_share": checked.overlap_share, "lease_seconds": checked.lease_seconds}


def inbox_watcher() -> InboxWatcher:
    """The running inbox watcher of this process."""
    return _inbox_watcher(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


def label_alert_watcher() -> LabelAlertWatcher:
    """The thread of this process that checks the alerts again after new labels."""
    return _label_alert_watcher(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


def jobs() -> dict[str, BackgroundJob]:
    """Background jobs of this process by name (shared by every browser session)."""
    return _jobs(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


def start_job(name: str, work, *, actor: Actor, action: str) -> bool:
    """Start ``work(progress)`` as this process's background job ``name`` unless that job is running.

    ``actor`` must be allowed ``action`` (see ``feedback.access.permissions``): the check is made here,
    before the thread starts, so a refused job never runs. Returns whether a job was started.

    Raises
    ------
    PermissionDenied
        The actor's role may not do ``action``.
    """
    require(actor, action)
    registry = jobs()
    running = registry.get(name)
    if running is not None and running.running:
        return False
    job = BackgroundJob(name, work)
    registry[name] = job
    job.start()
    return True


def start_retrain(actor: Actor) -> bool:
    """Start the background retrain unless one is running; the retrain policy decides auto-promotion.

    Shared by the Retrain button and the trigger scheduler (which acts as an admin: an admin set
    the policy). Returns whether a retrain was started; raises ``PermissionDenied`` for a non-admin.
    """
    ws = get_workspace_quietly()
    policy = load_policy(ws)

    def work(progress):
        result = retrain(ws, actor=actor, policy=policy.gate(), auto_promote=policy.auto_promote, progress=progress)
        find_suspect_labels(ws, actor=actor)  # the new labels may contradict each other: refresh the second looks
        return result

    return start_job("retrain", work, actor=actor, action="retrain")


def get_workspace_quietly() -> Workspace:
    """The workspace, for threads outside a page run (raises instead of drawing an error)."""
    return _workspace(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


@st.cache_resource(show_spinner=False)
def _retrain_scheduler(home: str | None, url: str | None) -> RetrainScheduler:
    return _started(RetrainScheduler(_workspace(home, url),
                                     lambda reason: start_retrain(Actor(f"trigger: {reason}", "admin")),
                                     interval=settings().trigger_interval))


def retrain_scheduler() -> RetrainScheduler:
    """The running trigger scheduler of this process (started on first use)."""
    return _retrain_scheduler(_setting("FEEDBACK_HOME"), _setting("FEEDBACK_DATABASE_URL"))


# --- Sign-in and roles -------------------------------------------------------------------------
# Users come from ``FEEDBACK_USERS_FILE`` (a TOML file, from secrets or the environment) or from the
# ``[users.<name>]`` tables of Streamlit secrets. With none configured the app is open: no sign-in,
# and everyone may do everything (OPEN_ROLE).

OPEN_ROLE = "admin"
SIGN_IN_HELP = ("Sign-in is off: anyone who opens this app may label, adjudicate, retrain, promote and export. "
                "To turn it on, add one `[users.<name>]` table per person with `role` (annotator, lead or admin) "
                "and `password_hash` (made with `python -m feedback users hash`) to `.streamlit/secrets.toml`, "
                "or to a TOML file named by `FEEDBACK_USERS_FILE`.")


def _secrets_section(name: str):
    try:
        return st.secrets.get(name)
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        return None


def oidc_configured() -> bool:
    """Whether Streamlit's built-in OIDC sign-in (``[auth]`` in secrets) is set up."""
    return _secrets_section("auth") is not None


def configured_users() -> dict[str, User]:
    """The users of this app by name; empty in open mode.

    With OIDC configured, a ``[users.<email>]`` table may hold only a role: that person signs in
    through the identity provider, never with a password (their hash is empty and verifies nothing).

    Raises
    ------
    InputError
        The users file or table is malformed; the message names the user and the fix.
    """
    path = _setting("FEEDBACK_USERS_FILE")
    if path and not oidc_configured():
        return load_users_file(path)
    if path:
        try:
            mapping = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("users")
        except (OSError, tomllib.TOMLDecodeError):
            mapping = None
        if mapping is None:
            return load_users_file(path)  # raises, saying what is wrong with the file
    else:
        mapping = _secrets_section("users")
        if mapping is None:
            return {}
    oidc_only = {}
    if oidc_configured() and isinstance(mapping, Mapping):
        for name, entry in mapping.items():
            if isinstance(entry, Mapping) and "password_hash" not in entry and "password" not in entry:
                if entry.get("role") not in ROLES:
                    raise InputError(f"User {name!r} ([users.{name}]) needs a role: one of {', '.join(ROLES)}.")
                oidc_only[str(name)] = User(str(name), entry["role"], "")
        mapping = {k: v for k, v in mapping.items() if k not in oidc_only}
    return {**load_users(mapping), **oidc_only}


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
        st.session_state["sign_in_error"] = (f"Too many wrong passwords for {md_text(repr(name.strip()))} from this "
                                             f"computer. Wait {math.ceil(wait)} s before trying again.")
        return
    user = authenticate(users, name, password)
    if user is None:
        throttle.failed(name, client)
        st.session_state["sign_in_error"] = "Wrong user name or password."
        return
    throttle.succeeded(name, client)
    st.session_state["sign_in_error"] = None
    st.session_state["user"] = replace(user, password_hash="")  # the hash stays out of the session
    remember_sign_in(get_workspace_quietly(), user.name, session_hours(_setting("FEEDBACK_SESSION_HOURS")))


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
        session_hours(_setting("FEEDBACK_SESSION_HOURS"))
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
            st.error(md_text(f"{email or 'This account'} has no role in this app; ask an admin to add "
                             f"[users.\"{email}\"] with a role."))
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
