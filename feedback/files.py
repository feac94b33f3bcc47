"""The files users hand over and take away: CSV, Parquet or JSON lines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pandas.api import types as ptypes

from feedback.exceptions import InputError

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# A text cell starting with one of these is run as a formula by a spreadsheet (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def read_table(path: str | Path, *, string_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV, Parquet or JSONL file into a DataFrame.

    Parameters
    ----------
    path : path-like
    string_columns : tuple of str
        Columns read as text whatever they look like (ids keep leading zeros).

    Raises
    ------
    InputError
        The file is missing, of an unknown kind, or cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File not found: {path}. Check the path and try again.")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"Cannot read {path.name}: use a .csv, .parquet or .jsonl file.")
    try:
        if kind == "csv":
            # pyarrow directly: pandas' pyarrow engine with dtype= fails on empty cells of integer columns.
            options = pacsv.ConvertOptions(column_types={c: pa.string() for c in string_columns}, strings_can_be_null=True)
            frame = pacsv.read_csv(path, convert_options=options).to_pandas()
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True, dtype={c: "string" for c in string_columns})
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one clear message
        raise InputError(f"Cannot parse {path.name} as {kind}: {exc}") from None
    frame.columns = [str(c) for c in frame.columns]
    for column in string_columns:
        if column in frame.columns:
            frame[column] = frame[column].astype("string")
    return frame


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


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which every text cell a spreadsheet would run as a formula starts with ``'``.

    A text cell starting with one of :data:`FORMULA_PREFIXES` gets a leading apostrophe, as OWASP's
    CSV-injection guidance recommends; numeric columns are left alone, so a negative number stays a number.
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if ptypes.is_object_dtype(column) or ptypes.is_string_dtype(column):
            out[name] = column.map(_neutralised, na_action="ignore")
    return out


def _neutralised(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) else value


def write_table(frame: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write ``frame`` as ``fmt`` (csv, parquet or jsonl) through :func:`atomic_write`.

    CSV goes through :func:`neutralise_formulas`, so a spreadsheet shows formula-like text as text;
    Parquet and JSONL keep the raw text.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as partial:
        if fmt == "csv":
            neutralise_formulas(frame).to_csv(partial, index=False)
        elif fmt == "parquet":
            frame.to_parquet(partial, index=False)
        elif fmt == "jsonl":
            frame.to_json(partial, orient="records", lines=True, date_format="iso")
        else:
            raise InputError(f"Unknown file format {fmt!r}; use csv, parquet or jsonl.")
    return path
