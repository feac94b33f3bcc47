"""A/B and shadow experiments end to end: the schema, routing at ingest, the library's errors and its figures.

Real DuckDB stores in tmp folders, real scikit-learn models: the ``challenger`` fixture's store holds
champion v1 (30 seed digits) and challenger v2 (trained on 100 more).
"""

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from store_sql import read_sql

from feedback import store
from feedback.access import Actor
from feedback.exceptions import ExperimentError, InputError
from feedback.experiments import (
    assign_arm,
    experiment_status,
    latest_experiment,
    msprt_p_value,
    running_experiment,
    srm_check,
    start_experiment,
    stop_experiment,
    two_proportion_ztest,
    unit_sums,
)
from feedback.experiments.recommendation import describe_test
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.lifecycle import champion_and_challenger, load_task, load_version, promote
from feedback.monitor import estimate_proportion
from feedback.review import import_labels
from feedback.store import PREDICTION_INPUT
from feedback.workspace import open_workspace

USERS = 12


def write_frame(frame: pd.DataFrame, path) -> object:
    """Write a frame as CSV or Parquet by its suffix."""
    frame.to_parquet(path, index=False) if path.suffix == ".parquet" else frame.to_csv(path, index=False)
    return path


def _with_users(frame: pd.DataFrame, offset: int = 0) -> pd.DataFrame:
    """The rows with a ``user`` column cycling over ``USERS`` users."""
    return frame.assign(user=[f"u{(offset + i) % USERS}" for i in range(len(frame))])


def _scores(ws, ids, version_alias):
    """What the champion (or challenger) predicts for the logged inputs of ``ids``."""
    champion, challenger = champion_and_challenger(ws)
    row = champion if version_alias == "champion" else challenger
    inputs = (
        read_sql(ws, f"SELECT * FROM {PREDICTION_INPUT} WHERE external_id IN (SELECT unnest(?))", [list(ids)])
        .set_index("external_id")
        .loc[list(ids)]
    )
    names = [f["name"] for f in load_task(ws).features]
    return pd.Series(load_version(ws, row).predict(inputs[names]).astype(str), index=list(ids))


# --- schema ------------------------------------------------------------------------------------


def test_an_old_store_gains_the_experiment_table_and_columns(home, ingested):
    ws = open_workspace(home=home)
    try:
        # The store as it was before A/B experiments: no experiment table, no arm columns, 0005 not applied.
        with store.session(ws) as session:
            session.execute(text("DROP TABLE experiment"))
            session.execute(text("DROP SEQUENCE experiment_id_seq"))
            session.execute(text("DROP INDEX ix_prediction_batch_id"))
            for column in ("arm", "unit_id", "experiment_id"):
                session.execute(text(f"ALTER TABLE prediction DROP COLUMN {column}"))
            session.execute(text("CREATE INDEX ix_prediction_batch_id ON prediction (batch_id)"))
            session.execute(text("DELETE FROM appliedmigration WHERE name = '0005_ab_experiments'"))
    finally:
        ws.close()

    ws = open_workspace(home=home)
    try:
        store.create_db_and_tables(ws)
        columns = set(
            read_sql(ws, "SELECT column_name FROM information_schema.columns WHERE table_name = 'prediction'")[
                "column_name"
            ]
        )
        assert {"arm", "unit_id", "experiment_id"} <= columns
        applied = set(read_sql(ws, "SELECT name FROM appliedmigration")["name"])
        assert "0005_ab_experiments" in applied
        old = read_sql(ws, "SELECT arm, unit_id, experiment_id FROM prediction")
        assert len(old) == 60 and old.isna().all().all()
        assert running_experiment(ws) is None  # the new table answers
    finally:
        ws.close()


# --- routing at ingest -------------------------------------------------------------------------


def test_ab_routing_keeps_each_unit_in_one_arm_and_serves_its_arms_model(
    ws, challenger, production_frame, tmp_path, logged
):
    experiment = start_experiment(ws, 2, 0.5, unit_col="user", actor=Actor("ana", "admin"))
    first = write_frame(_with_users(production_frame(120)), tmp_path / "one.csv")
    second = write_frame(_with_users(production_frame(120, start=120), offset=5), tmp_path / "two.parquet")

    results = [ingest_predictions(ws, first), ingest_predictions(ws, second)]

    rows = logged(ws)
    rows = rows[rows["experiment_id"] == experiment.id]
    assert len(rows) == 240 and sum(r.n_challenger_arm for r in results) == int((rows["arm"] == "challenger").sum())
    assert {r.experiment_id for r in results} == {experiment.id}
    # one unit, one arm, across both batches; and the arm is the salted hash of the unit
    assert (rows.groupby("unit_id")["arm"].nunique() == 1).all()
    expected = assign_arm(rows["unit_id"].to_numpy(dtype=object), 0.5, salt=experiment.salt)
    np.testing.assert_array_equal(rows["arm"].to_numpy(dtype=object), expected)
    assert set(rows["arm"]) == {"champion", "challenger"}
    # the served answer is the arm's model; the other model is logged on the side
    champion_says, challenger_says = _scores(ws, rows.index, "champion"), _scores(ws, rows.index, "challenger")
    on_challenger = rows["arm"] == "challenger"
    served = np.where(on_challenger, challenger_says, champion_says)
    other = np.where(on_challenger, champion_says, challenger_says)
    np.testing.assert_array_equal(rows["predicted"].to_numpy(dtype=object), served)
    np.testing.assert_array_equal(rows["challenger_predicted"].to_numpy(dtype=object), other)
    assert (rows["model_version"] == np.where(on_challenger, 2, 1)).all()
    assert (rows["challenger_version"] == np.where(on_challenger, 1, 2)).all()
    proba = np.array([json.loads(p) for p in rows["probabilities"]])
    np.testing.assert_allclose(rows["confidence"], proba.max(axis=1))
    labels = np.array(load_task(ws).labels, dtype=object)
    np.testing.assert_array_equal(labels[proba.argmax(axis=1)], rows["predicted"].to_numpy(dtype=object))


def test_ab_share_is_roughly_respected_per_prediction(ws, challenger, write_production, logged):
    start_experiment(ws, 2, 0.2, actor=Actor("ana", "admin"))

    ingest_predictions(ws, write_production(600))

    rows = logged(ws)
    share = float((rows.loc[rows["experiment_id"].notna(), "arm"] == "challenger").mean())
    assert abs(share - 0.2) < 4.5 * np.sqrt(0.2 * 0.8 / 600)
    assert rows.loc[rows["experiment_id"].notna(), "unit_id"].isna().all(), "no unit column: the id is the unit"


def test_shadow_mode_serves_the_champion_to_everyone(ws, challenger, write_production, logged):
    start_experiment(ws, 2, shadow=True, actor=Actor("ana", "admin"))

    result = ingest_predictions(ws, write_production(80))

    rows = logged(ws)
    rows = rows[rows["experiment_id"].notna()]
    assert len(rows) == 80 and result.n_challenger_arm == 0
    assert set(rows["arm"]) == {"champion"} and set(rows["model_version"]) == {1}
    assert set(rows["challenger_version"]) == {2}
    np.testing.assert_array_equal(rows["predicted"].to_numpy(dtype=object), _scores(ws, rows.index, "champion"))
    np.testing.assert_array_equal(
        rows["challenger_predicted"].to_numpy(dtype=object), _scores(ws, rows.index, "challenger")
    )


def test_a_stopped_experiment_routes_nothing(ws, challenger, write_production, logged):
    start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"))
    stop_experiment(ws, actor=Actor("ana", "admin"), reason="done")

    result = ingest_predictions(ws, write_production(30))

    rows = logged(ws).loc[[f"d-{i:04d}" for i in range(100, 130)]]
    assert result.experiment_id is None
    assert rows["arm"].isna().all() and set(rows["model_version"]) == {1} and set(rows["challenger_version"]) == {2}


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda f: f.drop(columns="user"), "has no column 'user', the unit id the running A/B experiment"),
        (
            lambda f: f.assign(user=[None, *f["user"].iloc[1:]]),
            "column 'user' (the A/B experiment's unit id) is empty on line 2",
        ),
    ],
)
def test_a_file_without_its_unit_ids_is_refused(ws, challenger, production_frame, tmp_path, state, edit, expected):
    start_experiment(ws, 2, 0.5, unit_col="user", actor=Actor("ana", "admin"))
    path = write_frame(edit(_with_users(production_frame(10))), tmp_path / "prod.csv")
    before = state(ws)

    with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        ingest_predictions(ws, path)

    assert state(ws) == before


def test_the_unit_column_is_unknown_once_the_experiment_stops(ws, challenger, production_frame, tmp_path):
    start_experiment(ws, 2, 0.5, unit_col="user", actor=Actor("ana", "admin"))
    stop_experiment(ws, actor=Actor("ana", "admin"))
    with pytest.raises(InputError, match="column.*the task does not know: user"):
        ingest_predictions(ws, write_frame(_with_users(production_frame(10)), tmp_path / "prod.csv"))


# --- starting and stopping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "version, share, expected",
    [
        (9, 0.5, "There is no model version 9"),
        (1, 0.5, "Version 1 is the champion"),
        (2, 0.0, "strictly between 0 and 1, got 0.0"),
        (2, 1.0, "strictly between 0 and 1, got 1.0"),
        (2, -0.2, "strictly between 0 and 1"),
        (2, "half", "strictly between 0 and 1, got 'half'"),
    ],
)
def test_refused_start_names_the_problem_and_starts_nothing(ws, challenger, version, share, expected):
    with pytest.raises(ExperimentError, match=expected):
        start_experiment(ws, version, share, actor=Actor("ana", "admin"))
    assert latest_experiment(ws) is None


def test_one_experiment_runs_at_a_time(ws, challenger):
    first = start_experiment(ws, 2, 0.3, unit_col=" user ", actor=Actor("ana", "admin"))
    assert (first.challenger_version, first.champion_version, first.share, first.unit_col) == (2, 1, 0.3, "user")
    assert first.salt and first.started_by == "ana" and first.stopped_at is None

    with pytest.raises(ExperimentError, match=f"Experiment {first.id} .* is already running .* ab stop"):
        start_experiment(ws, 2, 0.5, actor=Actor("bo", "admin"))

    stopped = stop_experiment(ws, actor=Actor("bo", "admin"), reason="enough evidence")
    assert (stopped.id, stopped.stopped_by, stopped.stop_reason) == (first.id, "bo", "enough evidence")
    assert stopped.stopped_at is not None and running_experiment(ws) is None
    second = start_experiment(ws, 2, 0.5, actor=Actor("bo", "admin"))
    assert second.id != first.id and second.salt != first.salt, "a new experiment reshuffles the units"


def test_stopping_when_none_runs_is_refused(ws, challenger):
    with pytest.raises(ExperimentError, match="No A/B experiment is running, so there is nothing to stop"):
        stop_experiment(ws, actor=Actor("ana", "admin"))
    with pytest.raises(ExperimentError, match="No A/B experiment has been started"):
        experiment_status(ws)


def test_shadow_mode_needs_no_share(ws, challenger):
    experiment = start_experiment(ws, 2, 7, shadow=True, actor=Actor("ana", "admin"))
    assert experiment.shadow and experiment.share == 0.0


def test_promotion_stops_the_running_experiment(ws, challenger):
    experiment = start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"))

    promote(ws, 2, reason="won the A/B test", actor=Actor("bo", "admin"))

    stopped = latest_experiment(ws)
    assert stopped.id == experiment.id and stopped.stopped_at is not None
    assert (stopped.stopped_by, stopped.stop_reason) == ("bo", "version 2 was promoted")


# --- the evidence ------------------------------------------------------------------------------


@pytest.fixture
def ab_store(ws, challenger, write_production, digits_frame, tmp_path, logged):
    """An A/B experiment (share 0.5, a planned horizon of 2 units per arm) over two batches of 100, its
    audit items labelled, some disputed.

    Labels: the truth, except three audit items per arm labelled with a class the served model did
    not predict; disputes on the first five predictions of each arm (one of them twice).
    """
    experiment = start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"), horizon_units=2)
    ingest_predictions(ws, write_production(100))
    ingest_predictions(ws, write_production(100, start=100, name="two.csv"))
    rows = logged(ws)
    rows = rows[rows["experiment_id"] == experiment.id]
    audit = rows[rows["is_audit"]]
    truth = digits_frame.set_index("id").loc[audit.index, "label"].astype(str)
    wrong = pd.concat([audit[audit["arm"] == arm].head(3) for arm in ("champion", "challenger")])
    labels = truth.copy()
    labels[wrong.index] = [str((int(p) + 1) % 10) for p in wrong["predicted"]]
    write_frame(pd.DataFrame({"id": labels.index, "label": labels.to_numpy()}), tmp_path / "labels.csv")
    import_labels(ws, tmp_path / "labels.csv", annotator="oracle")
    disputed = [i for arm in ("champion", "challenger") for i in rows[rows["arm"] == arm].index[:5]]
    write_frame(
        pd.DataFrame({"id": [*disputed, disputed[0]], "signal": "disputed", "user_label": [None] * 10 + ["3"]}),
        tmp_path / "fb.csv",
    )
    ingest_feedback(ws, tmp_path / "fb.csv")
    return experiment, rows, labels, set(disputed)


def test_status_figures_match_the_hand_counts(ws, ab_store):
    experiment, rows, labels, disputed = ab_store

    status = experiment_status(ws).to_dict()

    assert status["experiment"]["id"] == experiment.id and status["experiment"]["running"]
    assert status["experiment"]["mode"] == "a/b"
    counts = {}
    for arm in ("champion", "challenger"):
        mine = rows[rows["arm"] == arm]
        audit = mine[mine["is_audit"]]
        correct = int((audit["predicted"] == labels[audit.index]).sum())
        n_disputed = len(disputed & set(mine.index))
        counts[arm] = (correct, len(audit), n_disputed, len(mine))
        figures = status["arms"][arm]
        assert figures["version"] == {"champion": 1, "challenger": 2}[arm]
        assert figures["n_predictions"] == figures["n_units"] == len(mine)
        assert figures["accuracy"] == {**estimate_proportion(correct, len(audit)).to_dict(), "successes": correct}
        assert figures["dispute_rate"]["successes"] == n_disputed == 5
        assert figures["dispute_rate"]["n"] == len(mine)
    (x1, n1, d1, m1), (x2, n2, d2, m2) = counts["champion"], counts["challenger"]
    z = two_proportion_ztest(x1, n1, x2, n2)
    accuracy = status["tests"]["accuracy"]
    assert accuracy["z_test"]["p_value"] == pytest.approx(z.p_value)
    assert (accuracy["z_test"]["x1"], accuracy["z_test"]["n1"]) == (x1, n1)
    assert status["tests"]["dispute_rate"]["z_test"]["p_value"] == pytest.approx(
        two_proportion_ztest(d1, m1, d2, m2).p_value
    )
    # labels and disputes arrived after both batches: the looks after each batch saw none of them
    assert [h["champion_n_predictions"] for h in status["history"]][-1] == m1
    assert status["history"][-1]["challenger_n_audit"] == n2
    assert accuracy["sequential"]["p_value"] == pytest.approx(msprt_p_value(x1, n1, x2, n2))
    assert accuracy["sequential"]["n_looks"] == 1
    srm = srm_check(m1, m2, 0.5)
    assert status["srm"]["p_value"] == pytest.approx(srm.p_value) and status["srm"]["mismatch"] is False
    assert status["recommendation"]["action"] in ("keep collecting", "promote challenger", "keep champion")
    reasons = status["recommendation"]["reasons"]
    assert reasons[0].startswith("Traffic split") and reasons[1].startswith("Audit accuracy")
    assert f"({x2}/{n2})" in reasons[1] and "(fixed horizon, one look)" in reasons[1]  # judged at its horizon
    assert not any(r.startswith("Caution") for r in reasons), "one prediction per unit: no independence caveat"
    json.dumps(status)  # JSON-ready


def test_status_of_a_fresh_experiment_says_keep_collecting(ws, challenger):
    start_experiment(ws, 2, 0.5, unit_col="user", actor=Actor("ana", "admin"))

    status = experiment_status(ws).to_dict()

    assert status["arms"]["champion"]["n_predictions"] == 0
    assert status["arms"]["challenger"]["accuracy"]["estimate"] is None
    assert status["tests"]["accuracy"] == {"z_test": None, "sequential": None}
    assert status["srm"] is None
    assert status["recommendation"]["action"] == "keep collecting"
    assert status["recommendation"]["reasons"][0] == "Traffic split: no prediction has been routed yet."


def test_a_stopped_experiment_still_reports(ws, ab_store):
    stop_experiment(ws, actor=Actor("bo", "admin"), reason="seen enough")

    status = experiment_status(ws)

    assert not status.experiment.running and status.experiment.stop_reason == "seen enough"
    assert status.arms["challenger"].n_predictions > 0


def test_shadow_status_compares_the_models_on_the_same_audit_items(
    ws, challenger, write_production, write_truth, logged
):
    start_experiment(ws, 2, shadow=True, actor=Actor("ana", "admin"))
    ingest_predictions(ws, write_production(200))
    rows = logged(ws)
    audit = rows[rows["experiment_id"].notna() & rows["is_audit"]]
    import_labels(ws, write_truth(list(audit.index)), annotator="oracle")

    status = experiment_status(ws).to_dict()

    truth = pd.read_csv(write_truth(list(audit.index)), dtype=str).set_index("id")["label"]
    champion_right = audit["predicted"] == truth[audit.index]
    challenger_right = audit["challenger_predicted"] == truth[audit.index]
    assert status["experiment"]["mode"] == "shadow" and status["srm"] is None
    assert status["arms"]["champion"]["accuracy"]["successes"] == int(champion_right.sum())
    assert status["arms"]["challenger"]["accuracy"]["successes"] == int(challenger_right.sum())
    assert status["arms"]["champion"]["accuracy"]["n"] == status["arms"]["challenger"]["accuracy"]["n"] == len(audit)
    assert status["arms"]["challenger"]["dispute_rate"] is None
    mcnemar = status["tests"]["accuracy"]["mcnemar"]
    assert mcnemar["n_challenger_only"] == int((challenger_right & ~champion_right).sum())
    assert mcnemar["n_champion_only"] == int((champion_right & ~challenger_right).sum())
    assert status["tests"]["accuracy"]["bootstrap"]["n"] == len(audit)
    assert "McNemar mid-p" in status["recommendation"]["reasons"][0]
    json.dumps(status)


def test_the_sequential_test_replays_the_evidence_as_it_stood_after_each_batch(
    ws, challenger, write_production, write_truth, logged
):
    start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"))
    counts = []  # cumulative (x1, n1, x2, n2) of labelled audit items after each labelling round
    for round_, start in enumerate((0, 150, 300)):
        ingest_predictions(ws, write_production(150, start=start, name=f"b{round_}.csv"))
        rows = logged(ws)
        audit = rows[rows["experiment_id"].notna() & rows["is_audit"]]
        fresh = audit.index[audit.index >= f"d-{100 + start:04d}"]
        import_labels(ws, write_truth(list(fresh), name=f"t{round_}.csv"), annotator="oracle")
        truth = pd.read_csv(write_truth(list(audit.index), name="all.csv"), dtype=str).set_index("id")["label"]
        right = audit["predicted"] == truth[audit.index]
        arms = [audit["arm"] == arm for arm in ("champion", "challenger")]
        counts.append(
            [int((right & arms[0]).sum()), int(arms[0].sum()), int((right & arms[1]).sum()), int(arms[1].sum())]
        )

    status = experiment_status(ws).to_dict()

    # looks: after batch 1 (nothing labelled yet), after batch 2 (round 1's labels), after batch 3 (round 2's),
    # and the latest evidence (round 3's)
    seen = [
        [h["champion_correct"], h["champion_n_audit"], h["challenger_correct"], h["challenger_n_audit"]]
        for h in status["history"]
    ]
    assert seen == [[0, 0, 0, 0], *counts]
    x1, n1, x2, n2 = np.array(counts).T
    sequential = status["tests"]["accuracy"]["sequential"]
    assert sequential["n_looks"] == 3 and sequential["p_value"] == pytest.approx(msprt_p_value(x1, n1, x2, n2))
    assert [h["accuracy_p"] is None for h in status["history"]] == [True, False, False, False]


def test_without_audit_labels_the_recommendation_waits_unless_the_split_is_broken():
    from feedback.experiments import recommend

    waiting = recommend(None, None, srm_check(510, 490, 0.5))
    assert waiting.action == "keep collecting"
    assert waiting.reasons[1] == "Audit accuracy: not testable yet, an arm has no expert-labelled audit item."
    assert recommend(None, None, srm_check(5_200, 4_800, 0.5)).action == "investigate traffic split"


# --- per-unit analysis and the planned horizon --------------------------------------------------


def test_a_unit_column_experiment_is_tested_on_per_unit_sums(ws, challenger, production_frame, tmp_path, logged):
    experiment = start_experiment(ws, 2, 0.5, unit_col="user", actor=Actor("ana", "admin"), horizon_units=1_000)
    ingest_predictions(ws, write_frame(_with_users(production_frame(240)), tmp_path / "one.csv"))
    rows = logged(ws)
    rows = rows[rows["experiment_id"] == experiment.id]
    audit = rows[rows["is_audit"]]
    # every audit item labelled with the class the served model did not predict, on odd users only
    odd = audit["unit_id"].str[1:].astype(int) % 2
    labels = (audit["predicted"].astype(int) + odd).mod(10).astype(str).reset_index(drop=True)
    write_frame(pd.DataFrame({"id": audit.index, "label": labels.to_numpy()}), tmp_path / "labels.csv")
    import_labels(ws, tmp_path / "labels.csv", annotator="oracle")
    disputed = rows.index[rows["unit_id"].isin(["u0", "u1"])]
    write_frame(pd.DataFrame({"id": disputed, "signal": "disputed"}), tmp_path / "fb.csv")
    ingest_feedback(ws, tmp_path / "fb.csv")

    status = experiment_status(ws)

    right = (audit["predicted"].to_numpy() == labels.to_numpy()).astype(int)
    for arm_name, arm in (("champion", 1), ("challenger", 2)):
        mine = audit["arm"].to_numpy() == arm_name
        per_user = pd.DataFrame({"user": audit["unit_id"][mine], "right": right[mine]}).groupby("user")["right"]
        expected = unit_sums(per_user.sum(), per_user.count())
        sequential = status.tests.accuracy.sequential
        assert getattr(sequential, f"units{arm}") == expected.units < getattr(sequential, f"n{arm}")
        assert getattr(sequential, f"deff{arm}") == pytest.approx(expected.design_effect)
        served = rows[rows["arm"] == arm_name]
        per_user = served.assign(d=served.index.isin(disputed)).groupby("unit_id")["d"]
        assert status.tests.dispute_rate.sequential.__dict__[f"deff{arm}"] == pytest.approx(
            unit_sums(per_user.sum(), per_user.count()).design_effect
        )
    # a horizon of 1,000 units per arm is far off: no fixed-horizon verdict, and the reasons say so
    assert status.tests.accuracy.z_test is None and status.tests.dispute_rate.z_test is None
    reasons = status.recommendation.reasons
    assert "not judged: the horizon is not reached yet" in reasons[1]  # judged as registered: at the horizon
    evidence = describe_test(status.tests.accuracy.sequential, higher_is_better=True)
    assert "from" in evidence and "units" in evidence and "design effect" in evidence
    assert "the fixed-horizon test is shown once both arms reach the planned 1,000 units" in reasons[-1]
    assert status.to_dict()["experiment"]["horizon_units"] == 1_000


@pytest.mark.parametrize("horizon", [0, 1, -5, 2.5, "many", float("inf")])
def test_a_bad_horizon_is_refused(ws, challenger, horizon):
    with pytest.raises(ExperimentError, match="whole number of units per arm, 2 or more"):
        start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"), horizon_units=horizon)
    assert latest_experiment(ws) is None


def test_the_horizon_is_stored_and_shadow_mode_has_none(ws, challenger):
    assert start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"), horizon_units="400").horizon_units == 400
    stop_experiment(ws, actor=Actor("ana", "admin"))
    assert start_experiment(ws, 2, shadow=True, actor=Actor("ana", "admin"), horizon_units=400).horizon_units is None


def test_an_old_store_gains_the_horizon_column(home, ingested):
    ws = open_workspace(home=home)
    try:
        with store.session(ws) as session:
            session.execute(text("ALTER TABLE experiment DROP COLUMN horizon_units"))
            session.execute(text("DELETE FROM appliedmigration WHERE name = '0009_ab_horizon'"))
    finally:
        ws.close()
    ws = open_workspace(home=home)
    try:
        store.create_db_and_tables(ws)
        assert "0009_ab_horizon" in set(read_sql(ws, "SELECT name FROM appliedmigration")["name"])
        assert latest_experiment(ws) is None  # the table answers with the column back
        assert len(read_sql(ws, "SELECT horizon_units FROM experiment")) == 0
    finally:
        ws.close()
