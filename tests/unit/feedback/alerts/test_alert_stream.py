"""A simulated production stream through the whole store: it drifts from batch k on, and the drift and quality
alerts fire at batch k or soon after, and not before.

The stream is drawn with a fixed seed from scikit-learn's digits: a 200-row seed
trains the champion (a real logistic regression), then 8 batches of 150 rows
are ingested one by one. From batch k = 4 on, every pixel gets Gaussian noise
(sd 4, clipped to 0..16), which moves the inputs and costs the champion about a
sixth of its accuracy. After each ingest an expert labels that batch's audit
items with the truth, as they would from the review queue, and the alert rules
run with their defaults (3-sigma bands at each window's n, 30 labels at least)
except that the band starts after 3 past windows (the default waits for 15; the
stream has 8). Each batch is judged once, when the next one is ingested.
The audit slice's salt is fixed too, so the run is the same every time.

Here nearly the whole batch is audited (about 150 labels): with the default 30% slice (45
labels a batch) the 16-point drop after 4 past windows sits within the band's
chance range at 3 sigma, and this stream's accuracy alert does not fire
(bench/sim_band_alerts.py gives the detection rates at 30, 100 and 300 labels).
"""

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from store_sql import in_session

from feedback.access import Actor
from feedback.alerts import AlertPolicy, AlertRecord, list_alerts, save_alert_policy
from feedback.intake import ingest_predictions
from feedback.lifecycle import init_task
from feedback.review import import_labels
from feedback.store import repository
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

DRIFT_FROM, N_BATCHES, BATCH, SEED_ROWS, NOISE_SD = 4, 8, 150, 200, 4.0
SHORT_STREAM = AlertPolicy(min_windows=3)  # 8 batches: the default band waits for 15 past windows


def run_stream(
    folder, *, audit_salt: str, policy: AlertPolicy | None = None, seed: int = 20261126, audit_share: float = 0.3
):
    """Run one stream through a new store in ``folder``; return the batch ids, the stored alerts and the
    champion's true accuracy per batch. ``audit_salt`` fixes which items fall in the audit slice."""
    rng = np.random.default_rng(seed)
    X, y = load_digits(return_X_y=True)
    columns = [f"px_{i}" for i in range(X.shape[1])]
    order = rng.permutation(len(y))
    seed_rows, pool = order[:SEED_ROWS], order[SEED_ROWS:]
    seed_frame = pd.DataFrame(X[seed_rows], columns=columns).assign(label=y[seed_rows])
    seed_frame.insert(0, "id", [f"seed-{i}" for i in seed_rows])
    seed_frame.to_csv(folder / "seed.csv", index=False)
    ws = open_workspace(folder / "home")
    try:
        init_task(ws, folder / "seed.csv", "label", audit_share=audit_share, audit_salt=audit_salt)
        if policy is not None:
            save_alert_policy(ws, policy, actor=ADMIN)
        batches, true_accuracy = [], []
        for b in range(N_BATCHES):
            rows = rng.choice(pool, BATCH, replace=False)
            pixels = X[rows] + (rng.normal(0.0, NOISE_SD, (BATCH, X.shape[1])) if b >= DRIFT_FROM else 0.0)
            frame = pd.DataFrame(np.clip(np.rint(pixels), 0, 16), columns=columns)
            frame.insert(0, "id", [f"b{b}-{i:03d}" for i in range(BATCH)])
            frame.to_csv(folder / f"batch_{b}.csv", index=False)
            batches.append(ingest_predictions(ws, folder / f"batch_{b}.csv").batch_id)

            served = in_session(ws, repository.predictions_frame, frame["id"].tolist())
            true_accuracy.append(float(np.mean(served["predicted"].astype(int).to_numpy() == y[rows])))
            audit = served["is_audit"].astype(bool).to_numpy()
            pd.DataFrame({"id": frame["id"][audit], "label": y[rows][audit]}).to_csv(
                folder / f"audit_{b}.csv", index=False
            )
            import_labels(ws, folder / f"audit_{b}.csv", annotator="expert")  # which checks the alerts
        return batches, list_alerts(ws), true_accuracy
    finally:
        ws.close()


def first_alerts(batches: list[str], alerts: list[AlertRecord]) -> dict[str, int]:
    """The batch index of the first alert of each metric."""
    first = {}
    for alert in sorted(alerts, key=lambda a: a.id):
        first.setdefault(alert.metric, batches.index(alert.window_id))
    return first


def test_a_stream_that_drifts_from_batch_k_raises_drift_and_quality_alerts_at_k_or_soon_after(tmp_path):
    batches, alerts, true_accuracy = run_stream(
        tmp_path, audit_salt="5eed5eed5eed5eed", policy=SHORT_STREAM, audit_share=0.99
    )
    first = first_alerts(batches, alerts)
    summary = (
        f"first alert per metric (batch index, drift from {DRIFT_FROM}): {first}; champion's true accuracy "
        f"per batch {[round(a, 2) for a in true_accuracy]}"
    )
    print("\n" + summary)
    assert np.mean(true_accuracy[DRIFT_FROM:]) < np.mean(true_accuracy[:DRIFT_FROM]) - 0.15, summary
    assert DRIFT_FROM <= first.get("drift_share", -1) <= DRIFT_FROM + 2, summary
    assert DRIFT_FROM <= first.get("accuracy", -1) <= DRIFT_FROM + 2, summary
    assert min(first.values()) >= DRIFT_FROM, f"no alert of any kind before the drift: {summary}"
