"""Our vectorised measures agree with modAL's on a real fitted estimator."""

import numpy as np
import pytest
from modAL.uncertainty import classifier_entropy, classifier_margin, classifier_uncertainty
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from active_learning import entropy_score, least_confidence_score, margin_score, uncertainty_score


def test_margin_and_entropy_match_modal():
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X[:300], y[:300])
    proba = model.predict_proba(X[300:600])
    np.testing.assert_allclose(margin_score(proba), classifier_margin(model, X[300:600]), atol=1e-12)
    np.testing.assert_allclose(entropy_score(proba), classifier_entropy(model, X[300:600]), atol=1e-9)
    np.testing.assert_allclose(least_confidence_score(proba), classifier_uncertainty(model, X[300:600]), atol=1e-12)


def test_hand_computed_cases():
    proba = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.6, 0.3, 0.1]])
    np.testing.assert_allclose(margin_score(proba), [0.0, 1.0, 0.3])
    np.testing.assert_allclose(entropy_score(proba)[:2], [np.log(2), 0.0])


def test_queue_scale_reaches_one_at_the_uniform_row_and_zero_when_certain():
    k = 4
    proba = np.array([np.full(k, 1 / k), np.eye(k)[2], [0.7, 0.1, 0.1, 0.1]])
    for measure in ("margin", "entropy", "least-confident"):
        scores = uncertainty_score(proba, measure)
        np.testing.assert_allclose(scores[:2], [1.0, 0.0], atol=1e-12)
        assert 0 < scores[2] < 1
    np.testing.assert_allclose(uncertainty_score(proba[2:], "least-confident"), [0.3 * k / (k - 1)])
    with pytest.raises(ValueError, match="Unknown uncertainty measure 'vibes'"):
        uncertainty_score(proba, "vibes")
