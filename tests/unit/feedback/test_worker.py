"""Background work started from one place: one job of a kind at a time, even when two starts race."""

import threading

import pytest

from feedback import store
from feedback.access import Actor
from feedback.alerts import Delivery, deliver, deliver_with
from feedback.exceptions import JobAlreadyRunning, PermissionDenied
from feedback.intake import ingest_predictions
from feedback.lifecycle import RetrainPolicy, save_policy
from feedback.review import import_labels
from feedback.settings import load_settings
from feedback.store import repository
from feedback.worker import JobRunner, Worker, deliver_alerts_in_background, deliver_in_background, wait_for_deliveries

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


def _start_together(start, n=2):
    """Call ``start()`` from ``n`` threads released at the same moment; each outcome is a job or the error."""
    barrier = threading.Barrier(n)
    outcomes = []

    def run():
        barrier.wait()
        try:
            outcomes.append(start())
        except JobAlreadyRunning as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_starts_at_the_same_moment_run_one_job_and_tell_the_other():
    runner, release, calls = JobRunner(), threading.Event(), []

    def work(progress):
        calls.append(1)
        release.wait(30)  # still running while the second start is refused
        return "done"

    outcomes = _start_together(lambda: runner.start("retrain", work, what="a retrain"), n=8)
    refused = [o for o in outcomes if isinstance(o, JobAlreadyRunning)]
    [job] = [o for o in outcomes if not isinstance(o, JobAlreadyRunning)]
    assert len(refused) == 7
    assert all(str(e) == "A retrain is already running; wait for it to finish." for e in refused)
    assert runner.get("retrain") is job and job.running
    other = runner.start("simulate", lambda progress: "other", what="a simulation")  # another kind is free
    release.set()
    job.join(30)
    other.join(30)
    assert calls == [1] and job.result == "done" and other.result == "other"
    again = runner.start("retrain", lambda progress: "again", what="a retrain")  # the finished job freed its kind
    again.join(30)
    assert again.result == "again" and runner.get("retrain") is again


def test_a_failing_job_frees_its_kind_and_reports_the_error():
    runner = JobRunner()

    def broken(progress):
        raise RuntimeError("no labels")

    job = runner.start("retrain", broken, what="a retrain")
    job.join(30)
    assert job.error == "RuntimeError: no labels" and not job.running
    runner.start("retrain", lambda progress: None, what="a retrain").join(30)


@pytest.fixture
def labelled(ws, write_production, production_frame, write_truth):
    """300 logged predictions, 100 of them labelled."""
    ingest_predictions(ws, write_production(300, start=200))
    ids = list(production_frame(300, start=200)["id"])
    import_labels(ws, write_truth(ids[:100]), annotator="oracle")
    return ids


def _versions(ws) -> list[int]:
    with store.session(ws) as session:
        return sorted(v.version for v in repository.list_versions(session))


def test_a_click_and_a_trigger_at_the_same_moment_train_one_challenger(ws, labelled):
    save_policy(ws, RetrainPolicy(every_n_labels=10), actor=ADMIN)
    worker = Worker(ws, load_settings(lambda name: None))  # its checks are not started: the test calls them
    barrier, results = threading.Barrier(2), {}

    def click():
        barrier.wait()
        try:
            results["click"] = worker.start_retrain(ADMIN)
        except JobAlreadyRunning as exc:
            results["click"] = exc

    def trigger():
        barrier.wait()
        results["trigger"] = worker.triggers.check()

    threads = [threading.Thread(target=click), threading.Thread(target=trigger)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    job = worker.jobs.get("retrain")
    job.join(120)
    assert job.error is None, job.error
    clicked = not isinstance(results["click"], JobAlreadyRunning)
    if clicked:
        assert results["trigger"] is None and worker.triggers.last_reason is None, "the trigger was told no"
    else:
        assert str(results["click"]) == "A retrain is already running; wait for it to finish."
        assert "new expert labels" in results["trigger"] and job.result["n_train"] > 0
    assert _versions(ws) == [1, 2], "one challenger, one new version number"


def test_a_refused_role_starts_no_job(ws):
    worker = Worker(ws, load_settings(lambda name: None))
    with pytest.raises(PermissionDenied):
        worker.start_retrain(Actor("ana", "annotator"))
    with pytest.raises(PermissionDenied):
        worker.start_simulation(Actor("ana", "annotator"))
    assert "retrain" not in worker.jobs and "simulate" not in worker.jobs


def test_a_wired_delivery_runs_on_a_thread_of_its_own_and_exit_can_wait_for_it():
    release, recorded = threading.Event(), []

    def record(payload, outcome):
        release.wait(10)  # still in flight while the caller goes on
        recorded.append((payload, outcome["status"], threading.current_thread().name))

    previous = deliver_with(None)
    deliver_alerts_in_background()
    try:
        assert deliver_with(deliver_in_background) is deliver_in_background
        deliver(Delivery("http://127.0.0.1:9/nothing-listens-here", ({"id": 1},), record, timeout=1, retries=0))
        assert recorded == [] and not wait_for_deliveries(timeout=0.2)
        release.set()
        assert wait_for_deliveries(timeout=10)
    finally:
        deliver_with(previous)
    assert recorded == [({"id": 1}, "failed", "feedback-webhook")]
