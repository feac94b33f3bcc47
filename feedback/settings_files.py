"""Small JSON settings files in the store's home (retrain policy, alert policy): read, validate, write.

A settings class is a frozen dataclass whose fields all have defaults and whose
``validated()`` returns itself or raises :class:`~feedback.exceptions.InputError`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

from feedback.exceptions import InputError
from feedback.files import atomic_write

T = TypeVar("T")


def read_settings(path: Path, cls: type[T], what: str) -> T:
    """The settings saved at ``path``, or ``cls()`` (the defaults) when there is no file.

    Raises
    ------
    InputError
        The file holds unknown keys, bad JSON or values ``validated()`` refuses;
        the message names the file and ``what`` it should hold.
    """
    if not path.exists():
        return cls()
    try:
        return cls(**json.loads(path.read_text())).validated()
    except (TypeError, ValueError, InputError) as exc:
        raise InputError(f"{path} is not a valid {what} ({exc}); fix or delete it.") from None


def write_settings(path: Path, settings: T) -> T:
    """Validate and write the settings; the whole file is replaced atomically."""
    settings.validated()
    with atomic_write(path) as partial:
        partial.write_text(json.dumps(asdict(settings), indent=2))
    return settings
