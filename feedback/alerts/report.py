"""What the Monitor page and ``feedback monitor`` show: every window of the live model beside the stored alerts.

Alerts sit above monitoring (they are raised from its windows), so the view that
joins the two lives here: the monitor package never reads the alert store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feedback.alerts.triage import AlertRecord, list_alerts
from feedback.monitor import MAX_DRIFT_ROWS, MonitorWindow, monitor_windows
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
    """

    windows: list[MonitorWindow]
    alerts: list[AlertRecord]

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """``{"windows": [...], "alerts": [...]}``, JSON-ready (nulls, never NaN)."""
        return {"windows": [w.to_dict() for w in self.windows], "alerts": [a.to_dict() for a in self.alerts]}


def monitor_report(
    ws: Workspace, window: str = "batch", *, max_drift_rows: int = MAX_DRIFT_ROWS, random_state: int = 0
) -> MonitorReport:
    """Every monitoring window of the store, oldest first, and the stored alerts.

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
    return MonitorReport(
        monitor_windows(ws, window, max_drift_rows=max_drift_rows, random_state=random_state), list_alerts(ws)
    )
