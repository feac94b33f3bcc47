"""What the Monitor page and ``feedback monitor`` show: every window of the live model beside the stored alerts.

Alerts sit above monitoring (they are raised from its windows), so the view that
joins the two lives here: the monitor package never reads the alert store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from feedback import store
from feedback.alerts.policy import load_alert_policy
from feedback.alerts.rules import Judgment
from feedback.alerts.triage import AlertRecord, list_alerts
from feedback.monitor import MAX_DRIFT_ROWS, MonitorWindow, monitor_windows
from feedback.store import repository
from feedback.workspace import Workspace

__all__ = ["MonitorReport", "monitor_report"]


@dataclass(frozen=True)
class MonitorReport:
    """The live model per window, and the alerts raised on it.

    Attributes
    ----------
    windows : list of MonitorWindow
        Every window, oldest first, with every figure (``details`` on).
    alerts : list of AlertRecord
        Every stored alert, newest first.
    judgments : dict of str to list of Judgment
        The verdicts stored when each window closed, by window id, one per
        metric rule (no ``alert``: the alerts are above); a window not in it has
        not closed yet (see :func:`feedback.monitor.closed_windows`).
    rules : str
        How the alert policy decides, with the error rates it was checked at
        (:meth:`feedback.alerts.AlertPolicy.describe`).
    """

    windows: list[MonitorWindow]
    alerts: list[AlertRecord]
    judgments: dict[str, list[Judgment]]
    rules: str

    def to_dict(self) -> dict[str, Any]:
        """``{"windows", "alerts", "judgments": {window: [...]}, "rules"}``, JSON-ready (nulls, never NaN)."""
        return {
            "windows": [w.to_dict() for w in self.windows],
            "alerts": [a.to_dict() for a in self.alerts],
            "judgments": {w: [_judgment_dict(j) for j in judged] for w, judged in self.judgments.items()},
            "rules": self.rules,
        }


def monitor_report(
    ws: Workspace, window: str = "batch", *, max_drift_rows: int = MAX_DRIFT_ROWS, random_state: int = 0
) -> MonitorReport:
    """Every monitoring window of the store, oldest first, the stored alerts and the windows' verdicts.

    Parameters
    ----------
    ws : Workspace
    window : {"batch", "day", "week"}, default="batch"
        ``batch`` is one ingest call; ``day`` and ``week`` are UTC calendar
        days and ISO weeks.
    max_drift_rows : int, default=5000
        Rows of a window tested for drift. A larger window is tested on a
        fixed sample of this many rows (the same rows every time).
    random_state : int, default=0
        Seeds the macro-F1 bootstrap and the sampling of a large reference.

    Returns
    -------
    MonitorReport

    Raises
    ------
    ValueError
        If ``window`` is not one of the three kinds.

    See Also
    --------
    feedback.monitor.windows.monitor_windows : the windows alone, with cheaper options for alerting.
    """
    windows = monitor_windows(ws, window, max_drift_rows=max_drift_rows, random_state=random_state)
    with store.session(ws) as session:
        rows = repository.window_judgments(session, window)
    judgments: dict[str, list[Judgment]] = {}
    for row in rows:
        band = None if row.low is None else (row.low, row.high)
        judgments.setdefault(row.window_id, []).append(
            Judgment(row.metric, row.verdict, row.value, row.n, band, row.n_history)
        )
    return MonitorReport(windows, list_alerts(ws), judgments, load_alert_policy(ws).describe())


def _judgment_dict(judgment: Judgment) -> dict[str, Any]:
    out = asdict(judgment)
    del out["alert"]
    out["band"] = None if judgment.band is None else list(judgment.band)
    return out
