"""Checks on a CliRunner result, shared by the CLI tests (conftest.py puts this folder on ``sys.path``)."""

import json


def ok(result):
    """A success: exit code 0 (the failure message shows stdout, stderr and the exception)."""
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def json_of(result):
    """The JSON a successful command printed."""
    return json.loads(ok(result).stdout)


def failed(result, *fragments, exit_code: int | None = None):
    """An error: non-zero exit (``exit_code`` when given), each fragment on stderr, nothing on stdout, no traceback."""
    assert result.exit_code != 0 if exit_code is None else result.exit_code == exit_code, result.exit_code
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    return result
