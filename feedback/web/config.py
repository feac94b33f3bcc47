"""The app process's settings, read from Streamlit secrets or the environment."""

from __future__ import annotations

import os

import streamlit as st

from feedback.settings import Settings, load_settings


def setting(name: str) -> str | None:
    """The raw value of ``name`` from Streamlit secrets, else the environment; None when unset."""
    try:
        if name in st.secrets:
            return str(st.secrets[name])
    except Exception:  # noqa: BLE001 - no secrets file is the normal case
        pass
    return os.environ.get(name)


def store_key() -> tuple[str | None, str | None]:
    """``(FEEDBACK_HOME, FEEDBACK_DATABASE_URL)``: which store this process serves."""
    return setting("FEEDBACK_HOME"), setting("FEEDBACK_DATABASE_URL")


def settings() -> Settings:
    """The checked settings of this app, from secrets or the environment (see :func:`feedback.settings.load_settings`).

    Raises
    ------
    InputError
        A setting out of its range, or a bad ``FEEDBACK_DATABASE_URL``; the message names it.
    """
    return load_settings(setting)


def review_settings() -> dict[str, float]:
    """Lease settings of the review queue: ``FEEDBACK_OVERLAP_SHARE`` (default 0, no item goes to
    two experts) and ``FEEDBACK_LEASE_SECONDS`` (default 600), from secrets or the environment."""
    checked = settings()
    return {"overlap_share": checked.overlap_share, "lease_seconds": checked.lease_seconds}


def live_days() -> float:
    """``FEEDBACK_LIVE_DAYS`` (default 30): how many days the live figure reaches back at most, from secrets or
    the environment."""
    return settings().live_days
