"""Champion vs challenger comparison on the same audit items, and the promotion gate.

Both models are scored on the same uniformly random audit slice, so the tests are
paired: McNemar mid-p on the discordant pairs (Fagerland et al. 2013) and a paired
bootstrap interval of the metric difference (Koehn 2004). Every number carries the
n it rests on. The k-th gate against one champion tests at a level that shrinks with k
(:mod:`active_learning.gate_sequence`), and an undecided gate forecasts the audit labels
the next one needs (:mod:`active_learning.forecast`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.stats import binom
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from active_learning.forecast import AuditForecast, forecast_audit_labels
from active_learning.gate_sequence import accuracy_test_passes, gate_level, level_rule, midp_value
from active_learning.metrics import bootstrap, label_codes, macro_f1_resampled, macro_f1_score, percentile_interval


@dataclass(frozen=True)
class McNemarResult:
    n_a_only: int  # items only model A got right
    n_b_only: int  # items only model B got right
    p_value: float


@dataclass(frozen=True)
class Interval:
    estimate: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class ModelScores:
    accuracy: float
    macro_f1: float
    per_class: dict
    confusion: list
    n: int


@dataclass
class ComparisonReport:
    champion: ModelScores
    challenger: ModelScores
    accuracy_diff: Interval
    macro_f1_diff: Interval
    mcnemar: McNemarResult
    n_eval: int
    labels: list = field(default_factory=list)
    # label -> [items of that class only the champion got right, items only the challenger got right]
    per_class_discordant: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the report as JSON-safe plain Python types."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> ComparisonReport:
        """The report of :meth:`to_dict`'s output (a report saved as JSON), with its dataclasses back."""
        return cls(
            champion=ModelScores(**data["champion"]),
            challenger=ModelScores(**data["challenger"]),
            accuracy_diff=Interval(**data["accuracy_diff"]),
            macro_f1_diff=Interval(**data["macro_f1_diff"]),
            mcnemar=McNemarResult(**data["mcnemar"]),
            n_eval=data["n_eval"],
            labels=data.get("labels", []),
            per_class_discordant=data.get("per_class_discordant", {}),
        )


@dataclass(frozen=True)
class GatePolicy:
    min_gain: float = 0.0
    alpha: float = 0.05  # for the whole sequence of gates against one champion (gate_level)
    per_class_tolerance: float = 0.05
    min_eval: int = 20


@dataclass
class GateDecision:
    decision: str  # "promote" | "keep" | "insufficient-evidence"
    reasons: list
    labels_needed: int | None = None  # the forecast's audit labels to add (insufficient evidence only)
    gate: int = 1  # this gate's number against the current champion
    level: float | None = None  # the level McNemar's test ran at; None when no test ran (no level spent)
    forecast: AuditForecast | None = None

    def to_dict(self) -> dict:
        """Return the decision as JSON-safe plain Python types."""
        return _plain(asdict(self))


def _plain(obj):
    if isinstance(obj, dict):
        return {str(_plain(k)): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    return obj


def _as_arrays(y_true, pred_a, pred_b):
    arrs = [np.asarray(y, dtype=object).ravel() for y in (y_true, pred_a, pred_b)]
    if not (len(arrs[0]) == len(arrs[1]) == len(arrs[2])):
        raise ValueError(f"length mismatch: y_true={len(arrs[0])}, pred_a={len(arrs[1])}, pred_b={len(arrs[2])}")
    return arrs


def mcnemar_midp(y_true, pred_a, pred_b) -> McNemarResult:
    """Two-sided mid-p McNemar test of two classifiers on the same items.

    Parameters
    ----------
    y_true, pred_a, pred_b : array-like of shape (n_items,)
        True labels and the two models' predictions for the same items.

    Returns
    -------
    McNemarResult
        Discordant counts (``n_a_only``: only A correct, ``n_b_only``: only B
        correct) and ``p_value = 2 * (P(X <= k) - P(X = k) / 2)`` with
        ``X ~ Bin(b + c, 1/2)``, ``k = min(b, c)``, capped at 1; 1.0 when there
        are no discordant pairs.
    """
    y, a, b = _as_arrays(y_true, pred_a, pred_b)
    ca, cb = a == y, b == y
    n_a_only, n_b_only = int(np.sum(ca & ~cb)), int(np.sum(cb & ~ca))
    return McNemarResult(n_a_only, n_b_only, midp_value(n_a_only, n_b_only))


class _MacroF1:
    """Macro-F1 over all the task's ``labels`` (:func:`active_learning.metrics.macro_f1_score`)."""

    def __init__(self, labels):
        self.labels = list(labels)

    def __call__(self, y_true, y_pred) -> float:
        return macro_f1_score(y_true, y_pred, self.labels)


def _paired_statistic(y, a, b, metric):
    """``metric(B) - metric(A)`` on resampled item positions, vectorised for accuracy and macro-F1."""
    if metric is accuracy_score:
        ca, cb = (a == y).astype(float), (b == y).astype(float)
        return lambda idx: cb[idx].mean(axis=1) - ca[idx].mean(axis=1)
    if isinstance(metric, _MacroF1):
        k = len(metric.labels)
        yt, ya, yb = (label_codes(v, metric.labels) for v in (y, a, b))
        return lambda idx: macro_f1_resampled(yt, yb, k, idx) - macro_f1_resampled(yt, ya, k, idx)
    return lambda idx: np.array([metric(y[i], b[i]) - metric(y[i], a[i]) for i in idx], dtype=float)


def paired_bootstrap_diff(
    y_true, pred_a, pred_b, metric, n_resamples=2000, confidence=0.95, random_state=0
) -> Interval:
    """Paired bootstrap percentile interval of ``metric(B) - metric(A)``.

    Parameters
    ----------
    y_true, pred_a, pred_b : array-like of shape (n_items,)
        True labels and the two models' predictions for the same items.
    metric : callable
        ``metric(y_true, y_pred) -> float``. ``sklearn.metrics.accuracy_score``
        takes a vectorised path.
    n_resamples : int, default=2000
        Number of bootstrap resamples; each resample uses the same item indices
        for both models.
    confidence : float, default=0.95
        Coverage of the percentile interval.
    random_state : int or None, default=0
        Seed for ``np.random.default_rng``.

    Returns
    -------
    Interval
        Point estimate on all items, percentile bounds, and the number of items.
    """
    y, a, b = _as_arrays(y_true, pred_a, pred_b)
    if len(y) == 0:
        raise ValueError("cannot bootstrap on zero items")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    estimate = float(metric(y, b) - metric(y, a))
    diffs = bootstrap(_paired_statistic(y, a, b, metric), len(y), int(n_resamples), random_state=random_state)
    lo, hi = percentile_interval(diffs, confidence)
    return Interval(estimate, lo, hi, len(y))


def _scores(y, pred, labels) -> ModelScores:
    prec, rec, f1, sup = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    per_class = {
        lab: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for lab, p, r, f, s in zip(labels, prec, rec, f1, sup, strict=True)
    }
    return ModelScores(
        accuracy=float(accuracy_score(y, pred)),
        macro_f1=_MacroF1(labels)(y, pred),
        per_class=per_class,
        confusion=confusion_matrix(y, pred, labels=labels).tolist(),
        n=len(y),
    )


def compare_models(
    y_true, champion_pred, challenger_pred, labels, *, random_state=0, n_resamples=2000
) -> ComparisonReport:
    """Score champion and challenger on the same audit items and compare them.

    Parameters
    ----------
    y_true, champion_pred, challenger_pred : array-like of shape (n_items,)
        Audit labels and each model's predictions (lists, arrays or Series).
    labels : sequence of str
        Class labels; fixes the order of per-class scores and confusion matrices.
    random_state : int or None, default=0
        Seed for the paired bootstraps.
    n_resamples : int, default=2000
        Bootstrap resamples.

    Returns
    -------
    ComparisonReport
        Scores per model, challenger-minus-champion intervals for accuracy and
        macro F1, the McNemar mid-p result (A = champion, B = challenger), n_eval.
    """
    y, a, b = _as_arrays(y_true, champion_pred, challenger_pred)
    if len(y) == 0:
        raise ValueError("no audit items to compare on")
    labels = list(labels)
    boot = dict(n_resamples=n_resamples, random_state=random_state)
    return ComparisonReport(
        champion=_scores(y, a, labels),
        challenger=_scores(y, b, labels),
        accuracy_diff=paired_bootstrap_diff(y, a, b, accuracy_score, **boot),
        macro_f1_diff=paired_bootstrap_diff(y, a, b, _MacroF1(labels), **boot),
        mcnemar=mcnemar_midp(y, a, b),
        n_eval=len(y),
        labels=labels,
        per_class_discordant={
            lab: [int(np.sum((y == lab) & (a == y) & (b != y))), int(np.sum((y == lab) & (b == y) & (a != y)))]
            for lab in labels
        },
    )


def _forecast(report: ComparisonReport, policy: GatePolicy, gate: int) -> AuditForecast | None:
    """The audit labels gate ``gate`` would need, from this report's discordance (None without audit items)."""
    if report.n_eval == 0:
        return None
    m = report.mcnemar
    return forecast_audit_labels(
        report.n_eval,
        m.n_a_only + m.n_b_only,
        level=gate_level(policy.alpha, gate),
        gate=gate,
        min_gain=policy.min_gain,
    )


def _undecided(reasons: list, forecast: AuditForecast | None, floor: int = 0, **gate) -> GateDecision:
    """An insufficient-evidence decision whose ``labels_needed`` is the forecast's (at least ``floor``)."""
    needed = forecast.labels_needed if forecast is not None else None
    if floor:
        needed = max(floor, needed or 0)
    return GateDecision("insufficient-evidence", reasons, needed, forecast=forecast, **gate)


def decide(
    report: ComparisonReport, policy: GatePolicy = GatePolicy(), *, new_labels: int, gate: int = 1
) -> GateDecision:
    """Decide whether the challenger replaces the champion.

    Parameters
    ----------
    report : ComparisonReport
        Output of :func:`compare_models` (champion = A, challenger = B).
    policy : GatePolicy, default=GatePolicy()
        Thresholds for gain, significance, per-class recall drops and audit size. ``alpha``
        bounds the false promotions of the whole sequence of gates against one champion.
    new_labels : int
        Labels the challenger was trained on beyond the champion's.
    gate : int, default=1
        This gate's number against the current champion (1 + the gates already run against it);
        McNemar's test runs at :func:`active_learning.gate_level` ``(policy.alpha, gate)``.

    Returns
    -------
    GateDecision
        ``decision`` in {"promote", "keep", "insufficient-evidence"}, reasons citing
        the numbers and the n they rest on (and, when a test ran, the gate's number and
        level), the level used (None when no test ran), and, when evidence is insufficient,
        the forecast of the audit labels the next gate needs (``labels_needed``).
    """
    n, d, m = report.n_eval, report.accuracy_diff, report.mcnemar
    level = gate_level(policy.alpha, gate)
    acc = (
        f"accuracy {report.champion.accuracy:.1%} -> {report.challenger.accuracy:.1%} "
        f"(diff {d.estimate:+.1%}, 95% CI {d.ci_low:+.1%} to {d.ci_high:+.1%}, n={n} audit items)"
    )
    mc = (
        f"McNemar mid-p {m.p_value:.3g} on {m.n_a_only + m.n_b_only} discordant items "
        f"({m.n_b_only} only challenger right, {m.n_a_only} only champion right)"
    )
    if new_labels == 0:
        return GateDecision("keep", ["challenger was trained on 0 new labels; it is never promoted", acc], gate=gate)
    if n < policy.min_eval:  # no test runs, so this gate spends no level: the next one has the same number
        reasons = [f"only {n} audit items; at least {policy.min_eval} are required", acc, mc]
        return _undecided(reasons, _forecast(report, policy, gate), policy.min_eval - n, gate=gate)
    tested = {"gate": gate, "level": level}
    rule = level_rule(policy.alpha, gate)
    regressions = []
    for lab in report.labels:
        old, new = report.champion.per_class[lab], report.challenger.per_class[lab]
        lost, gained = report.per_class_discordant.get(lab, (0, 0))
        # A drop counts when it exceeds the tolerance AND is unlikely to be noise: one-sided exact
        # binomial on the class's discordant items (on ~20 items one miss alone is 5 points of recall).
        p_drop = float(binom.sf(lost - 1, lost + gained, 0.5)) if lost + gained else 1.0
        if (
            old["support"] >= 5
            and old["recall"] - new["recall"] > policy.per_class_tolerance + 1e-12
            and p_drop < policy.alpha
        ):
            regressions.append(
                f"recall for class '{lab}' drops {old['recall']:.1%} -> {new['recall']:.1%} "
                f"(n={old['support']}; {lost} items lost, {gained} gained, one-sided p "
                f"{p_drop:.3g}), beyond the {policy.per_class_tolerance:.1%} tolerance"
            )
    if accuracy_test_passes(m.n_a_only, m.n_b_only, n, level, policy.min_gain) and not regressions:
        return GateDecision("promote", [acc, mc + f" < level {level:.3g}", rule], **tested)
    if regressions:
        return GateDecision("keep", regressions + [acc, rule], **tested)
    if d.estimate <= policy.min_gain and (m.p_value < level or d.ci_high <= policy.min_gain):
        return GateDecision(
            "keep",
            [f"challenger does not beat the champion by more than {policy.min_gain:.1%}", acc, mc, rule],
            **tested,
        )
    return _undecided([acc, mc + f" >= level {level:.3g}", rule], _forecast(report, policy, gate + 1), **tested)
