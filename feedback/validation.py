"""Checks that an incoming frame matches the task's features, naming what is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback.exceptions import InputError

_SHOW = 5
# Control characters and invisible format marks (zero-width, bidirectional overrides): no id or name needs
# them, and they make what a person reads differ from what is stored (a newline in an id, a right-to-left override).
HIDDEN_CHARACTERS = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
MAX_NAME_LENGTH = 100


def describe_rows(mask: pd.Series) -> str:
    """File line numbers where ``mask`` holds, e.g. ``lines 2, 5 and 3 more``."""
    # Row numbers as a person counts them in the file: the header is line 1.
    positions = np.flatnonzero(mask.to_numpy()) + 2
    shown = ", ".join(str(p) for p in positions[:_SHOW])
    more = f" and {len(positions) - _SHOW} more" if len(positions) > _SHOW else ""
    return f"line{'s' if len(positions) > 1 else ''} {shown}{more}"


def validate_ids(frame: pd.DataFrame, id_col: str, source: str) -> pd.Series:
    """The id column as strings; refuses a missing column, empty ids and duplicates."""
    if id_col not in frame.columns:
        raise InputError(f"{source} has no id column {id_col!r}. Add it: every row needs a unique id.")
    ids = frame[id_col].astype("string").str.strip()
    missing = ids.isna() | (ids == "")
    if missing.any():
        raise InputError(f"{source}: column {id_col!r} is empty on {describe_rows(missing)}. Give every row an id.")
    hidden = ids.str.contains(HIDDEN_CHARACTERS, regex=True)
    if hidden.any():
        raise InputError(
            f"{source}: column {id_col!r} holds control or invisible characters on "
            f"{describe_rows(hidden)}; remove them (tabs, line breaks, direction marks) from the ids."
        )
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        example = ids[duplicated].iloc[0]
        raise InputError(
            f"{source}: ids repeat on {describe_rows(duplicated)} (for example {example!r}). Each id must appear once."
        )
    return ids.astype(str)


def validate_features(
    frame: pd.DataFrame, features: list[dict], id_col: str, source: str, *, allowed_extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Return the feature columns in schema order, typed as the model expects.

    Raises
    ------
    InputError
        A feature column is missing, an unknown column is present, a numeric
        column holds text, or a numeric value is infinite. The message names
        the columns and the file lines.
    """
    names = [f["name"] for f in features]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(f"{source} lacks feature column(s) {', '.join(missing)}; the task's model needs them.")
    extra = [c for c in frame.columns if c not in names and c != id_col and c not in allowed_extra]
    if extra:
        raise InputError(
            f"{source} has column(s) the task does not know: {', '.join(extra)}. "
            "Remove them, or create a new task whose schema includes them."
        )
    out = pd.DataFrame(index=frame.index)
    for feature in features:
        name, column = feature["name"], frame[feature["name"]]
        if feature["kind"] == "numeric":
            numbers = pd.to_numeric(column, errors="coerce")
            mistyped = numbers.isna() & column.notna()
            if mistyped.any():
                example = column[mistyped].iloc[0]
                raise InputError(
                    f"{source}: column {name!r} must be numeric, but holds {example!r} on {describe_rows(mistyped)}."
                )
            infinite = np.isinf(numbers.astype(float).to_numpy())
            if infinite.any():
                raise InputError(f"{source}: column {name!r} is infinite on {describe_rows(pd.Series(infinite))}.")
            out[name] = numbers.astype(float)
        else:
            out[name] = column.astype("string").astype(object).where(column.notna(), None)
    return out.reset_index(drop=True)


def validate_name(name: str | None, missing: str) -> str:
    """``name`` stripped: a person's name as recorded with their answers.

    Parameters
    ----------
    name : str or None
    missing : str
        The message when the name is empty, saying how to give one.

    Raises
    ------
    InputError
        The name is empty, longer than ``MAX_NAME_LENGTH`` characters, or holds
        control or invisible characters.
    """
    name = (name or "").strip()
    if not name:
        raise InputError(missing)
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"The name {name[:20]!r}... is {len(name)} characters long; use at most {MAX_NAME_LENGTH}.")
    if pd.Series([name]).str.contains(HIDDEN_CHARACTERS, regex=True).iloc[0]:
        raise InputError(
            f"The name {name!r} holds control or invisible characters (a line break, a tab, a "
            "direction mark); type it without them."
        )
    return name
