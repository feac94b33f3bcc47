"""How the review queue ranks items: the uncertainty measure and the weight of each signal.

Saved as ``<home>/queue_policy.json``; the review page (leads and admins) and
``python -m feedback queue-policy`` change it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from active_learning import DIVERSITY_WEIGHT, UNCERTAINTY_MEASURES
from feedback.access import Actor, require
from feedback.exceptions import InputError
from feedback.settings_files import read_settings, write_settings
from feedback.workspace import Workspace

# Share of random items on an adaptive page. The simulated default policy's floor (active_learning.EXPLORATION_FLOOR)
# was measured by the learning-curve bench on batches of 2-15 rows chosen by its arms; the live page ranks by the
# queue's signals, which no bench measures, so it keeps 5%.
PAGE_EXPLORATION_FLOOR = 0.05
WEIGHTS = ("uncertainty", "dispute", "challenger_disagreement", "expert_disagreement", "suspect_label", "diversity")


@dataclass(frozen=True)
class QueuePolicy:
    """The blend of signals that orders the review queue.

    An item's priority is the weighted sum of its signals, each in [0, 1]:
    ``uncertainty`` (the chosen measure of the champion's doubt),
    ``dispute`` (an end user disputed the prediction), ``challenger_disagreement``
    (the challenger, scoring in shadow, predicts another class),
    ``expert_disagreement`` (experts' labels tie and no lead has adjudicated),
    ``suspect_label`` (a cross-validated model strongly contradicts the gold
    label: 1 - its out-of-fold probability of that label). ``diversity`` then
    rewards, within one page, items far from those already on it. A weight of
    0 turns a signal off.

    Parameters
    ----------
    uncertainty_measure : {"margin", "entropy", "least-confident"}, default="margin"
        Margin: 1 - (p1 - p2). Entropy: entropy / log(k). Least-confident:
        (1 - p1) * k / (k - 1). All reach 1 at the uniform distribution
        (:func:`active_learning.uncertainty.uncertainty_score`).
    audit_share : float, default=0.2
        Share of each page given to the uniformly random audit slice.
    adaptive : bool, default=True
        The default query policy (:mod:`active_learning.bandit`): each page,
        Thompson sampling decides from the task's own labels
        (:func:`feedback.lifecycle.queue_value`) whether the uncertainty ranking
        or random items fill it; at least ``exploration_floor`` of the page is
        random items that enter training. False: always the ranking.
    exploration_floor : float, default=PAGE_EXPLORATION_FLOOR
        Share of each page (outside the audit slice) drawn at random when ``adaptive``.
    """

    uncertainty_measure: str = "margin"
    uncertainty: float = 1.0
    dispute: float = 2.0
    challenger_disagreement: float = 0.5
    expert_disagreement: float = 1.5
    suspect_label: float = 1.0
    diversity: float = DIVERSITY_WEIGHT
    audit_share: float = 0.2
    adaptive: bool = True
    exploration_floor: float = PAGE_EXPLORATION_FLOOR

    def validated(self) -> QueuePolicy:
        if self.uncertainty_measure not in UNCERTAINTY_MEASURES:
            raise InputError(
                f"uncertainty_measure must be one of {', '.join(UNCERTAINTY_MEASURES)}, "
                f"got {self.uncertainty_measure!r}."
            )
        for name in WEIGHTS:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 10:
                raise InputError(f"The weight {name} must be a number from 0 to 10, got {value!r}.")
        if not isinstance(self.audit_share, (int, float)) or not 0 <= self.audit_share <= 1:
            raise InputError(f"audit_share must be between 0 and 1, got {self.audit_share!r}.")
        if not isinstance(self.adaptive, bool):
            raise InputError(f"adaptive must be true or false, got {self.adaptive!r}.")
        if not isinstance(self.exploration_floor, (int, float)) or not 0 <= self.exploration_floor <= 1:
            raise InputError(f"exploration_floor must be between 0 and 1, got {self.exploration_floor!r}.")
        return self

    def weights(self) -> dict[str, float]:
        """The signal weights by name."""
        return {name: float(getattr(self, name)) for name in WEIGHTS}


def _path(ws: Workspace):
    return ws.home / "queue_policy.json"


def load_queue_policy(ws: Workspace) -> QueuePolicy:
    """The saved queue policy, or the defaults."""
    return read_settings(_path(ws), QueuePolicy, "queue policy")


def save_queue_policy(ws: Workspace, *, actor: Actor, **changes) -> QueuePolicy:
    """Change some settings of the queue policy and save it; None leaves a setting as it is.

    Raises
    ------
    PermissionDenied
        ``actor`` is an annotator (leads and admins set the policy); the file is left as it was.
    InputError
        An unknown setting or a value out of range; the file is left as it was.
    """
    require(actor, "set_queue_policy")
    known = {f.name for f in fields(QueuePolicy)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise InputError(f"Unknown queue setting(s) {', '.join(unknown)}; use {', '.join(sorted(known))}.")
    policy = replace(load_queue_policy(ws), **{k: v for k, v in changes.items() if v is not None})
    return write_settings(_path(ws), policy.validated())
