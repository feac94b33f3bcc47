"""Test support: look into a store past the library, each look in a unit of work of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from feedback import store
from feedback.gold import gold_label_series
from feedback.store import native, repository


def read_sql(ws, sql: str, params: list | None = None) -> pd.DataFrame:
    """The result of one read query on the workspace's store."""
    with store.session(ws) as session:
        return native.read_frame(session, sql, params)


def in_session(ws, fn: Callable[..., Any], *args, **kwargs) -> Any:
    """``fn(session, *args, **kwargs)`` for one repository function ``fn``, committed."""
    with store.session(ws) as session:
        return fn(session, *args, **kwargs)


def gold_set(ws, *, audit: bool = False) -> pd.DataFrame:
    """The gold-labelled audit items (``audit=True``) or training items, with features and ``__label__``."""
    with store.session(ws) as session:
        gold = gold_label_series(session)
        if audit:
            return repository.audit_evaluation_set(session, gold)
        return repository.expert_training_set(session, gold)
