"""The shape of an experiment's status: its settings, per-arm figures, tests, split check and recommendation.

:func:`feedback.experiments.evidence.experiment_status` fills it; the A/B page and
``feedback ab status`` read its fields, and ``to_dict`` gives the JSON of ``--json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from active_learning import Interval
from feedback.experiments.outcome_evidence import OutcomeTests
from feedback.experiments.recommendation import Recommendation
from feedback.experiments.routing import SRMResult
from feedback.experiments.sequential import SequentialState
from feedback.experiments.stats import ZTestResult
from feedback.store import Experiment

__all__ = [
    "ArmFigures",
    "ArmTests",
    "ExperimentInfo",
    "ExperimentStatus",
    "ExperimentTests",
    "PairedTests",
    "Proportion",
    "ShadowMcNemar",
]


@dataclass(frozen=True)
class ExperimentInfo:
    """An experiment's settings and who started (and stopped) it; times are ISO 8601 strings.

    Attributes
    ----------
    id, challenger_version, champion_version : int
    share : float
        Share of units the challenger serves (A/B).
    shadow : bool
    unit_col : str or None
        Input column holding the unit id; None: each prediction is its own unit.
    horizon_units : int or None
        Planned units per arm for the fixed-horizon test; None: sequential only.
    salt : str
        Salt of the arm assignment.
    started_at, started_by : str
    stopped_at, stopped_by, stop_reason : str or None
    primary_metric : str or None
        What the experiment is judged on (None before pre-registration existed: accuracy).
    guardrail_metrics, lower_is_better : list of str or None
    min_effect : float or None
        The smallest difference in the primary metric that matters.
    mode : {"a/b", "shadow"}
    running : bool
    """

    id: int
    challenger_version: int
    champion_version: int
    share: float
    shadow: bool
    unit_col: str | None
    horizon_units: int | None
    salt: str
    started_at: str
    started_by: str
    stopped_at: str | None
    stopped_by: str | None
    stop_reason: str | None
    primary_metric: str | None
    guardrail_metrics: list[str] | None
    lower_is_better: list[str] | None
    min_effect: float | None
    mode: str
    running: bool

    @classmethod
    def from_row(cls, experiment: Experiment) -> ExperimentInfo:
        """The settings of a stored experiment row."""
        out = experiment.model_dump()
        for key in ("started_at", "stopped_at"):
            out[key] = out[key].isoformat() if out[key] is not None else None
        return cls(**out, mode="shadow" if experiment.shadow else "a/b", running=experiment.stopped_at is None)


@dataclass(frozen=True)
class Proportion:
    """A proportion with its 95% Wilson interval and the counts it rests on (figures None when ``n`` is 0).

    Attributes
    ----------
    estimate, ci_low, ci_high : float or None
    n : int
    successes : int
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    successes: int


@dataclass(frozen=True)
class ArmFigures:
    """One arm of an experiment.

    Attributes
    ----------
    version : int
        The model version the arm stands for.
    n_predictions, n_units : int
    accuracy : Proportion
        On the arm's expert-labelled audit items.
    dispute_rate : Proportion or None
        Over the arm's predictions; None for the challenger in shadow mode (nobody was served it).
    """

    version: int
    n_predictions: int
    n_units: int
    accuracy: Proportion
    dispute_rate: Proportion | None


@dataclass(frozen=True)
class ArmTests:
    """The two tests of one metric of an A/B experiment, champion as arm 1; both None until both arms have data.

    Attributes
    ----------
    z_test : ZTestResult or None
        Fixed-horizon two-proportion z-test, cluster-robust at the unit: valid for one look, at a horizon
        planned in advance; None unless the experiment planned one and both arms reached it.
    sequential : SequentialState or None
        The always-valid mSPRT after every look so far, cluster-robust at the unit.
    """

    z_test: ZTestResult | None
    sequential: SequentialState | None

    def to_dict(self) -> dict[str, Any]:
        """``{"z_test": {..., "rejected"}, "sequential": {...}}`` as JSON-ready numbers."""
        z = None if self.z_test is None else {**_plain(self.z_test), "rejected": bool(self.z_test.rejected)}
        return {"z_test": z, "sequential": None if self.sequential is None else _plain(self.sequential)}


@dataclass(frozen=True)
class ShadowMcNemar:
    """McNemar mid-p of the two models on the same audit items.

    Attributes
    ----------
    p_value : float
    n_champion_only, n_challenger_only : int
        Items only that model got right.
    alpha : float
    """

    p_value: float
    n_champion_only: int
    n_challenger_only: int
    alpha: float


@dataclass(frozen=True)
class PairedTests:
    """The paired tests of a shadow experiment's audit accuracy.

    Attributes
    ----------
    mcnemar : ShadowMcNemar
    bootstrap : Interval
        Paired-bootstrap 95% interval of challenger minus champion accuracy, with its n.
    """

    mcnemar: ShadowMcNemar
    bootstrap: Interval

    def to_dict(self) -> dict[str, Any]:
        """``{"mcnemar": {...}, "bootstrap": {...}}``."""
        return asdict(self)


@dataclass(frozen=True)
class ExperimentTests:
    """The tests of an experiment.

    Attributes
    ----------
    accuracy : ArmTests, PairedTests or None
        A/B: :class:`ArmTests`; shadow: :class:`PairedTests`, None before an audit label.
    dispute_rate : ArmTests or None
        A/B only.
    outcomes : dict of str to OutcomeTests
        A/B only: the outcome metrics the experiment is judged on, by name.
    """

    accuracy: ArmTests | PairedTests | None
    dispute_rate: ArmTests | None
    outcomes: dict[str, OutcomeTests] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Each test's JSON, or None; ``outcomes`` by metric."""
        return {
            **{
                name: None if test is None else test.to_dict()
                for name, test in (("accuracy", self.accuracy), ("dispute_rate", self.dispute_rate))
            },
            "outcomes": {metric: tests.to_dict() for metric, tests in self.outcomes.items()},
        }


@dataclass(frozen=True)
class ExperimentStatus:
    """Per-arm figures, the tests, the split check and a recommendation for an experiment.

    Attributes
    ----------
    experiment : ExperimentInfo
    arms : dict of str to ArmFigures
        ``champion`` and ``challenger``.
    tests : ExperimentTests
    srm : SRMResult or None
        The sample-ratio check on units per arm; None in shadow mode or before any traffic.
    history : list of dict
        Per look (after each batch of the experiment, and at the latest label or dispute): its time
        ``at``, each arm's cumulative counts as they stood then (``<arm>_n_predictions``,
        ``<arm>_n_audit``, ``<arm>_correct``, ``<arm>_disputed``) and, A/B only, the always-valid
        p-values ``accuracy_p`` and ``dispute_rate_p`` (None before both arms have data).
    recommendation : Recommendation
    """

    experiment: ExperimentInfo
    arms: dict[str, ArmFigures]
    tests: ExperimentTests
    srm: SRMResult | None
    history: list[dict[str, Any]]
    recommendation: Recommendation

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON-ready values: the output of ``feedback ab status --json``."""
        srm = None if self.srm is None else {**_plain(self.srm), "observed_share": self.srm.observed_share}
        return {
            "experiment": asdict(self.experiment),
            "arms": {arm: asdict(figures) for arm, figures in self.arms.items()},
            "tests": self.tests.to_dict(),
            "srm": srm,
            "history": self.history,
            "recommendation": {"action": self.recommendation.action, "reasons": list(self.recommendation.reasons)},
        }


def _plain(result) -> dict[str, Any]:
    """A result dataclass as JSON-ready numbers."""
    out = {}
    for key, value in vars(result).items():
        if isinstance(value, (bool, np.bool_)):
            out[key] = bool(value)
        elif isinstance(value, (int, np.integer)):
            out[key] = int(value)
        else:
            out[key] = float(value)
    return out
