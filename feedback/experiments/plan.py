"""An A/B experiment decided before launch: what it is judged on, and how many units that takes.

At start the team states the primary metric (``accuracy``, ``dispute_rate`` or an outcome
metric it sends with ``ingest-outcomes``), the guardrail metrics, the smallest effect that
matters, and either a horizon in units (one look, Welch's or the z-test) or sequential (the
always-valid mSPRT, read as often as one likes). :func:`check_preregistration` validates it;
:func:`plan_experiment` gives, before launch, the units needed for 80% power at that effect.

Power is cluster-aware: the variance is per unit of randomisation. For an outcome metric
it is the variance of each unit's total over the metric's recent values; for accuracy and
the dispute rate it is the variance of each unit's linearised contribution
``(x_u - p m_u) / mean(m)`` (the delta method on per-unit sums) over the champion's recent
predictions, units with no audit item included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import stats

from feedback import store
from feedback.exceptions import ExperimentError
from feedback.experiments.sequential import DEFAULT_TAU2
from feedback.gold import gold_label_series
from feedback.lifecycle import load_task
from feedback.store import repository
from feedback.workspace import Workspace

__all__ = [
    "BUILT_IN",
    "PLAN_WINDOW_DAYS",
    "POWER",
    "PowerPlan",
    "check_preregistration",
    "plan_experiment",
    "units_for_power",
]

BUILT_IN = {"accuracy": True, "dispute_rate": False}  # name -> higher is better
POWER = 0.8
PLAN_WINDOW_DAYS = 28
ASSUMED_ACCURACY = 0.85
_MIN_HORIZON = 2  # units per arm


@dataclass(frozen=True)
class PowerPlan:
    """The units an experiment needs for 80% power at the smallest effect that matters.

    Attributes
    ----------
    metric : str
    min_effect : float or None
        In the metric's unit (accuracy and dispute rate: a proportion, 0.02 is 2 points).
    sequential : bool
        Sized for the always-valid mSPRT (True) or one look at a fixed horizon.
    units_needed : int or None
        Units in both arms together; None without a smallest effect or without a per-unit spread.
    share : float
        The challenger's share of the units.
    unit_sd : float or None
        Per-unit standard deviation the figure rests on.
    baseline : float or None
        The metric's current mean per unit (or proportion).
    n_units : int
        Units the spread was measured on (0: assumed).
    basis : str
        Where the spread comes from, the window, and any assumption.
    alpha, power : float
    """

    metric: str
    min_effect: float | None
    sequential: bool
    units_needed: int | None
    share: float
    unit_sd: float | None
    baseline: float | None
    n_units: int
    basis: str
    alpha: float = 0.05
    power: float = POWER

    def describe(self) -> str:
        """One sentence for people: the units needed and what they rest on."""
        test = "the always-valid sequential test" if self.sequential else "one look at the horizon"
        if self.units_needed is None:
            need = "State the smallest effect that matters to get the units needed."
            if self.unit_sd is None:
                need = "The units needed cannot be sized yet: there is no per-unit spread to size them on."
        else:
            arm = self.units_needed * self.share
            need = (
                f"{self.units_needed:,} units in all ({round(self.units_needed - arm):,} champion, "
                f"{round(arm):,} challenger) give {self.power:.0%} power to detect a change of "
                f"{self.min_effect:g} in {self.metric} with {test} at alpha {self.alpha:g}"
            )
            need += ", at most: it may stop sooner." if self.sequential else "."
        return f"{need} {self.basis}"


def check_preregistration(
    outcome_metrics,
    *,
    shadow: bool,
    primary_metric: str | None,
    guardrails,
    lower_is_better,
    min_effect,
    horizon_units,
) -> dict:
    """The pre-registration as the experiment's column values, or an ExperimentError naming the problem.

    Parameters
    ----------
    outcome_metrics : iterable of str
        Outcome metrics the store holds.
    shadow : bool
        Shadow experiments compare audit accuracy only (nobody is served the challenger).
    primary_metric : str or None
        None: accuracy.
    guardrails : iterable of str or None
        None: the built-in metrics other than the primary.
    lower_is_better : iterable of str
        Outcome metrics (among the primary and guardrails) whose decrease is the improvement.
    min_effect : float or None
        Positive; in the primary metric's unit.
    horizon_units : int or None
        Units per arm to judge at, once; None: sequential.
    """
    known = set(outcome_metrics)
    primary = (primary_metric or "accuracy").strip()
    guards = [g.strip() for g in guardrails] if guardrails is not None else [m for m in BUILT_IN if m != primary]
    for metric in (primary, *guards):
        if metric not in BUILT_IN and metric not in known:
            listed = ", ".join([*BUILT_IN, *sorted(known)])
            raise ExperimentError(
                f"There is no metric {metric!r} to judge the experiment on; use one of {listed}. An outcome "
                "metric needs values first: send them with `python -m feedback ingest-outcomes FILE`."
            )
    if primary in guards or len(set(guards)) < len(guards):
        raise ExperimentError("Name each guardrail once, and not the primary metric: it is judged as the primary.")
    if shadow and (primary != "accuracy" or any(g != "dispute_rate" for g in guards)):
        raise ExperimentError(
            "A shadow experiment serves everyone the champion, so it compares audit accuracy only: leave the "
            "primary metric as accuracy and name no guardrail, or run an A/B experiment."
        )
    lower = sorted({m.strip() for m in lower_is_better or ()})
    wrong = [m for m in lower if m in BUILT_IN or m not in (primary, *guards)]
    if wrong:
        raise ExperimentError(
            f"'lower is better' applies to outcome metrics the experiment is judged on; {wrong[0]!r} is not one "
            "(accuracy is better higher and the dispute rate lower, always)."
        )
    return {
        "primary_metric": primary,
        "guardrail_metrics": [] if shadow else guards,
        "lower_is_better": lower,
        "min_effect": _check_effect(min_effect, primary),
        "horizon_units": _check_horizon(horizon_units),
    }


def units_for_power(
    unit_sd: float,
    min_effect: float,
    share: float = 0.5,
    *,
    sequential: bool = False,
    tau2: float | None = None,
    alpha: float = 0.05,
    power: float = POWER,
) -> int:
    """Units (both arms) for ``power`` to detect ``min_effect`` with per-unit standard deviation ``unit_sd``.

    One look: ``N = (z_{1-alpha/2} + z_power)**2 sd**2 (1/s + 1/(1-s)) / effect**2``.
    Sequential: the smallest N at which the mSPRT (mixing variance ``tau2``,
    default ``min_effect**2``) rejects at its last look with probability
    ``power``: its bar ``|z| >= sqrt((1 + 1/r)(2 ln(1/alpha) + ln(1 + r)))``,
    ``r = tau2 / V``, is higher than 1.96. The test may stop sooner, so this is
    an upper bound.

    Raises
    ------
    ValueError
        A spread or effect that is not a positive number, or a share outside (0, 1).

    Examples
    --------
    >>> units_for_power(1.0, 0.1)
    3140
    """
    for name, value in (("unit_sd", unit_sd), ("min_effect", min_effect)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}.")
    if not 0 < share < 1:
        raise ValueError(f"share must be strictly between 0 and 1, got {share!r}.")
    weight = 1 / share + 1 / (1 - share)
    z_alpha, z_power = stats.norm.isf(alpha / 2), stats.norm.ppf(power)
    fixed = math.ceil((z_alpha + z_power) ** 2 * unit_sd**2 * weight / min_effect**2)
    if not sequential:
        return fixed
    tau2 = min_effect**2 if tau2 is None else tau2

    def enough(n: int) -> bool:
        var = unit_sd**2 * weight / n
        r = tau2 / var
        bar = math.sqrt((1 + 1 / r) * (2 * math.log(1 / alpha) + math.log1p(r)))
        return min_effect / math.sqrt(var) - bar >= z_power

    low, high = fixed, 2 * fixed
    while not enough(high):
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high


def plan_experiment(
    ws: Workspace,
    *,
    primary_metric: str = "accuracy",
    min_effect: float | None = None,
    share: float = 0.5,
    horizon_units: int | None = None,
    alpha: float = 0.05,
) -> PowerPlan:
    """The units an experiment on ``primary_metric`` needs for 80% power at ``min_effect``, before launch.

    The per-unit spread comes from each unit's total of an outcome metric over
    its stored values, or from the champion's predictions per unit over the
    last ``PLAN_WINDOW_DAYS`` days (its audit items with an expert label for
    accuracy, its disputes for the dispute rate). Without such data the plan
    states the assumption it makes.

    Raises
    ------
    ExperimentError
        An unknown metric, or an effect that is not a positive number.
    """
    load_task(ws)
    with store.session(ws) as session:
        known = repository.outcome_metrics(session)["metric"].tolist()
        registered = check_preregistration(
            known,
            shadow=False,
            primary_metric=primary_metric,
            guardrails=[],
            lower_is_better=(),
            min_effect=min_effect,
            horizon_units=horizon_units,
        )
        metric = registered["primary_metric"]
        sd, baseline, n_units, basis = _spread(ws, session, metric)
    effect, sequential = registered["min_effect"], registered["horizon_units"] is None
    needed = None
    if effect is not None and sd:
        tau2 = DEFAULT_TAU2 if metric in BUILT_IN else None  # the mixing variance the evidence will use
        needed = units_for_power(sd, effect, share, sequential=sequential, tau2=tau2, alpha=alpha)
    return PowerPlan(metric, effect, sequential, needed, share, sd, baseline, n_units, basis, alpha=alpha)


def _spread(ws: Workspace, session, metric: str) -> tuple[float | None, float | None, int, str]:
    """Per-unit sd, baseline, units measured and the sentence saying where they come from."""
    latest = repository.latest_prediction_time(session)
    since = None if latest is None or pd.isna(latest) else pd.Timestamp(latest) - timedelta(days=PLAN_WINDOW_DAYS)
    window = f"the last {PLAN_WINDOW_DAYS} days"
    if metric not in BUILT_IN:
        totals = repository.unit_outcome_totals(session, metric)["total"].to_numpy(dtype=float)
        if len(totals) < 2:
            return None, None, len(totals), f"Only {len(totals)} unit(s) have a value of {metric}: send more outcomes."
        return (
            float(np.std(totals, ddof=1)),
            float(totals.mean()),
            len(totals),
            f"Per-unit spread of {metric} from the totals of {len(totals):,} units over every stored value; "
            "units without a value are not in it, while the test counts them as 0.",
        )
    champion = repository.version_with_alias(session, "champion")
    if champion is None:
        return _assumed(ws, metric)
    counts = repository.version_unit_counts(session, champion.version, since)
    if metric == "dispute_rate":
        x, m = counts["n_disputed"].to_numpy(dtype=float), counts["n_predictions"].to_numpy(dtype=float)
        what = "disputes"
    else:
        audit = repository.version_audit_items(session, champion.version, since)
        gold = gold_label_series(session).reindex(audit["external_id"].astype(str)).to_numpy(dtype=object)
        correct = pd.Series((audit["predicted"].to_numpy(dtype=object) == gold).astype(float), index=audit["unit"])
        labelled = pd.Series(pd.notna(gold).astype(float), index=audit["unit"])
        units = counts.set_index("unit")
        x = correct[labelled > 0].groupby(level=0).sum().reindex(units.index, fill_value=0).to_numpy()
        m = labelled.groupby(level=0).sum().reindex(units.index, fill_value=0).to_numpy()
        what = "expert-labelled audit items"
    if m.sum() < 2:
        return _assumed(ws, metric)
    p = x.sum() / m.sum()
    contribution = (x - p * m) / m.mean()
    sd = float(np.std(contribution, ddof=1))
    basis = (
        f"Per-unit spread from the champion v{champion.version}'s {len(m):,} units and {int(m.sum()):,} "
        f"{what} of {window} ({metric} {p:.3f}), units with none included."
    )
    if counts["n_predictions"].max() <= 1:
        basis += (
            " Its predictions carry no unit id, so each counts as its own unit: when a unit sends several "
            "predictions that go together, more units are needed."
        )
    return (sd if sd > 0 else None), float(p), len(m), basis


def _assumed(ws: Workspace, metric: str) -> tuple[float, float, int, str]:
    """No recent data: one prediction per unit, accuracy 0.85 on the audit share, a 5% dispute rate."""
    task = load_task(ws)
    if metric == "accuracy":
        p, share = ASSUMED_ACCURACY, task.audit_share
        sd = math.sqrt(p * (1 - p) / share)
        return (
            sd,
            p,
            0,
            (
                f"Assumed: no recent expert-labelled audit item, so accuracy {p:g}, one prediction per unit and "
                f"{share:.0%} of them audited and labelled."
            ),
        )
    p = 0.05
    return math.sqrt(p * (1 - p)), p, 0, "Assumed: no recent prediction, so a 5% dispute rate and one per unit."


def _check_effect(value, metric: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        effect = float(value)
    except (TypeError, ValueError):
        effect = math.nan
    bounded = metric not in BUILT_IN or effect < 1
    if not (math.isfinite(effect) and effect > 0 and bounded):
        unit = "a proportion, e.g. 0.02 for 2 points" if metric in BUILT_IN else f"{metric}'s own unit per unit"
        raise ExperimentError(f"The smallest effect that matters must be a positive number ({unit}), got {value!r}.")
    return effect


def _check_horizon(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        units = float(value)
    except (TypeError, ValueError):
        units = float("nan")
    if not (math.isfinite(units) and units >= _MIN_HORIZON and units == int(units)):
        raise ExperimentError(
            f"The planned horizon must be a whole number of units per arm, {_MIN_HORIZON} or more, got {value!r}; "
            "leave it out for the always-valid sequential test, which may be read at any time."
        )
    return int(units)
