"""Sign-in sessions in a real store: a token signs its user in until it expires or the user signs out."""

from datetime import timedelta

import pytest
from store_sql import read_sql

from feedback.access import end_session, session_hours, session_user, start_session
from feedback.exceptions import InputError
from feedback.store import utcnow


def test_a_token_signs_its_user_in_until_it_expires(ws):
    now = utcnow()
    token = start_session(ws, "ana", hours=12, now=now)
    assert session_user(ws, token, now=now + timedelta(hours=11, minutes=59)) == "ana"
    assert session_user(ws, token, now=now + timedelta(hours=12)) is None
    assert session_user(ws, token + "x", now=now) is None
    assert session_user(ws, None) is None and session_user(ws, "") is None


def test_signing_out_invalidates_the_token_and_other_sessions_stay(ws):
    ana, ana_elsewhere = start_session(ws, "ana", hours=12), start_session(ws, "ana", hours=12)
    end_session(ws, ana)
    assert session_user(ws, ana) is None, "the cookie is worthless even if the browser kept it"
    assert session_user(ws, ana_elsewhere) == "ana"


def test_only_a_hash_of_the_token_is_stored_and_expired_rows_are_swept(ws):
    now = utcnow()
    old = start_session(ws, "bo", hours=1, now=now - timedelta(hours=2))
    token = start_session(ws, "ana", hours=12, now=now)
    rows = read_sql(ws, "SELECT token_hash, user_name FROM websession")
    assert list(rows["user_name"]) == ["ana"], "bo's expired session was deleted when ana's started"
    assert token not in rows["token_hash"].iloc[0] and old not in rows["token_hash"].iloc[0]


@pytest.mark.parametrize("value, hours", [(None, 12.0), ("", 12.0), ("0.5", 0.5), ("48", 48.0)])
def test_the_session_lifetime_setting(value, hours):
    assert session_hours(value) == hours


@pytest.mark.parametrize("value", ["0", "-3", "abc", "nan", "inf"])
def test_a_bad_session_lifetime_is_named(value):
    with pytest.raises(InputError, match=r"FEEDBACK_SESSION_HOURS must be a number of hours above 0"):
        session_hours(value)
