"""Sign-in in Chromium: a wrong password is refused, the right one opens the review card, the
answer carries the signed-in name, the role hides what it may not do, and signing out closes the app."""

from __future__ import annotations

import pytest
from e2e_support import answer_with_key, confirm_button, label_events, open_review, set_annotator, wait_for_annotator
from playwright.sync_api import expect

from feedback.access import hash_password

pytestmark = pytest.mark.e2e


@pytest.fixture
def users_app(new_home, serve, tmp_path, monkeypatch):
    """The demo app with sign-in on: annotator ana and admin adm, from a users file."""
    users = tmp_path / "users.toml"
    users.write_text(
        f'[users.ana]\npassword_hash = "{hash_password("ana-secret")}"\nrole = "annotator"\n\n'
        f'[users.adm]\npassword_hash = "{hash_password("adm-secret")}"\nrole = "admin"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FEEDBACK_USERS_FILE", str(users))  # the server process inherits it
    return serve(new_home())


def _sign_in(page, name: str, password: str) -> None:
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_sign_in_gates_the_app_and_answers_carry_the_user(users_app, page):
    page.goto(users_app.url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(confirm_button(page)).to_have_count(0)

    _sign_in(page, "ana", "wrong")
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    expect(confirm_button(page)).to_have_count(0)

    _sign_in(page, "ana", "ana-secret")
    expect(confirm_button(page)).to_be_visible()
    expect(page.get_by_text("Signed in as ana (annotator)")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your name", exact=True)).to_have_count(0)
    expect(page.get_by_text("Queue policy")).to_have_count(0)  # leads and admins only

    page.get_by_role("heading", name="Review").click()
    first = answer_with_key(page, "Enter")

    page.get_by_role("link", name="Models").click()
    expect(page.get_by_text("Only admins retrain.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    users_app.stop()
    [event] = label_events(users_app.home)
    assert (event.external_id, event.annotator, event.action) == (first, "ana", "confirm")


def test_a_reload_keeps_the_user_signed_in_until_they_sign_out(users_app, page):
    page.goto(users_app.url + "/")
    _sign_in(page, "ana", "ana-secret")
    expect(page.get_by_text("Signed in as ana (annotator)")).to_be_visible()
    expect(confirm_button(page)).to_be_visible()

    page.reload()
    expect(page.get_by_text("Signed in as ana (annotator)")).to_be_visible()
    expect(confirm_button(page)).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
    page.get_by_role("heading", name="Review").click()
    answered = answer_with_key(page, "Enter")  # after the reload the answer still carries the user's name

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("textbox", name="User name")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)

    users_app.stop()
    [event] = label_events(users_app.home)
    assert (event.external_id, event.annotator, event.action) == (answered, "ana", "confirm")


def test_in_open_mode_a_reload_keeps_the_typed_name(app, page):
    open_review(page, app)
    set_annotator(page, "zoe")
    page.reload()
    expect(page.get_by_role("textbox", name="Your name", exact=True)).to_have_value("zoe")
    wait_for_annotator(page, "zoe")
