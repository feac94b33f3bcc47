"""A bad setting (issue 9, item 6): every page says which one and how to fix it, instead of a traceback."""

import asyncio

import pytest

from feedback.web import server

PAGES = [
    "app_pages/review.py",
    "app_pages/models.py",
    "app_pages/monitor.py",
    "app_pages/team.py",
    "app_pages/ab.py",
    "app_pages/export.py",
]
BAD = [
    ("FEEDBACK_INBOX_INTERVAL", "abc", "must be a number more than 0 and at most 86400 seconds, got 'abc'"),
    ("FEEDBACK_LEASE_SECONDS", "-5", "must be a number more than 0 and at most 604800 seconds, got '-5'"),
    ("FEEDBACK_OVERLAP_SHARE", "2", "must be a number at least 0 and at most 1, got '2'"),
    ("FEEDBACK_DATABASE_URL", "mysql://u:p@h/x", "uses the scheme 'mysql', but only DuckDB is supported"),
]


@pytest.mark.parametrize("relative", PAGES)
@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_every_page_names_a_bad_setting_and_stops(digits_home, page, monkeypatch, relative, name, value, message):
    at = page(relative, digits_home)
    monkeypatch.setenv(name, value)

    at.run()

    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("The app cannot start: ") and f"{name} {message}" in errors[0]
    assert "unset it" in errors[0] and "\n" not in errors[0]
    assert not at.button  # the page stopped before drawing anything to act on


@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_the_server_starts_and_logs_one_line_for_a_bad_setting(tmp_path, monkeypatch, capsys, name, value, message):
    monkeypatch.setenv("FEEDBACK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(name, value)

    async def start_and_stop():
        async with server.lifespan(None):
            pass

    asyncio.run(start_and_stop())

    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and name in lines[0] and message in lines[0]
    assert "Traceback" not in out.out + out.err
    assert not (tmp_path / "home").exists()  # nothing made for a store that cannot start
