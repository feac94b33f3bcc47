"""The CLI in process: click's CliRunner with stdout and stderr kept apart."""

import pytest
from click.testing import CliRunner

from feedback.cli import cli


@pytest.fixture
def run():
    """``run(*args)``: invoke the CLI in process; stdout and stderr stay apart."""
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)

    return invoke
