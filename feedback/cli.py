"""The command line: each command parses its options and calls one library function."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from feedback.exceptions import FeedbackError, ModelIntegrityError, NotInitializedError
from feedback.workspace import Workspace, open_workspace


def _emit(data, as_json: bool, text: str | None = None) -> None:
    if as_json:
        click.echo(json.dumps(data, default=str, indent=2))
    else:
        click.echo(text if text is not None else json.dumps(data, default=str, indent=2))


def command(group, name: str, *, needs_store: bool = True, creates_store: bool = False):
    """Register a command that gets an open Workspace, with errors turned into clear messages.

    Commands that only use an existing store refuse a home with no database
    file before opening it, so a typo in ``--home`` creates nothing.
    """

    def wrap(fn):
        @group.command(name)
        @click.option("--home", type=click.Path(file_okay=False), default=None,
                      help="Store folder (default: $FEEDBACK_HOME or data/).")
        @functools.wraps(fn)
        def run(home, **kwargs):
            ws = open_workspace(home)
            try:
                if not creates_store and ws.database_path is not None and not ws.database_path.exists():
                    raise NotInitializedError(f"{ws.home} (no {ws.database_path.name} there)")
                if needs_store:
                    from feedback.db import ensure_available

                    ensure_available(ws.engine)
                fn(ws, **kwargs)
            except (FeedbackError, ModelIntegrityError) as exc:
                click.echo(f"Error: {exc}", err=True)
                sys.exit(1)
            finally:
                ws.close()

        return run

    return wrap


@click.group()
def cli():
    """Keep a production classifier improving: log, review, retrain, compare, promote."""


@command(cli, "init", creates_store=True)
@click.option("--data", "data", required=True, type=click.Path(), help="Labelled seed file (CSV, Parquet, JSONL).")
@click.option("--label-col", required=True, help="Column holding the label.")
@click.option("--id-col", default="id", show_default=True, help="Column holding a unique id.")
@click.option("--model", "model_name", default="logistic", show_default=True,
              type=click.Choice(["logistic", "random-forest", "gradient-boosting"]))
@click.option("--audit-share", default=0.05, show_default=True, type=float,
              help="Share of production items kept as the uniformly random audit slice.")
@click.option("--image-shape", default=None, help="Draw numeric features as an image, e.g. 8x8.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def init_cmd(ws: Workspace, data, label_col, id_col, model_name, audit_share, image_shape, as_json):
    """Create the task from a labelled seed file and train version 1 as champion.

    Example: python -m feedback init --data seed.csv --label-col label
    """
    from feedback.tasks import init_task

    shape = None
    if image_shape:
        try:
            shape = tuple(int(p) for p in image_shape.lower().split("x"))
        except ValueError:
            raise click.BadParameter("use ROWSxCOLS, e.g. 8x8", param_hint="--image-shape") from None
    result = init_task(ws, data, label_col, id_col=id_col, model_name=model_name, audit_share=audit_share,
                       image_shape=shape)
    _emit(result.to_dict(), as_json,
          f"Task created: {len(result.labels)} labels, {len(result.features)} features, "
          f"{result.n_seed} seed rows; version {result.champion_version} is champion.")


@command(cli, "ingest", needs_store=False)
@click.argument("file", type=click.Path())
@click.option("--inbox", is_flag=True, help="Hand the file to the running app through its inbox folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ingest_cmd(ws: Workspace, file, inbox, as_json):
    """Log production inputs, scored by the champion (and the challenger in shadow).

    Example: python -m feedback ingest batch-2026-11-26.csv
    """
    _ingest(ws, file, inbox, as_json, kind="predictions")


@command(cli, "ingest-feedback", needs_store=False)
@click.argument("file", type=click.Path())
@click.option("--inbox", is_flag=True, help="Hand the file to the running app through its inbox folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ingest_feedback_cmd(ws: Workspace, file, inbox, as_json):
    """Log end-user signals: columns id, signal (disputed|accepted), optional user_label.

    Example: python -m feedback ingest-feedback disputes.csv
    """
    _ingest(ws, file, inbox, as_json, kind="feedback")


def _ingest(ws: Workspace, file, inbox: bool, as_json: bool, *, kind: str) -> None:
    if inbox:
        from feedback.inbox import drop_into_inbox

        target = drop_into_inbox(ws, Path(file), kind)
        _emit({"inbox": str(target)}, as_json, f"Handed to the app: {target}")
        return
    from feedback.db import ensure_available
    from feedback.ingest import ingest_feedback, ingest_predictions

    ensure_available(ws.engine)
    if kind == "predictions":
        result = ingest_predictions(ws, file).to_dict()
        _emit(result, as_json, f"Logged {result['n_new']} new predictions ({result['n_audit']} audit items); "
                               f"{result['n_skipped_existing']} already logged.")
    else:
        n = ingest_feedback(ws, file)
        _emit({"signals": n}, as_json, f"Logged {n} end-user signals.")


@command(cli, "label")
@click.argument("item_id")
@click.argument("label", required=False)
@click.option("--annotator", required=True, help="Who is labelling.")
@click.option("--action", type=click.Choice(["confirm", "correct", "skip", "ambiguous"]), default=None,
              help="Default: confirm when LABEL equals the prediction, else correct.")
@click.option("--reason", "reason_code", default=None, help="Reason code.")
@click.option("--comment", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def label_cmd(ws: Workspace, item_id, label, annotator, action, reason_code, comment, as_json):
    """Record one expert label for a logged prediction.

    Example: python -m feedback label d-1042 7 --annotator ana
    """
    from feedback.labels import record_label

    event = record_label(ws, item_id, label, annotator=annotator, action=action, reason_code=reason_code,
                         comment=comment)
    labelled = f" as {event.label}" if event.label is not None else ""
    _emit(event.model_dump(), as_json, f"Recorded {event.action} of {item_id}{labelled} (event {event.id}).")


@command(cli, "import-labels")
@click.argument("file", type=click.Path())
@click.option("--annotator", required=True, help="Who labelled the file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def import_labels_cmd(ws: Workspace, file, annotator, as_json):
    """Record labels from a file with columns id and label (optional comment, reason_code).

    Example: python -m feedback import-labels reviewed.csv --annotator ana
    """
    from feedback.labels import import_labels

    n = import_labels(ws, file, annotator=annotator)
    _emit({"label_events": n}, as_json, f"Recorded {n} label events.")


@command(cli, "queue")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--audit-share", default=None, type=click.FloatRange(0, 1),
              help="Share of the page given to random audit items (default: the queue policy's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_cmd(ws: Workspace, limit, audit_share, as_json):
    """List the next items an expert should review, with why each surfaced and its priority.

    Example: python -m feedback queue --limit 10 --json
    """
    from feedback.queue import build_review_queue

    items = [i.to_dict() for i in build_review_queue(ws, limit, audit_share=audit_share)]
    lines = [f"{i['id']}\t{i['predicted']}\t{i['confidence']:.2f}\t{i['priority']:.2f}\t{'; '.join(i['reasons'])}"
             for i in items]
    _emit(items, as_json, "\n".join(lines) or "The queue is empty.")


@command(cli, "queue-policy", needs_store=False)
@click.option("--uncertainty-measure", type=click.Choice(["margin", "entropy", "least-confident"]), default=None,
              help="How the champion's doubt is measured.")
@click.option("--uncertainty", type=float, default=None, help="Weight of the model's uncertainty (0-10).")
@click.option("--dispute", type=float, default=None, help="Weight of an end-user dispute.")
@click.option("--challenger-disagreement", type=float, default=None,
              help="Weight of the challenger (in shadow) predicting another class.")
@click.option("--expert-disagreement", type=float, default=None, help="Weight of a tie between experts.")
@click.option("--suspect-label", type=float, default=None,
              help="Weight of a gold label a cross-validated model contradicts.")
@click.option("--diversity", type=float, default=None, help="Weight of being unlike the page's other items.")
@click.option("--audit-share", type=click.FloatRange(0, 1), default=None, help="Share of each page for audit items.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_policy_cmd(ws: Workspace, as_json, **changes):
    """Show or change how the review queue ranks items; options not given keep their value.

    Example: python -m feedback queue-policy --uncertainty-measure entropy --dispute 3
    """
    from dataclasses import asdict

    from feedback.queue_policy import save_queue_policy

    policy = asdict(save_queue_policy(ws, **changes))
    _emit(policy, as_json, "\n".join(f"{k}: {v}" for k, v in policy.items()))


@command(cli, "suspects")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def suspects_cmd(ws: Workspace, as_json):
    """Cross-validate on every label and send the labels the model strongly contradicts back to the queue.

    Example: python -m feedback suspects --json
    """
    from feedback.suspects import find_suspect_labels

    report = find_suspect_labels(ws)
    _emit(report, as_json, report.get("reason") or
          f"{report['n_suspect']} suspect label(s) among {report['n_labels']} ({report['folds']}-fold); "
          "they are back in the review queue.")


@command(cli, "retrain")
@click.option("--auto-promote", is_flag=True,
              help="Promote when the gate says promote (also on when the retrain policy says so).")
@click.option("--min-gain", type=float, default=None, help="Minimum accuracy gain to promote (policy default 0).")
@click.option("--alpha", type=float, default=None, help="Significance level of McNemar's test (policy default 0.05).")
@click.option("--per-class-tolerance", type=float, default=None,
              help="Largest allowed drop in any class's recall (policy default 0.05).")
@click.option("--min-eval", type=int, default=None, help="Fewest audit items to decide on (policy default 20).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def retrain_cmd(ws: Workspace, auto_promote, min_gain, alpha, per_class_tolerance, min_eval, as_json):
    """Train a challenger on the expert labels and compare it with the champion on audit items.

    Example: python -m feedback retrain --json
    """
    from dataclasses import replace

    from feedback.retraining import retrain
    from feedback.triggers import load_policy

    saved = load_policy(ws)
    overrides = {k: v for k, v in {"min_gain": min_gain, "alpha": alpha, "per_class_tolerance": per_class_tolerance,
                                   "min_eval": min_eval}.items() if v is not None}
    policy = replace(saved, **overrides).validated()
    result = retrain(ws, policy=policy.gate(), auto_promote=auto_promote or policy.auto_promote)
    result.pop("report")
    p_value = "n/a" if result["p_value"] is None else f"{result['p_value']:.3g}"
    challenger = result["challenger"]["version"]
    _emit(result, as_json, f"Challenger {f'v{challenger}' if challenger else '(none trained)'}: {result['decision']} "
                           f"(n_eval={result['n_eval']}, p={p_value}).\n" + "\n".join(result["reasons"]))


@command(cli, "triggers", needs_store=False)
@click.option("--every-n-labels", type=click.IntRange(min=0), default=None,
              help="Retrain after this many new expert labels (0 turns it off).")
@click.option("--every-minutes", type=click.FloatRange(min=0), default=None,
              help="Retrain when the newest version is older than this (0 turns it off).")
@click.option("--on-alert/--no-on-alert", default=None, help="Retrain when a monitoring alert opens.")
@click.option("--auto-promote/--no-auto-promote", default=None, help="Promote when the gate says promote.")
@click.option("--min-gain", type=float, default=None, help="Gate: minimum accuracy gain to promote.")
@click.option("--alpha", type=float, default=None, help="Gate: significance level of McNemar's test.")
@click.option("--per-class-tolerance", type=float, default=None, help="Gate: largest allowed recall drop per class.")
@click.option("--min-eval", type=int, default=None, help="Gate: fewest audit items to decide on.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def triggers_cmd(ws: Workspace, every_n_labels, every_minutes, on_alert, auto_promote, min_gain, alpha,
                 per_class_tolerance, min_eval, as_json):
    """Show or change the retrain policy: triggers, gate thresholds, auto-promotion.

    Example: python -m feedback triggers --every-n-labels 200 --auto-promote
    """
    from dataclasses import asdict, replace

    from feedback.triggers import load_policy, save_policy

    policy = load_policy(ws)
    changes = {k: v for k, v in {"on_alert": on_alert, "auto_promote": auto_promote, "min_gain": min_gain,
                                 "alpha": alpha, "per_class_tolerance": per_class_tolerance,
                                 "min_eval": min_eval}.items() if v is not None}
    if every_n_labels is not None:
        changes["every_n_labels"] = every_n_labels or None
    if every_minutes is not None:
        changes["every_minutes"] = every_minutes or None
    if changes:
        policy = save_policy(ws, replace(policy, **changes))
    _emit(asdict(policy), as_json, ", ".join(f"{k}={v}" for k, v in asdict(policy).items()))


@command(cli, "promote")
@click.argument("version", type=int)
@click.option("--reason", required=True, help="Why: kept with the decision.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decided.")
def promote_cmd(ws: Workspace, version, reason, actor):
    """Make a model version the champion.

    Example: python -m feedback promote 3 --reason "better on 240 audit items, p=0.01"
    """
    from feedback.versions import promote

    decision = promote(ws, version, reason=reason, actor=actor)
    click.echo(f"Version {decision.version} is champion (was {decision.previous_version}).")


@command(cli, "rollback")
@click.option("--reason", required=True, help="Why: kept with the decision.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decided.")
def rollback_cmd(ws: Workspace, reason, actor):
    """Give the champion alias back to the version that held it before.

    Example: python -m feedback rollback --reason "disputes doubled after promotion"
    """
    from feedback.versions import rollback

    decision = rollback(ws, reason=reason, actor=actor)
    click.echo(f"Rolled back: version {decision.version} is champion again (was {decision.previous_version}).")


@command(cli, "predict")
@click.argument("file", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="CSV to write.")
@click.option("--version", type=int, default=None, help="Model version (default: the champion).")
def predict_cmd(ws: Workspace, file, out, version):
    """Write id, predicted and proba_<class> columns for every row of a file.

    Example: python -m feedback predict new.csv --out scored.csv
    """
    from feedback.batch import predict_file

    click.echo(f"Wrote {predict_file(ws, file, out, version=version)}")


@command(cli, "export")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl"]), default="csv", show_default=True)
@click.option("--out", required=True, type=click.Path(), help="File to write.")
def export_cmd(ws: Workspace, fmt, out):
    """Export every label event with its provenance.

    Example: python -m feedback export --format parquet --out labels.parquet
    """
    from feedback.export import export_labels

    click.echo(f"Wrote {export_labels(ws, out, fmt)}")


@command(cli, "status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_cmd(ws: Workspace, as_json):
    """Counts, the champion, the challenger and open alerts.

    Example: python -m feedback status --json
    """
    from feedback.status import store_status

    status = store_status(ws)
    champion = status["champion"]["version"] if status["champion"] else None
    challenger = status["challenger"]["version"] if status["challenger"] else None
    _emit(status, as_json, f"{status['predictions']} predictions, {status['label_events']} label events, "
                           f"champion v{champion}, challenger {f'v{challenger}' if challenger else 'none'}, "
                           f"{len(status['open_alerts'])} open alerts.\n" + _live_accuracy_text(status["live_accuracy"]))


def _live_accuracy_text(figure: dict) -> str:
    if not figure["n"]:
        return "Live accuracy: no audit item has an expert label yet."
    return (f"Live accuracy of the champion: {figure['estimate']:.1%} (95% interval {figure['ci_low']:.1%} to "
            f"{figure['ci_high']:.1%}, n={figure['n']} audit items).")


@command(cli, "demo", creates_store=True)
@click.option("--seed", "random_state", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--batches", "batches_to_ingest", default=6, show_default=True, type=click.IntRange(0, 6),
              help="Ingest only the first batches (all files are written; ingest the rest later).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo_cmd(ws: Workspace, random_state, batches_to_ingest, as_json):
    """Build the digits demo: seed set, v1 champion, drifting production batches, audit labels, disputes.

    Example: FEEDBACK_HOME=demo python -m feedback demo
    """
    from feedback.demo import build_demo

    summary = build_demo(ws, random_state=random_state, batches_to_ingest=batches_to_ingest)
    _emit(summary, as_json, f"Demo built in {ws.home}: {summary['predictions']} predictions in "
                            f"{summary['batches']} batches, {summary['audit_labels']} audit labels, "
                            f"{summary['disputes']} disputes.")


@cli.group("ab")
def ab_group():
    """A/B or shadow test of a challenger on live traffic: start, status, stop.

    Each subcommand takes --home like the other commands.

    Example: python -m feedback ab start --challenger 2 --share 0.5 --unit-col user_id
    """


@command(ab_group, "start")
@click.option("--challenger", "version", required=True, type=int, help="Model version to test against the champion.")
@click.option("--share", default=0.5, show_default=True, type=float,
              help="Share of units the challenger serves, strictly between 0 and 1 (ignored with --shadow).")
@click.option("--shadow", is_flag=True, help="Serve everyone with the champion; only log the challenger's answers.")
@click.option("--unit-col", default=None,
              help="Input column with the unit id (e.g. a user id): one unit always sees one model. "
                   "Default: each prediction id is its own unit.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who started it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_start_cmd(ws: Workspace, version, share, shadow, unit_col, actor, as_json):
    """Start routing live traffic between the champion and a challenger version.

    Example: python -m feedback ab start --challenger 2 --share 0.5 --unit-col user_id
    """
    from feedback.ab import start_experiment

    experiment = start_experiment(ws, version, share, shadow=shadow, unit_col=unit_col, actor=actor)
    split = "in shadow (the champion serves everyone)" if experiment.shadow else f"on {experiment.share:.0%} of units"
    unit = experiment.unit_col or "the prediction id"
    _emit(experiment.model_dump(), as_json,
          f"Experiment {experiment.id} started: challenger v{experiment.challenger_version} against champion "
          f"v{experiment.champion_version} {split}, unit: {unit}. Ingested batches are routed from now on.")


@command(ab_group, "status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_status_cmd(ws: Workspace, as_json):
    """Per-arm figures, the tests, the traffic-split check and a recommendation.

    Example: python -m feedback ab status --json
    """
    from feedback.ab import experiment_status

    status = experiment_status(ws)
    _emit(status, as_json, _ab_status_text(status))


def _ab_status_text(status: dict) -> str:
    experiment = status["experiment"]
    state = "running" if experiment["running"] else f"stopped ({experiment['stop_reason'] or 'no reason given'})"
    lines = [f"Experiment {experiment['id']} ({experiment['mode']}, {state}): challenger "
             f"v{experiment['challenger_version']} against champion v{experiment['champion_version']}."]
    for arm, figures in status["arms"].items():
        accuracy, disputes = figures["accuracy"], figures["dispute_rate"]
        line = f"  {arm} v{figures['version']}: {figures['n_predictions']} predictions, {figures['n_units']} units; "
        line += _proportion_text("audit accuracy", accuracy)
        if disputes is not None:
            line += "; " + _proportion_text("dispute rate", disputes)
        lines.append(line)
    recommendation = status["recommendation"]
    lines.append(f"Recommendation: {recommendation['action']}.")
    lines += [f"  - {reason}" for reason in recommendation["reasons"]]
    return "\n".join(lines)


def _proportion_text(name: str, figure: dict) -> str:
    if not figure["n"]:
        return f"{name} n/a (n=0)"
    return (f"{name} {figure['estimate']:.1%} (95% interval {figure['ci_low']:.1%} to {figure['ci_high']:.1%}, "
            f"n={figure['n']})")


@command(ab_group, "stop")
@click.option("--reason", default="", help="Why: kept with the experiment.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who stopped it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ab_stop_cmd(ws: Workspace, reason, actor, as_json):
    """Stop the running experiment: the champion serves everyone again from the next ingest.

    Example: python -m feedback ab stop --reason "challenger promoted"
    """
    from feedback.ab import stop_experiment

    experiment = stop_experiment(ws, actor=actor, reason=reason)
    _emit(experiment.model_dump(), as_json, f"Experiment {experiment.id} stopped.")


def main() -> None:
    """Entry point of ``python -m feedback``."""
    cli(prog_name="python -m feedback")


# --- monitoring and alerts ------------------------------------------------------------------------


@command(cli, "monitor")
@click.option("--window", type=click.Choice(["batch", "day", "week"]), default="batch", show_default=True,
              help="batch: one ingest call; day, week: UTC calendar days, ISO weeks.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def monitor_cmd(ws: Workspace, window, as_json):
    """Per-window audit accuracy, dispute rate, confidence, class mix, calibration and feature drift.

    Example: python -m feedback monitor --window day --json
    """
    from feedback.monitoring import monitor

    result = monitor(ws, window)
    lines = [_window_text(w) for w in result["windows"]] or ["Nothing ingested yet."]
    n_open = sum(a["state"] == "open" for a in result["alerts"])
    _emit(result, as_json, "\n".join(lines) + f"\n{n_open} open alerts (python -m feedback alerts).")


def _window_text(window: dict) -> str:
    if window["n_audit_labels"]:
        low, high = window["accuracy_ci"]
        accuracy = (f"accuracy {window['accuracy']:.1%} [{low:.1%}, {high:.1%}] on "
                    f"{window['n_audit_labels']} audit labels")
    else:
        accuracy = "no audit labels yet"
    drift = window["drift"]
    drifted = (f"drift in {drift['n_drifted']} of {drift['n_tested']} columns"
               f"{' (dataset drifted)' if drift['dataset_drifted'] else ''}") if drift else "drift not tested"
    return (f"{window['window']}: {window['n_predictions']} predictions; {accuracy}; disputes "
            f"{window['dispute_rate']:.1%}; mean confidence {window['mean_confidence']:.2f}; {drifted}")


@cli.group("alerts", invoke_without_command=True)
@click.option("--state", "states", multiple=True, type=click.Choice(["open", "acknowledged", "resolved"]),
              help="Only alerts in this state (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--home", type=click.Path(file_okay=False), default=None,
              help="Store folder (default: $FEEDBACK_HOME or data/). Each subcommand takes --home too.")
@click.pass_context
def alerts_group(ctx, states, as_json, home):
    """List monitoring alerts (newest first); ack, resolve, check and configure them.

    Example: python -m feedback alerts --state open
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(alerts_list_cmd, home=home, states=states, as_json=as_json)


@command(alerts_group, "list")
@click.option("--state", "states", multiple=True, type=click.Choice(["open", "acknowledged", "resolved"]),
              help="Only alerts in this state (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alerts_list_cmd(ws: Workspace, states, as_json):
    """List monitoring alerts, newest first.

    Example: python -m feedback alerts list --state open --json
    """
    from feedback.alerts import list_alerts

    alerts = list_alerts(ws, states or None)
    lines = [f"#{a['id']} [{a['state']}] {a['created_at'][:16]} {a['message']}" for a in alerts]
    _emit(alerts, as_json, "\n".join(lines) or "No alerts.")


def _alert_state_command(name: str, state: str, summary: str):
    @command(alerts_group, name)
    @click.argument("alert_id", type=int)
    @click.option("--by", "actor", default="cli", show_default=True, help="Who is doing it.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def change(ws: Workspace, alert_id, actor, as_json):
        from feedback.alerts import set_alert_state

        alert = set_alert_state(ws, alert_id, state, actor)
        _emit(alert, as_json, f"Alert {alert['id']} is {alert['state']}.")

    change.help = f"{summary}\n\nExample: python -m feedback alerts {name} 3 --by ana"
    return change


alerts_ack_cmd = _alert_state_command("ack", "acknowledged", "Acknowledge an open alert: someone is on it.")
alerts_resolve_cmd = _alert_state_command("resolve", "resolved", "Resolve an open or acknowledged alert.")


@command(alerts_group, "check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alerts_check_cmd(ws: Workspace, as_json):
    """Evaluate the alert rules now (ingests do it by themselves), e.g. after labelling audit items.

    Example: python -m feedback alerts check
    """
    from feedback.alert_checks import check_alerts

    alerts = check_alerts(ws)
    _emit(alerts, as_json, "\n".join(f"New alert #{a['id']}: {a['message']}" for a in alerts) or "No new alerts.")


class _NumberOrOff(click.ParamType):
    """A number, or ``off`` to clear the setting."""

    name = "NUMBER|off"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().lower() == "off":
            return "off"
        try:
            return float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is neither a number nor 'off'", param, ctx)


@command(alerts_group, "configure", needs_store=False)
@click.option("--window", type=click.Choice(["batch", "day", "week"]), default=None, help="Windows the rules watch.")
@click.option("--accuracy-floor", type=_NumberOrOff(), default=None, help="Alert below this audit accuracy (off).")
@click.option("--dispute-ceiling", type=_NumberOrOff(), default=None, help="Alert above this dispute rate (off).")
@click.option("--confidence-floor", type=_NumberOrOff(), default=None, help="Alert below this mean confidence (off).")
@click.option("--band-sigma", type=_NumberOrOff(), default=None,
              help="Alert outside the mean of past windows +/- this many sigma (off: no bands).")
@click.option("--min-labels", type=int, default=None, help="Audit labels a window needs for an accuracy alert.")
@click.option("--min-predictions", type=int, default=None,
              help="Predictions a window needs for a dispute, confidence or drift alert.")
@click.option("--lookback", "lookback_windows", type=int, default=None,
              help="Latest windows re-evaluated at each check.")
@click.option("--drift/--no-drift", default=None, help="Alert on feature drift of the newest window.")
@click.option("--webhook", default=None, help="http(s) URL each new alert is POSTed to as JSON (off to remove).")
@click.option("--webhook-timeout", type=float, default=None, help="Seconds per webhook attempt.")
@click.option("--webhook-retries", type=int, default=None, help="Retries after a failed webhook attempt.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alerts_configure_cmd(ws: Workspace, as_json, webhook, **settings):
    """Show or change the alert settings: thresholds, sample sizes, the webhook.

    Example: python -m feedback alerts configure --webhook https://hooks.example.com/x --accuracy-floor 0.8
    """
    from dataclasses import asdict, replace

    from feedback.alert_policy import load_alert_policy, save_alert_policy

    changes = {k: (None if v == "off" else v) for k, v in settings.items() if v is not None}
    if webhook is not None:
        changes["webhook_url"] = None if webhook.strip().lower() == "off" else webhook.strip()
    policy = load_alert_policy(ws)
    if changes:
        policy = save_alert_policy(ws, replace(policy, **changes))
    _emit(asdict(policy), as_json, ", ".join(f"{k}={v}" for k, v in asdict(policy).items()))
