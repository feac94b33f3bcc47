"""Commands for experts' accounts: the password hash a users table holds."""

from __future__ import annotations

import getpass
import sys

import click

from feedback.cli.base import cli
from feedback.exceptions import InputError


@cli.group("users")
def users_group():
    """Experts' accounts: make the password hash of a [users.<name>] table in .streamlit/secrets.toml.

    The accounts live in that file, not in the store, so these commands take no --home.

    Example: printf '%s' "$PASSWORD" | python -m feedback users hash
    """


@users_group.command("hash")
def hash_cmd():
    """Print the scrypt hash of a password read from standard input (asked twice, without echo, on a terminal).

    Example: printf '%s' "$PASSWORD" | python -m feedback users hash
    """
    from feedback.access import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise click.ClickException("The two passwords differ; nothing was printed.")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        click.echo(hash_password(password))
    except InputError as error:
        raise click.ClickException(str(error)) from None
