"""The settings read from the environment (or Streamlit secrets): checked in one place, by the CLI and the app.

Each numeric setting has a default and an allowed range; :func:`load_settings`
refuses a value that is not a finite number inside its range with an
:class:`~feedback.exceptions.InputError` naming the variable, the value and the
range, so neither the app nor a command starts on a setting it would misuse.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

from feedback.exceptions import InputError
from feedback.workspace import check_database_url

__all__ = ["SETTINGS", "Setting", "Settings", "load_settings"]

_WHERE = "fix it in the environment (or .streamlit/secrets.toml), or unset it to use the default"


@dataclass(frozen=True)
class Setting:
    """One numeric setting: its variable, default and allowed range.

    Parameters
    ----------
    name : str
        The environment variable, e.g. ``FEEDBACK_LEASE_SECONDS``.
    default : float
    low, high : float
        The allowed range; ``low`` itself is allowed only when ``low_inclusive``.
    low_inclusive : bool, default=False
    unit : str, default="seconds"
        What the number counts, for the message.
    """

    name: str
    default: float
    low: float
    high: float
    low_inclusive: bool = False
    unit: str = "seconds"

    def describe_range(self) -> str:
        """The allowed range as text, e.g. ``more than 0 and at most 86400 seconds``."""
        low = f"{'at least' if self.low_inclusive else 'more than'} {self.low:g}"
        return f"{low} and at most {self.high:g}" + (f" {self.unit}" if self.unit else "")

    def parse(self, value: str | None) -> float:
        """The setting's value: the default when unset or blank, else the number given.

        Raises
        ------
        InputError
            The value is not a number, not finite, or outside the range.
        """
        if value is None or not str(value).strip():
            return self.default
        try:
            number = float(str(value).strip())
        except ValueError:
            number = math.nan
        above_low = number >= self.low if self.low_inclusive else number > self.low
        if not (math.isfinite(number) and above_low and number <= self.high):
            raise InputError(
                f"The setting {self.name} must be a number {self.describe_range()}, got "
                f"{str(value)[:40]!r}; {_WHERE} ({self.default:g})."
            )
        return number


DAY, WEEK = 86_400.0, 604_800.0
SETTINGS = {
    "inbox_interval": Setting("FEEDBACK_INBOX_INTERVAL", 2.0, 0.0, DAY),
    "trigger_interval": Setting("FEEDBACK_TRIGGER_INTERVAL", 30.0, 0.0, DAY),
    "label_alert_interval": Setting("FEEDBACK_LABEL_ALERT_INTERVAL", 30.0, 0.0, DAY),
    "overlap_share": Setting("FEEDBACK_OVERLAP_SHARE", 0.0, 0.0, 1.0, low_inclusive=True, unit=""),
    "lease_seconds": Setting("FEEDBACK_LEASE_SECONDS", 600.0, 0.0, WEEK),
    "live_days": Setting("FEEDBACK_LIVE_DAYS", 30.0, 0.0, 3650.0, unit="days"),
}


@dataclass(frozen=True)
class Settings:
    """The checked settings of the app and the CLI (see the README's table of variables)."""

    inbox_interval: float
    trigger_interval: float
    label_alert_interval: float
    overlap_share: float
    lease_seconds: float
    live_days: float


def load_settings(lookup: Callable[[str], str | None] | None = None) -> Settings:
    """Read and check every setting, and the database URL, from ``lookup`` (default: the environment).

    Parameters
    ----------
    lookup : callable, default=None
        ``lookup(name)`` returns a variable's text or None; the app passes one that
        reads Streamlit secrets first, then the environment.

    Returns
    -------
    Settings

    Raises
    ------
    InputError
        A setting that is not a finite number in its range, or a ``FEEDBACK_DATABASE_URL``
        that is malformed or names a database this version cannot use; the message names
        the variable, the value and what is allowed.

    Examples
    --------
    >>> load_settings({"FEEDBACK_LEASE_SECONDS": "90"}.get).lease_seconds
    90.0
    """
    lookup = lookup or os.environ.get
    url = lookup("FEEDBACK_DATABASE_URL")
    if url:
        check_database_url(url)
    return Settings(**{field: setting.parse(lookup(setting.name)) for field, setting in SETTINGS.items()})
