"""AppTest of app_pages/monitor.py: alerts on top with their buttons, charts per window, one window in detail."""

import time
from contextlib import closing

import pandas as pd
from sklearn.datasets import load_digits
from store_sql import in_session

from active_learning import MACRO_F1_DEFINITION
from feedback.access import Actor
from feedback.alerts import AlertPolicy, list_alerts, save_alert_policy
from feedback.intake import ingest_predictions
from feedback.review import import_labels, record_label
from feedback.store import Alert, repository
from feedback.web import get_workspace_quietly, worker
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


def _batch(home, start: int, prefix: str, invert: bool = False):
    """A CSV of 100 digits from row ``start`` (pixels inverted when ``invert``), ids ``<prefix><i>``."""
    X, _ = load_digits(return_X_y=True)
    pixels = X[start : start + 100]
    frame = pd.DataFrame(16.0 - pixels if invert else pixels, columns=[f"px_{i}" for i in range(64)])
    frame.insert(0, "id", [f"{prefix}{i}" for i in range(100)])
    frame.to_csv(home.parent / f"{prefix}.csv", index=False)
    return home.parent / f"{prefix}.csv"


def _ingest_drifting_batch(home):
    """Ingest 100 digits with inverted pixels into the store: the check after the ingest raises a drift alert."""
    with closing(open_workspace(home)) as ws:
        ingest_predictions(ws, _batch(home, 400, "x", invert=True))
        [alert] = list_alerts(ws)
    return alert


def _alerts(home):
    with closing(open_workspace(home)) as ws:
        return {a.id: a for a in list_alerts(ws)}


def test_renders_windows_and_says_when_a_window_has_no_audit_labels(digits_home, page):
    at = page("app_pages/monitor.py", digits_home).run()
    assert not at.exception
    assert at.title[0].value == "Monitor"
    assert any(c.value == "No open alerts." for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 5, "four trends and the class mix (no reliability without labels)"
    assert any(w.value.startswith("No audit labels in this window yet") for w in at.warning)
    assert any("on 300 predictions (2 disputed)" in m.value for m in at.markdown)
    assert any(m.value.startswith("**Feature drift**") for m in at.markdown)


def test_labelled_window_shows_its_figures_with_their_n(digits_home, page):
    with closing(open_workspace(digits_home)) as ws:
        import_labels(ws, digits_home.parent / "truth.csv", annotator="oracle")
    at = page("app_pages/monitor.py", digits_home).run()
    assert not at.exception
    [figures] = [m.value for m in at.markdown if m.value.startswith("Accuracy ")]
    assert " audit labels; macro-F1 " in figures and "%]" in figures
    assert any(c.value == MACRO_F1_DEFINITION for c in at.caption), "the definition sits next to the figure"
    assert not at.warning
    assert len(at.get("vega_lite_chart")) == 6, "the reliability diagram joins"
    assert any(c.value.startswith("Each batch window is judged once, when it closes") for c in at.caption)
    assert any(c.value.startswith("Not judged yet") for c in at.caption), "the newest window never is"
    with closing(open_workspace(digits_home)) as ws:
        ingest_predictions(ws, _batch(digits_home, 600, "n"))
    at.selectbox(key="monitor_chosen").set_value(0).run()
    assert not at.exception
    [verdicts] = [m.value for m in at.markdown if m.value.startswith("- accuracy: passed, ")]
    assert " audit labels" not in verdicts and "n=" in verdicts and "0 past windows" in verdicts


def test_an_alert_shows_on_top_and_acknowledging_then_resolving_changes_its_state(digits_home, page):
    alert = _ingest_drifting_batch(digits_home)
    at = page("app_pages/monitor.py", digits_home).run()
    assert not at.exception
    assert any(m.value.startswith(f"**Alert {alert.id}** (open") and "feature drift" in m.value for m in at.markdown)
    at.button(key=f"ack_{alert.id}").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"Alert {alert.id} is acknowledged."]
    stored = _alerts(digits_home)[alert.id]
    assert (stored.state, stored.acknowledged_by) == ("acknowledged", "expert")
    assert any(c.value.startswith("acknowledged by expert") for c in at.caption)

    at.button(key=f"resolve_{alert.id}").click().run()
    assert not at.exception
    assert _alerts(digits_home)[alert.id].state == "resolved"
    assert any(c.value == "No open alerts." for c in at.caption)
    assert not any(b.key == f"resolve_{alert.id}" for b in at.button)

    at.radio(key="monitor_window").set_value("week").run()
    assert not at.exception
    assert len(at.selectbox(key="monitor_chosen").options) == 1, "both ingests fall in this ISO week"


def test_labels_answered_while_the_app_runs_raise_the_accuracy_alert_without_an_ingest(digits_home, page, monkeypatch):
    with closing(open_workspace(digits_home)) as ws:
        save_alert_policy(ws, AlertPolicy(accuracy_floor=0.9, min_labels=10, drift=False), actor=ADMIN)
        ingest_predictions(ws, _batch(digits_home, 600, "n"))  # a newer window: the first closes once labelled
    monkeypatch.setenv("FEEDBACK_LABEL_ALERT_INTERVAL", "0.1")
    at = page("app_pages/monitor.py", digits_home).run()
    assert any(c.value == "No open alerts." for c in at.caption)

    ws = get_workspace_quietly()  # the app's own store: the page run holds the file
    served = in_session(ws, repository.predictions_frame, [f"d{i}" for i in range(40, 340)])
    audit = served[served["is_audit"].astype(bool)]
    for external_id, predicted in zip(audit.index, audit["predicted"], strict=True):  # the model was wrong on each one
        record_label(ws, external_id, str((int(predicted) + 1) % 10), annotator="ana")
    deadline = time.monotonic() + 30
    while not list_alerts(ws) and time.monotonic() < deadline:
        time.sleep(0.1)
    [alert] = list_alerts(ws)
    assert alert.metric == "accuracy", worker().label_alerts.last_error

    at.run()
    assert not at.exception
    assert any(m.value.startswith(f"**Alert {alert.id}** (open") for m in at.markdown)


def test_the_five_newest_alerts_show_and_older_ones_wait_in_an_expander(digits_home, page):
    with closing(open_workspace(digits_home)) as ws:
        stored = in_session(
            ws,
            repository.insert_alerts,
            [
                Alert(
                    kind="floor",
                    metric="accuracy",
                    window_kind="batch",
                    window_id=f"w{i}",
                    message=f"batch w{i}: accuracy below the floor",
                )
                for i in range(7)
            ],
        )
    newest_first = sorted((a.id for a in stored), reverse=True)
    at = page("app_pages/monitor.py", digits_home).run()
    assert not at.exception
    [older] = [e for e in at.expander if e.label == "2 older alerts not yet resolved"]
    inside = [m.value for m in older.markdown if m.value.startswith("**Alert ")]
    assert [int(v.split()[1].rstrip("*")) for v in inside] == newest_first[5:]
    shown = [int(m.value.split()[1].rstrip("*")) for m in at.markdown if m.value.startswith("**Alert ")]
    assert shown[:5] == newest_first[:5], "the newest five come first, outside the expander"

    at.button(key=f"resolve_{newest_first[6]}").click().run()  # an older one is resolved from inside
    assert not at.exception
    assert [e.label for e in at.expander if "older alert" in e.label] == ["1 older alert not yet resolved"]


def test_the_live_figure_says_its_window_and_the_controls_change_it(digits_home, page):
    with closing(open_workspace(digits_home)) as ws:
        import_labels(ws, digits_home.parent / "truth.csv", annotator="oracle")
    at = page("app_pages/monitor.py", digits_home).run()
    [live] = [m.value for m in at.markdown if m.value.startswith("Live accuracy of champion v1: ")]
    assert "(since champion v1 was promoted)" in live and "All-history accuracy" in live
    at.checkbox(key="monitor_live_since_promotion").uncheck()
    at.number_input(key="monitor_live_days").set_value(7.0)
    at.run()
    assert not at.exception
    [live] = [m.value for m in at.markdown if m.value.startswith("Live accuracy of champion v1: ")]
    assert "(the last 7 days)" in live
