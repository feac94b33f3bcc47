"""The label store and the review loop around a production classifier.

The top level holds what every concept shares: the errors a user can act on, the
workspace (where a store lives), the settings, files, fixed draws, frame checks and
write events. Each concept is a folder whose ``__init__`` is its public API:
``access``, ``store``, ``gold``, ``lifecycle``, ``review``, ``monitor``, ``experiments``,
``intake``, ``alerts``, ``worker``, and on top ``web`` and ``cli``.
"""

from feedback.exceptions import (
    DatabaseBusyError,
    ExperimentError,
    FeedbackError,
    InputError,
    JobAlreadyRunning,
    NotInitializedError,
    PermissionDenied,
)
from feedback.settings import Settings, load_settings
from feedback.workspace import Workspace, open_workspace

__all__ = [
    "DatabaseBusyError",
    "ExperimentError",
    "FeedbackError",
    "InputError",
    "JobAlreadyRunning",
    "NotInitializedError",
    "PermissionDenied",
    "Settings",
    "Workspace",
    "load_settings",
    "open_workspace",
]
