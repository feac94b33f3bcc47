"""Simulated production streams: the issue's "Done when" for drift, alerts and live accuracy.

Every stream is drawn with a fixed seed from ``make_classification`` and scored
by a real scikit-learn champion (LogisticRegression). The measured rates are
printed (run with ``-s`` to see them) and carried in the assertion messages.

- A stream that drifts from batch ``k`` on raises a drift alert and a quality
  alert at batch ``k`` or the batch after, and none before ``k``.
- Null streams (no shift) raise drift alarms in 5% or fewer of their windows.
- The live-accuracy Wilson interval, from the uniformly random audit slice
  only, covers the champion's accuracy on the whole stream in 93% or more of
  the runs, while the naive accuracy on every labelled item (the queue of
  uncertain items plus the audit slice) is biased low and covers far less.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from feedback.alerts import Observation, default_rules, evaluate_drift, evaluate_rule
from feedback.monitor import dataset_drift, estimate_accuracy, wilson_interval

pytestmark = pytest.mark.slow  # a simulation: `pytest -m "not slow"` skips it

N_FEATURES = 6
FEATURES = [f"f{i}" for i in range(N_FEATURES)]
CHANNELS = np.array(["app", "phone", "store", "web"])
CHANNEL_P = np.array([0.4, 0.2, 0.1, 0.3])
BATCH = 300
N_BATCHES = 12


def _population(seed: int, n: int, class_sep: float = 1.2) -> tuple[np.ndarray, np.ndarray]:
    """One fixed data-generating process per seed: 3 classes, 6 numeric features, rows i.i.d."""
    return make_classification(
        n_samples=n,
        n_features=N_FEATURES,
        n_informative=4,
        n_redundant=1,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=class_sep,
        flip_y=0.02,
        random_state=seed,
    )


def _frame(X: np.ndarray, channel: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=FEATURES)
    frame["channel"] = channel
    return frame


def _stream(seed: int, n_reference: int, drift_from: int | None, shift: float = 1.0, fit: bool = True):
    """Reference rows, a fitted champion, and the batches of one stream.

    From batch ``drift_from`` on, every numeric feature moves by ``shift``
    reference standard deviations (the rows keep their true labels, so the
    champion's accuracy drops) and the channel mix changes.
    """
    rng = np.random.default_rng(seed)
    X, y = _population(seed, n_reference + N_BATCHES * BATCH)
    X_ref, y_ref = X[:n_reference], y[:n_reference]
    champion = LogisticRegression(max_iter=500).fit(X_ref, y_ref) if fit else None
    reference = _frame(X_ref, rng.choice(CHANNELS, n_reference, p=CHANNEL_P))
    scale = X_ref.std(axis=0)
    batches = []
    for b in range(N_BATCHES):
        rows = slice(n_reference + b * BATCH, n_reference + (b + 1) * BATCH)
        Xb, yb = X[rows].copy(), y[rows]
        p = CHANNEL_P
        if drift_from is not None and b >= drift_from:
            Xb += shift * scale
            p = CHANNEL_P[::-1]
        batches.append((_frame(Xb, rng.choice(CHANNELS, BATCH, p=p)), Xb, yb))
    return reference, champion, batches, rng


def _monitor(seed: int, n_reference: int, drift_from: int | None, audit_share: float = 0.2):
    """Run the monitoring loop over one stream.

    Returns per batch the drift alert, the accuracy alert (floor 0.7 or band), the accuracy alert
    of the band alone, the audit accuracy and the champion's true accuracy on the whole batch. Each
    window is judged once and stays in the band's history, alert or not; the band applies after 5
    past windows here (the stream has 6 before its shift; the default waits for 15).
    """
    reference, champion, batches, rng = _stream(seed, n_reference, drift_from)
    rule = replace(default_rules(accuracy_floor=0.7)["accuracy"], min_windows=5)
    band_only = replace(default_rules()["accuracy"], min_windows=5)
    history: list[Observation] = []
    drift_alerts, accuracy_alerts, band_alerts, accuracies, true_accuracies = [], [], [], [], []
    for frame, Xb, yb in batches:
        true_accuracies.append(float(np.mean(champion.predict(Xb) == yb)))
        drift_alerts.append(evaluate_drift(dataset_drift(reference, frame), n=len(frame)))
        audit = rng.random(len(frame)) < audit_share
        live = estimate_accuracy(yb[audit], champion.predict(Xb[audit]))
        accuracies.append(live.estimate)
        current = Observation(live.estimate, live.n)
        accuracy_alerts.append(evaluate_rule(rule, history, current).alert)
        band_alerts.append(evaluate_rule(band_only, history, current).alert)
        history.append(current)
    return drift_alerts, accuracy_alerts, band_alerts, accuracies, true_accuracies


def _first(alerts: list) -> int | None:
    return next((i for i, a in enumerate(alerts) if a is not None), None)


def test_drifting_streams_raise_drift_and_quality_alerts_at_the_drift_batch():
    """10 streams per reference size; every feature moves by 1 reference std from batch 6 on.

    Every batch's 300 predictions are audit-labelled: the issue's goal is a 10-point drop on 300 labels
    (on 60 labels such a drop is within a 3-sigma band's chance range, see bench/sim_band_alerts.py).

    Every stream must raise a drift alert at batch 6 or 7. The shift moves rows across the
    champion's boundaries in most streams but not all; every stream whose true accuracy drops by
    0.1 or more must raise an accuracy alert (floor 0.7, or the 3-sigma band) at batch 6 or 7.
    """
    k, streams, pre_windows = 6, 0, 0
    drift_on_time = degraded = quality_on_time = band_on_time = quiet_alerts = 0
    pre_drift_alarms = pre_quality_alarms = 0
    example = None
    for n_reference in (800, 3000):
        for seed in range(1, 11):
            drift_alerts, accuracy_alerts, band_alerts, accuracies, truth = _monitor(seed, n_reference, k, 1.0)
            streams += 1
            pre_windows += k
            pre_drift_alarms += sum(a is not None for a in drift_alerts[:k])
            pre_quality_alarms += sum(a is not None for a in accuracy_alerts[:k])
            drift_on_time += _first(drift_alerts[k : k + 2]) is not None
            quality_hit = _first(accuracy_alerts[k : k + 2])
            if np.mean(truth[k:]) <= np.mean(truth[:k]) - 0.1:
                degraded += 1
                quality_on_time += quality_hit is not None
                band_on_time += _first(band_alerts[k : k + 2]) is not None
                if example is None and quality_hit is not None:
                    example = (
                        drift_alerts[k].message,
                        accuracy_alerts[k + quality_hit].message,
                        [round(a, 2) for a in accuracies],
                        [round(a, 2) for a in truth],
                    )
            else:
                quiet_alerts += quality_hit is not None
    summary = (
        f"{streams} drifting streams (shift at batch {k}): drift alert at batch k or k+1 in "
        f"{drift_on_time}/{streams}; {degraded} streams lost >= 0.1 true accuracy, accuracy alert "
        f"(band or floor 0.7) at k or k+1 in {quality_on_time}/{degraded} (band alone "
        f"{band_on_time}/{degraded}); {quiet_alerts} accuracy alerts in the {streams - degraded} streams "
        f"that kept their accuracy; before the shift {pre_drift_alarms} drift and {pre_quality_alarms} "
        f"accuracy alarms in {pre_windows} windows"
    )
    print(
        f"\n{summary}\n  e.g. {example[0]}\n       {example[1]}\n       audit accuracy per batch "
        f"{example[2]}\n       true accuracy per batch  {example[3]}"
    )
    assert drift_on_time == streams, summary
    assert degraded >= streams // 2, summary
    assert quality_on_time == degraded, summary
    assert pre_drift_alarms + pre_quality_alarms <= 0.05 * 2 * pre_windows, summary


def test_null_streams_raise_drift_alarms_in_at_most_5_percent_of_windows():
    """20 streams per reference size, 12 windows of 300 rows each, no shift anywhere."""
    rates, column_tests, column_alarms = {}, Counter(), Counter()
    windows = alarms = 0
    for n_reference in (800, 3000):
        regime_windows = regime_alarms = 0
        for seed in range(100, 120):
            reference, _, batches, _ = _stream(seed, n_reference, drift_from=None, fit=False)
            for frame, _, _ in batches:
                report = dataset_drift(reference, frame)
                regime_windows += 1
                regime_alarms += evaluate_drift(report, n=len(frame)) is not None
                for column in report.columns.values():
                    column_tests[column.test] += 1
                    column_alarms[column.test] += column.drifted
        rates[n_reference] = regime_alarms / regime_windows
        windows += regime_windows
        alarms += regime_alarms
    rate = alarms / windows
    per_test = {test: round(column_alarms[test] / column_tests[test], 3) for test in column_tests}
    summary = (
        f"null streams: {alarms}/{windows} windows raised a drift alarm ({rate:.1%}); "
        f"reference 800 rows (KS, chi-squared): {rates[800]:.1%}, reference 3000 rows "
        f"(Wasserstein, Jensen-Shannon): {rates[3000]:.1%}; per-column false drift rate by test {per_test}"
    )
    print("\n" + summary)
    assert windows >= 40 * N_BATCHES
    assert rate <= 0.05, summary
    assert max(rates.values()) <= 0.05, summary
    # The p-value tests hold their nominal 5% per column; Evidently's normalised Wasserstein at 0.1
    # is not a calibrated test, and on 300-row windows flags far more null columns (see feedback.monitor.drift).
    assert per_test["ks"] <= 0.06 and per_test["chisquare"] <= 0.06, summary


def test_audit_slice_interval_covers_true_stream_accuracy_and_the_naive_estimate_does_not():
    """500 runs: a fresh stream of 5,000 predictions each; experts label the 400 least certain
    (smallest margin) plus a 5% uniformly random audit slice. Only the audit items feed the estimate."""
    n_runs, stream_size, queue_size, audit_share = 500, 5000, 400, 0.05
    X, y = _population(7, 62_000, class_sep=0.8)
    champion = LogisticRegression(max_iter=500).fit(X[:2000], y[:2000])
    X_live, y_live = X[2000:], y[2000:]
    proba = champion.predict_proba(X_live)
    predicted = champion.classes_[proba.argmax(axis=1)]
    correct = predicted == y_live
    top2 = np.sort(proba, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]

    rng = np.random.default_rng(2024)
    streams = np.argpartition(rng.random((n_runs, len(y_live))), stream_size, axis=1)[:, :stream_size]
    stream_correct = correct[streams]
    true_accuracy = stream_correct.mean(axis=1)  # the champion's accuracy on the whole stream
    queue = np.argpartition(margin[streams], queue_size, axis=1)[:, :queue_size]
    audit = rng.random((n_runs, stream_size)) < audit_share
    labelled = audit.copy()
    np.put_along_axis(labelled, queue, True, axis=1)

    n_audit = audit.sum(axis=1)
    audit_low, audit_high = wilson_interval((stream_correct & audit).sum(axis=1), n_audit)
    coverage = float(np.mean((audit_low <= true_accuracy) & (true_accuracy <= audit_high)))
    n_labelled = labelled.sum(axis=1)
    naive_hits = (stream_correct & labelled).sum(axis=1)
    naive_low, naive_high = wilson_interval(naive_hits, n_labelled)
    naive_coverage = float(np.mean((naive_low <= true_accuracy) & (true_accuracy <= naive_high)))
    bias = float(np.mean(naive_hits / n_labelled - true_accuracy))
    audit_bias = float(np.mean((stream_correct & audit).sum(axis=1) / n_audit - true_accuracy))

    # The library's scalar path gives the same interval as the vectorised one.
    run = streams[0][audit[0]]
    one = estimate_accuracy(y_live[run], predicted[run])
    assert (one.ci_low, one.ci_high, one.n) == pytest.approx((audit_low[0], audit_high[0], n_audit[0]))

    summary = (
        f"live accuracy over {n_runs} runs (stream {stream_size}, queue {queue_size} least certain, "
        f"audit {audit_share:.0%} ~ {n_audit.mean():.0f} items): true accuracy {true_accuracy.mean():.3f}; "
        f"audit-only Wilson coverage {coverage:.1%} (bias {audit_bias:+.4f}); naive on all "
        f"~{n_labelled.mean():.0f} labelled items: coverage {naive_coverage:.1%}, bias {bias:+.3f}"
    )
    print("\n" + summary)
    assert coverage >= 0.93, summary
    assert bias < -0.05, summary
    assert naive_coverage <= 0.2, summary
