"""Writing a file so no reader ever sees it half-written: the one helper, for model files and user files alike.

It lives in ``active_learning`` because the model registry needs it and
``active_learning`` never imports ``feedback``; ``feedback.files`` re-exports it
for every other file the app writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write"]


@contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; it becomes ``path`` by one rename when the block ends.

    Readers (the inbox watcher, a user's tools) never see a half-written file under ``path``, and a
    block that raises leaves no temporary file behind. The ``.partial`` name is no file kind the
    inbox reads.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
