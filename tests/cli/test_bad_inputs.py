"""Bad inputs (issue 9, item 6): each gets one clear line on stderr, exit 1, and leaves the store as it was.

Every case runs the real CLI in process against a copy of a real store, then checks that the
message names the problem and the fix on one line, with no traceback, and that the row count of
every table and the files of the home are unchanged (``store_rows.home_state``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from cli_results import failed, ok
from store_rows import home_state, table_rows

from feedback.workspace import DATABASE_FILENAME


def clear_error(result, *fragments):
    """One line on stderr, ``Error: ...``, holding each fragment; exit 1; nothing on stdout; no traceback."""
    failed(result, *fragments, exit_code=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def files(tmp_path, write_production, digits_frame):
    """The bad files of the cases below, written once per test."""
    dup = tmp_path / "dup.csv"
    pd.DataFrame({"id": ["d-0101", "d-0101"], "label": ["3", "4"]}).to_csv(dup, index=False)
    seed = digits_frame.iloc[:30].copy()
    one_per_row = seed.assign(serial=range(len(seed)))
    one_per_row.to_csv(tmp_path / "one-class-per-row.csv", index=False)
    seed.assign(px_5=float("nan")).to_csv(tmp_path / "empty-feature.csv", index=False)
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file.txt").write_text("not a folder")
    pd.DataFrame({"id": ["d-0100"], "signal": ["disputed"]}).to_csv(tmp_path / "fb.csv", index=False)
    return {
        "prod": write_production(5, 500, name="more.csv"),
        "dup": dup,
        "fb": tmp_path / "fb.csv",
        "truth": tmp_path / "truth.csv",
    }


# (case id, arguments after the command, environment, fragments the message must hold)
STORE_CASES = [
    (
        "export to an existing folder",
        ["export", "--out", "{tmp}/a-folder"],
        {},
        ["a-folder is a folder", "give a file name"],
    ),
    (
        "export under a file",
        ["export", "--out", "{tmp}/a-file.txt/labels.csv"],
        {},
        ["a-file.txt is a file, not a folder", "choose another path"],
    ),
    (
        "export where nothing can be written",
        ["export", "--out", "/proc/feedback-test/labels.csv"],
        {},
        ["Cannot write /proc/feedback-test/labels.csv", "choose a file in a folder you can write to"],
    ),
    (
        "export csv to .parquet",
        ["export", "--format", "csv", "--out", "{tmp}/x.parquet"],
        {},
        ["x.parquet ends in .parquet but the format is csv", "use --format parquet", "name the file x.csv"],
    ),
    (
        "export over the database",
        ["export", "--out", "{home}/" + DATABASE_FILENAME],
        {},
        ["is the store's own database", "choose another file name"],
    ),
    ("predict to a folder", ["predict", "{prod}", "--out", "{tmp}/a-folder"], {}, ["a-folder is a folder"]),
    (
        "database URL with another scheme",
        ["status"],
        {"FEEDBACK_DATABASE_URL": "mysql://user:secret@db/x"},
        ["FEEDBACK_DATABASE_URL uses the scheme 'mysql'", "only DuckDB", "duckdb:///PATH/TO/feedback.duckdb"],
    ),
    (
        "malformed database URL",
        ["status"],
        {"FEEDBACK_DATABASE_URL": "not a url"},
        ["FEEDBACK_DATABASE_URL is not a database URL", "duckdb:///PATH/TO/feedback.duckdb"],
    ),
    (
        "in-memory database URL",
        ["status"],
        {"FEEDBACK_DATABASE_URL": "duckdb:///:memory:"},
        ["in-memory database", "duckdb:///PATH"],
    ),
    (
        "database URL with options",
        ["status"],
        {"FEEDBACK_DATABASE_URL": "duckdb:///x.duckdb?nonsense=1"},
        ["host, user or options", "duckdb:///PATH"],
    ),
    (
        "a label with skip",
        ["label", "d-0100", "3", "--action", "skip", "--annotator", "ana"],
        {},
        ["Action skip records no label, but '3' was given", "drop the label"],
    ),
    (
        "a label with ambiguous",
        ["label", "d-0100", "3", "--action", "ambiguous", "--annotator", "ana"],
        {},
        ["Action ambiguous records no label"],
    ),
    (
        "one id with two labels in a file",
        ["import-labels", "{dup}", "--annotator", "ana"],
        {},
        ["id 'd-0101' appears on lines 2, 3 (label 3, 4)", "keep one row per id"],
    ),
    (
        "negative lease",
        ["ingest", "{prod}"],
        {"FEEDBACK_LEASE_SECONDS": "-5"},
        [
            "FEEDBACK_LEASE_SECONDS must be a number more than 0 and at most 604800 seconds",
            "got '-5'",
            "unset it to use the default (600)",
        ],
    ),
    (
        "overlap share above one",
        ["ingest", "{prod}"],
        {"FEEDBACK_OVERLAP_SHARE": "2"},
        ["FEEDBACK_OVERLAP_SHARE must be a number at least 0 and at most 1", "got '2'"],
    ),
    (
        "inbox interval not a number",
        ["ingest", "{prod}"],
        {"FEEDBACK_INBOX_INTERVAL": "abc"},
        ["FEEDBACK_INBOX_INTERVAL must be a number more than 0", "got 'abc'"],
    ),
    ("lease seconds NaN", ["ingest", "{prod}"], {"FEEDBACK_LEASE_SECONDS": "nan"}, ["got 'nan'"]),
    ("lease seconds infinite", ["ingest", "{prod}"], {"FEEDBACK_LEASE_SECONDS": "inf"}, ["got 'inf'"]),
    (
        "trigger interval too large",
        ["status"],
        {"FEEDBACK_TRIGGER_INTERVAL": "1e308"},
        ["FEEDBACK_TRIGGER_INTERVAL must be a number more than 0 and at most 86400 seconds"],
    ),
    (
        "label alert interval zero",
        ["status"],
        {"FEEDBACK_LABEL_ALERT_INTERVAL": "0"},
        ["FEEDBACK_LABEL_ALERT_INTERVAL must be a number more than 0"],
    ),
    (
        "live window of no days",
        ["status"],
        {"FEEDBACK_LIVE_DAYS": "0"},
        ["FEEDBACK_LIVE_DAYS must be a number more than 0 and at most 3650 days", "got '0'"],
    ),
]


@pytest.mark.parametrize(("args", "env", "fragments"), [c[1:] for c in STORE_CASES], ids=[c[0] for c in STORE_CASES])
def test_a_bad_input_to_a_store_is_one_clear_line_and_changes_nothing(
    run, home, ingested, files, tmp_path, monkeypatch, args, env, fragments
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = home_state(home)
    filled = [a.format(tmp=tmp_path, home=home, **files) for a in args]

    clear_error(run(*filled, "--home", home), *fragments)

    assert home_state(home) == before
    assert not (tmp_path / "x.parquet").exists() and not any((tmp_path / "a-folder").iterdir())


def test_a_database_url_password_is_never_repeated(run, home, monkeypatch):
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "postgresql://user:s3cret@db/x")
    assert "s3cret" not in clear_error(run("status", "--home", home), "'postgresql'")


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "{prod}"],
        ["ingest-feedback", "{fb}"],
        ["import-labels", "{truth}", "--annotator", "ana"],
    ],
    ids=["ingest", "ingest-feedback", "import-labels"],
)
@pytest.mark.parametrize(
    "policy",
    ['{"window": ', '{"window": "month"}', '{"min_labels": null}', "[1, 2]"],
    ids=["cut short", "unknown window", "null count", "a list"],
)
def test_a_broken_alert_policy_refuses_a_write_before_anything_is_stored(
    run, home, ingested, files, write_truth, command, policy
):
    write_truth(["d-0100", "d-0101"])
    (home / "alert_policy.json").write_text(policy)
    before = home_state(home)

    clear_error(
        run(*[a.format(**files) for a in command], "--home", home),
        "alert_policy.json is not a valid alert policy",
        "fix or delete it",
    )

    assert home_state(home) == before


@pytest.mark.parametrize(
    ("seed", "label_col", "fragments"),
    [
        (
            "one-class-per-row.csv",
            "serial",
            [
                "column 'serial' holds a different value on each of its 30 rows",
                "Name the label column with --label-col",
            ],
        ),
        (
            "empty-feature.csv",
            "label",
            ["feature column(s) px_5 are empty on every row", "fill them in or remove them"],
        ),
    ],
    ids=["a class per row", "an empty feature column"],
)
def test_a_refused_init_leaves_no_database_nor_home_behind(run, tmp_path, files, seed, label_col, fragments):
    new_home = tmp_path / "new-home"

    clear_error(run("init", "--home", new_home, "--data", tmp_path / seed, "--label-col", label_col), *fragments)

    assert not new_home.exists()


def test_a_refused_init_in_an_existing_empty_folder_leaves_it_empty(run, tmp_path, files):
    folder = tmp_path / "kept"
    folder.mkdir()

    clear_error(run("init", "--home", folder, "--data", tmp_path / "empty-feature.csv", "--label-col", "label"), "px_5")

    assert list(folder.iterdir()) == []


def test_init_in_a_home_that_holds_a_task_is_refused_and_the_store_kept(run, home, seed_csv):
    before = home_state(home)
    clear_error(run("init", "--home", home, "--data", seed_csv, "--label-col", "label"), "already holds a task")
    assert home_state(home) == before and before["rows"]["main.task"] == 1


def test_the_row_counter_sees_every_table(home):
    rows = table_rows(home / DATABASE_FILENAME)
    assert {"main.task", "main.labelevent", "main.prediction", "main.seed_input"} <= set(rows)
    assert rows["main.seed_input"] == 30


def test_a_label_without_skip_is_still_recorded(run, home, ingested):
    result = ok(run("label", "d-0100", "3", "--action", "correct", "--annotator", "ana", "--home", home))
    assert "Recorded correct of d-0100 as 3" in result.stdout


# --- beyond the list: what an attacker (or a hurried user) tries next ------------------------------


@pytest.fixture
def odd_files(tmp_path, production_frame, digits_frame):
    """Files with odd encodings, hidden characters and empty parts."""
    prod = production_frame(2, 600)
    prod.to_csv(tmp_path / "utf16.csv", index=False, encoding="utf-16")
    (tmp_path / "latin1.csv").write_bytes("id,label\nd-0102,3\nd-01\xe9,4\n".encode("latin-1"))
    prod.assign(id=["ok-1", "bad\u202e-2"]).to_csv(tmp_path / "rtl-id.csv", index=False)
    prod.assign(id=["tab\tid", "ok-2"]).to_csv(tmp_path / "tab-id.csv", index=False)
    digits_frame.iloc[:0].to_csv(tmp_path / "header-only.csv", index=False)
    digits_frame.iloc[:30][["id", "label"]].to_csv(tmp_path / "no-features.csv", index=False)
    digits_frame.iloc[:30].to_csv(tmp_path / "seed.csv", index=False)
    return tmp_path


ODD_STORE_CASES = [
    (
        "UTF-16 file",
        ["ingest", "{d}/utf16.csv"],
        ["utf16.csv is not UTF-8 text (it looks like UTF-16)", "save it as UTF-8"],
    ),
    (
        "Latin-1 file",
        ["import-labels", "{d}/latin1.csv", "--annotator", "ana"],
        ["latin1.csv is not UTF-8 text", "save it as UTF-8"],
    ),
    (
        "right-to-left override in an id",
        ["ingest", "{d}/rtl-id.csv"],
        ["column 'id' holds control or invisible characters on line 3", "remove them"],
    ),
    ("tab in an id", ["ingest", "{d}/tab-id.csv"], ["control or invisible characters on line 2"]),
    (
        "line break in a name",
        ["label", "d-0100", "3", "--annotator", "ana\nadmin"],
        ["The name 'ana\\nadmin' holds control or invisible characters", "type it without them"],
    ),
    (
        "a name of 5,000 characters",
        ["label", "d-0100", "3", "--annotator", "a" * 5000],
        ["is 5000 characters long; use at most 100"],
    ),
    ("infinite alert band", ["alerts", "configure", "--band-sigma", "inf"], ["band_sigma must be a finite number"]),
    (
        "infinite webhook timeout",
        ["alerts", "configure", "--webhook-timeout", "inf"],
        ["webhook_timeout must be a finite number"],
    ),
]


@pytest.mark.parametrize(("args", "fragments"), [c[1:] for c in ODD_STORE_CASES], ids=[c[0] for c in ODD_STORE_CASES])
def test_an_odd_input_to_a_store_is_one_clear_line_and_changes_nothing(run, home, ingested, odd_files, args, fragments):
    before = home_state(home)
    clear_error(run(*[a.format(d=odd_files) for a in args], "--home", home), *fragments)
    assert home_state(home) == before


ODD_INIT_CASES = [
    ("a header and no rows", ["--data", "{d}/header-only.csv"], ["header-only.csv has a header but no rows"]),
    ("no feature column", ["--data", "{d}/no-features.csv"], ["has no feature column besides the id and the label"]),
    (
        "negative image shape",
        ["--data", "{d}/seed.csv", "--image-shape", "-8x-8"],
        ["Image shape -8x-8 does not fit the 64 feature columns", "two positive numbers ROWSxCOLS"],
    ),
    ("three-part image shape", ["--data", "{d}/seed.csv", "--image-shape", "4x4x4"], ["Image shape 4x4x4"]),
]


@pytest.mark.parametrize(("args", "fragments"), [c[1:] for c in ODD_INIT_CASES], ids=[c[0] for c in ODD_INIT_CASES])
def test_an_odd_seed_is_refused_and_leaves_no_home(run, odd_files, args, fragments):
    new_home = odd_files / "new-home"
    clear_error(
        run("init", "--home", new_home, "--label-col", "label", *[a.format(d=odd_files) for a in args]), *fragments
    )
    assert not new_home.exists()


def test_a_home_that_is_a_file_is_named(run, odd_files, monkeypatch):
    monkeypatch.setenv("FEEDBACK_HOME", str(odd_files / "seed.csv"))
    clear_error(
        run("init", "--data", odd_files / "seed.csv", "--label-col", "label"),
        "seed.csv is a file, not a folder",
        "point FEEDBACK_HOME (or --home) at a folder",
    )
    assert (odd_files / "seed.csv").is_file()
