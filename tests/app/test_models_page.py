"""AppTest of pages/models.py: retrain in a worker thread, then promote."""

import time

from active_learning import MACRO_F1_DEFINITION, GatePolicy
from feedback.access import Actor
from feedback.lifecycle import retrain
from feedback.monitor import store_status
from feedback.review import import_labels
from feedback.web import worker
from feedback.workspace import open_workspace


def _wait_for_retrain(timeout=60, name="retrain"):
    job = worker().jobs.get(name)
    deadline = time.time() + timeout
    while job.running and time.time() < deadline:
        time.sleep(0.1)
    assert not job.running, "retrain did not finish"
    return job


def test_retrain_then_promote(digits_home, page):
    ws = open_workspace(digits_home)
    import_labels(ws, digits_home.parent / "truth.csv", annotator="oracle")
    ws.close()

    at = page("app_pages/models.py", digits_home).run()
    assert not at.exception
    at.button[0].click().run()  # Retrain
    assert not at.exception
    job = _wait_for_retrain()
    assert job.error is None, job.error
    at.run()
    assert any(m.value.startswith("**Decision: promote**") for m in at.markdown)
    assert any("audit items" in m.value for m in at.markdown), "figures say how many items they rest on"
    assert any("paired-bootstrap interval" in m.value and "n=" in m.value for m in at.markdown)
    assert any(c.value == MACRO_F1_DEFINITION for c in at.caption), "the definition sits next to the figure"
    assert len(at.get("vega_lite_chart")) >= 4, "per-class F1, two confusion matrices, learning curve"
    assert any(
        "audit items)" in m.value and ("settled" in m.value or "Keep labelling" in m.value or "Too early" in m.value)
        for m in at.markdown
    )

    assert any(
        m.value.startswith("The queue's items") and "held-out audit labels" in m.value and "95% interval" in m.value
        for m in at.markdown
    ), "the page says whether the queue's items beat random ones, with n and interval"

    next(b for b in at.button if b.label == "Simulate more labels").click().run()
    simulation = _wait_for_retrain(120, name="simulate")
    assert simulation.error is None, simulation.error
    at.run()
    assert any(m.value.startswith("Labels to reach 98%") for m in at.markdown)

    at.selectbox[0].set_value(job.result.challenger.version)
    at.text_input(key="decision_reason").set_value("better on the audit slice").run()
    next(b for b in at.button if b.label == "Promote").click().run()
    assert not at.exception
    assert any("is champion" in s.value for s in at.success)
    ws = open_workspace(digits_home)
    try:
        assert store_status(ws).champion.version == job.result.challenger.version
    finally:
        ws.close()


def test_router_opens_review_page_with_the_name_field(digits_home, page):
    at = page("app.py", digits_home).run()
    assert not at.exception
    assert at.title[0].value == "Review"
    at.sidebar.text_input(key="annotator").set_value("ana").run()
    assert at.session_state["annotator"] == "ana"


def test_trigger_form_saves_the_policy(digits_home, page):
    from feedback.lifecycle import RetrainPolicy, load_policy

    at = page("app_pages/models.py", digits_home).run()
    assert not at.exception
    at.number_input[0].set_value(25)
    at.checkbox[1].check()
    at.number_input[3].set_value(0.01)  # significance level
    next(b for b in at.button if b.label == "Save policy").click().run()
    assert not at.exception
    ws = open_workspace(digits_home)
    try:
        assert load_policy(ws) == RetrainPolicy(every_n_labels=25, auto_promote=True, alpha=0.01)
    finally:
        ws.close()


def test_an_undecided_gate_shows_the_forecast_with_its_assumptions(digits_home, page):
    ws = open_workspace(digits_home)
    try:
        import_labels(ws, digits_home.parent / "truth.csv", annotator="oracle")
        result = retrain(ws, actor=Actor("tester", "admin"), policy=GatePolicy(min_eval=10_000))
    finally:
        ws.close()
    assert result.decision == "insufficient-evidence" and result.forecast is not None

    at = page("app_pages/models.py", digits_home).run()

    assert not at.exception
    shown = [i.value for i in at.info if "audit labels" in i.value]
    assert shown, "the forecast replaces the old hint"
    assert "gate 1 against this champion at level" in shown[0] and "disagrees with the champion" in shown[0]
