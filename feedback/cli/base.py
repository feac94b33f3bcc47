"""What every command shares: the ``cli`` group, the ``command`` decorator (an open store, clear errors) and output."""

from __future__ import annotations

import functools
import json
import shutil
import sys

import click

from feedback.access import Actor
from feedback.exceptions import FeedbackError, ModelIntegrityError, NotInitializedError
from feedback.settings import load_settings
from feedback.workspace import Workspace, open_workspace


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


# The pipelines a task can train (active_learning.MODEL_NAMES, spelled out: importing scikit-learn would slow --help).
MODEL_CHOICE = click.Choice(["logistic", "random-forest", "gradient-boosting"])


def command(group, name: str, *, needs_store: bool = True, creates_store: bool = False):
    """Register a command that gets an open Workspace, with errors turned into clear messages.

    Commands that only use an existing store refuse a home with no database
    file before opening it, so a typo in ``--home`` creates nothing; a refused
    command that creates the store (``init``, ``demo``) leaves no database file,
    nor the home folder when it made it.
    """

    def wrap(fn):
        @group.command(name)
        @click.option(
            "--home",
            type=click.Path(file_okay=False),
            default=None,
            help="Store folder (default: $FEEDBACK_HOME or data/).",
        )
        @functools.wraps(fn)
        def run(home, **kwargs):
            ws = None
            try:
                load_settings()  # a bad FEEDBACK_* variable stops every command before it writes
                ws = open_workspace(home)
                new_home = creates_store and not ws.home.exists()
                new_store = ws.database_path is not None and not ws.database_path.exists()
                if not creates_store and new_store:
                    raise NotInitializedError(f"{ws.home} (no {ws.database_path.name} there)")
                if needs_store and not new_store:
                    from feedback import store

                    store.ensure_available(ws)
                fn(ws, **kwargs)
            except (FeedbackError, ModelIntegrityError) as exc:
                if ws is not None and creates_store and new_store:
                    _remove_new_store(ws, new_home)
                click.echo(f"Error: {exc}", err=True)
                sys.exit(1)
            finally:
                if ws is not None:
                    ws.close()

        return run

    return wrap


def _remove_new_store(ws: Workspace, new_home: bool) -> None:
    """Remove what a refused ``init`` made: the database file (and its WAL), or the whole home it created."""
    ws.close()
    if new_home:
        shutil.rmtree(ws.home, ignore_errors=True)
        return
    for path in (ws.database_path, ws.database_path.with_name(ws.database_path.name + ".wal")):
        path.unlink(missing_ok=True)


@click.group()
def cli():
    """Keep a production classifier improving: log, review, retrain, compare, promote."""
    from feedback.alerts import check_alerts_on_writes
    from feedback.worker import deliver_alerts_in_background

    check_alerts_on_writes()  # every ingest and label import of a command runs the alert check, as in the app
    deliver_alerts_in_background()  # new alerts go to the webhook on a thread; the command waits for it at exit
