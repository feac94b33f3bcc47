"""Ingest of the product's outcomes per prediction or per unit: what is stored, and what is refused."""

import pandas as pd
import pytest
from store_sql import read_sql

from feedback.access import Actor
from feedback.exceptions import InputError, PermissionDenied
from feedback.intake import ingest_outcomes

ADMIN = Actor("ana", "admin")


def _outcomes(ws) -> pd.DataFrame:
    return read_sql(ws, "SELECT * FROM outcome ORDER BY metric, observed_at, external_id, unit_id")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_outcomes_per_prediction_and_per_unit_are_stored(ws, ingested, tmp_path, suffix):
    frame = pd.DataFrame(
        {
            "id": ["d-0100", "d-0101", None, ""],
            "unit_id": [None, None, "u7", "u8"],
            "metric": ["revenue", "revenue", "revenue", "resolution_minutes"],
            "value": [12.5, 0, 3, 41.0],
            "time": ["2026-11-26T10:00:00Z", "2026-11-26 11:00", "2026-11-25T09:00:00+01:00", "2026-11-26T12:00Z"],
        }
    )
    path = tmp_path / f"outcomes.{suffix}"
    frame.to_parquet(path, index=False) if suffix == "parquet" else frame.to_csv(path, index=False)

    result = ingest_outcomes(ws, path, actor=ADMIN)

    assert (result.n_rows, result.n_stored, result.n_skipped_existing) == (4, 4, 0)
    assert result.metrics == {"resolution_minutes": 1, "revenue": 3}
    rows = _outcomes(ws)
    assert list(rows["metric"]) == ["resolution_minutes", "revenue", "revenue", "revenue"]
    assert rows["value"].tolist() == [41.0, 3.0, 12.5, 0.0]
    assert rows["external_id"].fillna("-").tolist() == ["-", "-", "d-0100", "d-0101"]
    assert rows["unit_id"].fillna("-").tolist() == ["u8", "u7", "-", "-"]
    # an offset is honoured (09:00+01:00 is 08:00 UTC), a time without one is UTC
    times = pd.to_datetime(rows["observed_at"]).dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert times == ["2026-11-26 12:00", "2026-11-25 08:00", "2026-11-26 10:00", "2026-11-26 11:00"]


def test_a_file_sent_twice_is_stored_once(ws, ingested):
    frame = pd.DataFrame({"unit_id": ["u1", "u1"], "metric": "revenue", "value": [5.0, 5.0], "time": "2026-11-26"})

    first = ingest_outcomes(ws, frame, actor=ADMIN)
    again = ingest_outcomes(ws, frame, actor=ADMIN)

    assert (first.n_stored, first.n_skipped_existing) == (1, 1)  # the repeated row is one outcome
    assert (again.n_stored, again.n_skipped_existing) == (0, 2)
    assert len(_outcomes(ws)) == 1


GOOD = {"id": ["d-0100", "d-0101"], "metric": ["revenue"] * 2, "value": [1.0, 2.0], "time": ["2026-11-26"] * 2}


@pytest.mark.parametrize(
    "edit, expected",
    [
        ({"colour": ["red", "blue"]}, "unknown column(s) colour"),
        ({"id": None}, "lacks column(s) id or unit_id"),
        ({"time": None}, "lacks column(s) time"),
        ({"unit_id": ["u1", None]}, "line 2 has both an id and a unit_id"),
        ({"id": ["d-0100", " "]}, "line 3 has neither an id nor a unit_id"),
        ({"id": ["d-0100", "nope"]}, "no logged prediction has id 'nope' (line 3)"),
        ({"metric": ["revenue", ""]}, "column 'metric' is empty on line 3"),
        ({"metric": ["revenue", "accuracy"]}, "built-in metric's name on line 3"),
        ({"metric": ["rev\u202eenue", "revenue"]}, "column 'metric' holds control or invisible characters on line 2"),
        ({"value": [1.0, "lots"]}, "must hold finite numbers, but holds 'lots' on line 3"),
        ({"value": [float("inf"), 2.0]}, "finite numbers, but holds 'inf' on line 2"),
        ({"time": ["2026-11-26", "yesterday"]}, "'time' must hold a date and time, but holds 'yesterday' on line 3"),
    ],
)
def test_bad_outcomes_are_refused_whole_with_the_column_and_line(ws, ingested, row_counts, edit, expected):
    frame = pd.DataFrame({**GOOD, **{k: v for k, v in edit.items() if v is not None}})
    frame = frame.drop(columns=[k for k, v in edit.items() if v is None])
    before = row_counts(ws)

    with pytest.raises(InputError) as error:
        ingest_outcomes(ws, frame, actor=ADMIN)

    assert expected in str(error.value)
    assert row_counts(ws) == before


def test_only_admins_send_outcomes(ws, ingested):
    with pytest.raises(PermissionDenied, match="only admins"):
        ingest_outcomes(ws, pd.DataFrame(GOOD), actor=Actor("lee", "lead"))
    assert _outcomes(ws).empty


def test_an_empty_file_is_refused(ws, ingested, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("unit_id,metric,value,time\n")
    with pytest.raises(InputError, match="has no rows"):
        ingest_outcomes(ws, path, actor=ADMIN)
