"""The active-learning bench's figures (bench/active_learning_curves.py) on curves whose answer is known."""

import numpy as np
import pytest

from bench.active_learning_curves import SEEDS, SMALL_SET_SEEDS, _summarise, ratio_interval, run, seeds_for

LABELS = np.arange(2, 402, 2)


def _entry(reach_at):
    """Curves that rise linearly to full accuracy (1.0) at ``reach_at`` labels, one per seed."""
    curves = [np.column_stack([LABELS, np.minimum(1.0, LABELS / reach)]).tolist() for reach in reach_at]
    return {"curves": curves, "full_accuracies": [1.0] * len(reach_at), "full_accuracy": 1.0}


def test_the_ratio_interval_pairs_seeds_so_shared_luck_cancels():
    reach = np.random.default_rng(3).uniform(40, 360, size=40)  # random's labels vary fourfold between seeds
    random_rows, twice_as_fast = _summarise(_entry(reach), 400), _summarise(_entry(reach / 2), 400)
    low, high = ratio_interval(twice_as_fast, random_rows, 400)
    assert 0.47 <= low <= 0.5 <= high <= 0.53, (low, high)
    unpaired = twice_as_fast["resampled"][0.98] / np.roll(random_rows["resampled"][0.98], 1)
    unpaired_low, unpaired_high = np.quantile(unpaired, [0.025, 0.975])
    assert unpaired_high - unpaired_low > 3 * (high - low)  # resamples that did not pair would not cancel


def test_a_strategy_that_never_reaches_the_target_has_an_unbounded_ratio():
    reach = np.full(10, 100.0)
    never = _entry(np.full(10, 1000.0))
    low, high = ratio_interval(_summarise(never, 400), _summarise(_entry(reach), 400), 400)
    assert np.isinf(low) and np.isinf(high)


def test_random_short_of_the_target_counts_as_the_budget():
    reach = np.full(10, 1000.0)  # random does not reach 98% within 400 labels
    low, high = ratio_interval(_summarise(_entry(np.full(10, 200.0)), 400), _summarise(_entry(reach), 400), 400)
    assert low == high == pytest.approx(200 * 0.98 / 400)


def test_the_sets_with_few_held_out_rows_get_more_seeds_unless_told():
    assert seeds_for("wine +30% noise") == seeds_for("iris") == SMALL_SET_SEEDS > SEEDS == seeds_for("digits")
    assert seeds_for("wine +30% noise", 10) == seeds_for("digits", 10) == 10


def test_the_bench_shows_the_strategies_asked_for_beside_random_margin_and_the_default(capsys):
    run(["--datasets", "iris", "--seeds", "2", "--jobs", "1", "--strategies", "ranked-batch,margin"])
    rows = [line.split()[1] for line in capsys.readouterr().out.splitlines() if line.startswith("iris ")]
    assert rows == ["random", "margin", "default", "ranked-batch"]  # margin asked twice is shown once


def test_the_bench_refuses_an_unknown_strategy_and_lists_the_choices(capsys):
    with pytest.raises(SystemExit):
        run(["--datasets", "iris", "--strategies", "ranked-batch,smartest"])
    error = capsys.readouterr().err
    assert "unknown strategy(ies): smartest" in error and "balanced-batch" in error
