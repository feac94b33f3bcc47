"""Roles are enforced by the library: every (action, role) pair the role table denies is refused before any write."""

from pathlib import Path

import pytest

from feedback.access import PERMISSIONS, ROLES, Actor, can, require
from feedback.alerts import AlertPolicy, save_alert_policy, set_alert_state
from feedback.exceptions import InputError, PermissionDenied
from feedback.experiments import start_experiment, stop_experiment
from feedback.intake import export_bytes, export_labels, export_training_set
from feedback.lifecycle import RetrainPolicy, promote, retrain, rollback, save_policy, simulate_current_task
from feedback.review import adjudicate, find_suspect_labels, load_queue_policy, save_queue_policy

# One call per guarded action, as a page or the command line makes it; each would change the store if allowed.
CALLS = {
    "adjudicate": lambda ws, actor, out: adjudicate(ws, "d-1200", "1", actor=actor),
    "set_queue_policy": lambda ws, actor, out: save_queue_policy(ws, actor=actor, dispute=3.0),
    "find_suspects": lambda ws, actor, out: find_suspect_labels(ws, actor=actor),
    "acknowledge_alert": lambda ws, actor, out: set_alert_state(ws, 1, "acknowledged", actor),
    "resolve_alert": lambda ws, actor, out: set_alert_state(ws, 1, "resolved", actor),
    "simulate": lambda ws, actor, out: simulate_current_task(ws, actor=actor),
    "retrain": lambda ws, actor, out: retrain(ws, actor=actor),
    "set_retrain_policy": lambda ws, actor, out: save_policy(ws, RetrainPolicy(every_n_labels=10), actor=actor),
    "promote": lambda ws, actor, out: promote(ws, 2, reason="better", actor=actor),
    "rollback": lambda ws, actor, out: rollback(ws, reason="worse", actor=actor),
    "set_alert_policy": lambda ws, actor, out: save_alert_policy(ws, AlertPolicy(accuracy_floor=0.9), actor=actor),
    "start_experiment": lambda ws, actor, out: start_experiment(ws, 2, 0.5, actor=actor),
    "stop_experiment": lambda ws, actor, out: stop_experiment(ws, actor=actor),
    "export": lambda ws, actor, out: export_labels(ws, out / "labels.csv", actor=actor),
    "export training set": lambda ws, actor, out: export_training_set(ws, 2, out / "v2.csv", actor=actor),
    "export bytes": lambda ws, actor, out: export_bytes(ws, "csv", actor=actor),
}
DENIED = [(call, role) for call in CALLS for role in ROLES if not can(role, call.split(" ")[0])]


def _files(home: Path) -> dict[str, bytes]:
    """Every settings, model and snapshot file of the home (the database is compared by its rows)."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and ".duckdb" not in p.name
    }


def test_every_guarded_action_has_a_library_call_under_test():
    open_to_all = {action for action, roles in PERMISSIONS.items() if roles == frozenset(ROLES)}
    assert open_to_all == {"label", "undo", "check_alerts"}
    # "manage" (users, init, command-line ingest) has no function in the app: the users file and the
    # command line are reached only by whoever holds the files (see the README's role table).
    assert {call.split(" ")[0] for call in CALLS} == set(PERMISSIONS) - open_to_all - {"manage"}


@pytest.mark.parametrize("call, role", DENIED, ids=[f"{c}-{r}" for c, r in DENIED])
def test_a_denied_role_is_refused_before_anything_is_written(challenger, ws, state, tmp_path, call, role):
    out = tmp_path / "out"
    out.mkdir()
    before, files = state(ws), _files(ws.home)
    action = call.split(" ")[0]
    with pytest.raises(PermissionDenied) as refused:
        CALLS[call](ws, Actor("pat", role), out)
    message = str(refused.value)
    article = "an" if role == "annotator" else "a"
    assert message.startswith(f"pat is {article} {role} and may not {action.replace('_', ' ')}; only ")
    assert "admins may" in message and "Nothing was changed." in message
    assert isinstance(refused.value, InputError), "pages and the CLI show it like any bad input"
    assert state(ws) == before and _files(ws.home) == files and not any(out.iterdir())


def test_the_roles_allowed_pass_the_same_check(challenger, ws):
    policy = save_queue_policy(ws, actor=Actor("lee", "lead"), dispute=3.0)
    assert policy.dispute == 3.0 and load_queue_policy(ws).dispute == 3.0
    event = adjudicate(ws, "d-1200", "1", actor=Actor("lee", "lead"))
    assert (event.annotator, event.action) == ("lee", "adjudicate")
    decision = promote(ws, 2, reason="better", actor=Actor("adm", "admin"))
    assert (decision.actor, decision.version) == ("adm", 2)


def test_an_actor_needs_a_known_role_and_a_bare_name_is_not_an_actor():
    with pytest.raises(ValueError, match="Unknown role 'root'"):
        Actor("eve", "root")
    with pytest.raises(TypeError, match=r"must be an Actor\(name, role\), not str"):
        require("eve", "promote")
    assert require(Actor("adm", "admin"), "promote") == Actor("adm", "admin")
