"""Sign-in: scrypt hashes, users from secrets or TOML, and what each role may do."""

import pytest
from streamlit.runtime.secrets import AttrDict

from feedback.access import (
    PERMISSIONS,
    ROLES,
    SignInThrottle,
    User,
    authenticate,
    can,
    hash_password,
    load_users,
    load_users_file,
    verify_password,
)
from feedback.exceptions import InputError


@pytest.fixture(scope="module")
def encoded() -> str:
    return hash_password("correct horse")


@pytest.fixture(scope="module")
def users(encoded) -> dict[str, User]:
    return load_users(
        {"ana": {"password_hash": encoded, "role": "annotator"}, "lee": {"password_hash": encoded, "role": "lead"}}
    )


# --- hashes -----------------------------------------------------------------------------------------


def test_round_trip_and_format(encoded):
    scheme, n, r, p, salt, key = encoded.split("$")

    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(bytes.fromhex(salt)) == 16
    assert verify_password("correct horse", encoded)


def test_wrong_password_is_refused(encoded):
    assert not verify_password("correct horse ", encoded)
    assert not verify_password("Correct horse", encoded)
    assert not verify_password("", encoded)


def test_salts_differ_and_a_given_salt_reproduces_the_hash():
    first, second = hash_password("same"), hash_password("same")

    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert hash_password("same", salt=b"0123456789abcdef") == hash_password("same", salt=b"0123456789abcdef")


def _flip(hex_text: str) -> str:
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


def test_a_tampered_or_malformed_hash_is_refused(encoded):
    scheme, n, r, p, salt, key = encoded.split("$")
    tampered = [
        "$".join([scheme, n, r, p, salt, _flip(key)]),  # hash changed
        "$".join([scheme, n, r, p, _flip(salt), key]),  # salt changed
        "$".join([scheme, "8192", r, p, salt, key]),  # cost lowered
        "$".join([scheme, n, r, p, salt, key[:-2]]),  # truncated
        "$".join(["pbkdf2", n, r, p, salt, key]),  # another scheme
        "$".join([scheme, "1000", r, p, salt, key]),  # n not a power of two
        "$".join([scheme, str(2**30), r, p, salt, key]),  # cost beyond the limit: refused, not computed
        "$".join([scheme, n, r, p, "zz" * 16, key]),  # not hex
        "$".join([scheme, "1\u00b2", r, p, salt, key]),  # a digit that is not ASCII
        "correct horse",
        "",
        None,
    ]

    for bad in tampered:
        assert not verify_password("correct horse", bad), bad


def test_an_empty_password_or_a_wrong_size_salt_cannot_be_hashed():
    with pytest.raises(InputError, match="empty"):
        hash_password("")
    with pytest.raises(InputError, match="needs 16"):
        hash_password("pw", salt=b"abc")


# --- users ------------------------------------------------------------------------------------------


def test_users_load_from_streamlit_secrets(encoded):
    secrets = AttrDict({"users": {"ana": {"password_hash": encoded, "role": "admin"}}})

    users = load_users(secrets["users"])

    assert users == {"ana": User("ana", "admin", encoded)}
    assert encoded not in repr(users["ana"])


def test_users_load_from_a_toml_file(tmp_path, encoded):
    path = tmp_path / "users.toml"
    path.write_text(f'[users.ana]\npassword_hash = "{encoded}"\nrole = "lead"\n', encoding="utf-8")

    assert load_users_file(path) == {"ana": User("ana", "lead", encoded)}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"role": "annotator"}, r"User 'ana' \(\[users.ana\]\) has no password_hash\. .*python -m feedback users hash"),
        ({"password_hash": "", "role": "lead"}, "has no password_hash"),
        ({"password_hash": "abc", "role": "lead"}, "not a scrypt hash .*python -m feedback users hash"),
        ({"password_hash": "HASH", "role": "boss"}, "User 'ana' .*role 'boss'; set role to one of annotator, lead"),
        ({"password_hash": "HASH"}, "User 'ana' .*has no role; set role to one of annotator, lead, admin"),
        ({"password": "hunter2", "role": "lead"}, "plaintext password. Remove it"),
        ("lead", "must be a table with password_hash and role"),
    ],
)
def test_bad_user_config_names_the_user_and_the_fix(encoded, entry, message):
    if isinstance(entry, dict) and entry.get("password_hash") == "HASH":
        entry = {**entry, "password_hash": encoded}

    with pytest.raises(InputError, match=message):
        load_users({"ana": entry})


def test_bad_users_files_are_named(tmp_path):
    missing, broken, empty = tmp_path / "missing.toml", tmp_path / "broken.toml", tmp_path / "empty.toml"
    broken.write_text("[users.ana\n", encoding="utf-8")
    empty.write_text("[server]\nport = 1\n", encoding="utf-8")

    with pytest.raises(InputError, match="Cannot read the users file .*missing.toml"):
        load_users_file(missing)
    with pytest.raises(InputError, match="broken.toml is not valid TOML"):
        load_users_file(broken)
    with pytest.raises(InputError, match=r"empty.toml has no \[users.<name>\] tables"):
        load_users_file(empty)
    with pytest.raises(InputError, match="table of tables"):
        load_users(["ana"])


def test_authenticate(users):
    assert authenticate(users, "ana", "correct horse") == users["ana"]
    assert authenticate(users, " lee ", "correct horse") == users["lee"]
    assert authenticate(users, "ana", "wrong") is None
    assert authenticate(users, "nobody", "correct horse") is None
    assert authenticate(users, "", "") is None


# --- roles ------------------------------------------------------------------------------------------


def test_what_each_role_may_do():
    allowed = {role: {action for action in PERMISSIONS if can(role, action)} for role in ROLES}

    everyone = {"label", "undo", "check_alerts"}
    leads = everyone | {
        "adjudicate",
        "set_queue_policy",
        "find_suspects",
        "acknowledge_alert",
        "resolve_alert",
        "simulate",
    }
    assert allowed == {
        "annotator": everyone,
        "lead": leads,
        "admin": leads
        | {
            "retrain",
            "set_retrain_policy",
            "promote",
            "rollback",
            "set_alert_policy",
            "start_experiment",
            "stop_experiment",
            "export",
            "manage",
        },
    }
    assert User("lee", "lead", "x").can("adjudicate") and not User("lee", "lead", "x").can("promote")


def test_unknown_roles_and_actions_are_errors_not_silent_answers():
    with pytest.raises(ValueError, match="Unknown action 'delete'"):
        can("admin", "delete")
    with pytest.raises(ValueError, match="Unknown role 'root'"):
        can("root", "label")


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_sign_in_throttle_doubles_the_wait_per_failure_up_to_the_cap():
    clock = _Clock()
    throttle = SignInThrottle(free_failures=3, base_seconds=1, cap_seconds=60, reset_seconds=900, clock=clock)
    waits = []
    for _ in range(12):
        throttle.failed(" ana ", "10.0.0.9")
        waits.append(throttle.retry_after("ana", "10.0.0.9"))
        clock.now += waits[-1]  # the guesser tries again the moment the wait is over
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60], "three typos retyped at once cost nothing"
    assert sum(waits[:9]) == 63, "nine guesses take a minute; at the cap, one a minute"


def test_a_guesser_on_one_client_does_not_slow_the_user_on_another():
    clock = _Clock()
    throttle = SignInThrottle(clock=clock)
    for _ in range(50):
        throttle.failed("admin", "203.0.113.7")
        clock.now += 1
    assert throttle.retry_after("admin", "203.0.113.7") == pytest.approx(300 - 1)
    assert throttle.retry_after("admin", "192.0.2.10") == 0.0, "the admin's own client may sign in at once"
    assert throttle.retry_after("lee", "203.0.113.7") == 0.0, "other names are not slowed"


def test_the_wait_never_exceeds_the_cap_and_a_quiet_spell_or_a_success_forgets():
    clock = _Clock()
    throttle = SignInThrottle(free_failures=0, base_seconds=1, cap_seconds=300, reset_seconds=900, clock=clock)
    for _ in range(30):
        throttle.failed("ana", None)
    assert throttle.retry_after("ana", None) == 300, "no hard lock: five minutes at most after the last failure"
    clock.now += 300
    assert throttle.retry_after("ana", None) == 0.0
    throttle.failed("ana", None)
    assert throttle.retry_after("ana", None) == 300, "still at the cap: the count was kept"
    clock.now += 901
    assert throttle.retry_after("ana", None) == 0.0
    throttle.failed("ana", None)
    assert throttle.retry_after("ana", None) == 1, "after a quiet spell the pair starts afresh"
    throttle.succeeded("ana", None)
    assert throttle.retry_after("ana", None) == 0.0


def test_the_throttle_remembers_a_bounded_number_of_pairs():
    throttle = SignInThrottle(free_failures=0, max_pairs=3, clock=_Clock())
    for name in ("a", "b", "c", "d"):
        throttle.failed(name, "x")
    assert throttle.retry_after("a", "x") == 0.0, "the oldest pair was forgotten"
    assert all(throttle.retry_after(name, "x") == 1 for name in ("b", "c", "d"))
