"""Active learning on scikit-learn estimators: uncertainty, strategies and selection, training, metrics, the gate
(comparison), stopping, simulation, and the model registry (the only code that reads or writes model files)."""

from active_learning.bandit import EXPLORATION_FLOOR, REFRESH_LABELS, BanditQuery, bandit_query, draw_arm, floor_count
from active_learning.comparison import (
    ComparisonReport,
    GateDecision,
    GatePolicy,
    Interval,
    ModelScores,
    compare_models,
    decide,
    mcnemar_midp,
    paired_bootstrap_diff,
)
from active_learning.exceptions import EmptyPoolError, ModelIntegrityError
from active_learning.fisher import fisher_batch
from active_learning.forecast import DEFAULT_GAIN, AuditForecast, forecast_audit_labels, forecast_gain, gate_power
from active_learning.gate_sequence import LEVEL_RULE, accuracy_test_passes, gate_level, level_rule, midp_value
from active_learning.label_value import LabelValue, chosen_vs_random, compare_chosen_sets
from active_learning.metrics import (
    MACRO_F1_DEFINITION,
    bootstrap,
    macro_f1_resampled,
    macro_f1_score,
    percentile_interval,
)
from active_learning.registry import allowed_types, file_sha256, load_model
from active_learning.selection import DIVERSITY_WEIGHT, SHORTLIST_FACTOR, bottom_k, random_k, spread_top_k, top_k
from active_learning.simulate import (
    area_under_curve,
    crossing_labels,
    flip_labels,
    labels_to_reach,
    mean_curve,
    simulate,
)
from active_learning.stopping import KappaAverage, agreement_kappa, suggest_stop
from active_learning.strategies import ARMS, STRATEGIES, default_query, feature_embedding, get_strategy, is_fitted
from active_learning.training import (
    DEFAULT_MODEL,
    FEATURE_KINDS,
    MODEL_NAMES,
    build_estimator,
    fit_clone,
    infer_feature_schema,
    proba_for_labels,
)
from active_learning.uncertainty import (
    UNCERTAINTY_MEASURES,
    entropy_score,
    least_confidence_score,
    margin_score,
    uncertainty_score,
)

__all__ = [
    "midp_value",
    "level_rule",
    "gate_power",
    "gate_level",
    "forecast_gain",
    "forecast_audit_labels",
    "accuracy_test_passes",
    "LEVEL_RULE",
    "DEFAULT_GAIN",
    "AuditForecast",
    "ARMS",
    "BanditQuery",
    "EXPLORATION_FLOOR",
    "REFRESH_LABELS",
    "LabelValue",
    "area_under_curve",
    "bandit_query",
    "chosen_vs_random",
    "compare_chosen_sets",
    "crossing_labels",
    "default_query",
    "draw_arm",
    "flip_labels",
    "floor_count",
    "ComparisonReport",
    "DEFAULT_MODEL",
    "DIVERSITY_WEIGHT",
    "EmptyPoolError",
    "FEATURE_KINDS",
    "GateDecision",
    "GatePolicy",
    "Interval",
    "KappaAverage",
    "MACRO_F1_DEFINITION",
    "MODEL_NAMES",
    "ModelIntegrityError",
    "ModelScores",
    "SHORTLIST_FACTOR",
    "STRATEGIES",
    "UNCERTAINTY_MEASURES",
    "agreement_kappa",
    "allowed_types",
    "bootstrap",
    "bottom_k",
    "build_estimator",
    "compare_models",
    "decide",
    "entropy_score",
    "feature_embedding",
    "fisher_batch",
    "file_sha256",
    "fit_clone",
    "get_strategy",
    "infer_feature_schema",
    "is_fitted",
    "labels_to_reach",
    "least_confidence_score",
    "load_model",
    "macro_f1_resampled",
    "macro_f1_score",
    "margin_score",
    "mcnemar_midp",
    "mean_curve",
    "paired_bootstrap_diff",
    "percentile_interval",
    "proba_for_labels",
    "random_k",
    "simulate",
    "spread_top_k",
    "suggest_stop",
    "top_k",
    "uncertainty_score",
]
