"""What to do with an A/B test's challenger, with the evidence behind it.

Takes the tests of :mod:`feedback.experiments.stats` (fixed-horizon or sequential) for
accuracy and the dispute rate, and the traffic-split check of
:mod:`feedback.experiments.routing`, and proposes one of four actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feedback.experiments.routing import SRMResult
from feedback.experiments.sequential import SequentialState
from feedback.experiments.stats import ZTestResult

__all__ = ["ACTIONS", "Recommendation", "describe_test", "recommend"]

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
    accuracy_better = accuracy_test is not None and _rejected(accuracy_test) and accuracy_test.diff > 0
    accuracy_worse = accuracy_test is not None and _rejected(accuracy_test) and accuracy_test.diff < 0
    disputes_worse = dispute_test is not None and _rejected(dispute_test) and dispute_test.diff > 0

    if srm is not None and srm.mismatch:
        action = INVESTIGATE
    elif accuracy_worse or disputes_worse:
        action = KEEP
    elif accuracy_better:
        action = PROMOTE
    else:
        action = COLLECT

    reasons = [] if srm is None else [_srm_reason(srm)]
    if accuracy_test is None:
        reasons.append("Audit accuracy: not testable yet, an arm has no expert-labelled audit item.")
    else:
        reasons.append("Audit accuracy: " + describe_test(accuracy_test, higher_is_better=True))
    if dispute_test is not None:
        reasons.append("Dispute rate: " + describe_test(dispute_test, higher_is_better=False))
    return Recommendation(action=action, reasons=reasons)


# ---------------------------------------------------------------- private helpers


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
