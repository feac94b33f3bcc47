"""Routing by salted hash of the unit id, and the sample-ratio-mismatch check."""

import numpy as np
import pytest
from scipy import stats

from feedback.experiments import CHALLENGER, CHAMPION, SRM_ALPHA, SRMResult, assign_arm, srm_check

N_IDS = 100_000
IDS = np.array([f"user-{i}" for i in range(N_IDS)], dtype=object)


def test_assignment_is_deterministic():
    first = assign_arm(IDS, 0.5, salt="exp-1")
    second = assign_arm(IDS.copy(), 0.5, salt="exp-1")
    np.testing.assert_array_equal(first, second)
    assert set(np.unique(first)) == {CHAMPION, CHALLENGER}
    assert first.shape == (N_IDS,)


@pytest.mark.parametrize("share", [0.05, 0.2, 0.5, 0.9])
def test_share_is_honoured_on_100k_ids(share):
    arms = assign_arm(IDS, share, salt="exp-1")
    observed = float(np.mean(arms == CHALLENGER))
    # 4.5 binomial standard errors: a hash that honours the share stays well inside
    tolerance = 4.5 * np.sqrt(share * (1 - share) / N_IDS)
    print(f"share {share}: observed {observed:.4f} on {N_IDS:,} ids (tolerance {tolerance:.4f})")
    assert abs(observed - share) < tolerance


def test_share_zero_and_one_are_exact():
    assert np.all(assign_arm(IDS[:1000], 0.0, salt="s") == CHAMPION)
    assert np.all(assign_arm(IDS[:1000], 1.0, salt="s") == CHALLENGER)


def test_one_unit_id_always_lands_in_one_arm():
    # repeated ids within a call agree, and an id's arm does not depend on the batch it came in
    batch = np.concatenate([IDS[:500], IDS[:500][::-1], IDS[250:750]])
    arms = assign_arm(batch, 0.5, salt="exp-1")
    by_id = {}
    for unit, arm in zip(batch, arms, strict=True):
        assert by_id.setdefault(unit, arm) == arm
    alone = assign_arm(IDS[:1000], 0.5, salt="exp-1")
    later = assign_arm(IDS[500:1000], 0.5, salt="exp-1")
    np.testing.assert_array_equal(alone[500:], later)
    for i in (0, 17, 999):
        assert assign_arm([IDS[i]], 0.5, salt="exp-1")[0] == alone[i]


def test_ids_are_compared_as_text():
    numbers = np.arange(2000)
    np.testing.assert_array_equal(
        assign_arm(numbers, 0.5, salt="s"), assign_arm([str(n) for n in numbers], 0.5, salt="s")
    )


def test_salt_changes_assignment():
    a = assign_arm(IDS, 0.5, salt="experiment-a")
    b = assign_arm(IDS, 0.5, salt="experiment-b")
    moved = float(np.mean(a != b))
    print(f"salt change moved {moved:.3f} of {N_IDS:,} ids")
    # independent 50/50 splits disagree on about half the units
    assert 0.48 < moved < 0.52


def test_raising_the_share_only_moves_units_to_the_challenger():
    low = assign_arm(IDS[:20_000], 0.2, salt="s") == CHALLENGER
    high = assign_arm(IDS[:20_000], 0.5, salt="s") == CHALLENGER
    assert np.all(high[low])


@pytest.mark.parametrize("share", [-0.1, 1.01, float("nan"), "half", None])
def test_bad_share_is_refused(share):
    with pytest.raises(ValueError, match="share"):
        assign_arm(IDS[:10], share, salt="s")


@pytest.mark.parametrize("salt", ["", None, 123])
def test_bad_salt_is_refused(salt):
    with pytest.raises(ValueError, match="salt"):
        assign_arm(IDS[:10], 0.5, salt=salt)


def test_missing_ids_are_refused():
    with pytest.raises(ValueError, match=r"2 unit id\(s\) are missing \(first at positions \[1, 3\]\)"):
        assign_arm(["a", None, "c", np.nan], 0.5, salt="s")


def test_srm_flags_52_48_on_100k_units():
    result = srm_check(52_000, 48_000, 0.5)
    print(f"52/48 on 100k: chi2 {result.chi2:.1f}, p {result.p_value:.2e}")
    assert isinstance(result, SRMResult)
    assert result.mismatch
    assert result.chi2 == pytest.approx(160.0)  # 2 * 2000**2 / 50000
    assert result.p_value < SRM_ALPHA


def test_srm_passes_50_1_49_9_on_100k_units():
    result = srm_check(50_100, 49_900, 0.5)
    print(f"50.1/49.9 on 100k: chi2 {result.chi2:.2f}, p {result.p_value:.3f}")
    assert not result.mismatch
    assert result.chi2 == pytest.approx(0.4)  # 2 * 100**2 / 50000
    assert result.p_value == pytest.approx(stats.chi2.sf(0.4, df=1))


def test_srm_uses_the_expected_share():
    # 20% asked for, 20% observed: fine; 25% observed on 10k units: a mismatch
    assert not srm_check(8_000, 2_000, 0.2).mismatch
    result = srm_check(7_500, 2_500, 0.2)
    assert result.mismatch
    assert result.observed_share == pytest.approx(0.25)
    assert result.expected_share == 0.2


def test_srm_does_not_flag_the_router_itself():
    arms = assign_arm(IDS, 0.3, salt="exp-srm")
    n_challenger = int(np.sum(arms == CHALLENGER))
    assert not srm_check(N_IDS - n_challenger, n_challenger, 0.3).mismatch


@pytest.mark.parametrize(
    "args, match",
    [
        ((0, 0, 0.5), "No units"),
        ((-1, 10, 0.5), "n_champion"),
        ((10, 2.5, 0.5), "n_challenger"),
        ((10, 10, 0.0), "strictly between 0 and 1"),
        ((10, 10, 1.0), "strictly between 0 and 1"),
    ],
)
def test_srm_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        srm_check(*args)
