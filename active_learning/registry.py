"""The only code that writes or reads model files.

Files are skops archives inside the workspace's models folder. Every load checks
the path stays in that folder, that the file's sha256 matches the one recorded
when it was saved, and that it holds only the types the task's own pipelines
save (``model_types.txt``), so a tampered, swapped or crafted file is refused
before any object in it is built.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import skops.io as sio
from sklearn.base import BaseEstimator

from active_learning.exceptions import ModelIntegrityError
from active_learning.files import atomic_write

ALLOWED_TYPES_FILE = Path(__file__).with_name("model_types.txt")


def allowed_types() -> frozenset[str]:
    """The types, beyond those skops trusts by default, that a model file may hold.

    Returns
    -------
    frozenset of str
        Fully qualified names read from ``model_types.txt``: exactly what the
        pipelines of :func:`active_learning.training.build_estimator` save.
    """
    lines = (line.strip() for line in ALLOWED_TYPES_FILE.read_text().splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(estimator: BaseEstimator, models_dir: Path, version: int) -> tuple[Path, str]:
    """Write a fitted estimator as ``v{version}.skops``; return its path and sha256.

    The file is written through :func:`active_learning.files.atomic_write`, so a
    crash never leaves a half-written model under the final name.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / f"v{version}.skops"
    with atomic_write(path) as partial:
        sio.dump(estimator, partial)
    return path, file_sha256(path)


def load_model(path: Path, expected_sha256: str, models_dir: Path) -> BaseEstimator:
    """Load a model file after checking where it is, what it hashes to and which types it holds.

    The file is read once: the bytes that were hashed and checked are the bytes loaded.

    Raises
    ------
    ModelIntegrityError
        The file is outside ``models_dir``, missing, changed since it was
        recorded, unreadable, or holds a type outside :func:`allowed_types`
        (the message names those types; nothing in the file is built).
    """
    path = Path(path).resolve()
    if not path.is_relative_to(Path(models_dir).resolve()):
        raise ModelIntegrityError(f"Refusing to load {path}: model files are loaded only from {models_dir}.")
    if not path.is_file():
        raise ModelIntegrityError(f"Model file {path} is missing; restore it from backup or retrain.")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"Model file {path} does not match its recorded sha256 (expected {expected_sha256[:12]}…, "
            f"found {actual[:12]}…): it was changed or swapped. Restore the original file or retrain."
        )
    found = _untrusted_types(path, data)
    unexpected = sorted(set(found) - allowed_types())
    if unexpected:
        raise ModelIntegrityError(
            f"Model file {path} holds types the task's pipelines never save: {', '.join(unexpected)}. "
            "Refusing to load it; restore the original file or retrain."
        )
    return sio.loads(data, trusted=found)


def _untrusted_types(path: Path, data: bytes) -> list[str]:
    """The types in ``data`` that skops does not trust by default, read from its schema without building any object."""
    try:
        return sio.get_untrusted_types(data=data)
    except Exception as exc:  # noqa: BLE001 - whatever the parser trips on, the file is refused with one message
        raise ModelIntegrityError(
            f"Model file {path} is not a skops archive this version can read "
            f"({type(exc).__name__}: {exc}); restore the original file or retrain."
        ) from None
