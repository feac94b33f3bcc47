"""The CLI in process: click's CliRunner with stdout and stderr kept apart."""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # cli_results, whatever the import mode


@pytest.fixture
def run():
    """``run(*args, input=None)``: invoke the CLI in process, ``input`` on its stdin; stdout and stderr stay apart."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=True)

    return invoke
