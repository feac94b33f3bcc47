"""The monitor and alerts commands, in process (the ``run`` fixture of conftest.py), against real stores."""

import json

MONITOR_KEYS = {"start", "end", "n_predictions", "n_audit_labels", "accuracy", "accuracy_ci", "dispute_rate",
                "mean_confidence", "drift"}


def _ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def _failed(result):
    """An error: exit code 1, the message on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    return result


def _json(result):
    return json.loads(_ok(result).stdout)


def test_monitor_json_and_text(run, home, write_production, write_drifted):
    assert _json(run("monitor", "--home", home, "--json")) == {"windows": [], "alerts": []}
    assert "Nothing ingested yet." in _ok(run("monitor", "--home", home)).stdout
    _ok(run("ingest", write_production(100), "--home", home))
    _ok(run("ingest", write_drifted(100, start=100), "--home", home))

    result = _json(run("monitor", "--home", home, "--window", "batch", "--json"))
    steady, drifted = result["windows"]
    assert MONITOR_KEYS <= set(steady)
    assert {"share_drifted", "dataset_drifted", "columns"} <= set(drifted["drift"])
    assert drifted["drift"]["dataset_drifted"] and not steady["drift"]["dataset_drifted"]
    assert [a["metric"] for a in result["alerts"]] == ["drift_share"], "the ingest raised the drift alert"

    [day] = _json(run("monitor", "--home", home, "--window", "day", "--json"))["windows"]
    assert day["n_predictions"] == 200
    lines = _ok(run("monitor", "--home", home)).stdout.strip().splitlines()
    assert len(lines) == 3 and "no audit labels yet" in lines[0] and "(dataset drifted)" in lines[1]
    assert lines[2] == "1 open alerts (python -m feedback alerts)."
    refused = run("monitor", "--home", home, "--window", "month")
    assert refused.exit_code == 2 and "'month' is not one of" in refused.stderr


def test_alerts_list_ack_resolve_and_errors(run, home, write_drifted):
    assert _ok(run("alerts", "--home", home)).stdout.strip() == "No alerts."
    _ok(run("ingest", write_drifted(100), "--home", home))
    [alert] = _json(run("alerts", "--home", home, "--state", "open", "--json"))
    assert alert["state"] == "open" and alert["metric"] == "drift_share"
    assert _ok(run("alerts", "list", "--home", home)).stdout.startswith(f"#{alert['id']} [open] ")

    acknowledged = _json(run("alerts", "ack", alert["id"], "--by", "ana", "--home", home, "--json"))
    assert (acknowledged["state"], acknowledged["acknowledged_by"]) == ("acknowledged", "ana")
    assert _json(run("alerts", "--home", home, "--state", "open", "--json")) == []
    again = _failed(run("alerts", "ack", alert["id"], "--home", home))
    assert f"Error: Alert {alert['id']} is already acknowledged." in again.stderr
    assert _ok(run("alerts", "resolve", alert["id"], "--home", home)).stdout.strip() == f"Alert {alert['id']} is resolved."
    [resolved] = _json(run("alerts", "list", "--state", "resolved", "--home", home, "--json"))
    assert resolved["resolved_by"] == "cli"
    assert "There is no alert 42" in _failed(run("alerts", "resolve", "42", "--home", home)).stderr


def test_alerts_configure_and_check(run, home, write_production, production_frame, write_truth):
    shown = _json(run("alerts", "configure", "--home", home, "--json"))
    assert (shown["accuracy_floor"], shown["min_labels"], shown["webhook_url"]) == (None, 30, None)
    changed = _json(run("alerts", "configure", "--home", home, "--accuracy-floor", "0.99", "--min-labels", "5",
                        "--no-drift", "--webhook", "https://hooks.example.com/x", "--json"))
    assert (changed["accuracy_floor"], changed["min_labels"], changed["drift"]) == (0.99, 5, False)
    assert changed["webhook_url"] == "https://hooks.example.com/x"
    cleared = _json(run("alerts", "configure", "--home", home, "--webhook", "off", "--json"))
    assert cleared["webhook_url"] is None and cleared["accuracy_floor"] == 0.99
    bad = _failed(run("alerts", "configure", "--home", home, "--webhook", "ftp://x"))
    assert "http:// or https://" in bad.stderr

    _ok(run("ingest", write_production(60, start=500), "--home", home))
    assert _ok(run("alerts", "check", "--home", home)).stdout.strip() == "No new alerts."
    ids = production_frame(60, start=500)["id"]
    _ok(run("import-labels", write_truth(ids), "--annotator", "oracle", "--home", home))
    [alert] = _json(run("alerts", "check", "--home", home, "--json"))
    assert (alert["metric"], alert["kind"]) == ("accuracy", "floor")
    assert _json(run("alerts", "check", "--home", home, "--json")) == []
    assert _json(run("alerts", "configure", "--home", home, "--accuracy-floor", "off", "--json"))[
        "accuracy_floor"] is None
