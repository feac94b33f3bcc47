"""Altair charts for the Models page: built here so the page only displays them."""

from __future__ import annotations

import altair as alt
import pandas as pd

from active_learning import ComparisonReport, mean_curve
from feedback.monitor import MonitorWindow


def per_class_f1_chart(report: ComparisonReport) -> alt.Chart:
    """Champion and challenger F1 per class, side by side, with each class's audit support."""
    rows = [
        {"model": side, "class": label, "F1": scores["f1"], "support": scores["support"]}
        for side in ("champion", "challenger")
        for label, scores in getattr(report, side).per_class.items()
    ]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("class:N", sort=None),
            xOffset="model:N",
            y=alt.Y("F1:Q", scale=alt.Scale(domain=[0, 1])),
            color="model:N",
            tooltip=["model", "class", alt.Tooltip("F1:Q", format=".3f"), "support"],
        )
        .properties(title=f"F1 per class on {report.n_eval} audit items", height=260)
    )


def confusion_chart(report: ComparisonReport, side: str) -> alt.Chart:
    """A confusion-matrix heat map for one side (champion or challenger)."""
    labels = report.labels
    rows = [
        {"true": labels[i], "predicted": labels[j], "items": count}
        for i, row in enumerate(getattr(report, side).confusion)
        for j, count in enumerate(row)
    ]
    base = alt.Chart(pd.DataFrame(rows)).encode(x=alt.X("predicted:N", sort=labels), y=alt.Y("true:N", sort=labels))
    return (
        base.mark_rect().encode(
            color=alt.Color("items:Q", scale=alt.Scale(scheme="blues")), tooltip=["true", "predicted", "items"]
        )
        + base.mark_text(fontSize=10).encode(text="items:Q")
    ).properties(title=f"{side.capitalize()} confusion (n={report.n_eval})", height=260)


def learning_curve_chart(curve: pd.DataFrame) -> alt.Chart:
    """Audit accuracy of each trained version against the labels it rests on."""
    return (
        alt.Chart(curve)
        .mark_line(point=True)
        .encode(
            x=alt.X("labels:Q", title="labels trained on"),
            y=alt.Y("accuracy:Q", scale=alt.Scale(zero=False)),
            tooltip=["version", "labels", alt.Tooltip("accuracy:Q", format=".3f"), "n_audit_items"],
        )
        .properties(title="Learning curve so far (audit accuracy of each version)", height=240)
    )


def simulation_chart(curves: dict) -> alt.Chart:
    """Mean simulated learning curve per strategy."""
    rows = [
        {"strategy": name, "labels": int(n), "accuracy": float(acc)}
        for name, entry in curves.items()
        for n, acc in mean_curve(entry["curves"])
    ]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_line()
        .encode(
            x=alt.X("labels:Q"),
            y=alt.Y("accuracy:Q", scale=alt.Scale(zero=False)),
            color="strategy:N",
            tooltip=["strategy", "labels", alt.Tooltip("accuracy:Q", format=".3f")],
        )
        .properties(title="Simulated learning curves (held-out test accuracy)", height=240)
    )


def ab_accuracy_chart(history: list[dict]) -> alt.Chart:
    """Cumulative audit accuracy of each arm of an A/B or shadow experiment at each look, with its n."""
    rows = [
        {
            "at": look["at"],
            "arm": arm,
            "accuracy": look[f"{arm}_correct"] / look[f"{arm}_n_audit"],
            "audit labels": look[f"{arm}_n_audit"],
        }
        for look in history
        for arm in ("champion", "challenger")
        if look.get(f"{arm}_n_audit")
    ]
    frame = pd.DataFrame(rows, columns=["at", "arm", "accuracy", "audit labels"])
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("at:T", title="look (after each batch, and at the latest evidence)"),
            y=alt.Y("accuracy:Q", scale=alt.Scale(zero=False), title="audit accuracy so far"),
            color="arm:N",
            tooltip=["arm", "at:T", alt.Tooltip("accuracy:Q", format=".3f"), "audit labels"],
        )
        .properties(title="Cumulative audit accuracy per arm", height=240)
    )


def ab_p_value_chart(history: list[dict], alpha: float) -> alt.Chart:
    """The always-valid (mSPRT) p-value of each metric at each look, against the significance level."""
    names = {"accuracy_p": "audit accuracy", "dispute_rate_p": "dispute rate"}
    rows = [
        {"at": look["at"], "metric": name, "p": max(look[key], 1e-12)}
        for look in history
        for key, name in names.items()
        if look.get(key) is not None
    ]
    frame = pd.DataFrame(rows, columns=["at", "metric", "p"])
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("at:T", title="look (after each batch, and at the latest evidence)"),
            y=alt.Y("p:Q", scale=alt.Scale(type="log"), title="always-valid p-value"),
            color="metric:N",
            tooltip=["metric", "at:T", alt.Tooltip("p:Q", format=".3g")],
        )
    )
    level = alt.Chart(pd.DataFrame({"p": [alpha]})).mark_rule(strokeDash=[4, 4]).encode(y="p:Q")
    return (lines + level).properties(title=f"Sequential p-values (significant below {alpha:g})", height=240)


# --- Monitor page ---------------------------------------------------------------------------------

_TRENDS = {  # metric -> (title, interval field, field of the n it rests on, what n counts)
    "accuracy": ("Audit accuracy", "accuracy_ci", "n_audit_labels", "audit labels"),
    "dispute_rate": ("Dispute rate", "dispute_rate_ci", "n_predictions", "predictions"),
    "mean_confidence": ("Mean confidence", None, "n_predictions", "predictions"),
    "share_drifted": ("Share of drifted columns", None, "n_current", "rows tested"),
}


def window_trend_chart(windows: list[MonitorWindow], metric: str, window_kind: str = "batch") -> alt.Chart:
    """One monitored figure per window, oldest first, with its 95% interval band where it has one.

    ``metric`` is accuracy, dispute_rate, mean_confidence or share_drifted. The
    title gives the range of n the points rest on, the tooltip each point's n.
    Windows without a value (no audit label, drift not tested) leave a gap.
    Batches are numbered on the axis (their ids are long), days and weeks shown
    by their first date.
    """
    title, interval, n_key, n_name = _TRENDS[metric]
    rows = []
    for position, window in enumerate(windows, start=1):
        if metric == "share_drifted":
            value, n = (window.drift.report.share_drifted, window.drift.n_current) if window.drift else (None, 0)
        else:
            value, n = getattr(window, metric), getattr(window, n_key)
        low, high = (interval and getattr(window, interval)) or (None, None)
        rows.append(
            {
                "window": str(position) if window_kind == "batch" else window.window,
                "id": window.window,
                "start": window.start,
                "value": value,
                "low": low,
                "high": high,
                n_name: n,
            }
        )
    frame = pd.DataFrame(rows, columns=["window", "id", "start", "value", "low", "high", n_name])
    tooltip = ["id", "start", alt.Tooltip("value:Q", title=metric, format=".3f"), n_name]
    if interval:
        tooltip[3:3] = [alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f")]
    base = alt.Chart(frame).encode(x=alt.X("window:N", sort=None, title="window (oldest first)"))
    chart = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=metric, scale=alt.Scale(zero=False)), tooltip=tooltip
    )
    if interval:
        chart = base.mark_area(opacity=0.2).encode(y="low:Q", y2="high:Q") + chart
    if metric == "share_drifted":
        chart += alt.Chart(pd.DataFrame({"value": [0.5]})).mark_rule(strokeDash=[4, 4]).encode(y="value:Q")
    counts = sorted({int(n) for n in frame.loc[frame["value"].notna(), n_name]}) or [0]
    rests_on = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    return chart.properties(title=f"{title} ({rests_on} {n_name} per window)", height=220)


def reliability_chart(calibration: list[dict], n_labels: int) -> alt.Chart:
    """Reliability diagram: stated confidence against audit accuracy per bin, with Wilson intervals."""
    frame = pd.DataFrame(calibration)
    frame = frame[frame["n"] > 0]
    base = alt.Chart(frame).encode(
        x=alt.X("mean_confidence:Q", scale=alt.Scale(domain=[0, 1]), title="mean stated confidence")
    )
    tooltip = [
        alt.Tooltip("bin_low:Q", format=".1f"),
        alt.Tooltip("bin_high:Q", format=".1f"),
        "n",
        alt.Tooltip("mean_confidence:Q", format=".3f"),
        alt.Tooltip("accuracy:Q", format=".3f"),
        alt.Tooltip("accuracy_ci_low:Q", format=".3f"),
        alt.Tooltip("accuracy_ci_high:Q", format=".3f"),
    ]
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x="x:Q", y="y:Q")
    )
    bars = base.mark_rule().encode(
        y=alt.Y("accuracy_ci_low:Q", scale=alt.Scale(domain=[0, 1])), y2="accuracy_ci_high:Q"
    )
    points = base.mark_circle().encode(
        y=alt.Y("accuracy:Q", title="audit accuracy"), size=alt.Size("n:Q", legend=None), tooltip=tooltip
    )
    return (diagonal + bars + points).properties(title=f"Reliability on {n_labels} audit labels", height=260)


def class_mix_chart(mix: list[dict], n_predictions: int, n_training: int) -> alt.Chart:
    """Share of each class among the window's predictions beside its share in the champion's training data."""
    predicted, training = f"predicted ({n_predictions})", f"training ({n_training})"
    rows = [
        {"class": row["label"], "source": source, "share": row[key], "n": row[n_key]}
        for row in mix
        for source, key, n_key in (
            (predicted, "predicted_share", "predicted_n"),
            (training, "reference_share", "reference_n"),
        )
    ]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("class:N", sort=None),
            xOffset="source:N",
            y=alt.Y("share:Q", title="share"),
            color="source:N",
            tooltip=["class", "source", alt.Tooltip("share:Q", format=".3f"), "n"],
        )
        .properties(title="Predicted class mix against the training mix", height=260)
    )
