"""The digits demo: a seed set, a v1 champion, a drifting production stream and end-user disputes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

from feedback import store
from feedback.access import Actor
from feedback.alerts import AlertPolicy, save_alert_policy
from feedback.draws import key_for
from feedback.exceptions import InputError
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.lifecycle import init_task
from feedback.review import import_labels
from feedback.store import repository
from feedback.workspace import Workspace

N_BATCHES = 6
BATCH_SIZE = 300
DRIFT_STARTS_AT = 3  # batches 3, 4, 5 (0-based) are noisier and lean to a few classes
NOISE_SD_PER_DRIFTED_BATCH = 4.0  # pixel noise (0-16 scale) grows by this much per drifted batch
SEED_PER_CLASS = 10
AUDIT_SHARE = 0.15  # about 45 audit items per batch: enough labels for the monitor's quality figures
AUDITOR = "demo-auditor"  # labels the audit items of every batch but the last, as an audit team would
# Six batches are too short a history for the default band (15 past windows): the demo's bands start after 3,
# where about 2% of stable 30-window series alert falsely (10% with between-window sd 0.02; README, "alerts").
DEMO_ALERTS = AlertPolicy(min_windows=3)


def make_digits_stream(random_state: int = 0) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Seed frame and production batches (with a ``label`` column holding the truth).

    Parameters
    ----------
    random_state : int, default=0

    Returns
    -------
    seed : DataFrame
        ``SEED_PER_CLASS`` examples per digit: columns id, px_0..px_63, label.
    batches : list of DataFrame
        ``N_BATCHES`` frames of ``BATCH_SIZE`` rows. From ``DRIFT_STARTS_AT`` on,
        pixel noise grows and the class mix shifts toward 3, 5, 8 and 9.
    """
    rng = np.random.default_rng(random_state)
    digits = load_digits()
    X, y = digits.data, digits.target
    columns = [f"px_{i}" for i in range(X.shape[1])]
    seed_idx = np.concatenate([rng.choice(np.flatnonzero(y == c), SEED_PER_CLASS, replace=False) for c in range(10)])
    pool = np.setdiff1d(np.arange(len(y)), seed_idx)
    seed = pd.DataFrame(X[seed_idx], columns=columns)
    seed.insert(0, "id", [f"seed-{i}" for i in seed_idx])
    seed["label"] = y[seed_idx]

    batches = []
    for b in range(N_BATCHES):
        drifted = b >= DRIFT_STARTS_AT
        weights = np.ones(10)
        if drifted:
            weights[[3, 5, 8, 9]] = 4.0
        p = weights[y[pool]] / weights[y[pool]].sum()
        chosen = rng.choice(pool, BATCH_SIZE, replace=True, p=p)
        noise_sd = NOISE_SD_PER_DRIFTED_BATCH * (b - DRIFT_STARTS_AT + 1) if drifted else 0.0
        pixels = np.clip(np.rint(X[chosen] + rng.normal(0.0, noise_sd, X[chosen].shape)), 0, 16)
        batch = pd.DataFrame(pixels, columns=columns)
        batch.insert(0, "id", [f"p{b}-{i:04d}" for i in range(BATCH_SIZE)])
        batch["label"] = y[chosen]
        batches.append(batch)
    return seed, batches


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` put in the store.

    Attributes
    ----------
    predictions, batches, disputes, audit_items, audit_labels : int
        Counts of what was ingested.
    seed : int
        Rows of the seed set.
    drift_starts_at_batch : int
        The first batch of the drifted stream.
    """

    predictions: int
    batches: int
    disputes: int
    audit_items: int
    audit_labels: int
    seed: int
    drift_starts_at_batch: int


def build_demo(
    ws: Workspace, *, random_state: int = 0, dispute_share: float = 0.35, batches_to_ingest: int = N_BATCHES
) -> DemoSummary:
    """Build the demo store in ``ws`` through the same library calls a team would use.

    Files land in ``<home>/demo/``: ``seed.csv``, ``batch_<k>.csv`` (inputs only),
    ``feedback_<k>.csv`` (end-user signals), ``audit_labels_<k>.csv`` (the audit
    team's labels) and ``truth.csv`` (the true label of every production item, for
    trying the loop with an oracle).

    Each ingested batch is followed by its audit labels (every batch but the last,
    so the queue keeps some audit items for the experts) and then its end-user
    feedback, whose ingest runs the alert check with those labels in: the drift,
    dispute-rate, confidence and accuracy alerts fire at batch ``DRIFT_STARTS_AT``.

    Parameters
    ----------
    batches_to_ingest : int, default=N_BATCHES
        Ingest only the first batches; the others' input files are still written,
        to be ingested later (``python -m feedback ingest <home>/demo/batch_3.csv``).

    Returns
    -------
    DemoSummary
    """
    with store.session(ws) as session:
        exists = repository.has_task(session)
    if exists:
        raise InputError(f"{ws.home} already holds a task; build the demo in another folder (--home).")
    if not 0 <= batches_to_ingest <= N_BATCHES:
        raise InputError(f"The demo has {N_BATCHES} batches; ingest between 0 and {N_BATCHES} of them.")
    rng = np.random.default_rng(random_state + 1)
    folder = ws.home / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    seed, batches = make_digits_stream(random_state)
    seed.to_csv(folder / "seed.csv", index=False)
    init_task(
        ws,
        folder / "seed.csv",
        "label",
        image_shape=(8, 8),
        audit_share=AUDIT_SHARE,
        random_state=random_state,
        audit_salt=key_for(f"digits-demo-{random_state}"),
    )  # the same demo each time
    save_alert_policy(ws, DEMO_ALERTS, actor=Actor("demo", "admin"))  # the demo's own fresh store
    n_audit = n_audit_labels = n_disputes = 0
    for k, batch in enumerate(batches):
        batch.drop(columns="label").to_csv(folder / f"batch_{k}.csv", index=False)
        if k >= batches_to_ingest:
            continue
        n_audit += ingest_predictions(ws, folder / f"batch_{k}.csv").n_audit
        with store.session(ws) as session:
            served = repository.predictions_frame(session, batch["id"].tolist())
        if k < N_BATCHES - 1:
            audited = batch[served["is_audit"].to_numpy(dtype=bool)][["id", "label"]]
            audited.to_csv(folder / f"audit_labels_{k}.csv", index=False)
            n_audit_labels += import_labels(ws, folder / f"audit_labels_{k}.csv", annotator=AUDITOR)
        wrong = served["predicted"].astype(str).to_numpy() != batch["label"].astype(str).to_numpy()
        disputed = wrong & (rng.random(len(batch)) < dispute_share)
        accepted = ~wrong & (rng.random(len(batch)) < 0.05)
        gives_label = rng.random(len(batch)) < 0.5
        signals = pd.DataFrame(
            {
                "id": batch["id"],
                "signal": np.where(disputed, "disputed", "accepted"),
                "user_label": np.where(disputed & gives_label, batch["label"].astype(str), None),
            }
        )[disputed | accepted]
        signals.to_csv(folder / f"feedback_{k}.csv", index=False)
        if len(signals):
            ingest_feedback(ws, folder / f"feedback_{k}.csv")
        n_disputes += int(disputed.sum())
    pd.concat(batches)[["id", "label"]].to_csv(folder / "truth.csv", index=False)
    return DemoSummary(
        predictions=batches_to_ingest * BATCH_SIZE,
        batches=batches_to_ingest,
        disputes=n_disputes,
        audit_items=n_audit,
        audit_labels=n_audit_labels,
        seed=len(seed),
        drift_starts_at_batch=DRIFT_STARTS_AT,
    )
