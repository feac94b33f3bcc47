"""Ingest of production predictions and end-user feedback, and the audit slice."""

import json

import numpy as np
import pandas as pd
import pytest
from store_sql import in_session, read_sql

from feedback.exceptions import InputError
from feedback.intake import audit_mask, ingest_feedback, ingest_predictions
from feedback.lifecycle import load_task
from feedback.store import Task, repository


def _batches(ws) -> pd.DataFrame:
    return read_sql(ws, "SELECT * FROM ingestbatch ORDER BY received_at")


# --- accepted input -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_ingest_logs_every_row_scored_by_the_champion(ws, production_frame, tmp_path, logged, suffix):
    frame = production_frame(40)
    path = tmp_path / f"prod.{suffix}"
    {
        "csv": lambda: frame.to_csv(path, index=False),
        "parquet": lambda: frame.to_parquet(path, index=False),
        "jsonl": lambda: frame.to_json(path, orient="records", lines=True),
    }[suffix]()

    result = ingest_predictions(ws, path)

    assert (result.n_rows, result.n_new, result.n_skipped_existing) == (40, 40, 0)
    assert result.model_version == 1 and result.shadow_version is None
    rows = logged(ws)
    assert sorted(rows.index) == sorted(frame["id"])
    assert set(rows["model_version"]) == {1}
    assert set(rows["batch_id"]) == {result.batch_id}
    proba = np.array([json.loads(p) for p in rows["probabilities"]])
    assert proba.shape == (40, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    labels = load_task(ws).labels
    assert list(rows["predicted"]) == [labels[i] for i in proba.argmax(axis=1)]
    np.testing.assert_allclose(rows["confidence"], proba.max(axis=1))
    top_two = np.sort(proba, axis=1)[:, -2:]
    np.testing.assert_allclose(rows["margin"], top_two[:, 1] - top_two[:, 0])
    assert result.n_audit == int(rows["is_audit"].sum())
    batch = _batches(ws)
    assert list(batch["batch_id"]) == [result.batch_id] and list(batch["n_rows"]) == [40]
    assert list(batch["source"]) == [path.name]


def test_ingest_stores_the_inputs_as_given(ws, production_frame, tmp_path):
    frame = production_frame(5)
    frame.loc[0, "id"] = "007"  # ids are text: leading zeros survive
    frame.to_csv(tmp_path / "prod.csv", index=False)

    ingest_predictions(ws, tmp_path / "prod.csv")

    stored = in_session(ws, repository.read_inputs, list(frame["id"]))
    assert list(stored.index) == list(frame["id"])
    np.testing.assert_allclose(stored[frame.columns[1:]].to_numpy(), frame.iloc[:, 1:].to_numpy())


def test_missing_value_in_an_integer_column_is_accepted(ws, production_frame, tmp_path, logged):
    frame = production_frame(10).astype({f"px_{i}": "Int64" for i in range(64)})  # written as 0, 5, 16 ...
    frame.loc[4, "px_20"] = pd.NA
    frame.to_csv(tmp_path / "prod.csv", index=False)

    result = ingest_predictions(ws, tmp_path / "prod.csv")

    assert result.n_new == 10
    stored = in_session(ws, repository.read_inputs, [frame.loc[4, "id"]])
    assert pd.isna(stored["px_20"].iloc[0])


def test_missing_value_in_a_float_column_is_accepted(ws, production_frame, tmp_path):
    frame = production_frame(10)
    frame.loc[4, "px_20"] = np.nan
    frame.to_csv(tmp_path / "prod.csv", index=False)
    assert ingest_predictions(ws, tmp_path / "prod.csv").n_new == 10


def test_reingesting_the_same_ids_adds_nothing(ws, write_production, state):
    path = write_production(30)
    first = ingest_predictions(ws, path)
    before = state(ws)

    again = ingest_predictions(ws, path)

    assert first.n_new == 30
    assert (again.n_new, again.n_skipped_existing, again.batch_id) == (0, 30, None)
    assert state(ws) == before
    assert len(_batches(ws)) == 1


def test_progress_is_told_each_stage_as_it_starts(ws, write_production):
    heard = []

    ingest_predictions(ws, write_production(30), progress=lambda fraction, message: heard.append((fraction, message)))

    assert [message for _, message in heard] == [
        "Reading the file",
        "Checking ids and features",
        "Looking up ids already logged",
        "Scoring with the champion (and challenger)",
        "Writing the predictions",
        "Committing",
        "Checking alerts",
    ]
    fractions = [fraction for fraction, _ in heard]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] <= 1


def test_partly_known_file_logs_only_the_new_ids(ws, production_frame, tmp_path, state):
    production_frame(20).to_csv(tmp_path / "a.csv", index=False)
    ingest_predictions(ws, tmp_path / "a.csv")
    overlapping = production_frame(30, start=10)  # ids 10..19 known, 20..39 new
    overlapping.to_csv(tmp_path / "b.csv", index=False)

    result = ingest_predictions(ws, tmp_path / "b.csv")

    assert (result.n_rows, result.n_new, result.n_skipped_existing) == (30, 20, 10)
    assert state(ws)["predictions"] == 40
    assert list(_batches(ws)["n_skipped_existing"]) == [0, 10]


# --- refused input: clear message, nothing written ----------------------------------------------------


def _drop_feature(frame):
    return frame.drop(columns="px_5")


def _extra_column(frame):
    return frame.assign(colour="red")


def _text_in_numeric(frame):
    frame = frame.assign(px_3=frame["px_3"].astype(str).astype(object))
    frame.loc[2, "px_3"] = "abc"
    return frame


def _no_id_column(frame):
    return frame.drop(columns="id")


def _empty_id(frame):
    frame = frame.copy()
    frame.loc[1, "id"] = None
    return frame


def _duplicate_ids(frame):
    frame = frame.copy()
    frame.loc[3, "id"] = frame.loc[0, "id"]
    return frame


def _infinite(frame):
    frame = frame.copy()
    frame.loc[0, "px_7"] = np.inf
    return frame


REFUSED_FRAMES = [
    ("missing-feature", _drop_feature, ["lacks feature column", "px_5"]),
    ("extra-column", _extra_column, ["does not know", "colour"]),
    ("text-in-numeric", _text_in_numeric, ["'px_3' must be numeric", "'abc'", "line 4"]),
    ("missing-id-column", _no_id_column, ["no id column 'id'"]),
    ("empty-id", _empty_id, ["'id' is empty on line 3"]),
    ("duplicate-ids", _duplicate_ids, ["ids repeat on lines 2, 5", "d-0100"]),
    ("infinite", _infinite, ["'px_7' is infinite on line 2"]),
]
PARQUET_CASES = ("missing-feature", "text-in-numeric", "duplicate-ids", "infinite")
REFUSED_FILES = [pytest.param(spoil, expected, "csv", id=f"{name}-csv") for name, spoil, expected in REFUSED_FRAMES] + [
    pytest.param(spoil, expected, "parquet", id=f"{name}-parquet")
    for name, spoil, expected in REFUSED_FRAMES
    if name in PARQUET_CASES
]


@pytest.mark.parametrize(("spoil", "expected", "suffix"), REFUSED_FILES)
def test_refused_prediction_file_names_the_problem_and_writes_nothing(
    ws, production_frame, tmp_path, state, spoil, expected, suffix
):
    bad = spoil(production_frame(8))
    path = tmp_path / f"bad.{suffix}"
    if suffix == "csv":
        bad.to_csv(path, index=False)
    else:
        bad.to_parquet(path, index=False)
    before = state(ws)

    with pytest.raises(InputError) as info:
        ingest_predictions(ws, path)

    for fragment in [path.name, *expected]:
        assert fragment in str(info.value)
    assert state(ws) == before
    assert _batches(ws).empty


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("prod.txt", b"id,px_0\n1,2\n", "use a .csv, .parquet or .jsonl file", id="unknown-type"),
        pytest.param(
            "prod.parquet",
            b"this is not parquet at all",
            "Cannot parse prod.parquet as parquet",
            id="unparseable-parquet",
        ),
        pytest.param(
            "prod.jsonl",
            b'{"id": "a", "px_0": 1}\n{not json\n',
            "Cannot parse prod.jsonl as jsonl",
            id="unparseable-jsonl",
        ),
    ],
)
def test_unreadable_file_is_refused_and_nothing_written(ws, tmp_path, state, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    before = state(ws)

    with pytest.raises(InputError, match=expected.replace(".", r"\.")):
        ingest_predictions(ws, path)

    assert state(ws) == before


def test_missing_file_is_refused(ws, tmp_path, state):
    before = state(ws)
    with pytest.raises(InputError, match="File not found"):
        ingest_predictions(ws, tmp_path / "nowhere.csv")
    assert state(ws) == before


# --- the audit slice ------------------------------------------------------------------------------


def _task(share: float, salt: str = "0123456789abcdef") -> Task:
    return Task(
        name="t",
        labels=["a", "b"],
        features=[],
        id_col="id",
        label_col="label",
        model_name="logistic",
        audit_share=share,
        audit_salt=salt,
    )


@pytest.mark.parametrize("share", [0.05, 0.3, 0.5])
def test_audit_share_is_roughly_honoured(share):
    ids = pd.Series([f"item-{i}" for i in range(5000)])
    mask = audit_mask(ids, _task(share))
    assert mask.dtype == bool
    assert abs(mask.mean() - share) < 0.03


def test_audit_membership_is_fixed_per_id():
    ids = pd.Series([f"item-{i}" for i in range(2000)])
    task = _task(0.3)
    whole = audit_mask(ids, task)
    # Same answer again, and the same per id whatever the other ids in the batch.
    np.testing.assert_array_equal(audit_mask(ids, task), whole)
    shuffled = ids.sample(frac=1.0, random_state=1)
    np.testing.assert_array_equal(audit_mask(shuffled.reset_index(drop=True), task), whole[shuffled.index])
    np.testing.assert_array_equal(audit_mask(ids.iloc[:100].reset_index(drop=True), task), whole[:100])


def test_audit_slice_depends_on_the_salt_not_on_the_ids_order():
    ids = pd.Series([f"item-{i}" for i in range(2000)])
    a, b = audit_mask(ids, _task(0.3, "0123456789abcdef")), audit_mask(ids, _task(0.3, "fedcba9876543210"))
    assert (a != b).any()
    assert not audit_mask(ids, _task(0.0)).any()


def test_ingest_marks_the_audit_items_the_task_mask_selects(ws, write_production, logged):
    result = ingest_predictions(ws, write_production(200))
    rows = logged(ws)
    expected = audit_mask(pd.Series(rows.index), load_task(ws))
    np.testing.assert_array_equal(rows["is_audit"].to_numpy(), expected)
    assert result.n_audit == int(expected.sum())
    assert 0.15 < expected.mean() < 0.45  # the task's share is 0.3


# --- end-user feedback ------------------------------------------------------------------------------


def _signals(ws) -> pd.DataFrame:
    return read_sql(ws, "SELECT * FROM feedbacksignal ORDER BY id")


def test_feedback_signals_are_logged(ws, ingested, tmp_path, state):
    pd.DataFrame(
        {
            "id": ["d-0100", "d-0101", "d-0102"],
            "signal": ["disputed", " Accepted ", "disputed"],
            "user_label": ["3", None, None],
        }
    ).to_csv(tmp_path / "fb.csv", index=False)

    assert ingest_feedback(ws, tmp_path / "fb.csv") == 3

    signals = _signals(ws)
    assert list(signals["external_id"]) == ["d-0100", "d-0101", "d-0102"]
    assert list(signals["signal"]) == ["disputed", "accepted", "disputed"]
    assert signals["user_label"].iloc[0] == "3" and signals["user_label"].iloc[1:].isna().all()
    assert state(ws)["disputes"] == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            {"id": ["d-0100", "nope-1"], "signal": ["disputed", "disputed"]},
            ["no logged prediction has id 'nope-1'", "line 3"],
            id="unknown-id",
        ),
        pytest.param(
            {"id": ["d-0100", "d-0101"], "signal": ["disputed", "angry"]},
            ["signal must be disputed or accepted", "line 3"],
            id="bad-signal",
        ),
        pytest.param(
            {"id": ["d-0100"], "signal": ["disputed"], "user_label": ["cat"]},
            ["user_label 'cat'", "not one of the task's labels"],
            id="user-label-outside-set",
        ),
        pytest.param({"id": ["d-0100"]}, ["'signal' is missing"], id="missing-signal-column"),
        pytest.param(
            {"id": ["d-0100"], "signal": ["disputed"], "note": ["x"]}, ["unknown column(s) note"], id="extra-column"
        ),
        pytest.param(
            {"id": [None, "d-0100"], "signal": ["disputed", "disputed"]}, ["'id' is empty on line 2"], id="empty-id"
        ),
    ],
)
def test_refused_feedback_file_names_the_problem_and_writes_nothing(ws, ingested, tmp_path, state, rows, expected):
    path = tmp_path / "fb.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    before = state(ws)

    with pytest.raises(InputError) as info:
        ingest_feedback(ws, path)

    for fragment in expected:
        assert fragment in str(info.value)
    assert state(ws) == before
    assert _signals(ws).empty


def test_resending_the_same_feedback_file_adds_nothing(ws, ingested, tmp_path, state):
    path = tmp_path / "fb.csv"
    pd.DataFrame({"id": ["d-0100", "d-0101"], "signal": ["disputed", "accepted"]}).to_csv(path, index=False)
    assert ingest_feedback(ws, path) == 2
    before = state(ws)

    assert ingest_feedback(ws, path) == 0

    assert state(ws) == before
    assert len(_signals(ws)) == 2
