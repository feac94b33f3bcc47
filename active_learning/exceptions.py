"""Errors raised by the active-learning package."""


class ModelIntegrityError(Exception):
    """A model file is missing, outside the models folder, or does not match its recorded hash."""


class EmptyPoolError(ValueError):
    """A query was asked of a pool with no items."""
