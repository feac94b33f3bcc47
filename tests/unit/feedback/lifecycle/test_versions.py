"""Promotion, rollback and the integrity check of model files."""

import pytest

from feedback import store
from feedback.access import Actor
from feedback.exceptions import InputError, ModelIntegrityError
from feedback.intake import ingest_predictions, predict_file
from feedback.lifecycle import champion_and_challenger, promote, rollback
from feedback.store import repository


def _decisions(ws):
    with store.session(ws) as session:
        return [(d.action, d.version, d.previous_version, d.actor, d.reason) for d in repository.decisions(session)]


def _tamper(path):
    with open(path, "ab") as handle:
        handle.write(b"\0")


def test_promote_moves_the_champion_alias_and_records_who_and_why(ws, challenger, write_production, state, logged):

    decision = promote(ws, 2, reason="better on the audit slice", actor=Actor("ana", "admin"))

    assert (decision.action, decision.version, decision.previous_version) == ("promote", 2, 1)
    assert state(ws)["aliases"] == {1: "archived", 2: "champion"}
    champion, challenger = champion_and_challenger(ws)
    assert (champion.version, challenger) == (2, None)
    assert _decisions(ws)[0] == ("promote", 2, 1, "ana", "better on the audit slice")
    result = ingest_predictions(ws, write_production(10))
    new_rows = logged(ws).loc[[f"d-{i:04d}" for i in range(100, 110)]]
    assert result.model_version == 2 and set(new_rows["model_version"]) == {2}


def test_rollback_returns_the_alias_to_the_previous_champion(ws, challenger, state):
    promote(ws, 2, reason="better", actor=Actor("ana", "admin"))

    decision = rollback(ws, reason="disputes doubled", actor=Actor("ben", "admin"))

    assert (decision.action, decision.version, decision.previous_version) == ("rollback", 1, 2)
    assert state(ws)["aliases"] == {1: "champion", 2: "archived"}
    assert _decisions(ws)[:2] == [("rollback", 1, 2, "ben", "disputes doubled"), ("promote", 2, 1, "ana", "better")]


@pytest.mark.parametrize(
    ("version", "reason", "expected"),
    [
        (2, "  ", "Give a reason for the promotion"),
        (9, "why not", "There is no model version 9"),
        (1, "again", "Version 1 is already the champion"),
    ],
)
def test_refused_promotion_changes_nothing(ws, challenger, state, version, reason, expected):
    before, decisions = state(ws), _decisions(ws)
    with pytest.raises(InputError, match=expected):
        promote(ws, version, reason=reason, actor=Actor("ana", "admin"))
    assert state(ws) == before and _decisions(ws) == decisions


@pytest.mark.parametrize(
    ("reason", "expected"), [("oops", "Nothing to roll back to"), ("", "Give a reason for the rollback")]
)
def test_refused_rollback_changes_nothing(ws, state, reason, expected):
    before, decisions = state(ws), _decisions(ws)
    with pytest.raises(InputError, match=expected):
        rollback(ws, reason=reason, actor=Actor("ana", "admin"))
    assert state(ws) == before and _decisions(ws) == decisions


def test_tampered_champion_file_is_refused_on_ingest(ws, write_production, state):
    _tamper(ws.models_dir / "v1.skops")
    before = state(ws)

    with pytest.raises(ModelIntegrityError, match="does not match its recorded sha256"):
        ingest_predictions(ws, write_production(10))

    assert state(ws) == before


def test_tampered_champion_file_is_refused_on_predict(ws, write_production, tmp_path):
    _tamper(ws.models_dir / "v1.skops")
    with pytest.raises(ModelIntegrityError, match="v1.skops"):
        predict_file(ws, write_production(10), tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_tampered_challenger_is_refused_on_promotion_and_in_shadow(ws, challenger, write_production, state):
    _tamper(ws.models_dir / "v2.skops")
    before = state(ws)

    with pytest.raises(ModelIntegrityError):
        promote(ws, 2, reason="better", actor=Actor("ana", "admin"))
    with pytest.raises(ModelIntegrityError):
        ingest_predictions(ws, write_production(10))

    assert state(ws) == before


def test_missing_model_file_is_refused(ws, write_production, state):
    (ws.models_dir / "v1.skops").unlink()
    before = state(ws)
    with pytest.raises(ModelIntegrityError, match="missing"):
        ingest_predictions(ws, write_production(10))
    assert state(ws) == before
