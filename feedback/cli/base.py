"""What every command shares: the ``cli`` group, the ``command`` decorator (an open store, clear errors) and output."""

from __future__ import annotations

import functools
import json
import sys

import click

from feedback.exceptions import FeedbackError, ModelIntegrityError, NotInitializedError
from feedback.permissions import Actor
from feedback.workspace import open_workspace


def cli_actor(name: str = "cli") -> Actor:
    """The person behind a command, as an admin.

    Whoever runs the command line holds the store's files (it refuses while the app holds the
    database), so they could change them directly: a role here would guard nothing.
    """
    return Actor(name, "admin")


def emit(data, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON when asked (or when there is no text form), else ``text``."""
    if as_json:
        click.echo(json.dumps(data, default=str, indent=2))
    else:
        click.echo(text if text is not None else json.dumps(data, default=str, indent=2))


def command(group, name: str, *, needs_store: bool = True, creates_store: bool = False):
    """Register a command that gets an open Workspace, with errors turned into clear messages.

    Commands that only use an existing store refuse a home with no database
    file before opening it, so a typo in ``--home`` creates nothing.
    """

    def wrap(fn):
        @group.command(name)
        @click.option("--home", type=click.Path(file_okay=False), default=None,
                      help="Store folder (default: $FEEDBACK_HOME or data/).")
        @functools.wraps(fn)
        def run(home, **kwargs):
            ws = open_workspace(home)
            try:
                if not creates_store and ws.database_path is not None and not ws.database_path.exists():
                    raise NotInitializedError(f"{ws.home} (no {ws.database_path.name} there)")
                if needs_store:
                    from feedback.db import ensure_available

                    ensure_available(ws.engine)
                fn(ws, **kwargs)
            except (FeedbackError, ModelIntegrityError) as exc:
                click.echo(f"Error: {exc}", err=True)
                sys.exit(1)
            finally:
                ws.close()

        return run

    return wrap


@click.group()
def cli():
    """Keep a production classifier improving: log, review, retrain, compare, promote."""
