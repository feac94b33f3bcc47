"""What to do with an A/B test's challenger, with the evidence behind it.

Takes the tests of :mod:`feedback.experiments.stats` (fixed-horizon or sequential) for
accuracy and the dispute rate, and the traffic-split check of
:mod:`feedback.experiments.routing`, and proposes one of four actions.
:func:`recommend_registered` judges the same way on the primary metric and guardrails
stated at start, outcome metrics (:mod:`feedback.experiments.outcomes`) included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feedback.experiments.outcomes import MeanSequentialState, WelchResult
from feedback.experiments.routing import SRMResult
from feedback.experiments.sequential import SequentialState
from feedback.experiments.stats import ZTestResult

__all__ = ["ACTIONS", "MetricEvidence", "Recommendation", "describe_test", "recommend", "recommend_registered"]

PROMOTE = "promote challenger"
KEEP = "keep champion"
COLLECT = "keep collecting"
INVESTIGATE = "investigate traffic split"
ACTIONS = (PROMOTE, KEEP, COLLECT, INVESTIGATE)


@dataclass(frozen=True)
class Recommendation:
    """What to do with the challenger, and why.

    Attributes
    ----------
    action : str
        One of ``"promote challenger"``, ``"keep champion"``,
        ``"keep collecting"``, ``"investigate traffic split"``.
    reasons : list of str
        One sentence per piece of evidence, each with its numbers and the
        counts it rests on.
    """

    action: str
    reasons: list[str] = field(default_factory=list)


def recommend(
    accuracy_test: ZTestResult | SequentialState | None,
    dispute_test: ZTestResult | SequentialState | None,
    srm: SRMResult | None,
) -> Recommendation:
    """Recommend an action on the challenger from the evidence of an A/B test.

    Audit accuracy is the primary metric and the dispute rate a guardrail:

    1. A sample-ratio mismatch overrides everything ("investigate traffic
       split"): when the arms did not get the traffic they were meant to, the
       comparisons below are not to be trusted.
    2. A challenger significantly worse on either metric (lower accuracy, or
       more disputes) is rejected ("keep champion").
    3. A challenger significantly more accurate, without significantly more
       disputes, is proposed for promotion ("promote challenger"). A person
       still promotes it.
    4. Anything else means the evidence is not in yet ("keep collecting").

    "Significant" is the test's own verdict: ``rejected`` of a
    :class:`SequentialState` (right whenever the test is looked at more than
    once), or ``p_value < alpha`` of a :class:`ZTestResult` (right only at a
    sample size fixed in advance). Promotion needs the accuracy test to reject,
    so a challenger no better than the champion is proposed at most at the
    accuracy test's alpha; the guardrail can only make promotion rarer.

    Parameters
    ----------
    accuracy_test : ZTestResult, SequentialState or None
        Audit accuracy, champion as arm 1 (correct / audited per arm); None
        while an arm has no expert-labelled audit item yet (then the evidence
        is not in: "keep collecting", unless the split is broken).
    dispute_test : ZTestResult, SequentialState or None
        End-user dispute rate, champion as arm 1 (disputed / served per arm);
        None when there is no dispute signal (shadow mode, or no dispute
        logging).
    srm : SRMResult or None
        The sample-ratio check of the split; None in shadow mode, where there
        is no split.

    Returns
    -------
    Recommendation
        The action, and one reason per piece of evidence given (the split,
        accuracy, disputes, in that order), each with its numbers and the
        counts it rests on.

    Examples
    --------
    >>> from feedback.experiments.routing import srm_check
    >>> from feedback.experiments.stats import two_proportion_ztest
    >>> acc = two_proportion_ztest(1600, 2000, 1700, 2000)
    >>> recommend(acc, None, srm_check(2000, 2000, 0.5)).action
    'promote challenger'
    """
    action = _action(srm, _verdict(accuracy_test, True), [_verdict(dispute_test, False)])
    reasons = [] if srm is None else [_srm_reason(srm)]
    if accuracy_test is None:
        reasons.append("Audit accuracy: not testable yet, an arm has no expert-labelled audit item.")
    else:
        reasons.append("Audit accuracy: " + describe_test(accuracy_test, higher_is_better=True))
    if dispute_test is not None:
        reasons.append("Dispute rate: " + describe_test(dispute_test, higher_is_better=False))
    return Recommendation(action=action, reasons=reasons)


@dataclass(frozen=True)
class MetricEvidence:
    """One metric's two tests, as the pre-registered recommendation reads them.

    Attributes
    ----------
    name : str
        ``accuracy``, ``dispute_rate`` or an outcome metric.
    label : str
        How sentences name it.
    higher_is_better : bool
    fixed : ZTestResult, WelchResult or None
        The fixed-horizon test at the latest look.
    sequential : SequentialState, MeanSequentialState or None
        The always-valid test over every look.
    """

    name: str
    label: str
    higher_is_better: bool
    fixed: ZTestResult | WelchResult | None
    sequential: SequentialState | MeanSequentialState | None


def recommend_registered(
    primary: MetricEvidence,
    guardrails: list[MetricEvidence],
    srm: SRMResult | None,
    *,
    horizon_units: int | None = None,
) -> Recommendation:
    """Recommend an action judged on the primary metric and the guardrails stated before launch.

    The rules of :func:`recommend`, on the stated metrics only: a sample-ratio
    mismatch first ("investigate traffic split"); the primary metric or a
    guardrail significantly worse: "keep champion"; the primary metric
    significantly better: "promote challenger"; otherwise "keep collecting".
    No metric chosen after launch can change the verdict. With a horizon, the
    fixed-horizon tests decide, once both arms have ``horizon_units`` units
    (until then: "keep collecting"); without one, the always-valid sequential
    tests decide at any look.

    Parameters
    ----------
    primary : MetricEvidence
    guardrails : list of MetricEvidence
    srm : SRMResult or None
        Gives the units per arm that the horizon is counted in.
    horizon_units : int, default=None
        Units per arm stated at start; None: sequential.

    Returns
    -------
    Recommendation
        The action, then one reason for the split, one per metric (primary first), and one saying
        what was stated.
    """
    reached = horizon_units is None or (srm is not None and min(srm.n_champion, srm.n_challenger) >= horizon_units)

    def test(evidence: MetricEvidence):
        chosen = evidence.fixed if horizon_units is not None else evidence.sequential
        return chosen if reached else None

    action = _action(
        srm,
        _verdict(test(primary), primary.higher_is_better),
        [_verdict(test(g), g.higher_is_better) for g in guardrails],
    )
    guards = ", ".join(g.label for g in guardrails) or "none"
    how = "the always-valid sequential tests, at any look"
    if horizon_units is not None:
        units = "" if srm is None else f" ({srm.n_champion:,} champion, {srm.n_challenger:,} challenger so far)"
        how = f"the fixed-horizon tests, read once both arms reach {horizon_units:,} units{units}"
    reasons = [] if srm is None else [_srm_reason(srm)]
    for role, evidence in (("primary", primary), *(("guardrail", g) for g in guardrails)):
        found = test(evidence)
        if found is None:
            why = "the horizon is not reached yet" if not reached else "an arm has no data to test yet"
            reasons.append(f"{evidence.label} ({role}): not judged: {why}.")
        elif isinstance(found, (WelchResult, MeanSequentialState)):
            reasons.append(f"{evidence.label} ({role}): {_mean_reason(found, evidence.higher_is_better)}")
        else:
            reasons.append(
                f"{evidence.label} ({role}): " + describe_test(found, higher_is_better=evidence.higher_is_better)
            )
    reasons.append(f"Judged as stated at start: primary {primary.label}; guardrails {guards}; by {how}.")
    return Recommendation(action=action, reasons=reasons)


# ---------------------------------------------------------------- private helpers


def _mean_reason(test: WelchResult | MeanSequentialState, higher_is_better: bool) -> str:
    """The evidence of an outcome metric's test: both arms' means per unit, the difference, the test, the verdict."""
    arms = (
        f"challenger {test.mean2:.4g} ({test.n2:,} units) vs champion {test.mean1:.4g} ({test.n1:,} units) per unit, "
        f"difference {test.diff:+.4g}"
    )
    if isinstance(test, MeanSequentialState):
        evidence = f"always-valid p = {_fmt_p(test.p_value)} after {test.n_looks} look(s), alpha {test.alpha:g}"
    else:
        level = f"{100 * (1 - test.alpha):g}%"
        cuped = (
            f", CUPED on pre-experiment values (variance {test.variance_reduction:.0%} lower)"
            if test.theta != 0
            else ""
        )
        evidence = (
            f"{level} CI {test.ci_low:+.4g} to {test.ci_high:+.4g}, Welch t = {test.t:.2f}{cuped}, "
            f"p = {_fmt_p(test.p_value)}, alpha {test.alpha:g} (fixed horizon, one look)"
        )
    if not _rejected(test):
        return f"{arms}; {evidence}: no significant difference."
    good = (test.diff > 0) == higher_is_better
    direction = "higher" if test.diff > 0 else "lower"
    return f"{arms}; {evidence}: significantly {direction} for the challenger ({'better' if good else 'worse'})."


def _verdict(test, higher_is_better: bool) -> int:
    """+1 significantly better for the challenger, -1 significantly worse, 0 neither (or no test)."""
    if test is None or not _rejected(test):
        return 0
    return 1 if (test.diff > 0) == higher_is_better else -1


def _action(srm: SRMResult | None, primary: int, guardrails: list[int]) -> str:
    """The one decision rule: a broken split first, then any metric worse, then the primary better."""
    if srm is not None and srm.mismatch:
        return INVESTIGATE
    if primary < 0 or any(g < 0 for g in guardrails):
        return KEEP
    return PROMOTE if primary > 0 else COLLECT


def _rejected(test: ZTestResult | SequentialState) -> bool:
    """The test's own verdict, as a plain bool."""
    return bool(test.rejected)


def describe_test(test: ZTestResult | SequentialState, *, higher_is_better: bool) -> str:
    """The evidence of one metric's test in a sentence: both arms with their counts, the difference, the test.

    Counts name their units when a unit gave several trials, with each arm's
    design effect (the tests are then cluster-robust at the unit).
    """
    p1, p2 = test.x1 / test.n1, test.x2 / test.n2
    arms = (
        f"challenger {p2:.3f} ({_counts(test.x2, test.n2, test.units2)}) vs champion {p1:.3f} "
        f"({_counts(test.x1, test.n1, test.units1)}), difference {test.diff:+.3f}"
    )
    if test.units1 != test.n1 or test.units2 != test.n2:
        arms += f", by unit (design effect {test.deff2:.2f} challenger, {test.deff1:.2f} champion)"
    level = f"{100 * (1 - test.alpha):g}%"
    if isinstance(test, SequentialState):
        evidence = (
            f"always-valid {level} CI {test.ci_low:+.3f} to {test.ci_high:+.3f}, always-valid p = "
            f"{_fmt_p(test.p_value)} after {test.n_looks} look(s), alpha {test.alpha:g}"
        )
    else:
        evidence = (
            f"{level} CI {test.ci_low:+.3f} to {test.ci_high:+.3f}, z = {test.z:.2f}, "
            f"p = {_fmt_p(test.p_value)}, alpha {test.alpha:g} (fixed horizon, one look)"
        )
    if not _rejected(test):
        verdict = "no significant difference"
    else:
        good = (test.diff > 0) == higher_is_better
        direction = "higher" if test.diff > 0 else "lower"
        verdict = f"significantly {direction} for the challenger ({'better' if good else 'worse'})"
    return f"{arms}; {evidence}: {verdict}."


def _counts(successes: int, trials: int, units: int) -> str:
    """``x/n``, with the units when they are fewer than the trials."""
    return f"{successes:,}/{trials:,}" + ("" if units == trials else f" from {units:,} units")


def _srm_reason(srm: SRMResult) -> str:
    """One sentence of evidence for the traffic split."""
    verdict = (
        "sample-ratio mismatch, so the arm comparisons are not trusted until the split is explained"
        if srm.mismatch
        else "no sample-ratio mismatch"
    )
    return (
        f"Traffic split: {srm.n_champion:,} champion / {srm.n_challenger:,} challenger units, "
        f"challenger share {srm.observed_share:.3f} against {srm.expected_share:.3f} expected, "
        f"chi-squared {srm.chi2:.2f}, p = {_fmt_p(srm.p_value)} (threshold 0.001): {verdict}."
    )


def _fmt_p(p: float) -> str:
    """A p-value for people: three significant figures, or a bound when tiny."""
    return "< 1e-6" if p < 1e-6 else f"{p:.3g}"
