"""AppTest of app_pages/team.py: agreement figures with their n, and a lead's adjudication."""

import pytest

from feedback import store
from feedback.access import User, hash_password
from feedback.review import record_label
from feedback.store.repository import label_history
from feedback.workspace import open_workspace

# d40..d45 labelled by ana and bo; they disagree on d40 and d41, and cy adds a third label to d40.
VOTES = {
    "ana": {f"d{i}": "1" for i in range(40, 46)},
    "bo": {**{f"d{i}": "1" for i in range(42, 46)}, "d40": "2", "d41": "7"},
    "cy": {"d40": "3", "d42": "1"},
}


@pytest.fixture
def team_home(digits_home):
    ws = open_workspace(digits_home)
    try:
        for annotator, labels in VOTES.items():
            for item, label in labels.items():
                record_label(ws, item, label, annotator=annotator)
    finally:
        ws.close()
    return digits_home


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text(
        f'[users.ana]\npassword_hash = "{hash_password("a")}"\nrole = "annotator"\n\n'
        f'[users.lee]\npassword_hash = "{hash_password("l")}"\nrole = "lead"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FEEDBACK_USERS_FILE", str(path))
    return path


def open_team_page(page, home, user: User):
    at = page("app.py", home)
    at.session_state["user"] = user  # signed in already; app.py looks the user up again in the users file
    at.run()
    at.switch_page("app_pages/team.py").run()
    assert not at.exception
    assert at.title[0].value == "Team"
    return at


def test_agreement_figures_show_their_n(team_home, page, users_file):
    at = open_team_page(page, team_home, User("ana", "annotator", ""))
    text = "\n".join(m.value for m in at.markdown)
    assert "3 experts labelled 6 items; 6 were labelled by two or more." in text
    assert "Fleiss' kappa" in text and "on 6 items (14 labels)" in text
    assert "Krippendorff's alpha" in text
    cohen = at.dataframe[0].value.set_index("experts")
    assert cohen.loc["ana & bo", "items (n)"] == 6
    assert cohen.loc["ana & cy", "items (n)"] == 2


def test_annotator_sees_no_adjudication_controls(team_home, page, users_file):
    at = open_team_page(page, team_home, User("ana", "annotator", ""))
    assert not [b for b in at.button if b.key and b.key.startswith("resolve_")]
    assert not at.selectbox
    assert any("2 items wait for a lead. Only leads and admins adjudicate." in c.value for c in at.caption)


def test_lead_resolves_the_most_disputed_item_and_it_leaves_the_list(team_home, page, users_file):
    at = open_team_page(page, team_home, User("lee", "lead", ""))
    items = [m.value for m in at.markdown if m.value.startswith("**Item ")]
    assert items[0].startswith("**Item d40**: 3 votes for 3 labels"), "most disputed first"
    assert len(items) == 2
    assert any("**1**: 1 (ana)" in m.value and "**2**: 1 (bo)" in m.value for m in at.markdown), "who said what"
    at.selectbox(key="adjudicate_label_d40").set_value("2")
    at.text_input(key="adjudicate_comment_d40").set_value("the stroke is a 2")
    at.button(key="resolve_d40").click().run()
    assert not at.exception
    assert any("Resolved d40 as 2" in s.value for s in at.success)
    assert not any(m.value.startswith("**Item d40**") for m in at.markdown)
    ws = open_workspace(team_home)
    try:
        with store.session(ws) as session:
            [event] = [e for e in label_history(session, "d40") if e.action == "adjudicate"]
    finally:
        ws.close()
    assert (event.annotator, event.label, event.comment) == ("lee", "2", "the stroke is a 2")


def test_open_mode_lets_anyone_adjudicate_and_says_so(team_home, page):
    at = page("app_pages/team.py", team_home).run()
    assert not at.exception
    assert any("Sign-in is off, so anyone may adjudicate" in c.value for c in at.caption)
    assert at.button(key="resolve_d41")
