"""The champion's live quality now, estimated honestly from the uniformly random audit slice.

The live figure scores the current champion on the expert-labelled audit items of a
recent window, not on every audit item since the start: after the accuracy drops, an
all-history figure keeps averaging the old, better items, and its interval misses the
accuracy users get now. The window runs up to now and starts at the later of

- the champion's promotion (``since_promotion``, on by default): items served before
  it describe traffic the previous champion faced, and a promotion is the moment a
  team starts asking "how is the new model doing?";
- ``max_days`` before now (the ``FEEDBACK_LIVE_DAYS`` setting, 30 by default).

An item's time is when its prediction was served (``Prediction.received_at``): that
is when the model was right or wrong, whenever the expert labelled it later. The
figure over every labelled audit item since the start stays beside it, labelled as
the all-history figure.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from feedback import store
from feedback.exceptions import InputError
from feedback.gold import gold_label_series
from feedback.lifecycle import load_task, load_version
from feedback.monitor.intervals import Estimate
from feedback.monitor.quality import estimate_accuracy, estimate_quality
from feedback.settings import SETTINGS
from feedback.store import Decision, ModelVersion, repository, utcnow
from feedback.workspace import Workspace

__all__ = ["DEFAULT_LIVE_DAYS", "LiveQuality", "LiveWindow", "live_quality", "live_window_mask", "live_window_start"]

_DAYS = SETTINGS["live_days"]
DEFAULT_LIVE_DAYS = _DAYS.default


@dataclass(frozen=True)
class LiveWindow:
    """Which audit items the live figure rests on: those served from ``start`` to ``end``.

    Attributes
    ----------
    start : str or None
        ISO 8601 UTC time of the window's start; None when it reaches back to the first prediction.
    end : str
        ISO 8601 UTC time of the reading (now).
    champion_version : int or None
    promoted_at : str or None
        When the champion was last made champion (promotion, rollback or the initial model).
    since_promotion : bool
        Whether the window starts no earlier than ``promoted_at``.
    max_days : float or None
        The window reaches back at most this many days; None for no limit.
    """

    start: str | None
    end: str
    champion_version: int | None
    promoted_at: str | None
    since_promotion: bool
    max_days: float | None

    def describe(self) -> str:
        """The window in words, e.g. ``served from 2026-11-06 11:40 to 2026-12-06 11:40 UTC (the last 30 days)``."""
        reason = "every item since the start"
        if self.start is not None and self.since_promotion and self.start == self.promoted_at:
            reason = f"since champion v{self.champion_version} was promoted"
        elif self.start is not None:
            reason = f"the last {self.max_days:g} days"
            if self.since_promotion and self.promoted_at is not None:
                reason += f"; champion v{self.champion_version} was promoted before, {_minute(self.promoted_at)} UTC"
        start = "the first prediction" if self.start is None else _minute(self.start)
        return f"served from {start} to {_minute(self.end)} UTC ({reason})"


@dataclass(frozen=True)
class LiveQuality:
    """The champion's accuracy and macro-F1 now, in the live window, beside its all-history accuracy.

    Attributes
    ----------
    accuracy : Estimate
        Accuracy on the window's labelled audit items, with a 95% Wilson interval.
    macro_f1 : Estimate
        Macro-F1 on the same items (every task label counts), with a 95% percentile-bootstrap interval.
    window : LiveWindow
    all_history_accuracy : Estimate
        Accuracy on every labelled audit item since the start: not the accuracy now once it has changed.
    """

    accuracy: Estimate
    macro_f1: Estimate
    window: LiveWindow
    all_history_accuracy: Estimate

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (nulls, never NaN)."""
        return asdict(self)

    def summary(self) -> str:
        """The figures in one sentence, each with its n and interval, and the window they cover."""
        figure, everything = self.accuracy, self.all_history_accuracy
        if figure.n:
            f1 = self.macro_f1
            now = (
                f"Live accuracy of champion v{self.window.champion_version}: {_interval(figure, '.1%')}, "
                f"macro-F1 {_interval(f1, '.3f')}, on {figure.n} audit labels {self.window.describe()}."
            )
        else:
            now = f"Live accuracy: no labelled audit item was {self.window.describe()}."
        history = (
            f" All-history accuracy (every labelled audit item since the start): {_interval(everything, '.1%')} "
            f"on {everything.n} audit labels."
            if everything.n
            else " No audit item has an expert label yet."
        )
        return now + history


def live_window_start(
    now: datetime, promoted_at: datetime | None, *, since_promotion: bool = True, max_days: float | None = None
) -> datetime | None:
    """The start of the live window: the later of the promotion and ``max_days`` before ``now``.

    Parameters
    ----------
    now : datetime
        The end of the window.
    promoted_at : datetime or None
        When the champion was made champion; None if unknown.
    since_promotion : bool, default=True
        Start no earlier than ``promoted_at``.
    max_days : float or None, default=None
        Reach back at most this many days; None for no limit.

    Returns
    -------
    datetime or None
        Timezone-aware UTC (a naive time given is taken as UTC); None when the window reaches back to the
        first prediction.

    Examples
    --------
    >>> from datetime import datetime
    >>> live_window_start(datetime(2026, 3, 31), datetime(2026, 3, 20), max_days=30).day
    20
    >>> live_window_start(datetime(2026, 3, 31), datetime(2026, 1, 1), max_days=30).day
    1
    >>> live_window_start(datetime(2026, 3, 31), None) is None
    True
    """
    starts = []
    if since_promotion and promoted_at is not None:
        starts.append(_aware(promoted_at))
    if max_days is not None:
        starts.append(_aware(now) - timedelta(days=max_days))
    return max(starts) if starts else None


def live_window_mask(
    served_at,
    now: datetime,
    promoted_at: datetime | None = None,
    *,
    since_promotion: bool = True,
    max_days: float | None = DEFAULT_LIVE_DAYS,
) -> np.ndarray:
    """Which items the live window holds: those served from its start (:func:`live_window_start`) up to ``now``.

    Parameters
    ----------
    served_at : array-like of datetime
        When each item's prediction was served, any shape (e.g. runs x items in a
        simulation); naive times are taken as UTC.
    now, promoted_at, since_promotion, max_days
        As for :func:`live_window_start`.

    Returns
    -------
    numpy.ndarray of bool
        The same shape as ``served_at``.

    Examples
    --------
    >>> from datetime import datetime
    >>> served = [datetime(2026, 1, 5), datetime(2026, 3, 1), datetime(2026, 4, 2)]
    >>> live_window_mask(served, datetime(2026, 3, 31), datetime(2025, 12, 1), max_days=30).tolist()
    [False, True, False]
    """
    times = _naive_utc(served_at)
    inside = times <= _naive_utc(now)
    start = live_window_start(now, promoted_at, since_promotion=since_promotion, max_days=max_days)
    if start is not None:
        inside &= times >= _naive_utc(start)
    return inside


def live_quality(
    ws: Workspace,
    *,
    max_days: float | None = DEFAULT_LIVE_DAYS,
    since_promotion: bool = True,
    now: datetime | None = None,
    random_state=0,
) -> LiveQuality:
    """The current champion's accuracy and macro-F1 on the audit items of the live window.

    Only audit items count: the queue's items were chosen because the model was
    unsure, so their accuracy is biased low by design. No model trains on audit
    items, so the champion is scored on items it never saw.

    Parameters
    ----------
    ws : Workspace
    max_days : float or None, default=30
        The window reaches back at most this many days (``FEEDBACK_LIVE_DAYS``); None for no limit.
    since_promotion : bool, default=True
        The window starts no earlier than the champion's promotion.
    now : datetime, optional
        The end of the window (a naive time is taken as UTC); default the current time.
    random_state : int, default=0
        Seeds the macro-F1 bootstrap.

    Returns
    -------
    LiveQuality
        Figures are None while the window (or the history) has no labelled audit item.

    Raises
    ------
    InputError
        If ``max_days`` is not a number of days in the allowed range.
    """
    max_days = _checked_days(max_days)
    now = now or utcnow()
    task = load_task(ws)
    with store.session(ws) as session:
        audit = repository.audit_evaluation_set(session, gold_label_series(session))
        served = repository.predictions_frame(session, audit["external_id"].astype(str).tolist())["received_at"]
        champion = repository.version_with_alias(session, "champion")
        promoted_at = _promoted_at(repository.decisions(session), champion)
    start = live_window_start(now, promoted_at, since_promotion=since_promotion, max_days=max_days)
    window = LiveWindow(
        start=_iso(start),
        end=_iso(now),
        champion_version=champion.version if champion else None,
        promoted_at=_iso(promoted_at),
        since_promotion=since_promotion,
        max_days=max_days,
    )
    if audit.empty or champion is None:
        empty = estimate_accuracy([], [])
        return LiveQuality(empty, empty, window, empty)
    names = [f["name"] for f in task.features]
    truth = audit["__label__"].astype(str).to_numpy(dtype=object)
    predicted = load_version(ws, champion).predict(audit[names]).astype(str)
    inside = live_window_mask(served.to_numpy(), now, promoted_at, since_promotion=since_promotion, max_days=max_days)
    quality = estimate_quality(truth[inside], predicted[inside], task.labels, random_state=random_state)
    return LiveQuality(
        accuracy=Estimate(**quality["accuracy"]),
        macro_f1=Estimate(**quality["macro_f1"]),
        window=window,
        all_history_accuracy=estimate_accuracy(truth, predicted),
    )


# --- private helpers ----------------------------------------------------------------------------------


def _checked_days(max_days: float | None) -> float | None:
    """``max_days`` as a float (None stays None), or an InputError naming the allowed range."""
    if max_days is None:
        return None
    number = float(max_days) if isinstance(max_days, Real) and not isinstance(max_days, bool) else math.nan
    if not (math.isfinite(number) and _DAYS.low < number <= _DAYS.high):
        raise InputError(
            f"The live window's number of days must be {_DAYS.describe_range()}, got {str(max_days)[:40]!r}; "
            f"give a number of days, or none for no limit."
        )
    return number


def _promoted_at(decisions: list[Decision], champion: ModelVersion | None) -> datetime | None:
    """When the champion last became champion (the newest decision naming it), or None."""
    if champion is None:
        return None
    return next((d.created_at for d in decisions if d.version == champion.version), None)


def _aware(at: datetime) -> datetime:
    """``at`` as an aware UTC time; a naive time is taken as UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _naive_utc(values) -> np.ndarray:
    """Times as naive UTC datetime64 of any shape (a naive time is taken as UTC), whatever the driver returned."""
    array = np.asarray(values)
    if array.dtype.kind == "M":
        return array.astype("datetime64[ns]")
    flat = pd.to_datetime(pd.Series(array.ravel().astype(object)), utc=True)
    return flat.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").reshape(array.shape)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else pd.Timestamp(_naive_utc(at)[()]).tz_localize("UTC").isoformat()


def _minute(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _interval(figure: Estimate, fmt: str) -> str:
    return f"{figure.estimate:{fmt}} (95% interval {figure.ci_low:{fmt}} to {figure.ci_high:{fmt}})"
