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
@click.option("--audit-share", default=0.2, show_default=True, type=click.FloatRange(0, 1),
              help="Share of the page given to random audit items.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_cmd(ws: Workspace, limit, audit_share, as_json):
    """List the next items an expert should review, with why each surfaced.

    Example: python -m feedback queue --limit 10 --json
    """
    from feedback.queue import build_review_queue

    items = [i.to_dict() for i in build_review_queue(ws, limit, audit_share=audit_share)]
    lines = [f"{i['id']}\t{i['predicted']}\t{i['confidence']:.2f}\t{'; '.join(i['reasons'])}" for i in items]
    _emit(items, as_json, "\n".join(lines) or "The queue is empty.")


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo_cmd(ws: Workspace, random_state, as_json):
    """Build the digits demo: seed set, v1 champion, drifting production batches, disputes.

    Example: FEEDBACK_HOME=demo python -m feedback demo
    """
    from feedback.demo import build_demo

    summary = build_demo(ws, random_state=random_state)
    _emit(summary, as_json, f"Demo built in {ws.home}: {summary['predictions']} predictions in "
                            f"{summary['batches']} batches, {summary['disputes']} disputes.")


def main() -> None:
    """Entry point of ``python -m feedback``."""
    cli(prog_name="python -m feedback")
