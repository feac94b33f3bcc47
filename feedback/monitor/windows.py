"""The live model over time: per-window quality, disputes, confidence, class mix, calibration and drift.

A window is one ingest call (``batch``), a UTC calendar day (``day``) or an ISO
week starting on Monday (``week``). For each window:

- **quality** comes only from the expert-labelled items of the uniformly random
  audit slice, scored against the answer that was served to the end user
  (``Prediction.predicted``); queue items are biased by design and never count.
  The gold label follows :mod:`feedback.gold.labels`. Accuracy, per-class precision and
  recall carry Wilson intervals, macro-F1 a bootstrap interval, each with its n;
  figures are None while the window has no audit label. During an A/B experiment
  the served answers come from both arms: the window measures what users got.
- **dispute rate** is the share of the window's predictions with at least one
  end-user dispute (disputes count in the window of the prediction they dispute,
  so a window's rate can still rise as late disputes arrive);
- **closing**: a window closes once a newer window exists and its audit slice is
  fully labelled, or once enough newer windows exist that its labels are not
  waited for any longer (:func:`closed_windows`); the alert rules judge it then,
  once;
- **feature drift** compares the window's inputs with the champion's training
  data (see :func:`~feedback.monitor.window_drift.champion_reference`) using
  :func:`feedback.monitor.drift_report.dataset_drift`, whose dataset decision is calibrated
  against chance (:mod:`feedback.monitor.drift_null`).

The statistics are the tested libraries :mod:`feedback.monitor.quality`,
:mod:`feedback.monitor.drift`; this module only reads the store (a handful of DuckDB
queries for all windows at once) and assembles them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from feedback import store
from feedback.gold import gold_label_series
from feedback.lifecycle import load_task
from feedback.monitor.intervals import Estimate, estimate_proportion
from feedback.monitor.quality import calibration_table, class_mix, estimate_accuracy, estimate_quality
from feedback.monitor.window_drift import (
    MAX_DRIFT_ROWS,
    WindowDrift,
    champion_reference,
    drift_by_window,
)
from feedback.store import Task, repository
from feedback.store.repository import MONITOR_WINDOWS
from feedback.workspace import Workspace

__all__ = ["MONITOR_WINDOWS", "ClassQuality", "MonitorWindow", "closed_windows", "monitor_windows"]

_CALIBRATION_BINS = 10


@dataclass(frozen=True)
class ClassQuality:
    """Audit quality of one class in a window.

    Attributes
    ----------
    support : int
        Audit items truly of the class.
    n_predicted : int
        Audit items the served answer put in the class.
    precision, recall : Estimate
        With Wilson intervals; precision rests on ``n_predicted``, recall on ``support``.
    """

    support: int
    n_predicted: int
    precision: Estimate
    recall: Estimate


@dataclass(frozen=True)
class MonitorWindow:
    """The figures of one monitoring window; audit figures are None while it has no audit label.

    Attributes
    ----------
    window : str
        The window's id: the batch id, the UTC day or the ISO week's Monday (``YYYY-MM-DD``).
    start, end : str
        ISO 8601 UTC times bounding the window (a batch: its first and last prediction).
    n_predictions : int
        Predictions logged in the window.
    n_audit_labels : int
        Expert-labelled audit items among them: the n of every quality figure.
    accuracy : float or None
        Share of those audit items the served answer got right.
    accuracy_ci : list of float, or None
        Its 95% Wilson interval ``[low, high]``; None without audit labels.
    n_disputed : int
        Predictions with at least one end-user dispute.
    dispute_rate : float or None
        ``n_disputed / n_predictions``.
    dispute_rate_ci : list of float or None
        Its 95% Wilson interval ``[low, high]``.
    mean_confidence : float
        Mean confidence of the served answers.
    macro_f1 : Estimate or None
        With a bootstrap interval; None without ``details``.
    per_class : dict of str to ClassQuality, or None
        None without ``details``.
    calibration : list of dict or None
        Reliability bins of :func:`feedback.monitor.quality.calibration_table`; None without ``details``.
    drift : WindowDrift or None
        None when drift was not tested.
    class_mix : list of dict or None
        Predicted class mix beside the champion's training mix
        (:func:`feedback.monitor.quality.class_mix`); None without ``details``.
    n_audit_items : int
        Predictions of the window in the audit slice, labelled or not.
    sd_confidence : float or None
        Sample standard deviation of the served answers' confidence (None below two predictions): with
        ``n_predictions`` it gives the standard error of ``mean_confidence``.
    """

    window: str
    start: str
    end: str
    n_predictions: int
    n_audit_labels: int
    accuracy: float | None
    accuracy_ci: list[float] | None
    n_disputed: int
    dispute_rate: float | None
    dispute_rate_ci: list[float | None]
    mean_confidence: float
    macro_f1: Estimate | None = None
    per_class: dict[str, ClassQuality] | None = None
    calibration: list[dict[str, Any]] | None = None
    drift: WindowDrift | None = None
    class_mix: list[dict[str, Any]] | None = None
    n_audit_items: int = 0
    sd_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The window as JSON-ready values; the ``details`` figures only when computed."""
        details = ("macro_f1", "per_class", "calibration", "class_mix")
        out = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in details or self.macro_f1 is not None
        }
        if self.macro_f1 is not None:
            out.update(
                macro_f1=self.macro_f1.to_dict(),
                per_class={label: asdict(figures) for label, figures in self.per_class.items()},
            )
        out["drift"] = None if self.drift is None else self.drift.to_dict()
        return out


def monitor_windows(
    ws: Workspace,
    window: str = "batch",
    *,
    drift_windows: int | None = None,
    details: bool = True,
    max_drift_rows: int = MAX_DRIFT_ROWS,
    random_state: int = 0,
) -> list[MonitorWindow]:
    """The figures of every monitoring window of the store, oldest first.

    Parameters
    ----------
    ws : Workspace
    window : {"batch", "day", "week"}, default="batch"
    drift_windows : int or None, default=None
        Test drift on the last this many windows only (the others get
        ``"drift": None``); None tests every window. Alert checks use 1: past
        windows' inputs and reference do not change between two ingests.
    details : bool, default=True
        Also compute macro-F1, per-class precision and recall, class mix and
        calibration; without them only the figures the alert rules read.
    max_drift_rows : int, default=5000
        Rows per window tested for drift (a fixed sample beyond that).
    random_state : int, default=0
        Seeds the bootstrap and the sampling of a large reference.

    Returns
    -------
    list of MonitorWindow
        One per window; empty when nothing has been ingested.

    Raises
    ------
    ValueError
        If ``window`` is not one of the three kinds, or ``max_drift_rows`` is below 1.

    Notes
    -----
    The drift reference is the data the current champion trained on: its label
    snapshot, i.e. the seed rows plus the expert-labelled items outside the
    audit slice that its retrain used (see :func:`~feedback.monitor.window_drift.champion_reference`); the
    training class mix comes from the same rows. A window of more than
    ``max_drift_rows`` predictions is tested on a fixed sample (the rows with
    the smallest md5 of id and a fixed salt), a reference of more than
    ``window_drift.MAX_REFERENCE_ROWS`` rows on a sample seeded by ``random_state``. Inputs
    are append-only, so each window's drift report is remembered in this
    process and only new or grown windows are tested again.
    """
    if window not in MONITOR_WINDOWS:
        raise ValueError(f"window must be one of {', '.join(MONITOR_WINDOWS)}, got {window!r}")
    if max_drift_rows < 1:
        raise ValueError(f"max_drift_rows must be at least 1, got {max_drift_rows}")
    task = load_task(ws)
    with store.session(ws) as session:
        summary = repository.monitoring_windows(session, window)
        if summary.empty:
            return []
        audit = repository.monitoring_audit_items(session, window, gold_label_series(session))
    audit_by_window = dict(tuple(audit.groupby("window_id", sort=False)))
    sizes = dict(zip(summary["window_id"].astype(str), summary["n_predictions"].astype(int), strict=True))
    tested = list(sizes)
    if drift_windows is not None:
        tested = tested[len(tested) - drift_windows :] if drift_windows > 0 else []
    reference, version = champion_reference(ws, random_state) if tested or details else (None, None)
    drift = drift_by_window(ws, task, window, reference, version, {w: sizes[w] for w in tested}, max_drift_rows)
    counts = None
    if details:
        with store.session(ws) as session:
            counts = repository.monitoring_class_counts(session, window)
    rows = []
    for record in summary.to_dict("records"):
        wid = str(record["window_id"])
        items = audit_by_window.get(wid, audit.iloc[:0])
        row = _window_figures(record, items, task, details, random_state)
        row["drift"] = drift.get(wid)
        if details:
            row["class_mix"] = _class_mix(counts[counts["window_id"] == wid], reference, task.labels)
        rows.append(MonitorWindow(**row))
    return rows


def closed_windows(windows: list[MonitorWindow], wait_windows: int) -> list[bool]:
    """Which windows are closed for the figures that rest on labels and disputes: judged once, for good.

    A window is closed when a newer window exists (no prediction joins it any
    more, and its end users had until then to dispute) and either every item of
    its audit slice has a gold label or ``wait_windows`` newer windows exist
    (its labels are then waited for no longer). The newest window is never
    closed: a figure is judged within one window of its end.

    Parameters
    ----------
    windows : list of MonitorWindow
        Oldest first, as :func:`monitor_windows` gives them.
    wait_windows : int
        Newer windows after which a window closes whatever its labels.

    Returns
    -------
    list of bool
        One per window, in the same order.

    Examples
    --------
    >>> from dataclasses import replace
    >>> w = MonitorWindow("b1", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", 100, 5, 0.8,
    ...                   [0.4, 0.96], 0, 0.0, [0.0, 0.04], 0.9, n_audit_items=5)
    >>> closed_windows([w, w], wait_windows=5), closed_windows([replace(w, n_audit_labels=4), w], wait_windows=5)
    ([True, False], [False, False])
    """
    last = len(windows) - 1
    return [
        i < last and (0 < w.n_audit_items <= w.n_audit_labels or last - i >= wait_windows)
        for i, w in enumerate(windows)
    ]


# --- private helpers ----------------------------------------------------------------------------


def _window_figures(record: dict, items: pd.DataFrame, task: Task, details: bool, random_state: int) -> dict:
    """Counts, audit quality, dispute rate and confidence of one window."""
    y_true = items["label"].astype(str).to_numpy(dtype=object)
    y_pred = items["predicted"].astype(str).to_numpy(dtype=object)
    n_predictions, n_disputed = int(record["n_predictions"]), int(record["n_disputed"])
    disputes = estimate_proportion(n_disputed, n_predictions)
    row: dict[str, Any] = {
        "window": str(record["window_id"]),
        "start": _iso(record["start"]),
        "end": _iso(record["end"]),
        "n_predictions": n_predictions,
        "n_audit_labels": len(items),
    }
    if details:
        quality = estimate_quality(y_true, y_pred, task.labels, random_state=random_state)
        accuracy = quality["accuracy"]
    else:
        quality, accuracy = None, estimate_accuracy(y_true, y_pred).to_dict()
    row.update(
        {
            "accuracy": accuracy["estimate"],
            "accuracy_ci": None if accuracy["n"] == 0 else [accuracy["ci_low"], accuracy["ci_high"]],
            "n_disputed": n_disputed,
            "dispute_rate": disputes.estimate,
            "dispute_rate_ci": [disputes.ci_low, disputes.ci_high],
            "mean_confidence": float(record["mean_confidence"]),
            "n_audit_items": int(record["n_audit_items"]),
            "sd_confidence": None if pd.isna(record["sd_confidence"]) else float(record["sd_confidence"]),
        }
    )
    if details:
        correct = y_true == y_pred
        table = calibration_table(items["confidence"].to_numpy(dtype=float), correct, n_bins=_CALIBRATION_BINS)
        per_class = {
            label: ClassQuality(f["support"], f["n_predicted"], Estimate(**f["precision"]), Estimate(**f["recall"]))
            for label, f in quality["per_class"].items()
        }
        row.update(
            {"macro_f1": Estimate(**quality["macro_f1"]), "per_class": per_class, "calibration": _records(table)}
        )
    return row


def _class_mix(counts: pd.DataFrame, reference: pd.DataFrame, labels: list[str]) -> list[dict]:
    """Predicted class mix of one window beside the champion's training mix."""
    predicted = np.repeat(counts["predicted"].astype(str).to_numpy(dtype=object), counts["n"].to_numpy(dtype=int))
    training = reference["__label__"].astype(str).to_numpy(dtype=object)
    return _records(class_mix(predicted, training, labels))


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values, NaN as None (JSON ``null``)."""
    return json.loads(frame.to_json(orient="records"))


def _iso(value) -> str:
    """A naive UTC timestamp from the store as an ISO 8601 string with its offset."""
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).isoformat()
