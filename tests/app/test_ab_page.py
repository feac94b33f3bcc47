"""AppTest of app_pages/ab.py: the start form for admins, a running experiment's evidence, and Stop."""

import pandas as pd
import pytest
from sklearn.datasets import load_digits
from store_sql import read_sql

from feedback.access import Actor
from feedback.experiments import latest_experiment, start_experiment
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.lifecycle import retrain
from feedback.review import import_labels
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


@pytest.fixture
def ab_home(digits_home):
    """The digits store with its 300 predictions labelled and a challenger v2 trained on them."""
    ws = open_workspace(digits_home)
    try:
        import_labels(ws, digits_home.parent / "truth.csv", annotator="oracle")
        assert retrain(ws, actor=ADMIN).challenger.version == 2
    finally:
        ws.close()
    return digits_home


@pytest.fixture
def running_home(ab_home, tmp_path):
    """An A/B experiment over 400 more digits (horizon: 2 units per arm), audit items labelled with the truth, a few
    disputes."""
    X, y = load_digits(return_X_y=True)
    frame = pd.DataFrame(X[340:740], columns=[f"px_{i}" for i in range(64)])
    frame.insert(0, "id", [f"d{i}" for i in range(340, 740)])
    frame.to_csv(tmp_path / "ab.csv", index=False)
    ws = open_workspace(ab_home)
    try:
        start_experiment(ws, 2, 0.5, actor=Actor("ana", "admin"), horizon_units=2)
        ingest_predictions(ws, tmp_path / "ab.csv")
        ids = list(
            read_sql(ws, "SELECT external_id FROM prediction WHERE experiment_id IS NOT NULL AND is_audit")[
                "external_id"
            ]
        )
        truth = pd.DataFrame({"id": ids, "label": [str(y[int(i[1:])]) for i in ids]})
        truth.to_csv(tmp_path / "ab-truth.csv", index=False)
        import_labels(ws, tmp_path / "ab-truth.csv", annotator="oracle")
        pd.DataFrame({"id": ["d340", "d341", "d342"], "signal": "disputed"}).to_csv(tmp_path / "ab-fb.csv", index=False)
        ingest_feedback(ws, tmp_path / "ab-fb.csv")
    finally:
        ws.close()
    return ab_home


def test_admin_starts_an_experiment_from_the_form(ab_home, page):
    at = page("app_pages/ab.py", ab_home).run()
    assert not at.exception
    assert at.title[0].value == "A/B"
    assert any("No experiment has been run yet" in i.value for i in at.info)
    assert at.selectbox(key="ab_version").value == 2, "the challenger is offered first"

    at.number_input(key="ab_share").set_value(0.3)
    at.text_input(key="ab_unit_col").set_value("user")
    at.radio(key="ab_judging").set_value("once, at a fixed horizon").run()
    at.number_input(key="ab_horizon").set_value(500)
    next(b for b in at.button if b.label == "Start experiment").click().run()

    assert not at.exception
    assert any("Experiment 1 started" in s.value for s in at.success)
    assert any(m.value.startswith("**Experiment 1**, running") and "share 30%" in m.value for m in at.markdown)
    assert any(m.value == "**Recommendation: keep collecting**" for m in at.markdown)
    assert any(b.label == "Stop experiment" for b in at.button)
    ws = open_workspace(ab_home)
    try:
        experiment = latest_experiment(ws)
        assert (experiment.challenger_version, experiment.share, experiment.unit_col) == (2, 0.3, "user")
        assert experiment.horizon_units == 500
        assert experiment.started_by == "expert"
    finally:
        ws.close()


def test_running_experiment_shows_its_evidence_and_stops(running_home, page):
    at = page("app_pages/ab.py", running_home).run()
    assert not at.exception

    table = at.dataframe[0].value
    assert list(table["arm"]) == ["champion", "challenger"]
    assert table["predictions"].sum() == 400
    assert all("/" in cell and "%" in cell for cell in table["audit accuracy (95% interval), correct/n"])
    recommendation = next(m.value for m in at.markdown if m.value.startswith("**Recommendation: "))
    assert recommendation.removeprefix("**Recommendation: ").rstrip("*") in (
        "keep collecting",
        "promote challenger",
        "keep champion",
        "investigate traffic split",
    )
    assert any(m.value.startswith("- Traffic split") for m in at.markdown), "the reasons are listed (as text)"
    tests = next(m.value for m in at.markdown if "always-valid sequential p" in m.value)
    assert "z-test p" in tests and "n=" in tests and "chi-squared p" in tests
    assert "always-valid 95% interval" in tests and "At the planned horizon of 2 units per arm" in tests
    assert len(at.get("vega_lite_chart")) == 2, "cumulative accuracy and sequential p-values"

    at.text_input(key="ab_stop_reason").set_value("seen enough")
    next(b for b in at.button if b.label == "Stop experiment").click().run()

    assert not at.exception
    assert any("Experiment 1 stopped" in s.value for s in at.success)
    assert any("stopped by expert (seen enough)" in m.value for m in at.markdown), "the last experiment stays shown"
    assert any(b.label == "Start experiment" for b in at.button), "a new one can be started"
    ws = open_workspace(running_home)
    try:
        stopped = latest_experiment(ws)
        assert stopped.stopped_at is not None and stopped.stop_reason == "seen enough"
    finally:
        ws.close()


def test_annotators_see_the_evidence_but_cannot_start(ab_home, open_signed_in):
    at = open_signed_in("app_pages/ab.py", ab_home)
    assert not at.exception
    assert at.title[0].value == "A/B"
    assert any("Only admins start experiments" in c.value for c in at.caption)
    assert not any(b.label == "Start experiment" for b in at.button)


def test_admin_states_the_criteria_and_sees_the_units_needed_before_launch(ab_home, page):
    from feedback.intake import ingest_outcomes

    ws = open_workspace(ab_home)
    try:
        before = pd.DataFrame({"unit_id": [f"u{i}" for i in range(20)], "metric": "revenue", "value": range(20)})
        ingest_outcomes(ws, before.assign(time="2020-01-01"), actor=ADMIN)
    finally:
        ws.close()
    at = page("app_pages/ab.py", ab_home).run()
    assert any(c.value.startswith("State the smallest effect that matters") for c in at.caption)

    at.selectbox(key="ab_primary").set_value("revenue").run()
    at.number_input(key="ab_min_effect").set_value(2.0).run()
    at.radio(key="ab_judging").set_value("once, at a fixed horizon").run()
    at.number_input(key="ab_horizon").set_value(500).run()

    plan = next(c.value for c in at.caption if "power to detect a change of 2 in revenue" in c.value)
    assert "one look at the horizon" in plan and "20 units" in plan
    next(b for b in at.button if b.label == "Start experiment").click().run()
    assert not at.exception
    assert any(
        m.value.startswith("Stated at start: primary revenue") and "500 units per arm" in m.value for m in at.markdown
    )
    ws = open_workspace(ab_home)
    try:
        experiment = latest_experiment(ws)
        assert (experiment.primary_metric, experiment.min_effect, experiment.horizon_units) == ("revenue", 2.0, 500)
        assert experiment.guardrail_metrics == ["accuracy", "dispute_rate"]
    finally:
        ws.close()


def test_outcome_metrics_named_by_users_are_shown_as_text(ab_home, page, tmp_path):
    from feedback.intake import ingest_outcomes
    from feedback.web import md_text

    metric = "rev **bold** [link](javascript:alert(1))"
    X, _ = load_digits(return_X_y=True)
    frame = pd.DataFrame(X[340:400], columns=[f"px_{i}" for i in range(64)])
    frame.insert(0, "id", [f"d{i}" for i in range(340, 400)])
    frame["user"] = [f"u{i % 12}" for i in range(60)]
    frame.to_csv(tmp_path / "ab.csv", index=False)
    ws = open_workspace(ab_home)
    try:
        before = pd.DataFrame({"unit_id": [f"u{i}" for i in range(12)], "metric": metric, "value": range(12)})
        ingest_outcomes(ws, before.assign(time="2020-01-01"), actor=ADMIN)
        start_experiment(ws, 2, 0.5, unit_col="user", actor=ADMIN, primary_metric=metric, min_effect=1.0)
        ingest_predictions(ws, tmp_path / "ab.csv")
        during = pd.DataFrame({"id": frame["id"], "metric": metric, "value": 1.0, "time": pd.Timestamp.now(tz="UTC")})
        ingest_outcomes(ws, during.assign(time=during["time"].astype(str)), actor=ADMIN)
    finally:
        ws.close()

    at = page("app_pages/ab.py", ab_home).run()

    assert not at.exception
    shown = "\n".join(m.value for m in at.markdown)
    assert md_text(metric) in shown and "**bold**" not in shown and "javascript:" not in shown
    assert "Welch p" in shown and "per unit (95% interval" in shown, "each arm's mean per unit, then the tests"
