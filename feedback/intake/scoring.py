"""Scoring inputs with a model: predicted label, confidence and uncertainty per row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from active_learning import entropy_score, margin_score, proba_for_labels
from feedback.exceptions import InputError


def score_frame(estimator, X: pd.DataFrame, labels: list[str], source: str = "input") -> pd.DataFrame:
    """Score rows and return predicted, confidence, margin, entropy and ``proba_<i>`` columns.

    Raises
    ------
    InputError
        The model cannot take the values given (the message says which error it raised).
    """
    try:
        proba = proba_for_labels(estimator, X, labels)
    except Exception as exc:  # noqa: BLE001 - any model failure on user data is an input problem
        raise InputError(f"The model cannot score {source}: {type(exc).__name__}: {exc}") from None
    best = np.argmax(proba, axis=1)
    scored = pd.DataFrame(
        {
            "predicted": np.asarray(labels, dtype=object)[best],
            "confidence": proba[np.arange(len(proba)), best],
            "margin": margin_score(proba),
            "entropy": entropy_score(proba),
        }
    )
    for i in range(len(labels)):
        scored[f"proba_{i}"] = proba[:, i]
    return scored
