"""status --json reports the champion's live accuracy from the audit slice only, with its interval and n."""

import numpy as np
import pytest
from store_sql import in_session

from feedback.intake import ingest_predictions
from feedback.monitor import live_accuracy, store_status
from feedback.review import import_labels
from feedback.store import repository


def test_no_audit_labels_gives_nulls(ws):
    assert live_accuracy(ws).to_dict() == {"estimate": None, "ci_low": None, "ci_high": None, "n": 0}
    assert store_status(ws).live_accuracy.n == 0


def test_only_audit_items_count(ws, write_production, production_frame, write_truth):
    ingest_predictions(ws, write_production(300, start=200))
    frame = in_session(ws, repository.predictions_frame, list(production_frame(300, start=200)["id"]))
    audit_ids = list(frame.index[frame["is_audit"].astype(bool)])
    queue_ids = list(frame.sort_values("margin").index[~frame.sort_values("margin")["is_audit"].astype(bool)][:100])
    import_labels(ws, write_truth(queue_ids, name="queue.csv"), annotator="oracle")
    assert live_accuracy(ws).n == 0, "labels on items the queue chose never enter the estimate"

    import_labels(ws, write_truth(audit_ids, name="audit.csv"), annotator="oracle")
    figure = store_status(ws).live_accuracy
    assert figure.n == len(audit_ids)
    served = frame.loc[audit_ids, "predicted"].astype(str).to_numpy()
    truth = production_frame(300, start=200, with_label=True).set_index("id").loc[audit_ids, "label"]
    expected = float(np.mean(served == truth.astype(str).to_numpy()))  # v1 served them and is still champion
    assert figure.estimate == pytest.approx(expected)
    assert figure.ci_low < figure.estimate < figure.ci_high
