"""Retraining a challenger and gating it against the champion on the audit slice."""

import json

import pandas as pd
import pytest
from store_sql import gold_set

from active_learning import gate_level
from feedback import store
from feedback.access import Actor
from feedback.intake import ingest_predictions
from feedback.lifecycle import gates_run_against, retrain
from feedback.review import import_labels
from feedback.store import repository

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

CONTRACT = {"champion", "challenger", "decision", "p_value", "n_eval"}


def _label_truth(ws, write_truth, ids, name="truth.csv"):
    return import_labels(ws, write_truth(ids, name), annotator="oracle")


def test_retrain_returns_the_cli_contract_and_registers_a_challenger(ws, ingested, logged, write_truth, state):
    _label_truth(ws, write_truth, list(logged(ws).index))
    steps = []

    result = retrain(ws, actor=ADMIN, progress=lambda fraction, message: steps.append(fraction))

    shown = result.to_dict()
    assert set(shown) >= CONTRACT
    assert set(shown["champion"]) == {"version", "metrics"} and set(shown["challenger"]) == {"version", "metrics"}
    assert result.champion.version == 1 and result.challenger.version == 2
    for side in ("champion", "challenger"):
        assert set(getattr(result, side).metrics) >= {"accuracy", "n"}
        assert getattr(result, side).metrics["n"] == result.n_eval == ingested.n_audit
    assert result.decision in {"promote", "keep", "insufficient-evidence"}
    assert 0.0 <= result.p_value <= 1.0
    assert state(ws)["aliases"] == {1: "champion", 2: "challenger"}
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert (ws.models_dir / "v2.skops").is_file()


def test_retrain_right_after_init_keeps_the_champion(ws, state):
    result = retrain(ws, actor=ADMIN, auto_promote=True)

    assert set(result.to_dict()) >= CONTRACT
    assert result.champion.version == 1
    assert (result.decision, result.n_eval, result.p_value) == ("keep", 0, None)
    assert (result.new_labels, result.promoted) == (0, False)
    assert state(ws)["aliases"][1] == "champion"
    assert result.challenger.version != 1


def test_retrain_without_new_labels_never_promotes(ws, ingested, logged, write_truth, state):
    rows = logged(ws)
    audit_ids = list(rows.index[rows["is_audit"]])
    assert len(audit_ids) >= 5
    _label_truth(ws, write_truth, audit_ids)  # evaluation labels only: nothing new to train on

    result = retrain(ws, actor=ADMIN, auto_promote=True)

    assert result.new_labels == 0
    assert result.decision == "keep"
    assert result.promoted is False
    assert state(ws)["aliases"][1] == "champion"
    assert "champion" not in [alias for version, alias in state(ws)["aliases"].items() if version != 1]


def test_challenger_never_trains_on_audit_items(ws, ingested, logged, write_truth):
    rows = logged(ws)
    _label_truth(ws, write_truth, list(rows.index))
    n_audit = int(rows["is_audit"].sum())

    result = retrain(ws, actor=ADMIN)

    assert result.n_eval == n_audit
    assert result.n_train == 30 + len(rows) - n_audit
    assert result.new_labels == len(rows) - n_audit
    training = set(gold_set(ws)["external_id"])
    evaluation = set(gold_set(ws, audit=True)["external_id"])
    assert training.isdisjoint(evaluation)
    assert evaluation == set(rows.index[rows["is_audit"]])


def test_champion_improves_as_labels_come_in(ws, write_production, write_truth, logged, state):
    ingest = ingest_predictions(ws, write_production(800))
    assert 0.2 < ingest.n_audit / 800 < 0.4
    _label_truth(ws, write_truth, list(logged(ws).index))

    result = retrain(ws, actor=ADMIN)

    champion, challenger = result.champion.metrics, result.challenger.metrics
    assert champion["n"] == challenger["n"] == result.n_eval == ingest.n_audit
    assert challenger["accuracy"] > champion["accuracy"]
    assert result.decision == "promote"
    assert result.p_value < 0.05
    assert (result.gate, result.level) == (1, gate_level(0.05, 1))
    # The gate proposes; without auto-promotion the champion stays.
    assert result.promoted is False
    assert state(ws)["aliases"] == {1: "champion", 2: "challenger"}

    again = retrain(ws, auto_promote=True, actor=Actor("nightly", "admin"))

    assert again.decision == "promote" and again.promoted is True
    assert (again.gate, again.level) == (2, gate_level(0.05, 2))  # the second gate against champion v1
    assert (gates_run_against(ws, 1), gates_run_against(ws, 3)) == (2, 0)  # v3's first challenger is gate 1
    assert state(ws)["aliases"] == {1: "archived", 2: "archived", 3: "champion"}
    with store.session(ws) as session:
        last = repository.decisions(session)[0]
    assert (last.action, last.version, last.previous_version, last.actor) == ("promote", 3, 1, "nightly")
    assert last.reason.startswith("automatic promotion")


def test_a_new_challenger_archives_the_previous_one(ws, challenger, ingested_rows_labelled):
    assert retrain(ws, actor=ADMIN).challenger.version == 3
    with store.session(ws) as session:
        aliases = {v.version: v.alias for v in repository.list_versions(session)}
    assert aliases == {1: "champion", 2: "archived", 3: "challenger"}


@pytest.fixture
def ingested_rows_labelled(ws, write_production, write_truth, logged):
    """20 more production rows, logged and labelled with the truth."""
    path = write_production(20, start=300, name="more.csv")
    ingest_predictions(ws, path)
    ids = list(pd.read_csv(path, dtype={"id": str})["id"])
    _label_truth(ws, write_truth, ids, "more-truth.csv")
    return ids


def test_challenger_scores_new_traffic_in_shadow(ws, challenger, write_production, logged):
    result = ingest_predictions(ws, write_production(20))
    rows = logged(ws).loc[[f"d-{i:04d}" for i in range(100, 120)]]
    assert (result.model_version, result.shadow_version) == (1, 2)
    assert set(rows["model_version"]) == {1} and set(rows["challenger_version"]) == {2}
    assert rows["challenger_predicted"].notna().all()
    assert rows["challenger_confidence"].between(0, 1).all()


@pytest.mark.parametrize("auto_promote", [False, True])
def test_too_few_audit_labels_is_insufficient_evidence(ws, ingested, logged, write_truth, state, auto_promote):
    rows = logged(ws)
    plain = list(rows.index[~rows["is_audit"]])
    audit = list(rows.index[rows["is_audit"]])[:3]
    _label_truth(ws, write_truth, plain + audit)

    result = retrain(ws, actor=ADMIN, auto_promote=auto_promote)

    assert result.n_eval == 3
    assert result.decision == "insufficient-evidence"
    assert result.labels_needed >= 17
    assert (result.gate, result.level) == (1, None)  # no test ran: the next gate is still gate 1
    assert result.forecast.n == 3 and result.forecast.gate == 1
    assert gates_run_against(ws, 1) == 0
    assert state(ws)["aliases"][1] == "champion"


def test_gates_counted_per_champion_including_results_saved_before_levels(ws):
    folder = ws.home / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    saved = {
        "v2": {"champion": {"version": 1}, "report": {}, "level": 0.03},
        "v3": {"champion": {"version": 1}, "report": {}, "level": None},  # too few audit items: no test
        "v4": {"champion": {"version": 1}, "report": {}},  # saved before levels were kept: it compared
        "v5": {"champion": {"version": 1}, "report": None},  # saved before levels, no comparison
        "v6": {"champion": {"version": 4}, "report": {}, "level": 0.03},
    }
    for name, data in saved.items():
        (folder / f"{name}.json").write_text(json.dumps(data))

    assert (gates_run_against(ws, 1), gates_run_against(ws, 4), gates_run_against(ws, 6)) == (2, 1, 0)
