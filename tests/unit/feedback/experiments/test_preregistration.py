"""Pre-registration: what an A/B experiment is judged on is fixed at start, sized before launch, and kept to.

Real stores for the end-to-end cases (champion v1, challenger v2 of the ``challenger`` fixture); the
recommendation's rules on made-up test results.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import text
from store_sql import read_sql

from feedback import store
from feedback.access import Actor
from feedback.exceptions import ExperimentError
from feedback.experiments import (
    MetricEvidence,
    experiment_status,
    latest_experiment,
    plan_experiment,
    recommend_registered,
    srm_check,
    start_experiment,
    two_proportion_ztest,
    units_for_power,
    welch_test,
)
from feedback.experiments.outcomes import MeanSequentialState
from feedback.intake import ingest_outcomes, ingest_predictions
from feedback.workspace import open_workspace

ADMIN = Actor("ana", "admin")
USERS = 16


def _revenue_before(ws, users=USERS):
    """Each user's revenue before the experiment (its CUPED covariate): user i spent 10 i."""
    frame = pd.DataFrame(
        {"unit_id": [f"u{i}" for i in range(users)], "metric": "revenue", "value": 10.0 * np.arange(users)}
    )
    return ingest_outcomes(ws, frame.assign(time="2020-01-01T00:00:00Z"), actor=ADMIN)


# --- what is stated at start ---------------------------------------------------------------------


def test_the_stated_criteria_are_kept_with_the_experiment(ws, challenger):
    _revenue_before(ws)
    experiment = start_experiment(
        ws,
        2,
        0.5,
        unit_col="user",
        actor=ADMIN,
        primary_metric="revenue",
        guardrails=["accuracy", "dispute_rate"],
        min_effect=5.0,
        horizon_units=400,
    )
    assert (experiment.primary_metric, experiment.guardrail_metrics) == ("revenue", ["accuracy", "dispute_rate"])
    assert (experiment.min_effect, experiment.horizon_units, experiment.lower_is_better) == (5.0, 400, [])


def test_without_statement_it_is_judged_on_accuracy_with_the_dispute_rate_as_guardrail(ws, challenger):
    experiment = start_experiment(ws, 2, 0.5, actor=ADMIN)
    assert (experiment.primary_metric, experiment.guardrail_metrics) == ("accuracy", ["dispute_rate"])
    assert experiment.min_effect is None and experiment.horizon_units is None


@pytest.mark.parametrize(
    "registration, expected",
    [
        ({"primary_metric": "revnue"}, "There is no metric 'revnue'"),
        ({"guardrails": ["accuracy", "accuracy"]}, "Name each guardrail once"),
        ({"primary_metric": "revenue", "guardrails": ["revenue"]}, "Name each guardrail once"),
        ({"lower_is_better": ["accuracy"]}, "'lower is better' applies to outcome metrics"),
        ({"min_effect": -0.1}, "must be a positive number (a proportion"),
        ({"min_effect": 1.5}, "must be a positive number (a proportion"),
        ({"primary_metric": "revenue", "min_effect": "lots"}, "must be a positive number (revenue's own unit"),
        ({"horizon_units": 1}, "2 or more, got 1"),
        ({"horizon_units": 10.5}, "whole number of units per arm"),
        ({"shadow": True, "primary_metric": "revenue"}, "A shadow experiment"),
    ],
)
def test_a_bad_statement_is_refused_and_starts_nothing(ws, challenger, registration, expected):
    _revenue_before(ws)
    with pytest.raises(ExperimentError) as error:
        start_experiment(ws, 2, 0.5, actor=ADMIN, **registration)
    assert expected in str(error.value)
    with pytest.raises(ExperimentError, match="No A/B experiment has been started"):
        experiment_status(ws)


# --- sized before launch -------------------------------------------------------------------------


def test_units_for_power_is_the_textbook_formula_and_the_sequential_need_is_larger():
    n = units_for_power(2.0, 0.5, 0.5)
    expected = (stats.norm.isf(0.025) + stats.norm.ppf(0.8)) ** 2 * 4.0 * 4 / 0.25
    assert n == int(np.ceil(expected))
    assert units_for_power(2.0, 0.5, 0.2) > n  # an uneven split needs more units
    sequential = units_for_power(2.0, 0.5, 0.5, sequential=True)
    assert 1.5 * n < sequential < 4 * n


@pytest.mark.parametrize("args", [(0.0, 0.5, 0.5), (1.0, -1.0, 0.5), (1.0, 0.5, 1.0), (float("nan"), 0.5, 0.5)])
def test_units_for_power_refuses_what_cannot_be_sized(args):
    with pytest.raises(ValueError, match="must be"):
        units_for_power(*args)


def test_the_plan_sizes_an_outcome_metric_on_its_per_unit_spread(ws, challenger):
    _revenue_before(ws)
    plan = plan_experiment(ws, primary_metric="revenue", min_effect=20.0, horizon_units=500)
    sd = np.std(10.0 * np.arange(USERS), ddof=1)
    assert plan.unit_sd == pytest.approx(sd) and plan.n_units == USERS and not plan.sequential
    assert plan.units_needed == units_for_power(sd, 20.0)
    assert f"{plan.units_needed:,} units in all" in plan.describe() and "16 units" in plan.describe()
    assert plan_experiment(ws, primary_metric="revenue").units_needed is None  # no effect stated: no size


def test_the_plan_for_accuracy_states_its_assumption_without_labels(ws, challenger):
    plan = plan_experiment(ws, min_effect=0.05)
    assert plan.metric == "accuracy" and plan.sequential and plan.units_needed > 0
    assert "per-unit spread from the champion" in plan.describe().lower() or "Assumed" in plan.describe()


# --- judged as stated ----------------------------------------------------------------------------


def _evidence(name, higher, fixed=None, sequential=None):
    return MetricEvidence(name, name, higher, fixed, sequential)


def _mean_state(diff, p_value):
    return MeanSequentialState(p_value, p_value < 0.05, 5, diff, 10.0, 10.0 + diff, 500, 500, 0.05, 1.0)


def test_a_metric_not_stated_cannot_promote():
    better_accuracy = two_proportion_ztest(1600, 2000, 1750, 2000)
    assert better_accuracy.rejected and better_accuracy.diff > 0
    # revenue was stated as primary and did not move; accuracy is only a guardrail
    judged = recommend_registered(
        _evidence("revenue", True, sequential=_mean_state(0.1, 0.6)),
        [_evidence("accuracy", True, fixed=better_accuracy)],
        srm_check(1000, 1000, 0.5),
        horizon_units=900,
    )
    assert judged.action == "keep collecting"
    assert judged.reasons[-1].startswith("Judged as stated at start: primary revenue; guardrails accuracy")


@pytest.mark.parametrize(
    "primary_state, guard_state, action",
    [
        (_mean_state(2.0, 0.001), _mean_state(0.0, 0.9), "promote challenger"),
        (_mean_state(-2.0, 0.001), _mean_state(0.0, 0.9), "keep champion"),
        (_mean_state(2.0, 0.001), _mean_state(3.0, 0.001), "keep champion"),  # a lower-is-better guardrail rose
        (_mean_state(2.0, 0.2), _mean_state(0.0, 0.9), "keep collecting"),
    ],
)
def test_the_stated_direction_and_guardrails_decide(primary_state, guard_state, action):
    judged = recommend_registered(
        _evidence("revenue", True, sequential=primary_state),
        [_evidence("resolution_minutes", False, sequential=guard_state)],
        srm_check(500, 500, 0.5),
    )
    assert judged.action == action


def test_with_a_horizon_nothing_is_judged_before_it():
    significant = welch_test(np.arange(50.0), np.arange(50.0) + 30)
    early = recommend_registered(
        _evidence("revenue", True, fixed=significant), [], srm_check(40, 45, 0.5), horizon_units=50
    )
    assert early.action == "keep collecting" and "the horizon is not reached yet" in early.reasons[1]
    late = recommend_registered(
        _evidence("revenue", True, fixed=significant), [], srm_check(50, 52, 0.5), horizon_units=50
    )
    assert late.action == "promote challenger" and "Welch t" in late.reasons[1]


# --- end to end: outcomes in the status ---------------------------------------------------------


def test_the_status_tests_per_unit_totals_with_cuped(ws, challenger, production_frame, tmp_path):
    _revenue_before(ws)
    experiment = start_experiment(
        ws, 2, 0.5, unit_col="user", actor=ADMIN, primary_metric="revenue", guardrails=["dispute_rate"]
    )
    frame = production_frame(64).assign(user=[f"u{i % USERS}" for i in range(64)])
    frame.to_csv(tmp_path / "prod.csv", index=False)
    ingest_predictions(ws, tmp_path / "prod.csv")
    # per prediction: 1 on each of the first 32; per unit: 5 for users 0..7 after the start
    per_prediction = pd.DataFrame({"id": frame["id"][:32], "metric": "revenue", "value": 1.0})
    per_unit = pd.DataFrame({"unit_id": [f"u{i}" for i in range(8)], "metric": "revenue", "value": 5.0})
    now = pd.Timestamp.now(tz="UTC").isoformat()
    ingest_outcomes(ws, pd.concat([per_prediction, per_unit]).assign(time=now), actor=ADMIN)

    status = experiment_status(ws, experiment.id)

    tests = status.tests.outcomes["revenue"]
    users = pd.Series([f"u{i}" for i in range(USERS)])
    totals = frame["user"][:32].value_counts().reindex(users, fill_value=0).to_numpy(float)
    totals[:8] += 5.0
    before = 10.0 * np.arange(USERS)
    routed = read_sql(ws, "SELECT DISTINCT unit_id, arm FROM prediction WHERE experiment_id = ?", [experiment.id])
    arms = routed.set_index("unit_id")["arm"].reindex(users).to_numpy()
    one, two = arms == "champion", arms == "challenger"
    expected = welch_test(totals[one], totals[two], before[one], before[two])
    assert tests.welch.p_value == pytest.approx(expected.p_value)
    assert tests.welch.theta == pytest.approx(expected.theta) and tests.n_pre_units == USERS - 1  # user 0 spent 0
    assert tests.arms["champion"].n_units + tests.arms["challenger"].n_units == USERS
    assert tests.arms["champion"].n_values + tests.arms["challenger"].n_values == 40
    assert tests.sequential is not None and tests.sequential.n1 == one.sum()
    reasons = status.recommendation.reasons
    assert reasons[1].startswith("revenue per unit (primary): ") and reasons[2].startswith("Dispute rate (guardrail)")
    stated = "Judged as stated at start: primary revenue per unit; guardrails Dispute rate; by the always-valid"
    assert any(reason.startswith(stated) for reason in reasons)
    assert "outcomes" in status.to_dict()["tests"]


def test_an_old_store_gains_the_outcome_table_and_its_experiments_keep_their_judging(ws, home, challenger):
    start_experiment(ws, 2, 0.5, actor=ADMIN)
    with store.session(ws) as session:  # the store as it was before 0010: no outcome table, no criteria
        session.execute(text("DROP TABLE outcome"))
        session.execute(text("DROP SEQUENCE outcome_id_seq"))
        for column in ("primary_metric", "guardrail_metrics", "lower_is_better", "min_effect"):
            session.execute(text(f"ALTER TABLE experiment DROP COLUMN {column}"))
        session.execute(text("DELETE FROM appliedmigration WHERE name = '0010_outcomes'"))
    ws.close()

    again = open_workspace(home=home)
    try:
        store.create_db_and_tables(again)
        experiment = latest_experiment(again)
        assert experiment.primary_metric is None and experiment.guardrail_metrics is None
        reasons = experiment_status(again).recommendation.reasons
        assert reasons[-1].startswith("Judged as stated at start: primary Audit accuracy; guardrails Dispute rate")
        assert ingest_outcomes(again, pd.DataFrame(GOOD_OUTCOME), actor=ADMIN).n_stored == 1
    finally:
        again.close()


GOOD_OUTCOME = {"unit_id": ["u1"], "metric": ["revenue"], "value": [1.0], "time": ["2026-11-26"]}
