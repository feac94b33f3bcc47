import numpy as np
import pytest

from active_learning import KappaAverage, agreement_kappa, suggest_stop


def test_stops_on_identical_predictions():
    criterion = KappaAverage()
    predictions = ["a", "b", "c", "a", "b"]
    decisions = [criterion.stop(predictions) for _ in range(4)]
    assert decisions == [False, False, False, True]
    assert criterion.kappa_history_ == [1.0, 1.0, 1.0]


def test_does_not_stop_while_predictions_change():
    rng = np.random.default_rng(0)
    criterion = KappaAverage(window_size=3, kappa=0.99)
    decisions = [criterion.stop(rng.choice(["a", "b", "c"], size=200)) for _ in range(8)]
    assert not any(decisions)
    assert criterion.average_kappa() < 0.5


def test_one_changed_row_in_window_can_block_stop():
    base = np.array(["a"] * 50 + ["b"] * 50, dtype=object)
    changed = base.copy()
    changed[:10] = "b"
    criterion = KappaAverage(window_size=2, kappa=0.99)
    assert [criterion.stop(p) for p in (base, base, changed, changed)] == [False, False, False, False]
    assert criterion.stop(changed) is True


def test_single_class_identical_predictions_agree():
    assert agreement_kappa(["x", "x"], ["x", "x"]) == 1.0
    assert agreement_kappa([0, 1, 0, 1], [1, 0, 1, 0]) < 0


def test_stopping_set_must_not_change_size():
    criterion = KappaAverage()
    criterion.stop([1, 2, 3])
    with pytest.raises(ValueError, match="same stopping set"):
        criterion.stop([1, 2])


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="window_size"):
        KappaAverage(window_size=0).stop([1])
    with pytest.raises(ValueError, match="kappa"):
        KappaAverage(kappa=1.5).stop([1])


def test_suggest_stop_sentences():
    criterion = KappaAverage(window_size=2)
    criterion.stop(["a", "b"])
    assert "2 more to go" in suggest_stop(criterion)
    criterion.stop(["a", "b"])
    criterion.stop(["a", "b"])
    assert suggest_stop(criterion, n_labels=120).startswith("Predictions have settled with 120 labels")
    criterion.reset().stop(["a", "b"])
    for p in (["b", "a"], ["a", "b"]):
        criterion.stop(p)
    assert suggest_stop(criterion).startswith("Keep labelling")
