"""Fixed pseudo-random draws per id: the one mechanism behind the audit slice, the A/B arms and the
overlap share. Each id gets a number in [0, 1) from a keyed SipHash of its text, so the same id
under the same key always draws the same number, whatever the order or batch it arrives in."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from pandas.util import hash_pandas_object

_UNIT_BITS = 53  # a float64 holds 53 bits exactly


def key_for(salt: str) -> str:
    """The 16-character hash key ``hash_pandas_object`` needs, derived from any non-empty text."""
    if not isinstance(salt, str) or not salt:
        raise ValueError(f"salt must be a non-empty string, got {salt!r}.")
    return hashlib.blake2b(salt.encode("utf8"), digest_size=8).hexdigest()


def uniform_draws(ids, hash_key: str) -> np.ndarray:
    """One number in [0, 1) per id, fixed by ``hash_key`` (16 characters)."""
    series = pd.Series(np.asarray(ids, dtype=object).reshape(-1), dtype=object).astype(str)
    hashed = hash_pandas_object(series, index=False, hash_key=hash_key).to_numpy(dtype=np.uint64)
    return (hashed >> np.uint64(64 - _UNIT_BITS)).astype(np.float64) / float(2**_UNIT_BITS)
