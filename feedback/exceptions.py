"""Errors a user can act on. Each message names the problem and how to fix it."""

from active_learning import ModelIntegrityError

__all__ = [
    "FeedbackError",
    "InputError",
    "ExperimentError",
    "NotInitializedError",
    "DatabaseBusyError",
    "JobAlreadyRunning",
    "ModelIntegrityError",
    "PermissionDenied",
]


class FeedbackError(Exception):
    """Base class: an input or state the store refuses, with nothing written."""


class InputError(FeedbackError):
    """A file, label or argument that cannot be accepted as given."""


class PermissionDenied(InputError):
    """The acting user's role may not do this; the message names the action and the roles that may."""


class ExperimentError(FeedbackError):
    """An A/B experiment cannot be started, stopped or read as asked (one already runs, none runs, ...)."""


class NotInitializedError(FeedbackError):
    """The store has no task yet."""

    def __init__(self, where: str = "This store"):
        super().__init__(
            f"{where} has no task yet. Create one with "
            "`python -m feedback init --data FILE --label-col COL`, or build the demo with `python -m feedback demo`."
        )


class DatabaseBusyError(FeedbackError):
    """Another process holds the DuckDB file.

    Parameters
    ----------
    path : str
        The database file.
    pid : int
        The process holding it.
    """

    def __init__(self, path: str, pid: int):
        self.path, self.pid = path, pid
        super().__init__(
            f"The database {path} is held by another process (PID {pid}), most likely the running app. "
            "DuckDB lets one process use the file at a time, so nothing was changed. Either hand your file "
            "to the running app with `python -m feedback ingest FILE --inbox` (or `ingest-feedback FILE --inbox`, "
            "`import-labels FILE --annotator NAME --inbox`; it is taken in within seconds), export from the app's "
            "Export page, or stop that process and run the command again."
        )


class JobAlreadyRunning(FeedbackError):
    """A background job of this kind (a retrain, say) is running in this process; a second one does not start."""
