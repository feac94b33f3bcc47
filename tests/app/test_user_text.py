"""AppTest: the pages interpolate user text through md_text, never raw (issue 9, item 3).

The rendering itself is checked in Chromium (tests/e2e/test_e2e_user_text.py); here each page's
markdown must hold the escaped form of what users typed, and never the raw markup.
"""

from contextlib import closing

import pandas as pd
from sklearn.datasets import load_digits
from store_sql import in_session

from feedback.access import Actor, User, hash_password
from feedback.alerts import set_alert_state
from feedback.intake import ingest_predictions
from feedback.review import record_label
from feedback.store import Alert, repository
from feedback.web import md_text
from feedback.workspace import open_workspace

IMAGE = "![a](http://127.0.0.1:9/x.png)"
ITEM = f"item {IMAGE} <img src=http://127.0.0.1:9/y.png>"
ANA, BO = f"ana {IMAGE}", "bo [link](javascript:alert(1)) **bold**"
MESSAGE = f"feature drift in 1 of 64 columns: {IMAGE} $x$ :red[red]"


def _elements_text(at) -> str:
    return "\n".join(
        e.value for kind in ("markdown", "caption", "success", "error", "info", "warning") for e in at.get(kind)
    )


def _assert_escaped(at, *texts):
    shown = _elements_text(at)
    for text in texts:
        assert md_text(text) in shown, text
    assert IMAGE not in shown and "**bold**" not in shown and "javascript:" not in shown


def _nasty_store(home):
    X, _ = load_digits(return_X_y=True)
    frame = pd.DataFrame(X[500:501], columns=[f"px_{i}" for i in range(64)])
    frame.insert(0, "id", [ITEM])
    frame.to_csv(home.parent / "nasty.csv", index=False)
    with closing(open_workspace(home)) as ws:
        ingest_predictions(ws, home.parent / "nasty.csv")
        record_label(ws, ITEM, "1", annotator=ANA, reason_code=IMAGE, comment=IMAGE)
        record_label(ws, ITEM, "2", annotator=BO)
        [alert] = in_session(ws, repository.insert_alerts, [Alert(kind="dataset_drift", message=MESSAGE)])
        set_alert_state(ws, alert.id, "acknowledged", Actor(BO, "admin"))
    return home


def test_team_page_escapes_item_ids_and_annotators(digits_home, page):
    at = page("app_pages/team.py", _nasty_store(digits_home)).run()
    assert not at.exception
    _assert_escaped(at, f"Item {ITEM}", ANA, BO)
    at.text_input(key=f"adjudicate_comment_{ITEM}").set_value(IMAGE)
    at.button(key=f"resolve_{ITEM}").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Resolved {md_text(ITEM)} as ")


def test_monitor_page_escapes_alert_messages_and_who_acknowledged(digits_home, page):
    at = page("app_pages/monitor.py", _nasty_store(digits_home)).run()
    assert not at.exception
    _assert_escaped(at, MESSAGE, f"acknowledged by {BO}")


def test_sidebar_escapes_the_signed_in_name(digits_home, page, tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text(f'[users."{BO}"]\npassword_hash = "{hash_password("b")}"\nrole = "lead"\n', encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_USERS_FILE", str(path))
    at = page("app.py", digits_home)
    at.session_state["user"] = User(BO, "lead", "")
    at.run()
    assert not at.exception
    assert any(m.value == f"Signed in as **{md_text(BO)}** (lead)" for m in at.sidebar.markdown)
