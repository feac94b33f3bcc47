"""The ``ab`` commands: A/B and shadow experiments on live traffic."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from feedback.cli.base import cli, cli_actor, command, emit
from feedback.workspace import Workspace

if TYPE_CHECKING:
    from feedback.experiments import ExperimentStatus, Proportion


@cli.group("ab")
def ab_group():
    """A/B or shadow test of a challenger on live traffic: start, status, stop.

    Each subcommand takes --home like the other commands.

    Example: python -m feedback ab start --challenger 2 --share 0.5 --unit-col user_id
    """


def _registration_options(fn):
    """The pre-registration options shared by ``ab start`` and ``ab plan``."""
    options = [
        click.option(
            "--primary",
            default="accuracy",
            show_default=True,
            help="The metric the experiment is judged on: accuracy, dispute_rate, or an outcome metric.",
        ),
        click.option(
            "--guardrail",
            multiple=True,
            help="A metric the challenger must not make worse (repeatable; 'none' for none). "
            "Default: the built-in metrics other than the primary.",
        ),
        click.option(
            "--lower-is-better", multiple=True, help="An outcome metric whose decrease is the improvement (repeatable)."
        ),
        click.option(
            "--min-effect",
            type=float,
            default=None,
            help="The smallest difference in the primary metric that matters (accuracy: 0.02 is 2 points).",
        ),
        click.option(
            "--horizon-units",
            type=int,
            default=None,
            help="Judge once, with the fixed-horizon test, at this many units per arm. Default: sequential.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@command(ab_group, "start")
@click.option("--challenger", "version", required=True, type=int, help="Model version to test against the champion.")
@click.option(
    "--share",
    default=0.5,
    show_default=True,
    type=float,
    help="Share of units the challenger serves, strictly between 0 and 1 (ignored with --shadow).",
)
@click.option("--shadow", is_flag=True, help="Serve everyone with the champion; only log the challenger's answers.")
@click.option(
    "--unit-col",
    default=None,
    help="Input column with the unit id (e.g. a user id): one unit always sees one model. "
    "Default: each prediction id is its own unit.",
)
@_registration_options
@click.option("--by", "actor", default="cli", show_default=True, help="Who started it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_start_cmd(ws: Workspace, version, share, shadow, unit_col, actor, as_json, **registration):
    """Start routing live traffic between the champion and a challenger version, judged as stated now.

    Example: python -m feedback ab start --challenger 2 --unit-col user_id --primary revenue --min-effect 0.5
    """
    from feedback.experiments import plan_experiment, start_experiment

    registration = _registration(registration)
    plan = None if shadow else plan_experiment(ws, share=share, **_plan_args(registration))
    experiment = start_experiment(
        ws, version, share, shadow=shadow, unit_col=unit_col, actor=cli_actor(actor), **registration
    )
    split = "in shadow (the champion serves everyone)" if experiment.shadow else f"on {experiment.share:.0%} of units"
    unit = experiment.unit_col or "the prediction id"
    guards = ", ".join(experiment.guardrail_metrics or ()) or "none"
    if experiment.shadow:
        judged = "Compared on the same audit items with the paired tests (McNemar mid-p, paired bootstrap)."
    elif experiment.horizon_units is None:
        judged = f"Judged on {experiment.primary_metric} (guardrails: {guards}) by the always-valid sequential tests."
    else:
        judged = (
            f"Judged on {experiment.primary_metric} (guardrails: {guards}) once, by the fixed-horizon tests, "
            f"at {experiment.horizon_units:,} units per arm."
        )
    text = (
        f"Experiment {experiment.id} started: challenger v{experiment.challenger_version} against champion "
        f"v{experiment.champion_version} {split}, unit: {unit}. Ingested batches are routed from now on.\n{judged}"
    )
    data = experiment.model_dump()
    if plan is not None:
        text += "\n" + plan.describe()
        data["plan"] = asdict(plan)
    emit(data, as_json, text)


@command(ab_group, "plan")
@_registration_options
@click.option("--share", default=0.5, show_default=True, type=float, help="Share of units the challenger would serve.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_plan_cmd(ws: Workspace, share, as_json, **registration):
    """Before launch: the units an experiment needs for 80% power at the smallest effect that matters.

    Example: python -m feedback ab plan --primary revenue --min-effect 0.5 --horizon-units 3000
    """
    from feedback.experiments import plan_experiment

    plan = plan_experiment(ws, share=share, **_plan_args(_registration(registration)))
    emit(asdict(plan), as_json, plan.describe())


def _registration(options: dict) -> dict:
    """The pre-registration keywords of :func:`feedback.experiments.start_experiment` from the options."""
    return {
        "primary_metric": options["primary"],
        "guardrails": None if not options["guardrail"] else [g for g in options["guardrail"] if g != "none"],
        "lower_is_better": list(options["lower_is_better"]),
        "min_effect": options["min_effect"],
        "horizon_units": options["horizon_units"],
    }


def _plan_args(registration: dict) -> dict:
    return {key: registration[key] for key in ("primary_metric", "min_effect", "horizon_units")}


@command(ab_group, "status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_status_cmd(ws: Workspace, as_json):
    """Per-arm figures, the tests, the traffic-split check and a recommendation.

    Example: python -m feedback ab status --json
    """
    from feedback.experiments import experiment_status

    status = experiment_status(ws)
    emit(status.to_dict(), as_json, _ab_status_text(status))


def _ab_status_text(status: ExperimentStatus) -> str:
    experiment = status.experiment
    state = "running" if experiment.running else f"stopped ({experiment.stop_reason or 'no reason given'})"
    lines = [
        f"Experiment {experiment.id} ({experiment.mode}, {state}): challenger "
        f"v{experiment.challenger_version} against champion v{experiment.champion_version}."
    ]
    for arm, figures in status.arms.items():
        line = f"  {arm} v{figures.version}: {figures.n_predictions} predictions, {figures.n_units} units; "
        line += _proportion_text("audit accuracy", figures.accuracy)
        if figures.dispute_rate is not None:
            line += "; " + _proportion_text("dispute rate", figures.dispute_rate)
        lines.append(line)
    for metric, tests in status.tests.outcomes.items():
        arms = "; ".join(
            f"{arm} {'n/a' if f.mean is None else f'{f.mean:.4g}'} per unit ({f.n_units} units, {f.n_values} values)"
            for arm, f in tests.arms.items()
        )
        lines.append(f"  {metric}: {arms}.")
    lines.append(f"Recommendation: {status.recommendation.action}.")
    lines += [f"  - {reason}" for reason in status.recommendation.reasons]
    return "\n".join(lines)


def _proportion_text(name: str, figure: Proportion) -> str:
    if not figure.n:
        return f"{name} n/a (n=0)"
    return f"{name} {figure.estimate:.1%} (95% interval {figure.ci_low:.1%} to {figure.ci_high:.1%}, n={figure.n})"


@command(ab_group, "stop")
@click.option("--reason", default="", help="Why: kept with the experiment.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who stopped it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_stop_cmd(ws: Workspace, reason, actor, as_json):
    """Stop the running experiment: the champion serves everyone again from the next ingest.

    Example: python -m feedback ab stop --reason "challenger promoted"
    """
    from feedback.experiments import stop_experiment

    experiment = stop_experiment(ws, actor=cli_actor(actor), reason=reason)
    emit(experiment.model_dump(), as_json, f"Experiment {experiment.id} stopped.")
