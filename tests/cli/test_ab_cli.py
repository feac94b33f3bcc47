"""The ``ab`` commands in process with click's CliRunner, against a real store with a challenger v2."""

import pytest
from cli_results import failed, json_of, ok

from feedback.cli import cli


@pytest.mark.parametrize("name", sorted(cli.commands["ab"].commands))
def test_every_ab_command_has_help_with_an_example(run, name):
    result = ok(run("ab", name, "--help"))
    assert "Example:" in result.stdout and f"python -m feedback ab {name}" in result.stdout
    assert "--home" in result.stdout


def test_start_ingest_status_stop(run, home, challenger, production_frame, tmp_path):
    started = json_of(
        run(
            "ab",
            "start",
            "--challenger",
            2,
            "--share",
            0.5,
            "--unit-col",
            "user",
            "--by",
            "ana",
            "--home",
            home,
            "--json",
        )
    )
    assert (started["challenger_version"], started["champion_version"], started["share"]) == (2, 1, 0.5)
    assert (started["unit_col"], started["started_by"], started["shadow"]) == ("user", "ana", False)
    frame = production_frame(80).assign(user=[f"u{i % 20}" for i in range(80)])  # 20 units: both arms get some
    frame.to_csv(tmp_path / "prod.csv", index=False)
    ingested = json_of(run("ingest", tmp_path / "prod.csv", "--home", home, "--json"))
    assert ingested["experiment_id"] == started["id"] and 0 < ingested["n_challenger_arm"] < 80

    status = json_of(run("ab", "status", "--home", home, "--json"))

    assert {"experiment", "arms", "tests", "srm", "history", "recommendation"} <= set(status)
    arms = status["arms"]
    assert arms["champion"]["n_predictions"] + arms["challenger"]["n_predictions"] == 80
    assert arms["champion"]["n_units"] + arms["challenger"]["n_units"] == 20, "the split counts units"
    for figures in arms.values():
        assert {"estimate", "ci_low", "ci_high", "n"} <= set(figures["accuracy"])
        assert figures["dispute_rate"]["n"] == figures["n_predictions"]
    assert status["srm"]["n_champion"] + status["srm"]["n_challenger"] == 20
    assert status["recommendation"]["action"] == "keep collecting"
    text = ok(run("ab", "status", "--home", home)).stdout
    assert f"Experiment {started['id']} (a/b, running)" in text and "Recommendation: keep collecting." in text
    assert "audit accuracy" in text and "dispute rate" in text and "n=" in text
    dispute = next(line for line in text.splitlines() if "Dispute rate (guardrail):" in line)
    assert " units)" in dispute and "by unit (design effect" in dispute, "the tests are by unit"
    assert "fixed-horizon" not in text, "no horizon was planned: the sequential test only"

    failed(run("ab", "start", "--challenger", 2, "--home", home), "Error:", "already running", "ab stop")
    stopped = ok(run("ab", "stop", "--reason", "done", "--by", "bo", "--home", home))
    assert stopped.stdout.strip() == f"Experiment {started['id']} stopped."
    status = json_of(run("ab", "status", "--home", home, "--json"))
    assert not status["experiment"]["running"] and status["experiment"]["stopped_by"] == "bo"
    failed(run("ab", "stop", "--home", home), "Error:", "nothing to stop")


def test_shadow_start_prints_what_it_did(run, home, challenger):
    text = ok(run("ab", "start", "--challenger", 2, "--shadow", "--home", home)).stdout
    assert "in shadow (the champion serves everyone)" in text and "unit: the prediction id" in text
    status = ok(run("ab", "status", "--home", home)).stdout
    assert "(shadow, running)" in status and "Recommendation: keep collecting." in status


def test_a_planned_horizon_is_said_and_waited_for(run, home, challenger):
    text = ok(run("ab", "start", "--challenger", 2, "--horizon-units", 300, "--home", home)).stdout
    assert "at 300 units per arm" in text
    assert json_of(run("ab", "status", "--home", home, "--json"))["experiment"]["horizon_units"] == 300
    status = ok(run("ab", "status", "--home", home)).stdout
    assert "fixed-horizon test is shown once both arms reach the planned 300 units (no unit in an arm yet)" in status


@pytest.mark.parametrize(
    "args, expected",
    [
        (("start", "--challenger", 1), "Version 1 is the champion"),
        (("start", "--challenger", 7), "There is no model version 7"),
        (("start", "--challenger", 2, "--share", 1.5), "strictly between 0 and 1"),
        (("start", "--challenger", 2, "--horizon-units", 1), "whole number of units per arm, 2 or more"),
        (("status",), "No A/B experiment has been started"),
        (("stop",), "nothing to stop"),
    ],
)
def test_refusals_name_the_problem(run, home, challenger, args, expected):
    failed(run("ab", *args, "--home", home), "Error:", expected)


def test_ingest_outcomes_logs_a_file_and_refuses_a_bad_one(run, home, ingested, tmp_path):
    path = tmp_path / "revenue.csv"
    path.write_text("unit_id,metric,value,time\nu1,revenue,9.5,2026-11-26T10:00:00Z\nu2,revenue,0,2026-11-26\n")

    logged = json_of(run("ingest-outcomes", path, "--home", home, "--json"))
    again = ok(run("ingest-outcomes", path, "--home", home))

    assert (logged["n_stored"], logged["metrics"]) == (2, {"revenue": 2})
    assert "Logged 0 outcomes of revenue (2); 2 already logged." in again.stdout
    path.write_text("unit_id,metric,value,time\nu1,revenue,lots,2026-11-26\n")
    refused = failed(run("ingest-outcomes", path, "--home", home))
    assert "column 'value' must hold finite numbers, but holds 'lots' on line 2" in refused.stderr


def test_plan_then_start_with_the_criteria_stated(run, home, challenger, tmp_path):
    path = tmp_path / "before.csv"
    rows = "\n".join(f"u{i},revenue,{10 * i},2020-01-01" for i in range(12))
    path.write_text("unit_id,metric,value,time\n" + rows + "\n")
    ok(run("ingest-outcomes", path, "--home", home))

    plan = json_of(run("ab", "plan", "--primary", "revenue", "--min-effect", 5, "--home", home, "--json"))
    started = ok(
        run(
            "ab",
            "start",
            "--challenger",
            2,
            "--unit-col",
            "user",
            "--primary",
            "revenue",
            "--guardrail",
            "none",
            "--min-effect",
            5,
            "--horizon-units",
            300,
            "--home",
            home,
        )
    )

    assert plan["metric"] == "revenue" and plan["sequential"] and plan["units_needed"] > 0 and plan["n_units"] == 12
    assert (
        "Judged on revenue (guardrails: none) once, by the fixed-horizon tests, at 300 units per arm." in started.stdout
    )
    assert "give 80% power to detect a change of 5 in revenue with one look at the horizon" in started.stdout
    failed(run("ab", "plan", "--primary", "revnue", "--home", home), "There is no metric 'revnue'")
