"""Learning progress: the curve of trained versions, the stopping hint, the simulation, the charts."""

import pytest

from feedback.access import Actor
from feedback.exceptions import InputError
from feedback.intake import ingest_predictions
from feedback.lifecycle import learning_curve, load_comparison_report, retrain, simulate_current_task, stopping_hint
from feedback.review import import_labels
from feedback.web import confusion_chart, learning_curve_chart, per_class_f1_chart, simulation_chart

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


@pytest.fixture
def labelled_twice(ws, write_production, production_frame, write_truth):
    """Two rounds of labels, each followed by a retrain."""
    ingest_predictions(ws, write_production(300, start=200))
    ids = list(production_frame(300, start=200)["id"])
    results = []
    for part in (ids[:150], ids[150:]):
        import_labels(ws, write_truth(part, name=f"truth-{part[0]}.csv"), annotator="oracle")
        results.append(retrain(ws, actor=ADMIN))
    return results


def test_curve_has_one_point_per_compared_challenger_with_its_n(ws, labelled_twice):
    curve = learning_curve(ws)
    assert list(curve["version"]) == [r.challenger.version for r in labelled_twice]
    assert curve["labels"].is_monotonic_increasing
    assert list(curve["n_audit_items"]) == [r.n_eval for r in labelled_twice]
    assert curve["accuracy"].iloc[-1] == pytest.approx(labelled_twice[-1].challenger.metrics["accuracy"])


def test_saved_report_matches_the_retrain_result(ws, labelled_twice):
    last = labelled_twice[-1]
    saved = load_comparison_report(ws, last.challenger.version)
    assert saved == last


def test_stopping_hint_names_the_labels_and_audit_items(ws, labelled_twice):
    hint = stopping_hint(ws, window_size=2)
    assert "audit items" in hint
    assert any(word in hint for word in ("settled", "Keep labelling", "Too early"))


def test_stopping_hint_without_audit_labels_says_so(ws):
    assert "No audit item has an expert label" in stopping_hint(ws)


def test_simulation_of_the_current_task(ws, labelled_twice):
    result = simulate_current_task(ws, actor=ADMIN, strategies=("random", "margin"), budget=60, batch=10, seeds=2)
    assert set(result.curves) == {"random", "margin"}
    assert all(len(entry["curves"]) == 2 for entry in result.curves.values())
    assert result.n_pool >= 300
    chart = simulation_chart(result.curves).to_dict()
    assert chart["mark"]["type"] == "line"


def test_simulation_needs_labelled_items(ws):
    with pytest.raises(InputError, match="at least 40 labelled items"):
        simulate_current_task(ws, actor=ADMIN)


def test_charts_encode_the_report(ws, labelled_twice):
    report = labelled_twice[-1].report
    f1 = per_class_f1_chart(report).to_dict()
    assert str(report.n_eval) in f1["title"]
    assert len(f1["data"]["values"] if "values" in f1["data"] else next(iter(f1["datasets"].values()))) == 2 * len(
        report.labels
    )
    confusion = confusion_chart(report, "challenger").to_dict()
    assert "Challenger confusion" in confusion["title"]
    assert learning_curve_chart(learning_curve(ws)).to_dict()["mark"]["type"] == "line"
