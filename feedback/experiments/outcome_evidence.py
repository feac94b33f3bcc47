"""An A/B experiment's evidence on outcome metrics, and the recommendation judged on what was stated at start.

Each unit the experiment served counts once per outcome metric: its total over the
experiment (0 when it has no value), in the arm that served it. Its pre-experiment value
(its values of the metric sent per unit and observed before the start) feeds CUPED. The
looks are the experiment's looks (after each ingest batch and at the latest event), and
the latest outcome value: at each, the units served by then and the values observed by then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from feedback import store
from feedback.experiments.outcomes import (
    MeanSequentialState,
    UnitMoments,
    WelchResult,
    mean_sequential_state,
    welch_test,
)
from feedback.experiments.plan import BUILT_IN
from feedback.experiments.recommendation import MetricEvidence, Recommendation, recommend_registered
from feedback.experiments.routing import CHALLENGER, CHAMPION, SRMResult
from feedback.store import Experiment, repository
from feedback.workspace import Workspace

__all__ = ["OutcomeArm", "OutcomeTests", "judge_as_registered", "outcome_metrics_of", "read_outcome_tests"]

LABELS = {"accuracy": "Audit accuracy", "dispute_rate": "Dispute rate"}


@dataclass(frozen=True)
class OutcomeArm:
    """One arm's mean per unit of an outcome metric, with its 95% t interval and what it rests on.

    Attributes
    ----------
    mean, ci_low, ci_high : float or None
        None without units (the interval also without two).
    n_units : int
        Units the arm served (each counts, 0 when it has no value).
    n_values : int
        Values of the metric those units sent during the experiment.
    """

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n_units: int
    n_values: int


@dataclass(frozen=True)
class OutcomeTests:
    """The tests of one outcome metric of an A/B experiment, champion as arm 1.

    Attributes
    ----------
    metric : str
    arms : dict of str to OutcomeArm
    welch : WelchResult or None
        Welch's test on per-unit totals (CUPED-adjusted when units have pre-experiment values) at the
        latest look; None until both arms have two units.
    sequential : MeanSequentialState or None
        The always-valid mSPRT on the per-unit means over every look.
    n_pre_units : int
        Units with a pre-experiment value.
    window : str
        What the figures cover.
    """

    metric: str
    arms: dict[str, OutcomeArm]
    welch: WelchResult | None
    sequential: MeanSequentialState | None
    n_pre_units: int
    window: str

    def to_dict(self) -> dict:
        """JSON-ready values."""
        out = asdict(self)
        if self.welch is not None:
            out["welch"] = {**{k: _plain(v) for k, v in out["welch"].items()}, "rejected": bool(self.welch.rejected)}
        return out


def outcome_metrics_of(experiment: Experiment) -> list[str]:
    """The outcome metrics an experiment is judged on (its primary and guardrails that are not built in)."""
    named = [experiment.primary_metric or "accuracy", *(experiment.guardrail_metrics or ())]
    return [metric for metric in named if metric not in BUILT_IN]


def read_outcome_tests(ws: Workspace, experiment: Experiment, looks: np.ndarray) -> dict[str, OutcomeTests]:
    """The tests of every outcome metric the experiment is judged on, replayed over ``looks`` (naive UTC)."""
    metrics = outcome_metrics_of(experiment)
    if not metrics:
        return {}
    with store.session(ws) as session:
        units = repository.experiment_units(session, experiment.id)
        values = {m: repository.experiment_outcome_values(session, experiment.id, m) for m in metrics}
    primary = experiment.primary_metric
    return {
        metric: _tests(
            metric,
            units,
            values[metric],
            looks,
            tau2=experiment.min_effect**2 if metric == primary and experiment.min_effect else None,
        )
        for metric in metrics
    }


def judge_as_registered(
    experiment: Experiment, tests: dict, outcomes: dict[str, OutcomeTests], srm: SRMResult | None
) -> Recommendation:
    """The recommendation on the primary metric and guardrails stated at start, by the stated kind of test.

    ``tests`` holds the :class:`feedback.experiments.report.ArmTests` of accuracy and the dispute
    rate. An experiment from before pre-registration is judged on accuracy with the dispute
    rate as guardrail, sequentially.
    """
    lower = set(experiment.lower_is_better or ())

    def evidence(metric: str) -> MetricEvidence:
        if metric in BUILT_IN:
            arm_tests = tests[metric]
            return MetricEvidence(metric, LABELS[metric], BUILT_IN[metric], arm_tests.z_test, arm_tests.sequential)
        found = outcomes[metric]
        return MetricEvidence(metric, f"{metric} per unit", metric not in lower, found.welch, found.sequential)

    primary = experiment.primary_metric or "accuracy"
    guardrails = experiment.guardrail_metrics
    guardrails = ["dispute_rate"] if guardrails is None else guardrails
    return recommend_registered(
        evidence(primary),
        [evidence(metric) for metric in guardrails],
        srm,
        horizon_units=experiment.horizon_units,
    )


def _tests(metric: str, units: pd.DataFrame, values: pd.DataFrame, looks: np.ndarray, tau2) -> OutcomeTests:
    """Per-unit totals at each look, the per-arm figures and both tests."""
    codes = {unit: i for i, unit in enumerate(units["unit"].astype(str))}
    arm = (units["arm"].astype(str) == CHALLENGER).to_numpy()
    exposed = _naive_utc(units["exposed_at"])
    unit_of = values["unit"].astype(str).map(codes).to_numpy(dtype=np.int64)
    pre = values["pre"].to_numpy(dtype=bool)
    x = np.bincount(unit_of[pre], weights=values["value"].to_numpy(dtype=float)[pre], minlength=len(codes))
    during = values[~pre]
    order = np.argsort(_naive_utc(during["observed_at"]), kind="stable")
    times = _naive_utc(during["observed_at"])[order]
    if len(times):  # the last look takes in the latest outcome too
        looks = np.unique(np.append(looks, times[-1]))
    during_units, during_values = unit_of[~pre][order], during["value"].to_numpy(dtype=float)[order]
    sums = np.zeros((6, 2, len(looks)))
    y = np.zeros(len(codes))
    for i, look in enumerate(looks):
        k = np.searchsorted(times, look, side="right")
        y = np.bincount(during_units[:k], weights=during_values[:k], minlength=len(codes))
        for a in (0, 1):
            keep = (exposed <= look) & (arm == bool(a))
            yk, xk = y[keep], x[keep]
            sums[:, a, i] = (keep.sum(), yk.sum(), yk @ yk, xk.sum(), xk @ xk, xk @ yk)
    moments = UnitMoments(*sums)
    champion, challenger = ~arm, arm
    has_pre = bool(np.any(x != 0))
    welch = None
    if min(champion.sum(), challenger.sum()) >= 2:
        welch = welch_test(y[champion], y[challenger], *((x[champion], x[challenger]) if has_pre else ()))
    counts = np.bincount(during_units, minlength=len(codes))
    start = pd.Timestamp(exposed.min()).isoformat() if len(exposed) else "the start"
    end = pd.Timestamp(looks[-1]).isoformat() if len(looks) else "now"
    return OutcomeTests(
        metric=metric,
        arms={
            name: _arm(y[mask], int(counts[mask].sum()))
            for name, mask in ((CHAMPION, champion), (CHALLENGER, challenger))
        },
        welch=welch,
        sequential=mean_sequential_state(moments, tau2=tau2),
        n_pre_units=int(np.count_nonzero(x)),
        window=f"units served from {start} to {end}; each unit's values up to then, 0 without one",
    )


def _arm(totals: np.ndarray, n_values: int) -> OutcomeArm:
    if len(totals) == 0:
        return OutcomeArm(None, None, None, 0, n_values)
    if len(totals) < 2 or np.ptp(totals) == 0:
        return OutcomeArm(float(totals.mean()), None, None, len(totals), n_values)
    interval = stats.ttest_1samp(totals, 0.0).confidence_interval(0.95)
    return OutcomeArm(float(totals.mean()), float(interval.low), float(interval.high), len(totals), n_values)


def _naive_utc(values) -> np.ndarray:
    times = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return times.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _plain(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    return float(value)
