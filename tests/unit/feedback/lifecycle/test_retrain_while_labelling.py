"""A retrain running in a worker thread while experts keep labelling loses no label."""

import threading

import pytest
from store_sql import gold_set

from feedback import store
from feedback.access import Actor
from feedback.intake import ingest_predictions
from feedback.lifecycle import retrain
from feedback.review import import_labels, record_label
from feedback.store import repository
from feedback.worker import BackgroundJob

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


@pytest.mark.slow  # over 10 s
def test_labels_recorded_during_a_retrain_are_all_kept_and_used_next_time(
    ws, write_production, production_frame, write_truth, digits_frame
):
    logged = ingest_predictions(ws, write_production(400, start=200))
    assert logged.n_new == 400
    ids = list(production_frame(400, start=200)["id"])
    import_labels(ws, write_truth(ids[:200]), annotator="before")
    truth = digits_frame.set_index("id")["label"].astype(str)

    job = BackgroundJob("retrain", lambda progress: retrain(ws, actor=ADMIN, progress=progress))
    during = ids[200:]
    stop = threading.Event()

    def keep_labelling():
        for item in during:
            record_label(ws, item, truth[item], annotator="during")
        stop.set()

    labeller = threading.Thread(target=keep_labelling)
    job.start()
    labeller.start()
    job.join(120)
    labeller.join(120)
    assert stop.is_set() and job.error is None, job.error

    with store.session(ws) as session:
        recorded = {item: repository.label_history(session, item) for item in during}
    assert all(len(events) == 1 and events[0].annotator == "during" for events in recorded.values())

    second = retrain(ws, actor=ADMIN)
    expert_ids = set(gold_set(ws)["external_id"])
    assert {i for i in during if not _is_audit(ws, i)} <= expert_ids
    assert second.n_train > job.result.n_train
    assert second.new_labels > 0, "labels that arrived during the first retrain feed the next one"


def _is_audit(ws, item):
    with store.session(ws) as session:
        return repository.get_prediction(session, item).is_audit
