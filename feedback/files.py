"""The files users hand over and take away: CSV, Parquet or JSON lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pandas.api import types as ptypes

from active_learning.files import atomic_write as atomic_write  # re-exported: the one helper, shared with registry.py
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
    if kind != "parquet":
        _check_utf8(path)
    try:
        if kind == "csv":
            # pyarrow directly: pandas' pyarrow engine with dtype= fails on empty cells of integer columns.
            options = pacsv.ConvertOptions(
                column_types={c: pa.string() for c in string_columns}, strings_can_be_null=True
            )
            frame = pacsv.read_csv(path, convert_options=options).to_pandas()
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True, dtype={c: "string" for c in string_columns})
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one clear message
        detail = " ".join(str(exc).split())[:300]  # one line, whatever the parser quoted from the file
        raise InputError(f"Cannot parse {path.name} as {kind}: {detail}. Fix the file and try again.") from None
    frame.columns = [str(c) for c in frame.columns]
    for column in string_columns:
        if column in frame.columns:
            frame[column] = frame[column].astype("string")
    return frame


def check_output_path(path: str | Path, fmt: str, *, protected: Path | None = None) -> Path:
    """Return ``path`` as a file that ``fmt`` can be written to, creating its folder; refuse it otherwise.

    Run before any work, so a refused path costs nothing and leaves nothing behind.

    Parameters
    ----------
    path : path-like
        The file to write.
    fmt : {"csv", "parquet", "jsonl"}
        What will be written; a file name ending in another format's extension is refused.
    protected : Path, default=None
        A file that must never be overwritten (the store's own database).

    Raises
    ------
    InputError
        ``path`` is a folder or a protected file, its extension names another format,
        or its folder cannot be created or written to.
    """
    path = Path(path)
    named = READERS.get(path.suffix.lower())
    if named is not None and named != fmt:
        raise InputError(
            f"{path.name} ends in {path.suffix} but the format is {fmt}; use --format {named}, "
            f"or name the file {path.with_suffix('.' + fmt).name}."
        )
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name to write, e.g. {path / ('out.' + fmt)}.")
    if protected is not None and path.resolve() == Path(protected).resolve():
        raise InputError(f"{path} is the store's own database; choose another file name.")
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"Cannot write {path}: {blocking} is a file, not a folder; choose another path.")
    probe = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe.open("ab").close()
    except OSError as exc:
        raise InputError(
            f"Cannot write {path} ({exc.strerror or exc}); choose a file in a folder you can write to."
        ) from None
    finally:
        if probe.is_file():
            probe.unlink()
    return path


def _check_utf8(path: Path, sample: int = 1 << 20) -> None:
    """Refuse a text file that is not UTF-8 (UTF-16 from a spreadsheet, Latin-1), naming the fix."""
    with path.open("rb") as handle:
        head = handle.read(sample)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise InputError(f"{path.name} is not UTF-8 text (it looks like UTF-16); save it as UTF-8 and try again.")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) < sample or exc.start < len(head) - 4:  # not just a character cut by the sample's end
            raise InputError(
                f"{path.name} is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8 and try again."
            ) from None


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
