"""Our vectorised measures agree with modAL's on a real fitted estimator."""

import numpy as np
from modAL.uncertainty import classifier_entropy, classifier_margin
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from active_learning.uncertainty import entropy_score, margin_score


def test_margin_and_entropy_match_modal():
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X[:300], y[:300])
    proba = model.predict_proba(X[300:600])
    np.testing.assert_allclose(margin_score(proba), classifier_margin(model, X[300:600]), atol=1e-12)
    np.testing.assert_allclose(entropy_score(proba), classifier_entropy(model, X[300:600]), atol=1e-9)


def test_hand_computed_cases():
    proba = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.6, 0.3, 0.1]])
    np.testing.assert_allclose(margin_score(proba), [0.0, 1.0, 0.3])
    np.testing.assert_allclose(entropy_score(proba)[:2], [np.log(2), 0.0])
