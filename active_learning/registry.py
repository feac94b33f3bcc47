"""The only code that writes or reads model files.

Files are skops archives inside the workspace's models folder. Every load checks
the path stays in that folder and that the file's sha256 matches the one recorded
when it was saved, so a tampered or swapped file is refused before it is parsed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import skops.io as sio
from sklearn.base import BaseEstimator

from active_learning.exceptions import ModelIntegrityError

_TRUSTED_MODULE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(estimator: BaseEstimator, models_dir: Path, version: int) -> tuple[Path, str]:
    """Write a fitted estimator as ``v{version}.skops``; return its path and sha256.

    The file is written under a temporary name and renamed, so a crash never
    leaves a half-written model under the final name.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / f"v{version}.skops"
    partial = path.with_suffix(".partial")
    sio.dump(estimator, partial)
    partial.replace(path)
    return path, file_sha256(path)


def load_model(path: Path, expected_sha256: str, models_dir: Path) -> BaseEstimator:
    """Load a model file after checking where it is and what it hashes to.

    Raises
    ------
    ModelIntegrityError
        The file is outside ``models_dir``, missing, changed since it was
        recorded, or holds types other than scikit-learn, numpy and scipy ones.
    """
    path = Path(path).resolve()
    if not path.is_relative_to(Path(models_dir).resolve()):
        raise ModelIntegrityError(f"Refusing to load {path}: model files are loaded only from {models_dir}.")
    if not path.exists():
        raise ModelIntegrityError(f"Model file {path} is missing; restore it from backup or retrain.")
    actual = file_sha256(path)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"Model file {path} does not match its recorded sha256 (expected {expected_sha256[:12]}…, "
            f"found {actual[:12]}…): it was changed or swapped. Restore the original file or retrain."
        )
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = [t for t in untrusted if not t.startswith(_TRUSTED_MODULE_PREFIXES)]
    if unexpected:
        raise ModelIntegrityError(f"Model file {path} holds unexpected types {unexpected}; refusing to load it.")
    return sio.load(path, trusted=untrusted)
