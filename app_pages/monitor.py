"""Monitor page: open alerts first, then the live model per window (audit quality, disputes, confidence,
drift), and one window in detail: reliability, class mix, per-class figures and drift per column."""

import pandas as pd
import streamlit as st

from active_learning import MACRO_F1_DEFINITION
from feedback.alerts import AlertRecord, check_alerts, monitor_report, set_alert_state
from feedback.exceptions import FeedbackError
from feedback.monitor import MONITOR_WINDOWS, live_quality
from feedback.web import (
    class_mix_chart,
    current_actor,
    get_workspace,
    live_days,
    load_or_stop,
    md_text,
    reliability_chart,
    window_trend_chart,
)

ALERTS_SHOWN = 5  # the newest alerts not yet resolved; older ones wait in an expander above the charts

ws = get_workspace()
st.session_state.setdefault("annotator", "expert")
st.session_state.setdefault("monitor_notice", None)
st.title("Monitor")


def _set_state(alert_id: int, state: str) -> None:
    try:
        alert = set_alert_state(ws, alert_id, state, current_actor())
        st.session_state["monitor_notice"] = ("success", f"Alert {alert.id} is {alert.state}.")
    except FeedbackError as exc:
        st.session_state["monitor_notice"] = ("error", md_text(exc))


def _check_now() -> None:
    try:
        new = check_alerts(ws)
        st.session_state["monitor_notice"] = ("success", f"{len(new)} new alert(s)." if new else "No new alerts.")
    except FeedbackError as exc:
        st.session_state["monitor_notice"] = ("error", md_text(exc))


def _pct(figure: float | None) -> str:
    return "n/a" if figure is None else f"{figure:.1%}"


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None else f" [{low:.1%}, {high:.1%}]"


def _verdict(judgment) -> str:
    """One rule's stored verdict on a window: the figure, its n, the band it was held against."""
    metric = judgment.metric.replace("_", " ")
    if judgment.verdict == "too_few":
        return f"{metric}: not judged, too few items (n={judgment.n})"
    band = "no band yet" if judgment.band is None else f"band [{judgment.band[0]:.3f}, {judgment.band[1]:.3f}]"
    return (
        f"{metric}: {judgment.verdict.replace('_', ' ')}, {judgment.value:.3f} on n={judgment.n} "
        f"({band}, {judgment.n_history} past windows)"
    )


def _alert_card(alert: AlertRecord) -> None:
    with st.container(border=True):
        st.markdown(
            f"**Alert {alert.id}** ({alert.state}, {alert.created_at[:16].replace('T', ' ')} UTC): "
            f"{md_text(alert.message)}"
        )
        notes = []
        if alert.acknowledged_by:
            notes.append(f"acknowledged by {md_text(alert.acknowledged_by)}")
        if alert.delivery_status:
            notes.append(f"webhook: {md_text(alert.delivery_status)}")
        if notes:
            st.caption("; ".join(notes))
        left, right, _ = st.columns([1, 1, 4])
        if alert.state == "open":
            left.button("Acknowledge", key=f"ack_{alert.id}", on_click=_set_state, args=(alert.id, "acknowledged"))
        right.button("Resolve", key=f"resolve_{alert.id}", on_click=_set_state, args=(alert.id, "resolved"))


window_kind = st.radio(
    "Window",
    MONITOR_WINDOWS,
    horizontal=True,
    key="monitor_window",
    format_func={"batch": "ingest batch", "day": "day (UTC)", "week": "week"}.get,
)
result = load_or_stop(lambda: monitor_report(ws, window_kind))
windows = result.windows

st.subheader("Alerts")
notice = st.session_state["monitor_notice"]
if notice:
    getattr(st, notice[0])(notice[1])
    st.session_state["monitor_notice"] = None


active = [a for a in result.alerts if a.state != "resolved"]  # newest first
if not active:
    st.caption("No open alerts.")
for alert in active[:ALERTS_SHOWN]:
    _alert_card(alert)
older = len(active) - ALERTS_SHOWN
if older > 0:
    with st.expander(f"{older} older alert{'s' if older > 1 else ''} not yet resolved"):
        for alert in active[ALERTS_SHOWN:]:
            _alert_card(alert)
st.caption(result.rules)
st.button(
    "Check alerts now",
    on_click=_check_now,
    help="Ingests and label imports check by themselves, and answers on the card within "
    "FEEDBACK_LABEL_ALERT_INTERVAL seconds (30 by default); this checks at once.",
)
resolved = [a for a in result.alerts if a.state == "resolved"]
if resolved:
    with st.expander(f"Resolved alerts ({len(resolved)})"):
        st.dataframe(
            pd.DataFrame(resolved)[["id", "created_at", "message", "resolved_by", "resolved_at"]], hide_index=True
        )

if not windows:
    st.info("Nothing has been ingested yet: every figure here starts with the first batch of predictions.")
    st.stop()

st.subheader("Now")
days_column, since_column = st.columns(2)
days = days_column.number_input(
    "Live figure: at most the last N days",
    min_value=1.0,
    max_value=3650.0,
    value=float(min(max(live_days(), 1.0), 3650.0)),
    step=1.0,
    format="%g",
    key="monitor_live_days",
    help="FEEDBACK_LIVE_DAYS sets the default (30).",
)
since_promotion = since_column.checkbox(
    "Only items served since the champion was promoted", value=True, key="monitor_live_since_promotion"
)
live = load_or_stop(lambda: live_quality(ws, max_days=days, since_promotion=since_promotion))
st.markdown(live.summary())
st.caption(
    "The live figure scores the current champion on the labelled audit items served in its window; the "
    f"all-history figure, on every one since the start, lags behind a change. {MACRO_F1_DEFINITION}"
)

st.subheader("Over time")
st.caption(
    "Accuracy comes only from expert labels on the uniformly random audit slice, scored against the "
    "answer that was served; shaded bands are 95% intervals. Hover a point for the n it rests on."
)
top_left, top_right = st.columns(2)
top_left.altair_chart(window_trend_chart(windows, "accuracy", window_kind), width="stretch")
top_right.altair_chart(window_trend_chart(windows, "dispute_rate", window_kind), width="stretch")
bottom_left, bottom_right = st.columns(2)
bottom_left.altair_chart(window_trend_chart(windows, "mean_confidence", window_kind), width="stretch")
bottom_right.altair_chart(window_trend_chart(windows, "share_drifted", window_kind), width="stretch")

st.subheader("One window")
positions = list(range(len(windows)))
chosen = st.selectbox(
    "Window",
    positions,
    index=len(windows) - 1,
    key="monitor_chosen",
    format_func=lambda i: f"{i + 1}: {windows[i].window} ({windows[i].start[:16]})",
)
window = windows[chosen]
n_audit, n_predictions = window.n_audit_labels, window.n_predictions
if n_audit:
    f1 = window.macro_f1
    st.markdown(
        f"Accuracy {_pct(window.accuracy)}{_interval(*window.accuracy_ci)} on {n_audit} audit labels; "
        f"macro-F1 {f1.estimate:.3f} [{f1.ci_low:.3f}, {f1.ci_high:.3f}] on {f1.n} audit labels."
    )
    st.caption(MACRO_F1_DEFINITION)
else:
    st.warning(
        "No audit labels in this window yet, so its accuracy cannot be estimated. Label its random "
        "audit items in the Review queue."
    )
st.markdown(
    f"Dispute rate {_pct(window.dispute_rate)}{_interval(*window.dispute_rate_ci)} on "
    f"{n_predictions} predictions ({window.n_disputed} disputed); mean confidence "
    f"{window.mean_confidence:.3f} on {n_predictions} predictions."
)
verdicts = result.judgments.get(window.window)
if verdicts:
    st.markdown("**Judged when it closed** (once; later labels and disputes do not change it):")
    st.markdown("\n".join(f"- {_verdict(j)}" for j in verdicts))
else:
    st.caption(
        f"Not judged yet: a window is judged once, when a newer window exists and its audit slice is labelled "
        f"({n_audit} of {window.n_audit_items} audit items so far), or after several newer windows "
        "(mean confidence as soon as a newer window exists)."
    )
left, right = st.columns(2)
if n_audit:
    left.altair_chart(reliability_chart(window.calibration, n_audit), width="stretch")
else:
    left.caption("The reliability diagram needs audit labels.")
n_training = sum(row["reference_n"] for row in window.class_mix)
right.altair_chart(class_mix_chart(window.class_mix, n_predictions, n_training), width="stretch")

if n_audit:
    st.markdown(
        f"**Per class** (precision on the items predicted as the class, recall on the items truly of it; "
        f"{n_audit} audit labels in all)"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "class": label,
                    "precision": figures.precision.estimate,
                    "precision 95%": _interval(figures.precision.ci_low, figures.precision.ci_high).strip(),
                    "n predicted": figures.n_predicted,
                    "recall": figures.recall.estimate,
                    "recall 95%": _interval(figures.recall.ci_low, figures.recall.ci_high).strip(),
                    "n true": figures.support,
                }
                for label, figures in window.per_class.items()
            ]
        ),
        hide_index=True,
        column_config={name: st.column_config.NumberColumn(format="%.3f") for name in ("precision", "recall")},
    )

drift = window.drift
if drift:
    report = drift.report
    sampled = f" (a fixed sample of {drift.n_current})" if drift.sampled else ""
    st.markdown(
        f"**Feature drift**: {report.n_drifted} of {report.n_tested} columns drifted (share "
        f"{report.share_drifted:.2f}), {n_predictions} predictions{sampled} against the {drift.n_reference} rows "
        f"champion v{drift.reference_version} trained on: the dataset "
        f"{'drifted' if report.dataset_drifted else 'did not drift'} (it drifts when {report.drift_share:.0%} or "
        "more of the tested columns drift and chance gives as many, as strongly, in at most 5% of windows of "
        "this size)."
    )
    if report.chance:
        chance = report.chance
        enough = (
            f"{report.required_drifted} or more alarm whatever their strength"
            if report.required_drifted <= report.n_tested
            else "no count alone is rare enough, only the strength can tell"
        )
        st.caption(
            f"By chance: windows of {chance.n_current} rows drawn from the reference itself ({chance.n_draws} draws) "
            f"flag {report.expected_drifted:.1f} of these {report.n_tested} columns on average "
            f"({report.expected_drifted / max(report.n_tested, 1):.0%}); {enough}. As many drifted columns, as "
            f'strongly, came up in {report.p_value:.1%} of them. The column "flagged by chance" is each test\'s own '
            "false-alarm rate there."
        )
    columns = report.to_dict()["columns"]
    table = pd.DataFrame.from_dict(columns, orient="index").rename_axis("column").reset_index()
    table = table.rename(columns={"chance_rate": "flagged by chance"})
    st.dataframe(
        table.sort_values(["drifted", "column"], ascending=[False, True]),
        hide_index=True,
        column_config={"flagged by chance": st.column_config.NumberColumn(format="percent")},
    )
else:
    st.caption("Feature drift was not tested for this window (the task has no numeric or categorical feature).")
