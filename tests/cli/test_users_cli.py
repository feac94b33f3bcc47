"""``feedback users hash``: the password hash a ``[users.<name>]`` table holds, from a password on stdin."""

from cli_results import failed, ok

from feedback.access import verify_password


def test_hash_command_reads_stdin_and_prints_a_hash(run):
    result = ok(run("users", "hash", input="s3cret pass\n"))

    printed = result.stdout.strip()
    assert verify_password("s3cret pass", printed)


def test_hash_command_refuses_an_empty_password(run):
    result = failed(run("users", "hash", input="\n"), "empty", exit_code=1)

    assert result.stdout == ""
