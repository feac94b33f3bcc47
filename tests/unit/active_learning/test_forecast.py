import numpy as np
import pytest

from active_learning import accuracy_test_passes, forecast_audit_labels, forecast_gain, gate_level, gate_power


@pytest.mark.parametrize(
    "n,d,gain,level,min_gain",
    [(300, 0.15, 0.05, 0.05, 0.0), (120, 0.3, 0.0, 0.0304, 0.0), (500, 0.1, 0.03, 0.0076, 0.01)],
)
def test_gate_power_matches_drawn_gates(n, d, gain, level, min_gain):
    rng = np.random.default_rng(3)
    counts = rng.multinomial(n, [(d - gain) / 2, (d + gain) / 2, 1 - d], size=40_000)
    drawn = accuracy_test_passes(counts[:, 0], counts[:, 1], n, level, min_gain).mean()
    assert gate_power(n, d, gain, level, min_gain) == pytest.approx(drawn, abs=0.01)


def test_gate_power_at_no_gain_is_at_most_the_level():
    for n in (100, 300, 1000):
        for d in (0.05, 0.15, 0.3):
            assert gate_power(n, d, 0.0, 0.0304) <= 0.0304


def test_gate_power_refuses_a_gain_beyond_the_discordance():
    with pytest.raises(ValueError, match="discordance"):
        gate_power(300, 0.01, 0.02, 0.05)


def test_forecast_is_the_smallest_total_with_the_target_power():
    f = forecast_audit_labels(300, 45, level=gate_level(0.05, 2), gate=2)
    total = f.n + f.labels_needed
    assert gate_power(total, 0.15, 0.02, f.level) >= 0.8 > gate_power(int(total * 0.99), 0.15, 0.02, f.level)
    assert f.discordance == 0.15 and f.gain == 0.02


def test_forecast_aims_two_points_above_min_gain():
    assert forecast_gain(0.0) == forecast_gain(-0.5) == 0.02
    assert forecast_gain(0.03) == pytest.approx(0.05)
    f = forecast_audit_labels(300, 45, level=0.01, gate=2, min_gain=0.03)
    assert f.gain == pytest.approx(0.05)
    assert gate_power(f.n + f.labels_needed, 0.15, 0.05, 0.01, 0.03) >= 0.8


def test_forecast_zero_when_the_audit_items_already_suffice():
    f = forecast_audit_labels(20_000, 3000, level=0.03, gate=2)
    assert f.labels_needed == 0 and "already give 80% power" in f.describe()


def test_no_forecast_when_the_models_disagree_too_rarely():
    f = forecast_audit_labels(300, 3, level=0.03, gate=2)
    assert f.labels_needed is None and "too few for a gain of +2.0%" in f.describe()


def test_forecast_states_its_assumptions():
    text = forecast_audit_labels(300, 45, level=gate_level(0.05, 2), gate=2).describe()
    for part in ("more audit labels", "15.0% of items", "45 of 300 audit items", "+2.0%", "gate 2", "level 0.0076"):
        assert part in text
