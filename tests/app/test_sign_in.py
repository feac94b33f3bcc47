"""AppTest of sign-in in app.py: users from a TOML file named by FEEDBACK_USERS_FILE, roles gate the Models page."""

import pytest

from feedback.access import SignInThrottle, hash_password
from feedback.web import signin
from feedback.web.signin import _sign_in_throttle

PASSWORDS = {"ana": ("annotator", "ana-secret"), "lee": ("lead", "lee-secret"), "adm": ("admin", "adm-secret")}


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    """Three users (annotator ana, lead lee, admin adm) in a TOML file the app is pointed at."""
    path = tmp_path / "users.toml"
    path.write_text(
        "".join(
            f'[users.{name}]\npassword_hash = "{hash_password(password)}"\nrole = "{role}"\n\n'
            for name, (role, password) in PASSWORDS.items()
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("FEEDBACK_USERS_FILE", str(path))
    _sign_in_throttle.clear()  # wrong passwords are counted per process: start each test afresh
    yield path
    _sign_in_throttle.clear()


def sign_in(at, name, password):
    at.text_input(key="sign_in_name").set_value(name)
    at.text_input(key="sign_in_password").set_value(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception
    return at


def test_form_comes_before_navigation_and_a_wrong_password_is_refused(digits_home, page, users_file):
    at = page("app.py", digits_home).run()
    assert not at.exception
    assert at.title[0].value == "Sign in"
    assert not any(t.value == "Review" for t in at.title), "no page runs before sign-in"
    sign_in(at, "ana", "not-her-password")
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert "user" not in at.session_state
    sign_in(at, "nobody", "ana-secret")
    assert any("Wrong user name or password" in e.value for e in at.error)


def test_right_password_signs_in_and_answers_carry_the_user_name(digits_home, page, users_file):
    at = sign_in(page("app.py", digits_home).run(), "ana", "ana-secret")
    assert at.title[0].value == "Review"
    assert at.session_state["user"].name == "ana" and at.session_state["user"].role == "annotator"
    assert at.session_state["annotator"] == "ana"
    assert not any(t.key == "annotator" for t in at.sidebar.text_input), "no name field to type over the user"
    assert any("Signed in as **ana**" in m.value for m in at.sidebar.markdown)
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert at.title[0].value == "Sign in"


@pytest.mark.parametrize("name, sees_controls", [("ana", False), ("lee", False), ("adm", True)])
def test_only_admins_see_retrain_promote_and_save_policy(digits_home, page, users_file, name, sees_controls):
    at = sign_in(page("app.py", digits_home).run(), name, PASSWORDS[name][1])
    at.switch_page("app_pages/models.py").run()
    assert not at.exception
    assert at.title[0].value == "Models"
    labels = {b.label for b in at.button}
    for control in ("Retrain", "Save policy", "Promote", "Roll back"):
        assert (control in labels) == sees_controls, control
    if not sees_controls:
        assert any("Only admins retrain" in c.value for c in at.caption)
        assert any("Only admins promote or roll back" in c.value for c in at.caption)


def test_open_mode_says_how_to_turn_sign_in_on(digits_home, page):
    at = page("app.py", digits_home).run()
    assert not at.exception
    assert any("Sign-in is off" in c.value and "python -m feedback users hash" in c.value for c in at.sidebar.caption)
    at.switch_page("app_pages/models.py").run()
    assert "Retrain" in {b.label for b in at.button}, "in open mode everyone may retrain"


def test_a_wrong_password_makes_the_next_try_wait_a_moment_not_fifteen_minutes(
    digits_home, page, users_file, monkeypatch
):
    now = [1000.0]
    throttle = SignInThrottle(clock=lambda: now[0])  # the app's own throttle, on a clock the test moves
    monkeypatch.setattr(signin, "_sign_in_throttle", lambda: throttle)
    at = page("app.py", digits_home).run()
    for _ in range(4):  # three typos retyped at once cost nothing; the fourth wrong password costs a wait
        sign_in(at, "lee", "guess")
        assert any("Wrong user name or password" in e.value for e in at.error)
    sign_in(at, "lee", "lee-secret")  # within the 1 s wait after the fourth failure: the password is not even checked
    assert any("Too many wrong passwords for 'lee' from this computer. Wait 1 s" in e.value for e in at.error)
    assert "user" not in at.session_state

    other_tab = page("app.py", digits_home).run()  # a new session counts against the same name and client
    sign_in(other_tab, "lee", "lee-secret")
    assert "user" not in other_tab.session_state
    sign_in(other_tab, "ana", "ana-secret")  # other names are not slowed
    assert other_tab.session_state["user"].name == "ana"

    now[0] += 1
    sign_in(at, "lee", "lee-secret")
    assert at.session_state["user"].name == "lee", "a second later the right password signs in"
