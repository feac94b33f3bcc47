"""The command line: each command parses its options and calls one library function.

The commands live in modules by concept; importing them registers them on ``cli``.
"""

from feedback.cli import (  # noqa: F401
    ab_commands,
    learning_commands,
    model_commands,
    monitor_commands,
    review_commands,
    store_commands,
    user_commands,
)
from feedback.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Entry point of ``python -m feedback``."""
    cli(prog_name="python -m feedback")
