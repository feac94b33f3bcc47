"""Feature drift per monitoring window against the champion's training data, cached per window.

A closed window's inputs never change, so its report is kept (keyed by the window,
its row count and the reference version) and a page refresh tests only new windows.
The dataset decision needs the null of the drifted count for the reference and
the window size (:func:`~feedback.monitor.drift_null.drift_null`); it is drawn
once per reference and size, the size rounded down to two significant digits
(347 rows use the null of 340), so that windows of similar sizes share it. A
smaller window is noisier, so the rounding errs towards fewer alarms.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from feedback import store
from feedback.lifecycle import champion_and_challenger
from feedback.monitor.drift_null import DriftNull, drift_null
from feedback.monitor.drift_report import DatasetDrift, dataset_drift
from feedback.store import Task, repository, snapshots
from feedback.workspace import Workspace

MAX_DRIFT_ROWS = 5_000  # rows per window tested for drift; larger windows are sampled
MAX_REFERENCE_ROWS = 20_000  # reference rows kept for drift; a larger training set is sampled
_SAMPLE_SALT = "monitoring-drift-sample"
_DRIFT_CACHE: OrderedDict[tuple, WindowDrift] = OrderedDict()  # drift reports of windows already tested
_DRIFT_CACHE_SIZE = 4096
_DRIFT_CACHE_LOCK = threading.Lock()
_NULL_CACHE: OrderedDict[tuple, DriftNull] = OrderedDict()  # nulls per reference and rounded window size
_NULL_CACHE_SIZE = 256


@dataclass(frozen=True)
class WindowDrift:
    """Feature drift of one window against the champion's training data.

    Attributes
    ----------
    report : DatasetDrift
        Every column's test and whether the dataset drifted.
    n_reference : int
        Reference rows (the champion's training data, sampled beyond ``MAX_REFERENCE_ROWS``).
    n_current : int
        Rows of the window tested.
    sampled : bool
        Whether the window was tested on a fixed sample of its rows.
    reference_version : int
        The champion whose training data is the reference.
    """

    report: DatasetDrift
    n_reference: int
    n_current: int
    sampled: bool
    reference_version: int

    def to_dict(self) -> dict[str, Any]:
        """:meth:`DatasetDrift.to_dict` plus the counts: the JSON of a window's ``drift``."""
        return {
            **self.report.to_dict(),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "sampled": self.sampled,
            "reference_version": self.reference_version,
        }


def champion_reference(ws: Workspace, random_state: int = 0) -> tuple[pd.DataFrame, int]:
    """The champion's training data: the reference for drift and for the training class mix.

    It is the label snapshot the champion was trained on (the seed file plus the
    expert labels of its retrain, audit items never included), read from
    ``<home>/snapshots``; should that file be gone, the seed rows stored in the
    database. More than ``MAX_REFERENCE_ROWS`` rows are sampled down to that
    many with ``random_state``.

    Returns
    -------
    reference : pandas.DataFrame
        Feature columns and ``__label__``.
    version : int
        The champion's version number.
    """
    champion, _ = champion_and_challenger(ws)
    frame = snapshots.read_snapshot(ws, champion.snapshot_id)
    if frame is None:
        with store.session(ws) as session:
            frame = repository.seed_training_set(session)
    if len(frame) > MAX_REFERENCE_ROWS:
        keep = check_random_state(random_state).choice(len(frame), MAX_REFERENCE_ROWS, replace=False)
        frame = frame.iloc[np.sort(keep)]
    return frame.reset_index(drop=True), champion.version


def drift_by_window(
    ws: Workspace,
    task: Task,
    window: str,
    reference: pd.DataFrame | None,
    reference_version: int | None,
    sizes: dict[str, int],
    max_rows: int,
) -> dict[str, WindowDrift]:
    """Drift of each window in ``sizes`` (window id -> predictions) against the reference.

    Text features are not tested. Reports are remembered per window, size and
    reference (inputs are append-only, so a window with as many rows as before
    holds the same rows), and only windows not seen before are read and tested.
    """
    kinds = {f["name"]: f["kind"] for f in task.features if f["kind"] in ("numeric", "categorical")}
    if not sizes or not kinds or reference is None:
        return {}
    columns = list(kinds)
    store_key = (ws.database_url, task.audit_salt)  # the salt is drawn afresh for every new store
    keys = {wid: (*store_key, window, wid, n, reference_version, len(reference), max_rows) for wid, n in sizes.items()}
    with _DRIFT_CACHE_LOCK:
        out = {wid: _DRIFT_CACHE[key] for wid, key in keys.items() if key in _DRIFT_CACHE}
    missing = [wid for wid in sizes if wid not in out]
    if missing:
        with store.session(ws) as session:
            inputs = repository.monitoring_inputs(session, window, missing, max_rows, _SAMPLE_SALT)
        for wid, current in inputs.groupby("window_id", sort=False):
            wid = str(wid)
            null_key = (*store_key, reference_version, len(reference), tuple(columns), null_rows(len(current)))
            with warnings.catch_warnings():  # scipy falls back to the asymptotic KS p-value, and says so
                warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning)
                chance = _cached_null(null_key, reference[columns], kinds)
                drift = dataset_drift(reference[columns], current[columns], kinds=kinds, columns=columns, chance=chance)
            report = WindowDrift(
                drift,
                n_reference=len(reference),
                n_current=len(current),
                sampled=sizes[wid] > len(current),
                reference_version=reference_version,
            )
            out[wid] = report
            with _DRIFT_CACHE_LOCK:
                _DRIFT_CACHE[keys[wid]] = report
                while len(_DRIFT_CACHE) > _DRIFT_CACHE_SIZE:
                    _DRIFT_CACHE.popitem(last=False)
    return out


def null_rows(n_current: int) -> int:
    """The window size a null is drawn for: ``n_current`` rounded down to two significant digits.

    >>> null_rows(57), null_rows(347), null_rows(5000)
    (57, 340, 5000)
    """
    if n_current < 100:
        return max(int(n_current), 1)
    step = 10 ** (len(str(int(n_current))) - 2)
    return int(n_current) // step * step


def _cached_null(key: tuple, reference: pd.DataFrame, kinds: dict[str, str]) -> DriftNull:
    """The null for ``key`` (its last item the rounded window size), drawn on first use."""
    with _DRIFT_CACHE_LOCK:
        if key in _NULL_CACHE:
            _NULL_CACHE.move_to_end(key)
            return _NULL_CACHE[key]
    chance = drift_null(reference, key[-1], kinds, list(reference.columns))
    with _DRIFT_CACHE_LOCK:
        _NULL_CACHE[key] = chance
        while len(_NULL_CACHE) > _NULL_CACHE_SIZE:
            _NULL_CACHE.popitem(last=False)
    return chance
