"""Our vectorised Wilson interval (the monitor's windows compute thousands at once) against statsmodels'."""

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from feedback.monitor import wilson_interval


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_interval_matches_statsmodels_on_random_counts(confidence):
    rng = np.random.default_rng(int(confidence * 100))
    n = rng.integers(1, 5_000, size=2_000)
    successes = rng.binomial(n, rng.uniform(0, 1, size=n.size))

    low, high = wilson_interval(successes, n, confidence=confidence)
    expected_low, expected_high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")

    np.testing.assert_allclose(low, expected_low, atol=1e-12)
    np.testing.assert_allclose(high, expected_high, atol=1e-12)
    for k, m in zip(successes[:20], n[:20], strict=True):  # the scalar path too
        assert wilson_interval(int(k), int(m), confidence) == pytest.approx(
            proportion_confint(int(k), int(m), alpha=1 - confidence, method="wilson"), abs=1e-12
        )
