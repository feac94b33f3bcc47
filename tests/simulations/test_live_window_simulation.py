"""The live accuracy after a drop: its interval covers the champion's current accuracy (issue 11 item 4).

1,000 simulated deployments drawn at once (bench/sim_live_window.py, the library's own window and
Wilson interval): 60 days of audit labels, 10 a day, accuracy 0.90 falling to 0.75 on day 30. The
all-history figure (today's) almost never covers 0.75; the live window (since the promotion, at most
the last 30 days) does in 93% or more of runs; on a stable model both cover, and with no more history
than the window they are the same interval.
"""

import numpy as np

from bench.sim_live_window import DROP, STABLE, STABLE_SHORT, simulate_coverage

RUNS = 1000  # coverage near 95%: its standard error over the runs is 0.7 points


def test_after_a_drop_the_live_interval_covers_the_current_accuracy():
    c = simulate_coverage(DROP, RUNS, random_state=1)
    live, history = c.live_covered.mean(), c.history_covered.mean()
    print(f"\nafter a drop: live coverage {live:.1%} on ~{c.live_n.mean():.0f} labels; all-history {history:.1%}")
    assert live >= 0.93, f"live coverage {live:.1%}"
    assert history <= 0.2, f"the all-history figure lags the drop: coverage {history:.1%}"


def test_on_a_stable_model_the_live_interval_keeps_its_coverage_and_width():
    stable = simulate_coverage(STABLE, RUNS, random_state=2)
    assert stable.live_covered.mean() >= 0.93 and stable.history_covered.mean() >= 0.93
    ratio = stable.live_width.mean() / stable.history_width.mean()
    assert abs(ratio - np.sqrt(2)) < 0.05, f"half the labels, sqrt(2) the width, not more: {ratio:.3f}"
    short = simulate_coverage(STABLE_SHORT, RUNS, random_state=3)
    assert np.array_equal(short.live_width, short.history_width), "all history inside the window: the same interval"
