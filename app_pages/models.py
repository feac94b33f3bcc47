"""Models page: one-click retrain (worker thread), the comparison report, learning progress, promotion."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from active_learning import MACRO_F1_DEFINITION
from feedback.access import who_may
from feedback.exceptions import FeedbackError
from feedback.lifecycle import (
    RetrainPolicy,
    RetrainResult,
    current_queue_value,
    learning_curve,
    load_comparison_report,
    load_policy,
    promote,
    rollback,
    save_policy,
    stopping_hint,
)
from feedback.monitor import store_status
from feedback.web import (
    allowed,
    confusion_chart,
    current_actor,
    get_workspace,
    learning_curve_chart,
    live_days,
    load_or_stop,
    md_text,
    per_class_f1_chart,
    signed_in_user,
    simulation_chart,
    watch_job,
    worker,
)

ws = get_workspace()
st.session_state.setdefault("annotator", "expert")
st.title("Models")
if signed_in_user() is None and allowed("retrain"):
    st.caption("Sign-in is off, so anyone may retrain, promote and change the policy.")

# The jobs are read before the status, so that the status below includes what a finished job wrote.
retrain_job = worker().jobs.get("retrain")
simulation_job = worker().jobs.get("simulate")
status = load_or_stop(lambda: store_status(ws, live_days=live_days()))
if st.session_state.get("models_refused"):  # a Retrain or Simulate click the library refused
    st.error(st.session_state.pop("models_refused"))


def _start_retrain() -> None:
    try:
        worker().start_retrain(current_actor())
    except FeedbackError as exc:
        st.session_state["models_refused"] = str(exc)


def _start_simulation() -> None:
    try:
        worker().start_simulation(current_actor())
    except FeedbackError as exc:
        st.session_state["models_refused"] = str(exc)


def _pct(x: float) -> str:
    return f"{x:+.1%}" if x is not None else "n/a"


def show_report(result: RetrainResult) -> None:
    """The side-by-side comparison of a retrain result; every figure with its n."""
    st.markdown(
        f"**Decision: {result.decision}** for challenger v{result.challenger.version} "
        f"(trained on {result.n_train} labels, {result.new_labels} new; "
        f"compared on {result.n_eval} expert-labelled audit items)"
    )
    for reason in result.reasons:
        st.markdown(f"- {md_text(reason)}")
    if result.forecast is not None:
        st.info(md_text(result.forecast.describe()))
    elif result.labels_needed:
        st.markdown(f"Label at least {result.labels_needed} more audit items before the gate can test.")
    report = result.report
    if not report:
        return
    rows = []
    for side, version, scores in (
        ("champion", result.champion.version, report.champion),
        ("challenger", result.challenger.version, report.challenger),
    ):
        rows.append(
            {
                "model": f"{side} v{version}",
                "accuracy": round(scores.accuracy, 3),
                "macro-F1": round(scores.macro_f1, 3),
                "audit items (n)": scores.n,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(MACRO_F1_DEFINITION)
    acc, f1, mcnemar = report.accuracy_diff, report.macro_f1_diff, report.mcnemar
    st.markdown(
        f"Accuracy difference {_pct(acc.estimate)} (95% paired-bootstrap interval {_pct(acc.ci_low)} to "
        f"{_pct(acc.ci_high)}, n={acc.n}); macro-F1 difference {_pct(f1.estimate)} "
        f"({_pct(f1.ci_low)} to {_pct(f1.ci_high)}, n={f1.n}). McNemar mid-p {mcnemar.p_value:.3g} on "
        f"{mcnemar.n_a_only + mcnemar.n_b_only} discordant items "
        f"({mcnemar.n_b_only} only the challenger got right, {mcnemar.n_a_only} only the champion)."
    )
    st.altair_chart(per_class_f1_chart(report), width="stretch")
    left, right = st.columns(2)
    left.altair_chart(confusion_chart(report, "champion"), width="stretch")
    right.altair_chart(confusion_chart(report, "challenger"), width="stretch")


if allowed("retrain"):
    st.button(
        "Retrain",
        type="primary",
        disabled=retrain_job is not None and retrain_job.running,
        on_click=_start_retrain,
        help="Train a challenger on all expert labels (audit items excluded) and compare it with the champion.",
    )
else:
    st.caption(f"Only {who_may('retrain')} retrain.")
watch_job("retrain", retrain_job, lambda job: st.progress(job.fraction, text=job.message))
if retrain_job is not None and not retrain_job.running and retrain_job.error:
    st.error(f"Retrain failed: {md_text(retrain_job.error)}")

challenger = status.challenger
saved = load_comparison_report(ws, challenger.version) if challenger else None
if saved:
    st.subheader(f"Champion v{saved.champion.version} against challenger v{saved.challenger.version}")
    show_report(saved)
elif retrain_job is not None and not retrain_job.running and retrain_job.result:
    st.subheader("Last retrain")
    show_report(retrain_job.result)

st.subheader("Learning progress")
curve = learning_curve(ws)
if curve.empty:
    st.caption("No challenger has been compared yet: the curve starts with the first retrain.")
else:
    st.altair_chart(learning_curve_chart(curve), width="stretch")
    st.markdown(stopping_hint(ws))
st.markdown(current_queue_value(ws).statement)


st.button(
    "Simulate more labels",
    disabled=simulation_job is not None and simulation_job.running,
    on_click=_start_simulation,
    help="Replay the labelled items with an oracle: would more labels help, and how many?",
)
watch_job(
    "simulate",
    simulation_job,
    lambda _: st.progress(0.5, text="Simulating random, margin and the default policy on the labelled items…"),
)
if simulation_job is not None and not simulation_job.running:
    if simulation_job.error:
        st.error(f"Simulation failed: {md_text(simulation_job.error)}")
    else:
        result = simulation_job.result
        st.altair_chart(simulation_chart(result.curves), width="stretch")
        beyond = f"more than {result.budget}"
        needs = ", ".join(f"{s}: {beyond if n is None else n}" for s, n in result.labels_to_98.items())
        st.markdown(
            f"Labels to reach 98% of the accuracy with all {result.n_pool} labelled items "
            f"(70% pool, 30% held out, 3 seeds): {needs}."
        )

st.subheader("Retrain policy")
policy = load_policy(ws)
if not allowed("retrain"):
    st.caption(f"Only {who_may('retrain')} change the policy.")
    st.dataframe(pd.DataFrame([asdict(policy)]), hide_index=True)
else:
    with st.form("retrain_policy"):
        c1, c2 = st.columns(2)
        every_n = c1.number_input(
            "Every N new expert labels (0: off)", min_value=0, step=10, value=policy.every_n_labels or 0
        )
        every_minutes = c2.number_input(
            "Every M minutes (0: off)", min_value=0, step=60, value=int(policy.every_minutes or 0)
        )
        on_alert = st.checkbox("When a monitoring alert opens", value=policy.on_alert)
        auto_promote = st.checkbox(
            "Promote automatically when the gate says promote",
            value=policy.auto_promote,
            help="Off by default: the gate proposes, a person promotes.",
        )
        g1, g2, g3, g4 = st.columns(4)
        min_gain = g1.number_input("Minimum accuracy gain", value=policy.min_gain, step=0.01, format="%.2f")
        alpha = g2.number_input(
            "Significance level",
            value=policy.alpha,
            min_value=0.001,
            max_value=0.5,
            step=0.01,
            help="Spent over all the gates against one champion: gate k tests at alpha·6/(π²k²), so an equally "
            "good challenger is promoted at most this often however many times you retrain.",
        )
        tolerance = g3.number_input(
            "Allowed recall drop per class", value=policy.per_class_tolerance, min_value=0.0, max_value=1.0, step=0.01
        )
        min_eval = g4.number_input("Fewest audit items", value=policy.min_eval, min_value=1, step=5)
        if st.form_submit_button("Save policy"):
            try:
                save_policy(
                    ws,
                    RetrainPolicy(
                        every_n_labels=every_n or None,
                        every_minutes=every_minutes or None,
                        on_alert=on_alert,
                        auto_promote=auto_promote,
                        min_gain=min_gain,
                        alpha=alpha,
                        per_class_tolerance=tolerance,
                        min_eval=int(min_eval),
                    ),
                    actor=current_actor(),
                )
                st.success("Saved. The app checks the triggers every 30 seconds; the next retrain uses this gate.")
            except FeedbackError as exc:
                st.error(md_text(exc))
scheduler = worker().triggers
if scheduler.last_reason:
    st.caption(f"Last automatic retrain: {md_text(scheduler.last_reason)}")

st.subheader("Versions")
st.markdown(status.live.summary())
st.caption("The Monitor page sets the live figure's window.")
st.dataframe(pd.DataFrame(status.versions), hide_index=True)

st.subheader("Promote or roll back")
if not allowed("promote"):
    st.caption(f"Only {who_may('promote')} promote or roll back.")
    st.stop()
choices = [v.version for v in status.versions if v.alias != "champion"]
version = st.selectbox("Version", choices, index=None, placeholder="Pick a version to promote")
reason = st.text_input("Reason", key="decision_reason", placeholder="Why: kept with the decision")
c1, c2 = st.columns(2)
if c1.button("Promote", disabled=version is None or not reason.strip()):
    try:
        decision = promote(ws, version, reason=reason, actor=current_actor())
        st.success(f"Version {decision.version} is champion.")
    except FeedbackError as exc:
        st.error(md_text(exc))
if c2.button("Roll back", disabled=not reason.strip()):
    try:
        decision = rollback(ws, reason=reason, actor=current_actor())
        st.success(f"Version {decision.version} is champion again.")
    except FeedbackError as exc:
        st.error(md_text(exc))
