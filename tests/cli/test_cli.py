"""The command line, in process with click's CliRunner, against real stores in tmp folders."""

import numpy as np
import pandas as pd
import pytest
from cli_results import failed, json_of, ok

from feedback.cli import cli
from feedback.workspace import open_workspace

RETRAIN_KEYS = {"champion", "challenger", "decision", "p_value", "n_eval"}


@pytest.fixture
def home_state(state):
    """``home_state(home)``: the table counts of a store, read with a workspace opened and closed here."""

    def read(home):
        ws = open_workspace(home=home)
        try:
            return state(ws)
        finally:
            ws.close()

    return read


# --- help -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(cli.commands.values(), key=lambda c: c.name), ids=lambda c: c.name)
def test_every_command_has_help_with_an_example(run, command):
    result = ok(run(command.name, "--help"))
    assert "Example:" in result.stdout
    assert f"python -m feedback {command.name}" in result.stdout or command.name == "demo"
    assert "--home" in result.stdout


def test_group_help_lists_every_command(run):
    result = ok(run("--help"))
    for name in cli.commands:
        assert name in result.stdout


# --- JSON outputs -------------------------------------------------------------------------------------


def test_init_and_ingest_print_json(run, tmp_path, seed_csv, write_production):
    home = tmp_path / "cli-home"
    created = json_of(
        run(
            "init",
            "--home",
            home,
            "--data",
            seed_csv,
            "--label-col",
            "label",
            "--audit-share",
            "0.3",
            "--image-shape",
            "8x8",
            "--json",
        )
    )
    assert (created["n_seed"], created["champion_version"], len(created["labels"])) == (30, 1, 10)

    ingested = json_of(run("ingest", write_production(40), "--home", home, "--json"))
    assert (ingested["n_new"], ingested["model_version"]) == (40, 1)
    assert set(ingested) >= {"batch_id", "n_rows", "n_new", "n_skipped_existing", "n_audit", "model_version"}


def test_queue_json_is_a_list_of_items_with_reasons(run, home, write_production):
    ok(run("ingest", write_production(40), "--home", home))

    items = json_of(run("queue", "--home", home, "--limit", "10", "--json"))

    assert isinstance(items, list) and len(items) == 10
    for item in items:
        assert {"id", "predicted", "confidence", "reasons"} <= set(item)
        assert isinstance(item["reasons"], list) and item["reasons"]
        assert 0.0 <= item["confidence"] <= 1.0


def test_queue_text_output_and_empty_queue(run, home, write_production):
    assert ok(run("queue", "--home", home)).stdout.strip() == "The queue is empty."
    ok(run("ingest", write_production(10), "--home", home))
    lines = ok(run("queue", "--home", home, "--limit", "3")).stdout.strip().splitlines()
    assert len(lines) == 3 and all(len(line.split("\t")) == 5 for line in lines)


def test_queue_policy_is_shown_changed_and_bad_values_refused(run, home, write_production):
    shown = json_of(run("queue-policy", "--home", home, "--json"))
    assert shown["uncertainty_measure"] == "margin" and shown["diversity"] > 0
    assert shown["adaptive"] is True and shown["exploration_floor"] == 0.05

    changed = json_of(
        run(
            "queue-policy",
            "--home",
            home,
            "--uncertainty-measure",
            "entropy",
            "--diversity",
            "0",
            "--dispute",
            "0",
            "--fixed-ranking",
            "--json",
        )
    )
    assert (changed["uncertainty_measure"], changed["diversity"], changed["dispute"]) == ("entropy", 0.0, 0.0)
    assert changed["adaptive"] is False  # no random exploration item: every item is ranked
    ok(run("ingest", write_production(40), "--home", home))
    items = json_of(run("queue", "--home", home, "--limit", "5", "--audit-share", "0", "--json"))
    assert all(item["reasons"][0].startswith("entropy ") for item in items)
    entropies = [item["priority"] for item in items]
    assert entropies == sorted(entropies, reverse=True)

    refused = run("queue-policy", "--home", home, "--suspect-label", "-2")
    assert refused.exit_code == 1 and "suspect_label must be a number from 0 to 10" in refused.stderr
    assert json_of(run("queue-policy", "--home", home, "--json"))["suspect_label"] == 1.0


def test_suspects_reports_too_few_labels_then_flags_contradicted_ones(run, home, digits_frame, tmp_path):
    first = run("suspects", "--home", home, "--json")
    assert "Too few labels" in json_of(first)["reason"]
    rows = digits_frame.iloc[400:520]
    rows.drop(columns="label").to_csv(tmp_path / "p.csv", index=False)
    labels = rows["label"].astype(str).to_numpy(dtype=object).copy()
    labels[:6] = [str((int(v) + 3) % 10) for v in labels[:6]]
    pd.DataFrame({"id": rows["id"], "label": labels}).to_csv(tmp_path / "l.csv", index=False)
    ok(run("ingest", tmp_path / "p.csv", "--home", home))
    ok(run("import-labels", tmp_path / "l.csv", "--home", home, "--annotator", "ana"))

    report = json_of(run("suspects", "--home", home, "--json"))

    assert report["n_suspect"] >= 3 and report["folds"] == 5
    queue = json_of(run("queue", "--home", home, "--limit", "3", "--json"))
    assert any(reason.startswith("suspect label") for reason in queue[0]["reasons"])


def test_retrain_json_has_the_contract_keys(run, home):
    result = json_of(run("retrain", "--home", home, "--json"))
    assert set(result) >= RETRAIN_KEYS
    assert set(result["champion"]) == {"version", "metrics"} and set(result["challenger"]) == {"version", "metrics"}
    assert result["champion"]["version"] == 1
    assert result["decision"] == "keep" and result["n_eval"] == 0 and result["p_value"] is None
    assert "report" not in result


def test_status_json(run, home, write_production):
    ok(run("ingest", write_production(20), "--home", home))
    status = json_of(run("status", "--home", home, "--json"))
    assert {"predictions", "label_events", "champion", "challenger"} <= set(status)
    assert (status["predictions"], status["label_events"], status["challenger"]) == (20, 0, None)
    assert status["champion"]["version"] == 1
    assert status["live"]["accuracy"]["n"] == 0 and status["live"]["window"]["max_days"] == 30
    text = ok(run("status", "--home", home)).stdout
    assert "20 predictions, 0 label events, champion v1, challenger none" in text
    assert "Live accuracy: no labelled audit item was served " in text and "(since champion v1 was promoted)" in text
    chosen = json_of(run("status", "--home", home, "--json", "--live-days", "7", "--before-promotion"))
    assert (chosen["live"]["window"]["max_days"], chosen["live"]["window"]["since_promotion"]) == (7, False)
    failed(run("status", "--home", home, "--live-days", "0"), "--live-days", "0<x<=3650", exit_code=2)


def test_label_json(run, ingested, home):
    event = json_of(run("label", "d-0100", "--action", "skip", "--annotator", "ana", "--home", home, "--json"))
    assert (event["external_id"], event["action"], event["annotator"], event["label"]) == (
        "d-0100",
        "skip",
        "ana",
        None,
    )


# --- errors: stderr, non-zero exit, nothing written -----------------------------------------------------


def test_command_on_a_store_without_task_says_how_to_start(run, tmp_path):
    failed(run("status", "--home", tmp_path / "nothing-here"), "Error:", "has no task yet", "python -m feedback init")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(["ingest", "{missing}"], ["Error: File not found"], id="ingest-missing-file"),
        pytest.param(["ingest", "{bad}"], ["Error:", "lacks feature column(s) px_5"], id="ingest-missing-column"),
        pytest.param(
            ["ingest-feedback", "{feedback}"], ["Error:", "no logged prediction has id 'zzz'"], id="feedback-unknown-id"
        ),
        pytest.param(
            ["label", "zzz", "3", "--annotator", "ana"],
            ["Error: No logged prediction has id 'zzz'"],
            id="label-unknown-id",
        ),
        pytest.param(
            ["label", "d-0100", "42", "--annotator", "ana"], ["Error: Label '42' is not in"], id="label-outside-set"
        ),
        pytest.param(
            ["import-labels", "{labels}", "--annotator", "ana"],
            ["Error:", "label 'cat'"],
            id="import-label-outside-set",
        ),
        pytest.param(
            ["promote", "9", "--reason", "why"], ["Error: There is no model version 9"], id="promote-unknown-version"
        ),
        pytest.param(["rollback", "--reason", "oops"], ["Error: Nothing to roll back to"], id="rollback-nothing"),
        pytest.param(["predict", "{bad}", "--out", "{out}"], ["Error:", "px_5"], id="predict-bad-file"),
        pytest.param(
            ["init", "--data", "{seed}", "--label-col", "label"], ["Error:", "already holds a task"], id="second-init"
        ),
        pytest.param(
            ["export", "--format", "xlsx", "--out", "{out}"], ["Invalid value for '--format'"], id="export-bad-format"
        ),
        pytest.param(["label", "d-0100", "3"], ["Missing option '--annotator'"], id="label-without-annotator"),
    ],
)
def test_errors_go_to_stderr_with_nonzero_exit_and_write_nothing(
    run, ingested, home, home_state, tmp_path, seed_csv, production_frame, args, fragments
):
    production_frame(5).drop(columns="px_5").to_csv(tmp_path / "bad.csv", index=False)
    pd.DataFrame({"id": ["zzz"], "signal": ["disputed"]}).to_csv(tmp_path / "feedback.csv", index=False)
    pd.DataFrame({"id": ["d-0100"], "label": ["cat"]}).to_csv(tmp_path / "labels.csv", index=False)
    paths = {
        "missing": tmp_path / "missing.csv",
        "bad": tmp_path / "bad.csv",
        "feedback": tmp_path / "feedback.csv",
        "labels": tmp_path / "labels.csv",
        "out": tmp_path / "out.csv",
        "seed": seed_csv,
    }
    before = home_state(home)

    result = run(*[a.format(**paths) for a in args], "--home", home)

    assert result.exit_code != 0
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert home_state(home) == before
    assert not (tmp_path / "out.csv").exists()


def test_refused_ingest_prints_the_reason_only(run, home, home_state, production_frame, tmp_path):
    frame = production_frame(6)
    frame.loc[2, "id"] = frame.loc[0, "id"]
    frame.to_csv(tmp_path / "dup.csv", index=False)
    before = home_state(home)
    failed(run("ingest", tmp_path / "dup.csv", "--home", home), "Error: dup.csv: ids repeat on lines 2, 4")
    assert home_state(home) == before


@pytest.mark.parametrize("command", ["ingest", "predict"])
def test_tampered_model_file_is_a_clear_cli_error(run, home, home_state, write_production, tmp_path, command):
    with open(home / "models" / "v1.skops", "ab") as handle:
        handle.write(b"\0")
    before = home_state(home)
    args = [command, write_production(5)] + (["--out", tmp_path / "out.csv"] if command == "predict" else [])

    result = run(*args, "--home", home)

    failed(result, "Error:", "does not match its recorded sha256")
    assert home_state(home) == before


# --- the whole loop ------------------------------------------------------------------------------------


def test_full_script_on_a_labelled_csv(run, tmp_path, digits_frame, home_state):
    labelled = digits_frame.iloc[:700]
    labelled.to_csv(tmp_path / "labelled.csv", index=False)
    table = pd.read_csv(tmp_path / "labelled.csv", dtype={"id": str})
    table.iloc[:30].to_csv(tmp_path / "seed.csv", index=False)
    production = table.iloc[100:700]
    production.drop(columns="label").to_csv(tmp_path / "production.csv", index=False)
    production[["id", "label"]].to_csv(tmp_path / "truth.csv", index=False)
    home = tmp_path / "store"

    ok(run("init", "--home", home, "--data", tmp_path / "seed.csv", "--label-col", "label", "--audit-share", "0.3"))
    ingested = json_of(run("ingest", tmp_path / "production.csv", "--home", home, "--json"))
    assert ingested["n_new"] == 600
    queue = json_of(run("queue", "--home", home, "--limit", "5", "--json"))
    assert len(queue) == 5
    assert json_of(run("import-labels", tmp_path / "truth.csv", "--annotator", "oracle", "--home", home, "--json")) == {
        "label_events": 600
    }
    assert json_of(run("queue", "--home", home, "--json")) == []  # everything is labelled now

    retrained = json_of(run("retrain", "--home", home, "--json"))
    assert set(retrained) >= RETRAIN_KEYS
    assert retrained["decision"] == "promote"
    assert retrained["challenger"]["metrics"]["accuracy"] > retrained["champion"]["metrics"]["accuracy"]
    assert retrained["n_eval"] == ingested["n_audit"]

    promoted = ok(
        run(
            "promote",
            retrained["challenger"]["version"],
            "--reason",
            "gate says promote",
            "--by",
            "ana",
            "--home",
            home,
        )
    )
    assert "Version 2 is champion (was 1)" in promoted.stdout
    status = json_of(run("status", "--home", home, "--json"))
    assert status["champion"]["version"] == 2 and status["label_events"] == 600

    ok(run("predict", tmp_path / "production.csv", "--out", tmp_path / "scored.csv", "--home", home))
    scored = pd.read_csv(tmp_path / "scored.csv", dtype={"id": str, "predicted": str})
    proba = scored[[f"proba_{d}" for d in range(10)]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert list(scored["id"]) == list(production["id"])
    assert (scored["predicted"] == production["label"].astype(str).to_numpy()).mean() > 0.9

    ok(run("export", "--format", "parquet", "--out", tmp_path / "labels.parquet", "--home", home))
    exported = pd.read_parquet(tmp_path / "labels.parquet")
    assert len(exported) == 600
    assert set(exported["annotator"]) == {"oracle"} and set(exported["serving_model_version"]) == {1}
    ok(run("export", "--version", "2", "--format", "csv", "--out", tmp_path / "v2.csv", "--home", home))
    trained_on = pd.read_csv(tmp_path / "v2.csv", dtype={"id": str, "label": str})
    n_seed = len(pd.read_csv(tmp_path / "seed.csv"))
    assert len(trained_on) == n_seed + 600 - ingested["n_audit"], "the seed and every label but the audit slice"
    assert (trained_on["source"] == "seed").sum() == n_seed and set(trained_on["model_version"]) == {2}
    missing = failed(run("export", "--version", "7", "--out", tmp_path / "v7.csv", "--home", home), exit_code=1)
    assert "There is no model version 7; the versions are 1, 2." in missing.stderr
    assert not (tmp_path / "v7.csv").exists()

    rolled = ok(run("rollback", "--reason", "just checking", "--home", home))
    assert "version 1 is champion again (was 2)" in rolled.stdout
    assert home_state(home)["aliases"] == {1: "champion", 2: "archived"}


def test_the_model_choice_of_the_commands_is_the_pipelines_a_task_can_train():
    from active_learning import MODEL_NAMES
    from feedback.cli.base import MODEL_CHOICE

    assert tuple(MODEL_CHOICE.choices) == MODEL_NAMES


def test_retrain_text_states_the_forecast_and_its_assumptions(run, home, ingested, write_truth):
    ids = [f"d-{i:04d}" for i in range(100, 160)]
    ok(run("import-labels", write_truth(ids), "--annotator", "oracle", "--home", home))

    text = ok(run("retrain", "--min-eval", "10000", "--home", home)).stdout

    assert "insufficient-evidence" in text
    assert "more audit labels" in text and "gate 1 against this champion at level 0.0304" in text
