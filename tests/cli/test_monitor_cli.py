"""The monitor and alerts commands, in process (the ``run`` fixture of conftest.py), against real stores."""

from cli_results import failed, json_of, ok

MONITOR_KEYS = {
    "start",
    "end",
    "n_predictions",
    "n_audit_labels",
    "accuracy",
    "accuracy_ci",
    "dispute_rate",
    "mean_confidence",
    "drift",
}


def test_monitor_json_and_text(run, home, write_production, write_drifted):
    empty = json_of(run("monitor", "--home", home, "--json"))
    assert (empty["windows"], empty["alerts"], empty["judgments"]) == ([], [], {})
    assert empty["rules"].startswith("Each batch window is judged once, when it closes")
    assert "Nothing ingested yet." in ok(run("monitor", "--home", home)).stdout
    ok(run("ingest", write_production(100), "--home", home))
    ok(run("ingest", write_drifted(100, start=100), "--home", home))

    result = json_of(run("monitor", "--home", home, "--window", "batch", "--json"))
    steady, drifted = result["windows"]
    assert set(steady) >= MONITOR_KEYS
    assert {"share_drifted", "dataset_drifted", "columns"} <= set(drifted["drift"])
    assert drifted["drift"]["dataset_drifted"] and not steady["drift"]["dataset_drifted"]
    assert [a["metric"] for a in result["alerts"]] == ["drift_share"], "the ingest raised the drift alert"

    [day] = json_of(run("monitor", "--home", home, "--window", "day", "--json"))["windows"]
    assert day["n_predictions"] == 200
    lines = ok(run("monitor", "--home", home)).stdout.strip().splitlines()
    assert len(lines) == 3 and "no audit labels yet" in lines[0] and "(dataset drifted)" in lines[1]
    assert lines[2] == "1 open alerts (python -m feedback alerts)."
    refused = run("monitor", "--home", home, "--window", "month")
    assert refused.exit_code == 2 and "'month' is not one of" in refused.stderr


def test_alerts_list_ack_resolve_and_errors(run, home, write_drifted):
    assert ok(run("alerts", "--home", home)).stdout.strip() == "No alerts."
    ok(run("ingest", write_drifted(100), "--home", home))
    [alert] = json_of(run("alerts", "--home", home, "--state", "open", "--json"))
    assert alert["state"] == "open" and alert["metric"] == "drift_share"
    assert ok(run("alerts", "list", "--home", home)).stdout.startswith(f"#{alert['id']} [open] ")

    acknowledged = json_of(run("alerts", "ack", alert["id"], "--by", "ana", "--home", home, "--json"))
    assert (acknowledged["state"], acknowledged["acknowledged_by"]) == ("acknowledged", "ana")
    assert json_of(run("alerts", "--home", home, "--state", "open", "--json")) == []
    again = failed(run("alerts", "ack", alert["id"], "--home", home), exit_code=1)
    assert f"Error: Alert {alert['id']} is already acknowledged." in again.stderr
    resolved = ok(run("alerts", "resolve", alert["id"], "--home", home))
    assert resolved.stdout.strip() == f"Alert {alert['id']} is resolved."
    [resolved] = json_of(run("alerts", "list", "--state", "resolved", "--home", home, "--json"))
    assert resolved["resolved_by"] == "cli"
    assert "There is no alert 42" in failed(run("alerts", "resolve", "42", "--home", home), exit_code=1).stderr


def test_alerts_configure_and_check(run, home, write_production, production_frame, write_truth):
    shown = json_of(run("alerts", "configure", "--home", home, "--json"))
    assert (shown["accuracy_floor"], shown["min_labels"], shown["webhook_url"]) == (None, 30, None)
    changed = json_of(
        run(
            "alerts",
            "configure",
            "--home",
            home,
            "--accuracy-floor",
            "0.99",
            "--min-labels",
            "5",
            "--no-drift",
            "--webhook",
            "https://hooks.example.com/x",
            "--json",
        )
    )
    assert (changed["accuracy_floor"], changed["min_labels"], changed["drift"]) == (0.99, 5, False)
    assert changed["webhook_url"] == "https://hooks.example.com/x"
    text = ok(run("alerts", "configure", "--home", home, "--webhook", "https://u:p@hooks.example.com/T0/secret?k=1"))
    assert "webhook_url=https://hooks.example.com/…," in text.stdout and "secret" not in text.stdout
    assert "u:p" not in text.stdout, "the text form never shows the token or credentials"
    cleared = json_of(run("alerts", "configure", "--home", home, "--webhook", "off", "--json"))
    assert cleared["webhook_url"] is None and cleared["accuracy_floor"] == 0.99
    bad = failed(run("alerts", "configure", "--home", home, "--webhook", "ftp://x"), exit_code=1)
    assert "http:// or https://" in bad.stderr

    ok(run("ingest", write_production(60, start=500), "--home", home))
    ok(run("ingest", write_production(60, start=600), "--home", home))  # a newer window: the first can close
    assert ok(run("alerts", "check", "--home", home)).stdout.strip() == "No new alerts."
    ids = production_frame(60, start=500)["id"]
    ok(run("import-labels", write_truth(ids[:30]), "--annotator", "oracle", "--home", home))
    assert json_of(run("alerts", "--home", home, "--json")) == [], "audit labels still missing: not closed"
    ok(run("import-labels", write_truth(ids[30:]), "--annotator", "oracle", "--home", home))
    [alert] = json_of(run("alerts", "--state", "open", "--home", home, "--json"))  # the import checked
    assert (alert["metric"], alert["kind"]) == ("accuracy", "floor")
    assert json_of(run("alerts", "check", "--home", home, "--json")) == []
    assert (
        json_of(run("alerts", "configure", "--home", home, "--accuracy-floor", "off", "--json"))["accuracy_floor"]
        is None
    )

    # What a check finds when the settings change after the labels are in (no label, no ingest since).
    ok(run("alerts", "resolve", alert["id"], "--home", home))
    ok(run("alerts", "configure", "--home", home, "--window", "week", "--accuracy-floor", "0.99", "--json"))
    assert json_of(run("alerts", "check", "--home", home, "--json")) == [], "this week closes when the next begins"
