"""Errors a user can act on. Each message names the problem and how to fix it."""

from active_learning.exceptions import ModelIntegrityError

__all__ = ["FeedbackError", "InputError", "NotInitializedError", "DatabaseBusyError", "ModelIntegrityError"]


class FeedbackError(Exception):
    """Base class: an input or state the store refuses, with nothing written."""


class InputError(FeedbackError):
    """A file, label or argument that cannot be accepted as given."""


class NotInitializedError(FeedbackError):
    """The store has no task yet."""


class DatabaseBusyError(FeedbackError):
    """Another process holds the DuckDB file."""
