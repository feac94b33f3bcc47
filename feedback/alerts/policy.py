"""Alert settings: thresholds, minimum sample sizes and the webhook, kept in ``<home>/alert_policy.json``.

Whether an alert also starts a retrain is the retrain policy's ``on_alert``
switch (:mod:`feedback.lifecycle.triggers`), not a setting here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlparse

from feedback.access import Actor, require
from feedback.alerts.rules import BAND_ERROR_RATES, MetricRule, default_rules
from feedback.exceptions import InputError
from feedback.settings_files import read_settings, write_settings
from feedback.store.repository import MONITOR_WINDOWS
from feedback.workspace import Workspace

__all__ = ["POLICY_FILE", "AlertPolicy", "load_alert_policy", "save_alert_policy"]

POLICY_FILE = "alert_policy.json"


@dataclass(frozen=True)
class AlertPolicy:
    """When monitoring raises an alert, and where it is sent.

    Parameters
    ----------
    window : {"batch", "day", "week"}, default="batch"
        The windows the rules watch.
    accuracy_floor : float or None, default=None
        Alert when a window's audit accuracy falls below this.
    dispute_ceiling : float or None, default=None
        Alert when a window's dispute rate rises above this.
    confidence_floor : float or None, default=None
        Alert when a window's mean confidence falls below this.
    min_labels : int, default=30
        Audit labels a window needs before its accuracy can raise an alert.
    min_predictions : int, default=30
        Predictions a window needs before its dispute rate, confidence or drift
        can raise an alert.
    band_sigma : float or None, default=3.0
        Alert when a figure leaves the band of the past windows at this
        one-sided level, in normal deviations (3: 0.135% of stable windows),
        on its bad side; the band rests on the window's own n (see
        :mod:`feedback.alerts.limits`). None turns the bands off. Floors and
        ceilings fire when the window's 3-sigma Wilson bound is beyond them.
    min_windows : int, default=15
        Past windows with enough items a band needs before it applies.
    lookback_windows : int, default=5
        A window is judged once, when it closes: when its audit slice is
        labelled, or at the latest once this many newer windows exist.
    drift : bool, default=True
        Alert when the newest window's features drift (half or more columns).
    webhook_url : str or None, default=None
        http(s) URL each new alert is POSTed to as JSON.
    webhook_timeout : float, default=5.0
        Seconds to wait for the webhook on each attempt.
    webhook_retries : int, default=3
        Further attempts after a failed one (network error, timeout, HTTP 408,
        429 or 5xx), waiting ``webhook_backoff`` seconds, doubled each time.
    webhook_backoff : float, default=1.0
    """

    window: str = "batch"
    accuracy_floor: float | None = None
    dispute_ceiling: float | None = None
    confidence_floor: float | None = None
    min_labels: int = 30
    min_predictions: int = 30
    band_sigma: float | None = 3.0
    min_windows: int = 15
    lookback_windows: int = 5
    drift: bool = True
    webhook_url: str | None = None
    webhook_timeout: float = 5.0
    webhook_retries: int = 3
    webhook_backoff: float = 1.0

    def redacted_webhook(self) -> str | None:
        """The webhook as text may show it: scheme and host only, since its path or query often holds a token."""
        if self.webhook_url is None:
            return None
        url = urlparse(self.webhook_url)
        hidden = "/…" if url.path.strip("/") or url.query else ""
        return f"{url.scheme}://{url.netloc.rsplit('@', 1)[-1]}{hidden}"

    def rules(self) -> dict[str, MetricRule]:
        """The metric rules (accuracy, dispute_rate, mean_confidence) these settings describe."""
        base = default_rules(accuracy_floor=self.accuracy_floor, dispute_ceiling=self.dispute_ceiling)
        common = {"band_sigma": self.band_sigma, "min_windows": self.min_windows}
        return {
            "accuracy": replace(base["accuracy"], min_n=self.min_labels, **common),
            "dispute_rate": replace(base["dispute_rate"], min_n=self.min_predictions, **common),
            "mean_confidence": replace(
                base["mean_confidence"], floor=self.confidence_floor, min_n=self.min_predictions, **common
            ),
        }

    def describe(self) -> str:
        """How these settings decide, in one paragraph, with the rates they were checked at.

        Examples
        --------
        >>> AlertPolicy(accuracy_floor=0.85).describe().split(": ")[0]
        'Each batch window is judged once, when it closes'
        >>> "accuracy floor 0.85, each crossed only" in AlertPolicy(accuracy_floor=0.85).describe()
        True
        """
        band = (
            "no bands"
            if self.band_sigma is None
            else f"a {self.band_sigma:g}-sigma band at the window's own n around its {self.min_windows} or more "
            "past windows (fired or not), widened by their between-window variance"
        )
        limits = [
            f"{name} {value:g}"
            for name, value in (
                ("accuracy floor", self.accuracy_floor),
                ("dispute ceiling", self.dispute_ceiling),
                ("confidence floor", self.confidence_floor),
            )
            if value is not None
        ]
        shown = (
            f"; {', '.join(limits)}, each crossed only when the window's 3-sigma Wilson bound is beyond it"
            if limits
            else ""
        )
        return (
            f"Each {self.window} window is judged once, when it closes: once a newer window exists and its audit "
            f"slice is labelled, or after {self.lookback_windows} newer windows (mean confidence: once a newer "
            f"window exists). Rules: {band}{shown}; accuracy "
            f"needs {self.min_labels} audit labels, disputes and confidence {self.min_predictions} predictions. "
            + BAND_ERROR_RATES
        )

    def validated(self) -> AlertPolicy:
        """Return the policy, or raise InputError naming the first bad setting."""
        numbers = {k: v for k, v in asdict(self).items() if isinstance(v, float | int) and not isinstance(v, bool)}
        for name, value in numbers.items():
            if not math.isfinite(value):
                raise InputError(f"{name} must be a finite number, got {value}.")
        if self.window not in MONITOR_WINDOWS:
            raise InputError(f"window must be one of {', '.join(MONITOR_WINDOWS)}, got {self.window!r}.")
        for name in ("accuracy_floor", "dispute_ceiling", "confidence_floor"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"{name} must be between 0 and 1, got {value}.")
        for name in ("min_labels", "min_predictions", "min_windows", "lookback_windows"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.band_sigma is not None and self.band_sigma <= 0:
            raise InputError(f"band_sigma must be positive, got {self.band_sigma}.")
        if self.webhook_url is not None:
            url = urlparse(self.webhook_url)
            if url.scheme not in ("http", "https") or not url.netloc:
                raise InputError(f"The webhook must be an http:// or https:// URL, got {self.webhook_url!r}.")
        if self.webhook_timeout <= 0 or self.webhook_backoff < 0 or self.webhook_retries < 0:
            raise InputError("webhook_timeout must be positive, webhook_backoff and webhook_retries at least 0.")
        return self


def load_alert_policy(ws: Workspace) -> AlertPolicy:
    """The saved alert settings, or the defaults (bands and drift on, no floors, no webhook)."""
    return read_settings(ws.home / POLICY_FILE, AlertPolicy, "alert policy")


def save_alert_policy(ws: Workspace, policy: AlertPolicy, *, actor: Actor) -> AlertPolicy:
    """Validate and write the alert settings (whole file replaced atomically); ``actor`` must be an admin."""
    require(actor, "set_alert_policy")
    return write_settings(ws.home / POLICY_FILE, policy)
