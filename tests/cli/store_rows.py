"""What a refused command must leave unchanged: the row count of every table in a DuckDB store, and its files.

Imported by the CLI tests as ``store_rows`` (the CLI conftest puts this folder on ``sys.path``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from feedback.workspace import DATABASE_FILENAME


def table_rows(database: str | Path) -> dict[str, int]:
    """Rows in every table of the DuckDB file ``database``, by ``schema.table``; empty when there is no file.

    The file is opened read-only, found through DuckDB's catalogue, so a table added
    later is counted without changing this helper.
    """
    database = Path(database)
    if not database.exists():
        return {}
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


def home_state(home: str | Path) -> dict:
    """The row count of every table of the home's database and the files under the home, with their sizes."""
    home = Path(home)
    files = (
        {str(p.relative_to(home)): p.stat().st_size for p in home.rglob("*") if p.is_file()} if home.exists() else {}
    )
    return {"rows": table_rows(home / DATABASE_FILENAME), "files": files}
