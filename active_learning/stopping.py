"""Stopping criteria: when more labels stop changing the model (small-text style).

A criterion is a stateful object with one verb, ``stop(predictions) -> bool``,
called once per round with the current model's predictions on a *fixed*
stopping set (the same rows every round, e.g. a sample of the unlabelled pool).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score

__all__ = ["KappaAverage", "agreement_kappa", "suggest_stop"]


def agreement_kappa(previous, current) -> float:
    """Cohen's kappa between two prediction vectors; 1.0 when they are identical.

    scikit-learn returns NaN when both vectors hold one and the same class
    (expected agreement is 1); identical predictions are full agreement, so
    this returns 1.0 for them.
    """
    previous = np.asarray(previous, dtype=object).astype(str)
    current = np.asarray(current, dtype=object).astype(str)
    if np.array_equal(previous, current):
        return 1.0
    kappa = cohen_kappa_score(previous, current)
    return 0.0 if np.isnan(kappa) else float(kappa)


class KappaAverage:
    """Stop when successive rounds' predictions agree: mean Cohen's kappa over a window.

    Bloodgood and Vijay-Shanker's "stabilizing predictions" (CoNLL 2009): after
    each round, Cohen's kappa between this round's and the previous round's
    predictions on the stopping set; stop once the mean of the last
    ``window_size`` kappas is at least ``kappa``.

    small-text's ``KappaAverage(num_classes, window_size=3, kappa=0.99)`` has
    the same parameters but tests the mean *change* of kappa inside the window
    (stable disagreement also stops it); this class tests the agreement itself,
    as in the paper, and needs no class count.

    Parameters
    ----------
    window_size : int, default=3
        How many successive kappas are averaged.
    kappa : float, default=0.99
        Agreement needed to stop.

    Attributes
    ----------
    kappa_history_ : list of float
        Kappa of each round against the previous one.

    Examples
    --------
    >>> criterion = KappaAverage(window_size=2)
    >>> [criterion.stop(["a", "b", "a"]) for _ in range(3)]
    [False, False, True]
    """

    def __init__(self, window_size: int = 3, kappa: float = 0.99):
        self.window_size = window_size
        self.kappa = kappa

    def stop(self, predictions) -> bool:
        """Record this round's predictions; True when the criterion says stop."""
        if int(self.window_size) != self.window_size or self.window_size < 1:
            raise ValueError(f"window_size must be a positive integer, got {self.window_size!r}.")
        if not 0.0 <= self.kappa <= 1.0:
            raise ValueError(f"kappa must be between 0 and 1, got {self.kappa!r}.")
        current = np.asarray(predictions, dtype=object).ravel()
        previous = getattr(self, "last_predictions_", None)
        if not hasattr(self, "kappa_history_"):
            self.kappa_history_ = []
        if previous is not None:
            if len(previous) != len(current):
                raise ValueError(
                    f"Predictions must be on the same stopping set every round: "
                    f"got {len(current)} rows after {len(previous)}."
                )
            self.kappa_history_.append(agreement_kappa(previous, current))
        self.last_predictions_ = current
        return self.average_kappa() is not None and self.average_kappa() >= self.kappa

    def average_kappa(self) -> float | None:
        """Mean kappa over the last ``window_size`` rounds, or None before the window is full."""
        history = getattr(self, "kappa_history_", [])
        if len(history) < self.window_size:
            return None
        return float(np.mean(history[-self.window_size :]))

    def reset(self) -> KappaAverage:
        """Forget all rounds (e.g. after the stopping set changes)."""
        for name in ("kappa_history_", "last_predictions_"):
            self.__dict__.pop(name, None)
        return self


def suggest_stop(criterion: KappaAverage, n_labels: int | None = None) -> str:
    """A sentence for the UI on whether more labelling is likely to change the model.

    Parameters
    ----------
    criterion : KappaAverage
        After at least one call to ``stop``.
    n_labels : int, optional
        Labels the current model rests on, quoted in the sentence.
    """
    resting = f" with {n_labels} labels" if n_labels is not None else ""
    history = getattr(criterion, "kappa_history_", [])
    average = criterion.average_kappa()
    if average is None:
        rounds = criterion.window_size + 1 - len(history) - (1 if hasattr(criterion, "last_predictions_") else 0)
        return (
            f"Too early to tell{resting}: the stopping check needs {criterion.window_size + 1} rounds of "
            f"predictions; {max(rounds, 1)} more to go."
        )
    window = criterion.window_size
    if average >= criterion.kappa:
        return (
            f"Predictions have settled{resting}: mean agreement between the last {window} rounds is "
            f"kappa {average:.3f} (threshold {criterion.kappa:.2f}). More labels of this kind are unlikely to "
            f"change the model; consider retraining and comparing now."
        )
    return (
        f"Keep labelling{resting}: predictions still change between rounds (mean kappa over the last {window} "
        f"rounds {average:.3f}, threshold {criterion.kappa:.2f})."
    )
