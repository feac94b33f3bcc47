"""A/B and shadow experiments on live traffic: runs, routing, statistics, the evidence and the recommendation.

An A/B experiment is judged on the primary metric and guardrails stated at start (:mod:`.plan`), built-in
(audit accuracy, dispute rate) or outcomes the product measures (:mod:`.outcomes`, :mod:`.outcome_evidence`).
"""

from feedback.experiments.evidence import ALPHA, experiment_status
from feedback.experiments.outcome_evidence import OutcomeArm, OutcomeTests
from feedback.experiments.outcomes import (
    MeanSequentialState,
    WelchResult,
    mean_msprt_p_value,
    welch_test,
)
from feedback.experiments.plan import PowerPlan, plan_experiment, units_for_power
from feedback.experiments.recommendation import (
    ACTIONS,
    MetricEvidence,
    Recommendation,
    recommend,
    recommend_registered,
)
from feedback.experiments.report import ExperimentStatus, Proportion
from feedback.experiments.routing import CHALLENGER, CHAMPION, SRM_ALPHA, SRMResult, assign_arm, srm_check
from feedback.experiments.runs import (
    experiment_challenger,
    latest_experiment,
    route_predictions,
    running_experiment,
    start_experiment,
    stop_experiment,
    unit_ids,
)
from feedback.experiments.sequential import (
    DEFAULT_TAU2,
    SequentialState,
    SequentialTest,
    clustered_msprt_p_value,
    msprt_likelihood_ratio,
    msprt_p_value,
)
from feedback.experiments.stats import ZTestResult, clustered_ztest, two_proportion_ztest
from feedback.experiments.units import UnitSums, cumulative_unit_sums, unit_sums

__all__ = [
    "ACTIONS",
    "ALPHA",
    "CHALLENGER",
    "CHAMPION",
    "DEFAULT_TAU2",
    "ExperimentStatus",
    "MeanSequentialState",
    "MetricEvidence",
    "OutcomeArm",
    "OutcomeTests",
    "PowerPlan",
    "Proportion",
    "Recommendation",
    "SRMResult",
    "SRM_ALPHA",
    "SequentialState",
    "SequentialTest",
    "UnitSums",
    "WelchResult",
    "ZTestResult",
    "assign_arm",
    "clustered_msprt_p_value",
    "clustered_ztest",
    "cumulative_unit_sums",
    "experiment_challenger",
    "experiment_status",
    "latest_experiment",
    "mean_msprt_p_value",
    "msprt_likelihood_ratio",
    "msprt_p_value",
    "plan_experiment",
    "recommend",
    "recommend_registered",
    "route_predictions",
    "running_experiment",
    "srm_check",
    "start_experiment",
    "stop_experiment",
    "two_proportion_ztest",
    "unit_ids",
    "unit_sums",
    "units_for_power",
    "welch_test",
]
