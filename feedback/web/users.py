"""Who may use the app: the users configured in a TOML file or in Streamlit secrets.

Users come from ``FEEDBACK_USERS_FILE`` (a TOML file, from secrets or the environment) or from the
``[users.<name>]`` tables of Streamlit secrets. With none configured the app is open: no sign-in,
and everyone may do everything (``OPEN_ROLE``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from feedback.access import ROLES, User, load_users, load_users_file
from feedback.exceptions import InputError
from feedback.web.config import setting

OPEN_ROLE = "admin"
SIGN_IN_HELP = (
    "Sign-in is off: anyone who opens this app may label, adjudicate, retrain, promote and export. "
    "To turn it on, add one `[users.<name>]` table per person with `role` (annotator, lead or admin) "
    "and `password_hash` (made with `python -m feedback users hash`) to `.streamlit/secrets.toml`, "
    "or to a TOML file named by `FEEDBACK_USERS_FILE`."
)


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
    path = setting("FEEDBACK_USERS_FILE")
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


def user_names() -> frozenset[str] | None:
    """The users' names, read again at each inbox check (label files only from their folders); None when open."""
    return frozenset(configured_users()) or None
