"""The live model over time: windows of quality, disputes, confidence and drift, and the store's status."""

from feedback.monitor.drift import ColumnDrift, column_drift
from feedback.monitor.drift_null import DriftNull, drift_null
from feedback.monitor.drift_report import DatasetDrift, dataset_drift
from feedback.monitor.intervals import Estimate, estimate_proportion, wilson_interval
from feedback.monitor.live_quality import (
    DEFAULT_LIVE_DAYS,
    LiveQuality,
    LiveWindow,
    live_quality,
    live_window_mask,
    live_window_start,
)
from feedback.monitor.quality import calibration_table, class_mix, estimate_accuracy, estimate_quality
from feedback.monitor.status import store_status
from feedback.monitor.window_drift import MAX_DRIFT_ROWS, WindowDrift
from feedback.monitor.windows import MONITOR_WINDOWS, MonitorWindow, closed_windows, monitor_windows

__all__ = [
    "ColumnDrift",
    "DEFAULT_LIVE_DAYS",
    "DatasetDrift",
    "DriftNull",
    "Estimate",
    "LiveQuality",
    "LiveWindow",
    "MAX_DRIFT_ROWS",
    "MONITOR_WINDOWS",
    "MonitorWindow",
    "WindowDrift",
    "calibration_table",
    "class_mix",
    "closed_windows",
    "column_drift",
    "dataset_drift",
    "drift_null",
    "estimate_accuracy",
    "estimate_proportion",
    "estimate_quality",
    "live_quality",
    "live_window_mask",
    "live_window_start",
    "monitor_windows",
    "store_status",
    "wilson_interval",
]
