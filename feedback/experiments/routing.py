"""Routing live traffic between the champion and a challenger, and checking the split.

Two pure pieces for an A/B test on live traffic:

- :func:`assign_arm` puts each unit (a user, an account, a session: whatever the
  unit id column names) in the champion or the challenger arm by a salted hash
  of its id. The same id with the same salt always lands in the same arm, on any
  machine and in any batch, so one user never sees both models and no
  assignment table has to be stored.
- :func:`srm_check` tests the counts that arrived in each arm against the share
  that was asked for (sample-ratio mismatch). A mismatch means the routing or
  the logging is broken, and every comparison of the arms is suspect until it
  is explained.

Shadow mode is not a share: it is a separate flag held by the caller. In shadow
mode every unit is served by the champion (log the arm as ``"champion"``), the
challenger scores the same inputs on the side, and its answers are never shown.
Do not call :func:`assign_arm` or :func:`srm_check` then; the two models are
compared on the same audit items with a paired test (McNemar mid-p), not with the
two-sample tests in :mod:`feedback.experiments.stats`, and there is no end-user dispute
rate for the challenger, since no user saw its answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from feedback.draws import key_for, uniform_draws

__all__ = [
    "CHAMPION",
    "CHALLENGER",
    "SRM_ALPHA",
    "SRMResult",
    "assign_arm",
    "srm_check",
]

CHAMPION = "champion"
CHALLENGER = "challenger"
SRM_ALPHA = 0.001
"""Sample-ratio mismatch is flagged at p < 0.001: the check runs at every look,
and with large traffic a real routing fault gives p-values far below this."""


@dataclass(frozen=True)
class SRMResult:
    """Outcome of a sample-ratio-mismatch check.

    Attributes
    ----------
    chi2 : float
        Pearson's chi-squared statistic (1 degree of freedom).
    p_value : float
        Probability of a split at least this uneven if routing works.
    mismatch : bool
        True when ``p_value < 0.001`` (:data:`SRM_ALPHA`).
    n_champion, n_challenger : int
        Units counted in each arm.
    expected_share : float
        The challenger share that was asked for.
    """

    chi2: float
    p_value: float
    mismatch: bool
    n_champion: int
    n_challenger: int
    expected_share: float

    @property
    def observed_share(self) -> float:
        """Share of the units that landed in the challenger arm."""
        return self.n_challenger / (self.n_champion + self.n_challenger)


def assign_arm(unit_ids, share: float, *, salt: str) -> np.ndarray:
    """Assign each unit to the champion or the challenger arm.

    The id is hashed with pandas' SipHash (:func:`pandas.util.hash_pandas_object`)
    keyed by the salt; the top 53 bits of the hash make a number ``u`` spread
    uniformly on [0, 1), and the unit goes to the challenger when ``u < share``.
    Hence the assignment depends only on the id, the share and the salt: the same
    id lands in the same arm whichever batch it comes in, duplicates of an id in
    one call agree, and raising the share only moves units from the champion to
    the challenger, never back.

    Parameters
    ----------
    unit_ids : array-like of shape (n_units,)
        The unit of randomisation, usually a user or account id. Ids are
        compared as text, so ``123`` and ``"123"`` are the same unit (but
        ``123.0`` is not). Missing ids are refused: a unit with no id cannot be
        kept in one arm.
    share : float
        Share of units routed to the challenger, in [0, 1]. 0 sends everyone to
        the champion, 1 everyone to the challenger.
    salt : str
        Any non-empty text naming the experiment, for example
        ``"ab-2025-06-v7"``. A new salt reshuffles the units, so that a new
        experiment does not inherit the previous one's split. It is turned into
        the 16-character key the hash needs with BLAKE2b. Shadow mode is a
        separate flag of the caller; see the module docstring.

    Returns
    -------
    numpy.ndarray of str, shape (n_units,)
        ``"champion"`` or ``"challenger"`` for each unit, in input order.

    Raises
    ------
    ValueError
        If ``share`` is outside [0, 1], ``salt`` is empty or not text, or an id
        is missing.

    See Also
    --------
    srm_check : Whether the units that arrived match ``share``.

    Examples
    --------
    >>> arms = assign_arm(["u1", "u2", "u1"], 0.5, salt="ab-demo")
    >>> bool(arms[0] == arms[2])
    True
    >>> assign_arm(["u1", "u2"], 0.0, salt="ab-demo").tolist()
    ['champion', 'champion']
    """
    share = _check_share(share, "share", closed=True)
    key = _hash_key(salt)
    ids = pd.Series(np.asarray(unit_ids, dtype=object).reshape(-1), dtype=object)
    missing = ids.isna().to_numpy()
    if missing.any():
        positions = np.flatnonzero(missing)[:5].tolist()
        raise ValueError(
            f"{int(missing.sum())} unit id(s) are missing (first at positions {positions}); "
            "every unit needs an id to be kept in one arm. Fill or drop them before routing."
        )
    return np.where(uniform_draws(ids, key) < share, CHALLENGER, CHAMPION)


def srm_check(n_champion: int, n_challenger: int, expected_share: float) -> SRMResult:
    """Test the arms' unit counts against the share asked for (sample-ratio mismatch).

    Pearson's chi-squared goodness of fit on the two counts, one degree of
    freedom. A mismatch is declared at p < 0.001, the usual strict threshold for
    this check (Fabijan et al. 2019, "Diagnosing Sample Ratio Mismatch in Online
    Controlled Experiments", KDD): it is run at every look, and a genuine fault
    (a crashing arm, a bot filter applied to one arm, a logging gap) on real
    traffic gives p-values far smaller. Count units, not predictions, when the
    split is by unit: a heavy user is one unit.

    Parameters
    ----------
    n_champion, n_challenger : int
        Units observed in each arm; non-negative, not both zero.
    expected_share : float
        Challenger share the router was given, strictly between 0 and 1.

    Returns
    -------
    SRMResult
        The statistic, its p-value, the verdict and the counts it rests on.

    Raises
    ------
    ValueError
        If a count is negative or not whole, both are zero, or the share is not
        strictly between 0 and 1.

    Examples
    --------
    >>> srm_check(52_000, 48_000, 0.5).mismatch
    True
    >>> srm_check(50_100, 49_900, 0.5).mismatch
    False
    """
    n_champion = _check_count(n_champion, "n_champion")
    n_challenger = _check_count(n_challenger, "n_challenger")
    expected_share = _check_share(expected_share, "expected_share", closed=False)
    total = n_champion + n_challenger
    if total == 0:
        raise ValueError("No units in either arm yet: a sample-ratio check needs at least one unit.")
    expected = np.array([total * (1.0 - expected_share), total * expected_share])
    chi2, p_value = stats.chisquare([n_champion, n_challenger], f_exp=expected)
    return SRMResult(
        chi2=float(chi2),
        p_value=float(p_value),
        mismatch=bool(p_value < SRM_ALPHA),
        n_champion=n_champion,
        n_challenger=n_challenger,
        expected_share=expected_share,
    )


def _hash_key(salt: str) -> str:
    """The 16-character hash key derived from an experiment's salt."""
    if not isinstance(salt, str) or not salt:
        raise ValueError(f"salt must be a non-empty string naming the experiment, got {salt!r}.")
    return key_for(salt)


def _check_share(value: float, name: str, *, closed: bool) -> float:
    """``value`` as a float in [0, 1] (``closed``) or (0, 1), or a ValueError naming it."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}.") from None
    inside = 0.0 <= share <= 1.0 if closed else 0.0 < share < 1.0
    if not inside:
        bounds = "in [0, 1]" if closed else "strictly between 0 and 1"
        raise ValueError(f"{name} must be {bounds}, got {value!r}.")
    return share


def _check_count(value: int, name: str) -> int:
    """``value`` as a non-negative int, or a ValueError naming it."""
    try:
        count = int(value)
        whole = count == value
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole or count < 0:
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}.")
    return count
