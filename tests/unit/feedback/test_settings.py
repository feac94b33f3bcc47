"""load_settings: the one check of the FEEDBACK_* variables that the CLI and the app share."""

import pytest

from feedback.exceptions import InputError
from feedback.settings import SETTINGS, load_settings


def test_unset_or_blank_settings_take_their_defaults():
    assert load_settings({}.get) == load_settings({name.name: " " for name in SETTINGS.values()}.get)
    assert load_settings({}.get).lease_seconds == 600.0 and load_settings({}.get).overlap_share == 0.0


def test_values_in_range_are_read_as_numbers():
    settings = load_settings(
        {
            "FEEDBACK_LEASE_SECONDS": "90",
            "FEEDBACK_OVERLAP_SHARE": "1",
            "FEEDBACK_INBOX_INTERVAL": "0.2",
            "FEEDBACK_DATABASE_URL": "duckdb:///x.duckdb",
        }.get
    )
    assert (settings.lease_seconds, settings.overlap_share, settings.inbox_interval) == (90.0, 1.0, 0.2)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FEEDBACK_LEASE_SECONDS", "-5"),
        ("FEEDBACK_LEASE_SECONDS", "0"),
        ("FEEDBACK_LEASE_SECONDS", "1e9"),
        ("FEEDBACK_OVERLAP_SHARE", "2"),
        ("FEEDBACK_OVERLAP_SHARE", "-0.1"),
        ("FEEDBACK_INBOX_INTERVAL", "abc"),
        ("FEEDBACK_INBOX_INTERVAL", "nan"),
        ("FEEDBACK_TRIGGER_INTERVAL", "inf"),
        ("FEEDBACK_LABEL_ALERT_INTERVAL", "0"),
    ],
)
def test_a_value_out_of_range_names_the_variable_the_value_and_the_range(name, value):
    with pytest.raises(InputError) as raised:
        load_settings({name: value}.get)
    message = str(raised.value)
    assert name in message and repr(value) in message and "at most" in message and "\n" not in message


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://u:secret@h/x", "scheme 'mysql'"),
        ("not a url", "is not a database URL"),
        ("duckdb:///:memory:", "in-memory"),
        ("duckdb://host/x.duckdb", "host, user or options"),
    ],
)
def test_a_database_url_other_than_a_duckdb_file_is_refused(url, fragment):
    with pytest.raises(InputError, match=fragment) as raised:
        load_settings({"FEEDBACK_DATABASE_URL": url}.get)
    assert "secret" not in str(raised.value)
