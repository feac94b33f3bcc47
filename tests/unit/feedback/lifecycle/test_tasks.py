"""Creating the task from a labelled seed file."""

import numpy as np
import pandas as pd
import pytest
from store_sql import in_session, read_sql

from feedback import store
from feedback.exceptions import InputError, NotInitializedError
from feedback.lifecycle import init_task, load_task, sorted_labels
from feedback.store import repository
from feedback.workspace import open_workspace


def _files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _nothing_created(ws) -> None:
    """A refused init leaves no task, no seed rows, no model file and no snapshot."""
    assert not in_session(ws, repository.has_task)
    assert _files(ws.models_dir) == []
    assert _files(ws.snapshots_dir) == []
    tables = set(read_sql(ws, "SELECT table_name FROM duckdb_tables()")["table_name"])
    if "seedlabel" not in tables:  # refused before the schema was even created
        return
    counts = read_sql(
        ws,
        "SELECT (SELECT count(*) FROM seedlabel) AS seed, "
        "(SELECT count(*) FROM modelversion) AS versions, "
        "(SELECT count(*) FROM decision) AS decisions",
    )
    assert counts.iloc[0].tolist() == [0, 0, 0]


def test_init_creates_the_task_the_seed_and_a_champion(empty_ws, seed_csv, state, digits_frame):
    result = init_task(empty_ws, seed_csv, "label", audit_share=0.25, image_shape=(8, 8))

    assert result.labels == [str(d) for d in range(10)]
    assert result.features == [{"name": f"px_{i}", "kind": "numeric"} for i in range(64)]
    assert (result.n_seed, result.champion_version) == (30, 1)
    task = load_task(empty_ws)
    assert (task.label_col, task.id_col, task.audit_share, task.image_shape) == ("label", "id", 0.25, [8, 8])
    assert len(task.audit_salt) == 16
    counts = state(empty_ws)
    assert (counts["seed_labels"], counts["seed_input"], counts["predictions"]) == (30, 30, 0)
    assert counts["aliases"] == {1: "champion"}
    with store.session(empty_ws) as session:
        version = repository.get_version(session, 1)
        decisions = repository.decisions(session)
    assert (empty_ws.home / version.artifact_path).is_file()
    assert version.artifact_path.startswith("models/")
    assert (empty_ws.snapshots_dir / f"{version.snapshot_id}.parquet").is_file()
    assert (version.n_seed, version.n_labels) == (30, 0)
    assert [(d.action, d.version, d.actor) for d in decisions] == [("promote", 1, "init")]
    seed = in_session(empty_ws, repository.seed_training_set)
    expected = digits_frame.iloc[:30].set_index("id")
    assert list(seed["external_id"]) == sorted(expected.index)
    assert list(seed["__label__"]) == [str(expected.loc[i, "label"]) for i in seed["external_id"]]


def test_init_makes_ids_when_the_seed_has_none(empty_ws, tmp_path, digits_frame):
    digits_frame.iloc[:20].drop(columns="id").to_csv(tmp_path / "noid.csv", index=False)
    init_task(empty_ws, tmp_path / "noid.csv", "label")
    seed = in_session(empty_ws, repository.seed_training_set)
    assert sorted(seed["external_id"]) == sorted(f"seed-{i}" for i in range(20))


def test_mixed_features_are_typed_and_labels_kept_as_text(empty_ws, tmp_path):
    rng = np.random.default_rng(0)
    n = 40
    pd.DataFrame(
        {
            "id": [f"t{i}" for i in range(n)],
            "amount": rng.normal(size=n),
            "country": rng.choice(["fr", "de", "es"], size=n),
            "note": [f"customer wrote a long message number {i}" for i in range(n)],
            "label": ["fraud", "ok"] * (n // 2),
        }
    ).to_csv(tmp_path / "mixed.csv", index=False)

    result = init_task(empty_ws, tmp_path / "mixed.csv", "label")

    assert result.labels == ["fraud", "ok"]
    assert {f["name"]: f["kind"] for f in result.features} == {
        "amount": "numeric",
        "country": "categorical",
        "note": "text",
    }


def test_numeric_labels_sort_numerically():
    assert sorted_labels(pd.Series([10, 2, 1])) == ["1", "2", "10"]
    assert sorted_labels(pd.Series(["b", "a"])) == ["a", "b"]


def test_store_without_a_task_says_how_to_create_one(empty_ws):
    with pytest.raises(NotInitializedError, match="python -m feedback init"):
        load_task(empty_ws)


# --- refused seed files: clear message, nothing created -----------------------------------------------


def test_missing_label_column_is_refused(empty_ws, seed_csv):
    with pytest.raises(InputError) as info:
        init_task(empty_ws, seed_csv, "digit")
    assert "has no label column 'digit'" in str(info.value) and "px_0" in str(info.value)
    _nothing_created(empty_ws)


@pytest.mark.parametrize("label_kind", ["text", "integer"])
def test_empty_labels_are_refused(empty_ws, tmp_path, digits_frame, label_kind):
    frame = digits_frame.iloc[:20].copy()
    frame["label"] = frame["label"].map(lambda d: f"digit-{d}") if label_kind == "text" else frame["label"]
    frame["label"] = frame["label"].astype(object)
    frame.loc[3, "label"] = None
    frame.to_csv(tmp_path / "seed.csv", index=False)
    with pytest.raises(InputError, match="'label' is empty on some rows"):
        init_task(empty_ws, tmp_path / "seed.csv", "label")
    _nothing_created(empty_ws)


def test_reserved_column_name_is_refused(empty_ws, tmp_path, digits_frame):
    digits_frame.iloc[:20].assign(external_id="x").to_csv(tmp_path / "seed.csv", index=False)
    with pytest.raises(InputError, match="rename column.*external_id"):
        init_task(empty_ws, tmp_path / "seed.csv", "label")
    _nothing_created(empty_ws)


def test_single_class_seed_is_refused(empty_ws, tmp_path, digits_frame):
    digits_frame[digits_frame["label"] == 3].iloc[:15].to_csv(tmp_path / "seed.csv", index=False)
    with pytest.raises(InputError, match="at least two distinct labels"):
        init_task(empty_ws, tmp_path / "seed.csv", "label")
    _nothing_created(empty_ws)


def test_duplicate_seed_ids_are_refused(empty_ws, tmp_path, digits_frame):
    frame = digits_frame.iloc[:20].copy()
    frame.loc[5, "id"] = frame.loc[2, "id"]
    frame.to_csv(tmp_path / "seed.csv", index=False)
    with pytest.raises(InputError, match="ids repeat on lines 4, 7"):
        init_task(empty_ws, tmp_path / "seed.csv", "label")
    _nothing_created(empty_ws)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"model_name": "svm"}, "Unknown model 'svm'"),
        ({"audit_share": 1.0}, "audit share must be at least 0 and below 1"),
        ({"audit_share": -0.1}, "audit share must be at least 0 and below 1"),
        ({"image_shape": (4, 4)}, "Image shape 4x4 does not fit the 64 feature columns"),
        ({"image_shape": (-8, -8)}, "two positive numbers ROWSxCOLS"),
    ],
)
def test_bad_options_are_refused(empty_ws, seed_csv, kwargs, expected):
    with pytest.raises(InputError, match=expected):
        init_task(empty_ws, seed_csv, "label", **kwargs)
    _nothing_created(empty_ws)


def test_second_init_on_the_same_home_is_refused_and_changes_nothing(ws, seed_csv, state):
    before = state(ws)
    files = _files(ws.home / "models")

    with pytest.raises(InputError) as info:
        init_task(ws, seed_csv, "label")

    assert "already holds a task" in str(info.value) and str(ws.home) in str(info.value)
    assert state(ws) == before
    assert _files(ws.home / "models") == files


def test_a_refused_init_leaves_the_home_ready_for_a_good_one(empty_ws, seed_csv, tmp_path, digits_frame):
    digits_frame[digits_frame["label"] == 3].iloc[:15].to_csv(tmp_path / "one.csv", index=False)
    with pytest.raises(InputError):
        init_task(empty_ws, tmp_path / "one.csv", "label")
    assert init_task(empty_ws, seed_csv, "label").champion_version == 1


@pytest.mark.parametrize(
    "columns",
    [["External_ID", "b"], ["a", "A"], ["__label__", "b"]],
    ids=["reserved-other-case", "case-only-difference", "label-placeholder"],
)
def test_column_names_the_store_cannot_hold_are_refused_cleanly(tmp_path, columns):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(20, 2)), columns=columns)
    frame.insert(0, "id", [f"s{i}" for i in range(20)])
    frame["label"] = ["x", "y"] * 10
    frame.to_csv(tmp_path / "seed.csv", index=False)
    ws = open_workspace(home=tmp_path / "home")
    try:
        with pytest.raises(InputError, match="rename column"):
            init_task(ws, tmp_path / "seed.csv", "label")
        _nothing_created(ws)
    finally:
        ws.close()


def test_a_given_audit_salt_fixes_the_audit_slice_and_a_bad_one_is_refused(tmp_path, seed_csv):
    from feedback.draws import key_for
    from feedback.exceptions import InputError
    from feedback.lifecycle import init_task
    from feedback.workspace import open_workspace

    ws = open_workspace(tmp_path / "salted")
    try:
        with pytest.raises(InputError, match="audit_salt must be 16 characters"):
            init_task(ws, seed_csv, "label", audit_salt="short")
        assert init_task(ws, seed_csv, "label", audit_salt=key_for("team")) is not None
        from feedback.lifecycle import load_task

        assert load_task(ws).audit_salt == key_for("team")
    finally:
        ws.close()
