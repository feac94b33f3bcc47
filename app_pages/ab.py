"""A/B page: the running (or last) experiment's figures, tests and recommendation; admins start and stop it."""

import pandas as pd
import streamlit as st

from feedback.access import who_may
from feedback.exceptions import FeedbackError
from feedback.experiments import (
    ALPHA,
    ExperimentStatus,
    OutcomeTests,
    Proportion,
    experiment_status,
    latest_experiment,
    plan_experiment,
    start_experiment,
    stop_experiment,
)
from feedback.intake import BUILT_IN_METRICS, outcome_metrics
from feedback.lifecycle import model_versions
from feedback.web import (
    ab_accuracy_chart,
    ab_p_value_chart,
    allowed,
    current_actor,
    get_workspace,
    load_or_stop,
    md_text,
    signed_in_user,
)

SEQUENTIAL, FIXED = "sequentially (read at any time)", "once, at a fixed horizon"

ws = get_workspace()
st.session_state.setdefault("annotator", "expert")
st.title("A/B")
if signed_in_user() is None and allowed("promote"):
    st.caption("Sign-in is off, so anyone may start and stop experiments.")

experiment, versions = load_or_stop(lambda: (latest_experiment(ws), model_versions(ws)))

flash = st.session_state.pop("ab_flash", None)
if flash:
    st.success(flash)


def _interval(figure: Proportion | None) -> str:
    if figure is None:
        return "not served"
    if not figure.n:
        return "n/a (n=0)"
    return f"{figure.estimate:.1%} ({figure.ci_low:.1%} to {figure.ci_high:.1%}), {figure.successes}/{figure.n}"


def _p(value: float | None) -> str:
    return "n/a" if value is None else ("< 1e-6" if value < 1e-6 else f"{value:.3g}")


def _fixed_horizon(z, horizon: int | None) -> str:
    if not horizon:
        return "No horizon was planned, so the one-look z-test does not apply."
    if z is None:
        return f"The z-test is shown once both arms reach the planned {horizon} units."
    return (
        f"At the planned horizon of {horizon} units per arm: 95% interval {z.ci_low:+.1%} to {z.ci_high:+.1%}, "
        f"z-test p {_p(z.p_value)} (valid for this one look)."
    )


def _registration() -> dict:
    """The pre-registration as the start form states it now."""
    fixed = st.session_state.get("ab_judging") == FIXED
    return {
        "primary_metric": st.session_state.get("ab_primary", "accuracy"),
        "guardrails": st.session_state.get("ab_guardrails"),
        "lower_is_better": st.session_state.get("ab_lower", []),
        "min_effect": st.session_state.get("ab_min_effect"),
        "horizon_units": st.session_state.get("ab_horizon") if fixed else None,
    }


def _default_guardrails() -> None:
    """A new primary metric: the guardrails go back to the built-in metrics other than it."""
    primary = st.session_state.get("ab_primary", "accuracy")
    st.session_state["ab_guardrails"] = [m for m in BUILT_IN_METRICS if m != primary]


def _start() -> None:
    try:
        started = start_experiment(
            ws,
            st.session_state["ab_version"],
            st.session_state["ab_share"],
            shadow=st.session_state["ab_shadow"],
            unit_col=st.session_state["ab_unit_col"] or None,
            actor=current_actor(),
            **({} if st.session_state["ab_shadow"] else _registration()),
        )
    except FeedbackError as exc:
        st.session_state["ab_error"] = str(exc)
        return
    st.session_state["ab_flash"] = f"Experiment {started.id} started: ingested batches are routed from now on."


def _stop() -> None:
    try:
        stopped = stop_experiment(ws, actor=current_actor(), reason=st.session_state["ab_stop_reason"])
    except FeedbackError as exc:
        st.session_state["ab_error"] = str(exc)
        return
    st.session_state["ab_flash"] = f"Experiment {stopped.id} stopped: the champion serves everyone again."


def start_form() -> None:
    """Admins pick a version, a share (or shadow), a unit column, and state before launch what it is judged on."""
    st.subheader("Start an experiment")
    if not allowed("promote"):
        st.caption(f"Only {who_may('promote')} start experiments.")
        return
    choices = [v.version for v in versions if v.alias != "champion"]
    if not choices:
        st.caption("There is no version besides the champion yet: retrain on the Models page to make a challenger.")
        return
    challenger = next((v.version for v in versions if v.alias == "challenger"), choices[0])
    st.selectbox("Challenger version", choices, index=choices.index(challenger), key="ab_version")
    st.number_input(
        "Share of units served by the challenger", min_value=0.01, max_value=0.99, value=0.5, step=0.05, key="ab_share"
    )
    shadow = st.checkbox("Shadow: serve everyone with the champion, only log the challenger", key="ab_shadow")
    st.text_input("Unit id column (e.g. user_id; empty: each prediction is its own unit)", key="ab_unit_col")
    if not shadow:
        st.markdown("**Decided before launch**: what the experiment is judged on, fixed once it starts.")
        metrics = [*BUILT_IN_METRICS, *outcome_metrics(ws)["metric"]]
        primary = st.selectbox("Primary metric", metrics, key="ab_primary", on_change=_default_guardrails)
        others = [m for m in metrics if m != primary]
        if "ab_guardrails" not in st.session_state:
            _default_guardrails()
        guards = st.multiselect("Guardrails (must not get significantly worse)", others, key="ab_guardrails")
        outcomes = [m for m in (primary, *guards) if m not in BUILT_IN_METRICS]
        if outcomes:
            st.multiselect("Outcome metrics where lower is better", outcomes, key="ab_lower")
        st.number_input(
            "Smallest effect that matters (accuracy and dispute rate: 0.02 is 2 points; outcomes: per unit)",
            min_value=0.0,
            value=None,
            format="%g",
            key="ab_min_effect",
        )
        if st.radio("Judged", [SEQUENTIAL, FIXED], key="ab_judging", horizontal=True) == FIXED:
            st.number_input("Horizon: units per arm", min_value=2, value=1000, step=100, key="ab_horizon")
        try:
            plan = plan_experiment(
                ws,
                share=st.session_state["ab_share"],
                **{k: v for k, v in _registration().items() if k in ("primary_metric", "min_effect", "horizon_units")},
            )
            st.caption(md_text(plan.describe()))
        except FeedbackError as exc:
            st.warning(md_text(str(exc)))
    st.button("Start experiment", on_click=_start)


def _outcome_lines(tests: dict[str, OutcomeTests]) -> list[str]:
    """Per outcome metric: each arm's mean per unit with its interval and counts, then both tests."""
    lines = []
    for metric, found in tests.items():
        arms = "; ".join(
            f"{arm} {_mean(figure.mean)} per unit (95% interval {_mean(figure.ci_low)} to {_mean(figure.ci_high)}, "
            f"{figure.n_units} units, {figure.n_values} values)"
            for arm, figure in found.arms.items()
        )
        lines.append(f"- {md_text(metric)}: {arms}; {md_text(found.window)}.")
        welch, seq = found.welch, found.sequential
        if welch is None:
            lines.append(f"- {md_text(metric)}: not testable until both arms have two units.")
            continue
        cuped = (
            f", CUPED on {found.n_pre_units} units' pre-experiment values "
            f"(variance {welch.variance_reduction:.0%} lower)"
            if welch.theta
            else ", no pre-experiment values (no CUPED)"
        )
        lines.append(
            f"- {md_text(metric)}: difference {welch.diff:+.4g} per unit (95% interval {welch.ci_low:+.4g} to "
            f"{welch.ci_high:+.4g}; n={welch.n1} champion, n={welch.n2} challenger units){cuped}; Welch p "
            f"{_p(welch.p_value)} (valid for one look only); always-valid sequential p "
            f"{_p(seq.p_value if seq else None)}."
        )
    return lines


def _mean(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def show_status(status: ExperimentStatus) -> None:
    """Per-arm figures with their n, the tests, the split check and the recommendation."""
    info = status.experiment
    shadow = info.mode == "shadow"
    state = (
        "running"
        if info.running
        else f"stopped by {md_text(info.stopped_by)} ({md_text(info.stop_reason or 'no reason')})"
    )
    split = "shadow: the champion serves everyone" if shadow else f"challenger share {info.share:.0%}"
    st.markdown(
        f"**Experiment {info.id}**, {state}: challenger v{info.challenger_version} against champion "
        f"v{info.champion_version}, {split}, unit: {md_text(info.unit_col or 'prediction id')}. "
        f"Started by {md_text(info.started_by)} at {info.started_at[:16].replace('T', ' ')} UTC."
    )
    if not shadow:
        judged = "sequentially" if info.horizon_units is None else f"at {info.horizon_units:,} units per arm"
        effect = "not stated" if info.min_effect is None else f"{info.min_effect:g}"
        st.markdown(
            f"Stated at start: primary {md_text(info.primary_metric or 'accuracy')}, guardrails "
            f"{md_text(', '.join(info.guardrail_metrics or ()) or 'none')}, smallest effect {effect}, judged {judged}."
        )
    rows = [
        {
            "arm": arm,
            "version": figures.version,
            "predictions": figures.n_predictions,
            "units": figures.n_units,
            "audit accuracy (95% interval), correct/n": _interval(figures.accuracy),
            "dispute rate (95% interval), disputed/n": _interval(figures.dispute_rate),
        }
        for arm, figures in status.arms.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)

    recommendation = status.recommendation
    st.markdown(f"**Recommendation: {recommendation.action}**")
    for reason in recommendation.reasons:
        st.markdown(f"- {md_text(reason)}")  # reasons name metrics a user sent

    tests = status.tests
    if shadow:
        paired = tests.accuracy
        if paired:
            boot, mcnemar = paired.bootstrap, paired.mcnemar
            st.markdown(
                f"Paired on the same {boot.n} audit items: accuracy difference {boot.estimate:+.1%} "
                f"(95% paired-bootstrap interval {boot.ci_low:+.1%} to {boot.ci_high:+.1%}); "
                f"McNemar mid-p {_p(mcnemar.p_value)}."
            )
    else:
        lines = []
        for test, name in ((tests.accuracy, "Audit accuracy"), (tests.dispute_rate, "Dispute rate")):
            z, seq = test.z_test, test.sequential
            if seq is None:
                lines.append(f"- {name}: not testable until both arms have data.")
                continue
            lines.append(
                f"- {name}: difference {seq.diff:+.1%} (always-valid 95% interval {seq.ci_low:+.1%} to "
                f"{seq.ci_high:+.1%}; n={seq.n1} champion, n={seq.n2} challenger, from {seq.units1} and "
                f"{seq.units2} units, design effect {seq.deff1:.2f} and {seq.deff2:.2f}); always-valid sequential p "
                f"{_p(seq.p_value)} after {seq.n_looks} look(s). {_fixed_horizon(z, info.horizon_units)}"
            )
        lines += _outcome_lines(tests.outcomes)
        srm = status.srm
        if srm is not None:
            verdict = "mismatch: investigate the routing" if srm.mismatch else "no mismatch"
            lines.append(
                f"- Traffic split: {srm.n_champion} champion / {srm.n_challenger} challenger units, "
                f"{srm.observed_share:.1%} observed against {srm.expected_share:.0%} asked; "
                f"chi-squared p {_p(srm.p_value)}: {verdict}."
            )
        st.markdown("\n".join(lines))
    history = status.history
    if any(look.get("challenger_n_audit") or look.get("champion_n_audit") for look in history):
        st.altair_chart(ab_accuracy_chart(history), width="stretch")
    else:
        st.caption("The charts start once audit items of the experiment have expert labels.")
    if any(look.get("accuracy_p") is not None or look.get("dispute_rate_p") is not None for look in history):
        st.altair_chart(ab_p_value_chart(history, ALPHA), width="stretch")


if experiment is None:
    st.info("No experiment has been run yet. Start one to route live traffic between the champion and a challenger.")
else:
    show_status(experiment_status(ws, experiment.id))

error = st.session_state.pop("ab_error", None)
if error:
    st.error(md_text(error))

if experiment is not None and experiment.stopped_at is None:
    st.subheader("Stop the experiment")
    if allowed("promote"):
        st.text_input("Reason", key="ab_stop_reason", placeholder="Why: kept with the experiment")
        st.button("Stop experiment", on_click=_stop)
    else:
        st.caption(f"Only {who_may('promote')} stop experiments.")
else:
    start_form()
