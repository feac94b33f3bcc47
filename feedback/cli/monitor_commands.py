"""The ``monitor`` and ``alerts`` commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from feedback.cli.base import cli, cli_actor, command, emit
from feedback.workspace import Workspace

if TYPE_CHECKING:
    from feedback.monitor import MonitorWindow


@command(cli, "monitor")
@click.option(
    "--window",
    type=click.Choice(["batch", "day", "week"]),
    default="batch",
    show_default=True,
    help="batch: one ingest call; day, week: UTC calendar days, ISO weeks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def monitor_cmd(ws: Workspace, window, as_json):
    """Per-window audit accuracy, dispute rate, confidence, class mix, calibration and feature drift.

    Example: python -m feedback monitor --window day --json
    """
    from feedback.alerts import monitor_report

    result = monitor_report(ws, window)
    lines = [_window_text(w) for w in result.windows] or ["Nothing ingested yet."]
    n_open = sum(a.state == "open" for a in result.alerts)
    emit(result.to_dict(), as_json, "\n".join(lines) + f"\n{n_open} open alerts (python -m feedback alerts).")


def _window_text(window: MonitorWindow) -> str:
    if window.n_audit_labels:
        low, high = window.accuracy_ci
        accuracy = f"accuracy {window.accuracy:.1%} [{low:.1%}, {high:.1%}] on {window.n_audit_labels} audit labels"
    else:
        accuracy = "no audit labels yet"
    drift = window.drift
    drifted = (
        (
            f"drift in {drift.report.n_drifted} of {drift.report.n_tested} columns"
            f"{' (dataset drifted)' if drift.report.dataset_drifted else ''}"
        )
        if drift
        else "drift not tested"
    )
    return (
        f"{window.window}: {window.n_predictions} predictions; {accuracy}; disputes "
        f"{window.dispute_rate:.1%}; mean confidence {window.mean_confidence:.2f}; {drifted}"
    )


@cli.group("alerts", invoke_without_command=True)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["open", "acknowledged", "resolved"]),
    help="Only alerts in this state (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="Store folder (default: $FEEDBACK_HOME or data/). Each subcommand takes --home too.",
)
@click.pass_context
def alerts_group(ctx, states, as_json, home):
    """List monitoring alerts (newest first); ack, resolve, check and configure them.

    Example: python -m feedback alerts --state open
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(alerts_list_cmd, home=home, states=states, as_json=as_json)


@command(alerts_group, "list")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["open", "acknowledged", "resolved"]),
    help="Only alerts in this state (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alerts_list_cmd(ws: Workspace, states, as_json):
    """List monitoring alerts, newest first.

    Example: python -m feedback alerts list --state open --json
    """
    from feedback.alerts import list_alerts

    alerts = list_alerts(ws, states or None)
    lines = [f"#{a.id} [{a.state}] {a.created_at[:16]} {a.message}" for a in alerts]
    emit([a.to_dict() for a in alerts], as_json, "\n".join(lines) or "No alerts.")


def _alert_state_command(name: str, state: str, summary: str):
    @command(alerts_group, name)
    @click.argument("alert_id", type=int)
    @click.option("--by", "actor", default="cli", show_default=True, help="Who is doing it.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def change(ws: Workspace, alert_id, actor, as_json):
        from feedback.alerts import set_alert_state

        alert = set_alert_state(ws, alert_id, state, cli_actor(actor))
        emit(alert.to_dict(), as_json, f"Alert {alert.id} is {alert.state}.")

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
    from feedback.alerts import check_alerts

    alerts = check_alerts(ws)
    emit(
        [a.to_dict() for a in alerts],
        as_json,
        "\n".join(f"New alert #{a.id}: {a.message}" for a in alerts) or "No new alerts.",
    )


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
@click.option(
    "--band-sigma",
    type=_NumberOrOff(),
    default=None,
    help="Alert outside the band of past windows at the window's own n, at this one-sided level in sigma "
    "(3: 0.135% of stable windows; off: no bands).",
)
@click.option("--min-labels", type=int, default=None, help="Audit labels a window needs for an accuracy alert.")
@click.option(
    "--min-predictions",
    type=int,
    default=None,
    help="Predictions a window needs for a dispute, confidence or drift alert.",
)
@click.option(
    "--lookback",
    "lookback_windows",
    type=int,
    default=None,
    help="Newer windows after which a window is judged (once) without waiting for more audit labels.",
)
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

    from feedback.alerts import load_alert_policy, save_alert_policy

    changes = {k: (None if v == "off" else v) for k, v in settings.items() if v is not None}
    if webhook is not None:
        changes["webhook_url"] = None if webhook.strip().lower() == "off" else webhook.strip()
    policy = load_alert_policy(ws)
    if changes:
        policy = save_alert_policy(ws, replace(policy, **changes), actor=cli_actor())
    shown = {**asdict(policy), "webhook_url": policy.redacted_webhook()}  # --json prints the whole URL
    emit(asdict(policy), as_json, ", ".join(f"{k}={v}" for k, v in shown.items()))
