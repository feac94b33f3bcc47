"""Commands of the review queue: the queue, its policy, suspect labels."""

from __future__ import annotations

import click

from feedback.cli.base import cli, cli_actor, command, emit
from feedback.workspace import Workspace


@command(cli, "queue")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--audit-share",
    default=None,
    type=click.FloatRange(0, 1),
    help="Share of the page given to random audit items (default: the queue policy's).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_cmd(ws: Workspace, limit, audit_share, as_json):
    """List the next items an expert should review, with why each surfaced and its priority.

    Example: python -m feedback queue --limit 10 --json
    """
    from feedback.review import build_review_queue

    items = build_review_queue(ws, limit, audit_share=audit_share)
    lines = [f"{i.id}\t{i.predicted}\t{i.confidence:.2f}\t{i.priority:.2f}\t{'; '.join(i.reasons)}" for i in items]
    emit([i.to_dict() for i in items], as_json, "\n".join(lines) or "The queue is empty.")


@command(cli, "queue-policy", needs_store=False)
@click.option(
    "--uncertainty-measure",
    type=click.Choice(["margin", "entropy", "least-confident"]),
    default=None,
    help="How the champion's doubt is measured.",
)
@click.option("--uncertainty", type=float, default=None, help="Weight of the model's uncertainty (0-10).")
@click.option("--dispute", type=float, default=None, help="Weight of an end-user dispute.")
@click.option(
    "--challenger-disagreement",
    type=float,
    default=None,
    help="Weight of the challenger (in shadow) predicting another class.",
)
@click.option("--expert-disagreement", type=float, default=None, help="Weight of a tie between experts.")
@click.option(
    "--suspect-label", type=float, default=None, help="Weight of a gold label a cross-validated model contradicts."
)
@click.option("--diversity", type=float, default=None, help="Weight of being unlike the page's other items.")
@click.option("--audit-share", type=click.FloatRange(0, 1), default=None, help="Share of each page for audit items.")
@click.option(
    "--adaptive/--fixed-ranking",
    default=None,
    help="Adaptive (the default): a bandit shifts pages between the ranking and random items by which is paying off "
    "on this task's labels. Fixed: always the ranking (plus the audit slice).",
)
@click.option(
    "--exploration-floor",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of each adaptive page (outside the audit slice) always drawn at random.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_policy_cmd(ws: Workspace, as_json, **changes):
    """Show or change how the review queue ranks items; options not given keep their value.

    Example: python -m feedback queue-policy --uncertainty-measure entropy --dispute 3
    """
    from dataclasses import asdict

    from feedback.review import save_queue_policy

    policy = asdict(save_queue_policy(ws, actor=cli_actor(), **changes))
    emit(policy, as_json, "\n".join(f"{k}: {v}" for k, v in policy.items()))


@command(cli, "suspects")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def suspects_cmd(ws: Workspace, as_json):
    """Cross-validate on every label and send the labels the model strongly contradicts back to the queue.

    Example: python -m feedback suspects --json
    """
    from feedback.review import find_suspect_labels

    report = find_suspect_labels(ws, actor=cli_actor())
    emit(
        report.to_dict(),
        as_json,
        report.reason
        or f"{report.n_suspect} suspect label(s) among {report.n_labels} ({report.folds}-fold); "
        "they are back in the review queue.",
    )
