"""Altair charts for the Models page: built here so the page only displays them."""

from __future__ import annotations

import altair as alt
import pandas as pd

from active_learning.simulate import mean_curve


def per_class_f1_chart(report: dict) -> alt.Chart:
    """Champion and challenger F1 per class, side by side, with each class's audit support."""
    rows = [
        {"model": side, "class": label, "F1": scores["f1"], "support": scores["support"]}
        for side in ("champion", "challenger")
        for label, scores in report[side]["per_class"].items()
    ]
    return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("class:N", sort=None), xOffset="model:N", y=alt.Y("F1:Q", scale=alt.Scale(domain=[0, 1])),
        color="model:N", tooltip=["model", "class", alt.Tooltip("F1:Q", format=".3f"), "support"],
    ).properties(title=f"F1 per class on {report['n_eval']} audit items", height=260)


def confusion_chart(report: dict, side: str) -> alt.Chart:
    """A confusion-matrix heat map for one side (champion or challenger)."""
    labels = report["labels"]
    rows = [
        {"true": labels[i], "predicted": labels[j], "items": count}
        for i, row in enumerate(report[side]["confusion"]) for j, count in enumerate(row)
    ]
    base = alt.Chart(pd.DataFrame(rows)).encode(x=alt.X("predicted:N", sort=labels), y=alt.Y("true:N", sort=labels))
    return (base.mark_rect().encode(color=alt.Color("items:Q", scale=alt.Scale(scheme="blues")),
                                    tooltip=["true", "predicted", "items"])
            + base.mark_text(fontSize=10).encode(text="items:Q")).properties(
        title=f"{side.capitalize()} confusion (n={report['n_eval']})", height=260)


def learning_curve_chart(curve: pd.DataFrame) -> alt.Chart:
    """Audit accuracy of each trained version against the labels it rests on."""
    return alt.Chart(curve).mark_line(point=True).encode(
        x=alt.X("labels:Q", title="labels trained on"), y=alt.Y("accuracy:Q", scale=alt.Scale(zero=False)),
        tooltip=["version", "labels", alt.Tooltip("accuracy:Q", format=".3f"), "n_audit_items"],
    ).properties(title="Learning curve so far (audit accuracy of each version)", height=240)


def simulation_chart(curves: dict) -> alt.Chart:
    """Mean simulated learning curve per strategy."""
    rows = [
        {"strategy": name, "labels": int(n), "accuracy": float(acc)}
        for name, entry in curves.items() for n, acc in mean_curve(entry["curves"])
    ]
    return alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x=alt.X("labels:Q"), y=alt.Y("accuracy:Q", scale=alt.Scale(zero=False)), color="strategy:N",
        tooltip=["strategy", "labels", alt.Tooltip("accuracy:Q", format=".3f")],
    ).properties(title="Simulated learning curves (held-out test accuracy)", height=240)
