"""Commands of the model loop: retrain, its triggers, promote and roll back."""

from __future__ import annotations

import click

from feedback.cli.base import cli, cli_actor, command, emit
from feedback.workspace import Workspace


@command(cli, "retrain")
@click.option(
    "--auto-promote", is_flag=True, help="Promote when the gate says promote (also on when the retrain policy says so)."
)
@click.option("--min-gain", type=float, default=None, help="Minimum accuracy gain to promote (policy default 0).")
@click.option(
    "--alpha",
    type=float,
    default=None,
    help="False-promotion rate of all gates against one champion; gate k tests at alpha*6/(pi^2 k^2) (default 0.05).",
)
@click.option(
    "--per-class-tolerance",
    type=float,
    default=None,
    help="Largest allowed drop in any class's recall (policy default 0.05).",
)
@click.option("--min-eval", type=int, default=None, help="Fewest audit items to decide on (policy default 20).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def retrain_cmd(ws: Workspace, auto_promote, min_gain, alpha, per_class_tolerance, min_eval, as_json):
    """Train a challenger on the expert labels and compare it with the champion on audit items.

    Example: python -m feedback retrain --json
    """
    from dataclasses import replace

    from feedback.lifecycle import load_policy, retrain

    saved = load_policy(ws)
    overrides = {
        k: v
        for k, v in {
            "min_gain": min_gain,
            "alpha": alpha,
            "per_class_tolerance": per_class_tolerance,
            "min_eval": min_eval,
        }.items()
        if v is not None
    }
    policy = replace(saved, **overrides).validated()
    result = retrain(ws, actor=cli_actor(), policy=policy.gate(), auto_promote=auto_promote or policy.auto_promote)
    shown = result.to_dict()
    shown.pop("report")  # the full comparison is kept beside the models; the summary is enough here
    p_value = "n/a" if result.p_value is None else f"{result.p_value:.3g}"
    challenger = result.challenger.version
    emit(
        shown,
        as_json,
        f"Challenger {f'v{challenger}' if challenger else '(none trained)'}: {result.decision} "
        f"(n_eval={result.n_eval}, p={p_value}).\n"
        + "\n".join([*result.reasons, *([result.forecast.describe()] if result.forecast else [])]),
    )


@command(cli, "triggers", needs_store=False)
@click.option(
    "--every-n-labels",
    type=click.IntRange(min=0),
    default=None,
    help="Retrain after this many new expert labels (0 turns it off).",
)
@click.option(
    "--every-minutes",
    type=click.FloatRange(min=0),
    default=None,
    help="Retrain when the newest version is older than this (0 turns it off).",
)
@click.option("--on-alert/--no-on-alert", default=None, help="Retrain when a monitoring alert opens.")
@click.option("--auto-promote/--no-auto-promote", default=None, help="Promote when the gate says promote.")
@click.option("--min-gain", type=float, default=None, help="Gate: minimum accuracy gain to promote.")
@click.option("--alpha", type=float, default=None, help="Gate: false-promotion rate of all gates against a champion.")
@click.option("--per-class-tolerance", type=float, default=None, help="Gate: largest allowed recall drop per class.")
@click.option("--min-eval", type=int, default=None, help="Gate: fewest audit items to decide on.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def triggers_cmd(
    ws: Workspace,
    every_n_labels,
    every_minutes,
    on_alert,
    auto_promote,
    min_gain,
    alpha,
    per_class_tolerance,
    min_eval,
    as_json,
):
    """Show or change the retrain policy: triggers, gate thresholds, auto-promotion.

    Example: python -m feedback triggers --every-n-labels 200 --auto-promote
    """
    from dataclasses import asdict, replace

    from feedback.lifecycle import load_policy, save_policy

    policy = load_policy(ws)
    changes = {
        k: v
        for k, v in {
            "on_alert": on_alert,
            "auto_promote": auto_promote,
            "min_gain": min_gain,
            "alpha": alpha,
            "per_class_tolerance": per_class_tolerance,
            "min_eval": min_eval,
        }.items()
        if v is not None
    }
    if every_n_labels is not None:
        changes["every_n_labels"] = every_n_labels or None
    if every_minutes is not None:
        changes["every_minutes"] = every_minutes or None
    if changes:
        policy = save_policy(ws, replace(policy, **changes), actor=cli_actor())
    emit(asdict(policy), as_json, ", ".join(f"{k}={v}" for k, v in asdict(policy).items()))


@command(cli, "promote")
@click.argument("version", type=int)
@click.option("--reason", required=True, help="Why: kept with the decision.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decided.")
def promote_cmd(ws: Workspace, version, reason, actor):
    """Make a model version the champion.

    Example: python -m feedback promote 3 --reason "better on 240 audit items, p=0.01"
    """
    from feedback.lifecycle import promote

    decision = promote(ws, version, reason=reason, actor=cli_actor(actor))
    click.echo(f"Version {decision.version} is champion (was {decision.previous_version}).")


@command(cli, "rollback")
@click.option("--reason", required=True, help="Why: kept with the decision.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decided.")
def rollback_cmd(ws: Workspace, reason, actor):
    """Give the champion alias back to the version that held it before.

    Example: python -m feedback rollback --reason "disputes doubled after promotion"
    """
    from feedback.lifecycle import rollback

    decision = rollback(ws, reason=reason, actor=cli_actor(actor))
    click.echo(f"Rolled back: version {decision.version} is champion again (was {decision.previous_version}).")
