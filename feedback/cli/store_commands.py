"""Commands that fill and read the store: init, ingest, labels, predict, export, status, demo."""

from __future__ import annotations

from pathlib import Path

import click

from feedback.cli.base import MODEL_CHOICE, cli, cli_actor, command, emit
from feedback.settings import load_settings
from feedback.workspace import Workspace


@command(cli, "init", creates_store=True)
@click.option("--data", "data", required=True, type=click.Path(), help="Labelled seed file (CSV, Parquet, JSONL).")
@click.option("--label-col", required=True, help="Column holding the label.")
@click.option("--id-col", default="id", show_default=True, help="Column holding a unique id.")
@click.option(
    "--model",
    "model_name",
    default="logistic",
    show_default=True,
    type=MODEL_CHOICE,
)
@click.option(
    "--audit-share",
    default=0.05,
    show_default=True,
    type=float,
    help="Share of production items kept as the uniformly random audit slice.",
)
@click.option("--image-shape", default=None, help="Draw numeric features as an image, e.g. 8x8.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def init_cmd(ws: Workspace, data, label_col, id_col, model_name, audit_share, image_shape, as_json):
    """Create the task from a labelled seed file and train version 1 as champion.

    Example: python -m feedback init --data seed.csv --label-col label
    """
    from feedback.lifecycle import init_task

    shape = None
    if image_shape:
        try:
            shape = tuple(int(p) for p in image_shape.lower().split("x"))
        except ValueError:
            raise click.BadParameter("use ROWSxCOLS, e.g. 8x8", param_hint="--image-shape") from None
    result = init_task(
        ws, data, label_col, id_col=id_col, model_name=model_name, audit_share=audit_share, image_shape=shape
    )
    emit(
        result.to_dict(),
        as_json,
        f"Task created: {len(result.labels)} labels, {len(result.features)} features, "
        f"{result.n_seed} seed rows; version {result.champion_version} is champion.",
    )


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


@command(cli, "ingest-outcomes")
@click.argument("file", type=click.Path())
@click.option("--by", "actor", default="cli", show_default=True, help="Who sent them.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ingest_outcomes_cmd(ws: Workspace, file, actor, as_json):
    """Log the product's outcomes: columns id or unit_id, metric, value, time.

    Example: python -m feedback ingest-outcomes revenue-2026-11.csv
    """
    from feedback.intake import ingest_outcomes

    result = ingest_outcomes(ws, file, actor=cli_actor(actor))
    metrics = ", ".join(f"{metric} ({n})" for metric, n in result.metrics.items())
    emit(
        result.to_dict(),
        as_json,
        f"Logged {result.n_stored} outcomes of {metrics}; {result.n_skipped_existing} already logged.",
    )


def _hand_to_inbox(ws: Workspace, file, kind: str, as_json: bool, annotator: str | None = None) -> None:
    from feedback.intake import drop_into_inbox

    target = drop_into_inbox(ws, Path(file), kind, annotator=annotator)
    emit({"inbox": str(target)}, as_json, f"Handed to the app: {target}")


def _ingest(ws: Workspace, file, inbox: bool, as_json: bool, *, kind: str) -> None:
    if inbox:
        _hand_to_inbox(ws, file, kind, as_json)
        return
    from feedback import store
    from feedback.intake import ingest_feedback, ingest_predictions

    store.ensure_available(ws)
    if kind == "predictions":
        result = ingest_predictions(ws, file)
        emit(
            result.to_dict(),
            as_json,
            f"Logged {result.n_new} new predictions ({result.n_audit} audit items); "
            f"{result.n_skipped_existing} already logged.",
        )
    else:
        n = ingest_feedback(ws, file)
        emit({"signals": n}, as_json, f"Logged {n} end-user signals.")


@command(cli, "label")
@click.argument("item_id")
@click.argument("label", required=False)
@click.option("--annotator", required=True, help="Who is labelling.")
@click.option(
    "--action",
    type=click.Choice(["confirm", "correct", "skip", "ambiguous"]),
    default=None,
    help="Default: confirm when LABEL equals the prediction, else correct.",
)
@click.option("--reason", "reason_code", default=None, help="Reason code.")
@click.option("--comment", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def label_cmd(ws: Workspace, item_id, label, annotator, action, reason_code, comment, as_json):
    """Record one expert label for a logged prediction.

    Example: python -m feedback label d-1042 7 --annotator ana
    """
    from feedback.review import record_label

    event = record_label(
        ws, item_id, label, annotator=annotator, action=action, reason_code=reason_code, comment=comment
    )
    labelled = f" as {event.label}" if event.label is not None else ""
    emit(event.model_dump(), as_json, f"Recorded {event.action} of {item_id}{labelled} (event {event.id}).")


@command(cli, "import-labels", needs_store=False)
@click.argument("file", type=click.Path())
@click.option("--annotator", required=True, help="Who labelled the file.")
@click.option("--inbox", is_flag=True, help="Hand the file to the running app through its inbox folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def import_labels_cmd(ws: Workspace, file, annotator, inbox, as_json):
    """Record labels from a file with columns id and label (optional comment, reason_code).

    Example: python -m feedback import-labels reviewed.csv --annotator ana
    """
    if inbox:
        _hand_to_inbox(ws, file, "labels", as_json, annotator=annotator)
        return
    from feedback import store
    from feedback.review import import_labels

    store.ensure_available(ws)
    n = import_labels(ws, file, annotator=annotator)
    emit({"label_events": n}, as_json, f"Recorded {n} label events.")


@command(cli, "predict")
@click.argument("file", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="CSV to write.")
@click.option("--version", type=int, default=None, help="Model version (default: the champion).")
def predict_cmd(ws: Workspace, file, out, version):
    """Write id, predicted and proba_<class> columns for every row of a file.

    Example: python -m feedback predict new.csv --out scored.csv
    """
    from feedback.intake import predict_file

    click.echo(f"Wrote {predict_file(ws, file, out, version=version)}")


@command(cli, "export")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl"]), default="csv", show_default=True)
@click.option("--out", required=True, type=click.Path(), help="File to write.")
@click.option(
    "--version",
    type=int,
    default=None,
    help="Export the rows this model version trained on (its snapshot) instead of the label events.",
)
def export_cmd(ws: Workspace, fmt, out, version):
    """Export every label event with its provenance, or the exact training set of a model version.

    Example: python -m feedback export --format parquet --out labels.parquet
    """
    from feedback.intake import export_labels, export_training_set

    actor = cli_actor()
    written = (
        export_labels(ws, out, fmt, actor=actor)
        if version is None
        else export_training_set(ws, version, out, fmt, actor=actor)
    )
    click.echo(f"Wrote {written}")


@command(cli, "status")
@click.option(
    "--live-days",
    type=click.FloatRange(0, 3650, min_open=True),
    default=None,
    help="The live figure covers at most the last N days (default: $FEEDBACK_LIVE_DAYS, or 30).",
)
@click.option(
    "--since-promotion/--before-promotion",
    default=True,
    show_default=True,
    help="The live figure starts no earlier than the champion's promotion, or may reach back before it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_cmd(ws: Workspace, live_days, since_promotion, as_json):
    """Counts, the champion, the challenger, open alerts, and the champion's live accuracy and its window.

    Example: python -m feedback status --live-days 14 --json
    """
    from feedback.monitor import store_status

    days = live_days if live_days is not None else load_settings().live_days
    status = store_status(ws, live_days=days, since_promotion=since_promotion)
    champion = status.champion.version if status.champion else None
    challenger = status.challenger.version if status.challenger else None
    text = (
        f"{status.predictions} predictions, {status.label_events} label events, champion v{champion}, "
        f"challenger {f'v{challenger}' if challenger else 'none'}, {len(status.open_alerts)} open alerts.\n"
        + status.live.summary()
    )
    emit(status.to_dict(), as_json, text)


@command(cli, "demo", creates_store=True)
@click.option("--seed", "random_state", default=0, show_default=True, type=int, help="Random seed.")
@click.option(
    "--batches",
    "batches_to_ingest",
    default=6,
    show_default=True,
    type=click.IntRange(0, 6),
    help="Ingest only the first batches (all files are written; ingest the rest later).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def demo_cmd(ws: Workspace, random_state, batches_to_ingest, as_json):
    """Build the digits demo: seed set, v1 champion, drifting production batches, audit labels, disputes.

    Example: FEEDBACK_HOME=demo python -m feedback demo
    """
    from dataclasses import asdict

    from feedback.demo import build_demo

    summary = build_demo(ws, random_state=random_state, batches_to_ingest=batches_to_ingest)
    emit(
        asdict(summary),
        as_json,
        f"Demo built in {ws.home}: {summary.predictions} predictions in "
        f"{summary.batches} batches, {summary.audit_labels} audit labels, "
        f"{summary.disputes} disputes.",
    )
