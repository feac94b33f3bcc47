import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from active_learning import labels_to_reach, mean_curve, simulate
from active_learning.strategies import ARM_MIN_LABELS

pytestmark = pytest.mark.slow  # a simulation: `pytest -m "not slow"` skips it


def test_simulate_returns_the_json_shape(iris_frame):
    X, y = iris_frame.drop(columns="species"), iris_frame["species"]
    result = simulate(X, y, ["random", "margin"], budget=15, batch=3, initial=6, seeds=2, test_size=0.3)
    assert set(result) == {"random", "margin"}
    for entry in result.values():
        assert set(entry) == {"curves", "full_accuracy", "full_accuracies"}
        assert len(entry["curves"]) == 2
        for curve in entry["curves"]:
            assert [n for n, _ in curve] == [6, 9, 12, 15]
            assert all(0.0 <= acc <= 1.0 for _, acc in curve)
        assert 0.8 < entry["full_accuracy"] <= 1.0
    json.dumps(result)


def test_uncertainty_beats_random_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    result = simulate(X, y, ["random", "margin"], budget=30, batch=4, initial=10, seeds=3)
    area = {name: mean_curve(entry["curves"])[1:, 1].mean() for name, entry in result.items()}
    assert area["margin"] > area["random"]
    assert labels_to_reach(result["margin"], 0.95) is not None


def test_bad_arguments_are_named(iris_frame):
    X, y = iris_frame.drop(columns="species"), iris_frame["species"]
    with pytest.raises(ValueError, match="Unknown query strategy 'best'"):
        simulate(X, y, ["best"])
    with pytest.raises(ValueError, match="at least initial"):
        simulate(X, y, ["random"], budget=5, initial=10)
    with pytest.raises(ValueError, match="fewer than two classes"):
        simulate(X, np.array(["a"] * len(X)), ["random"])


def test_the_simulated_default_measures_its_evidence_every_refresh_labels_labels(iris_frame, monkeypatch):
    import active_learning.bandit as bandit

    X, y = iris_frame.drop(columns="species"), iris_frame["species"]
    measured_at = []
    measure = bandit._evidence

    def counting(arms, estimator, X_labeled, *args):
        measured_at.append(len(X_labeled))
        return measure(arms, estimator, X_labeled, *args)

    monkeypatch.setattr(bandit, "_evidence", counting)
    simulate(X, y, ["default"], budget=50, batch=3, initial=10, seeds=1)
    # the first round, then each time REFRESH_LABELS (10) more are labelled since; and when an arm joins the bandit
    # (ranked batch at 30 labels: ARM_MIN_LABELS), which the simulator does not count as a refresh
    assert ARM_MIN_LABELS == {"ranked-batch": 30}
    assert measured_at == [10, 22, 31, 34, 46]
