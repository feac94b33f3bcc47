"""Label snapshots: the exact rows a model version trained on, as Parquet files."""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.util import hash_pandas_object

from feedback.files import atomic_write
from feedback.workspace import Workspace


def write_snapshot(ws: Workspace, training: pd.DataFrame) -> str:
    """Write the training rows (features, ``external_id``, ``__label__``) and return the snapshot id.

    The id is a digest of the content, so the same labels give the same id.
    """
    digest = hashlib.sha256(hash_pandas_object(training, index=False).to_numpy().tobytes()).hexdigest()[:16]
    snapshot_id = f"snap-{digest}"
    ws.snapshots_dir.mkdir(parents=True, exist_ok=True)
    path = ws.snapshots_dir / f"{snapshot_id}.parquet"
    if not path.exists():
        with atomic_write(path) as partial:
            training.to_parquet(partial, index=False)
    return snapshot_id


def snapshot_ids(ws: Workspace, snapshot_id: str) -> set[str]:
    """The item ids a snapshot holds (empty when the file is gone)."""
    path = ws.snapshots_dir / f"{snapshot_id}.parquet"
    if not path.exists():
        return set()
    return set(pd.read_parquet(path, columns=["external_id"])["external_id"].astype(str))


def read_snapshot(ws: Workspace, snapshot_id: str) -> pd.DataFrame | None:
    """The rows of a snapshot (features, ``external_id``, ``__label__``), or None when the file is gone."""
    path = ws.snapshots_dir / f"{snapshot_id}.parquet"
    if not path.exists():
        return None
    return pd.read_parquet(path)
