"""What an A/B or shadow experiment's evidence says: per-arm figures, the tests, the split check, a recommendation.

A/B arms are compared on audit accuracy and on the end-user dispute rate at the
unit of randomisation: each arm's labels and disputes are summed per unit (the
experiment's unit id, or the prediction itself when it split by prediction id)
and the tests use the cluster-robust variance of :mod:`feedback.experiments.units`.
The always-valid mSPRT (:mod:`feedback.experiments.sequential`) is valid at
every look; the fixed-horizon z-test (:mod:`feedback.experiments.stats`) is
shown only when the experiment planned a horizon (``horizon_units`` per arm)
and both arms have reached it. The recommendation is judged on what was stated
at start (:func:`feedback.experiments.outcome_evidence.judge_as_registered`):
the primary metric and the guardrails, by the fixed-horizon tests once the
horizon is reached, else by the sequential ones. A sample-ratio check of the
split (:func:`feedback.experiments.routing.srm_check`) comes first.
In shadow mode both models answer the same audit items, so they are compared
with the paired tests (McNemar mid-p and a paired bootstrap interval).

The sequential test looks at the evidence as it stood after each ingest batch of
the experiment (the labels and disputes that had arrived by then) and at the
latest evidence. Every figure comes with the counts it rests on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

from active_learning import mcnemar_midp, paired_bootstrap_diff
from feedback import store
from feedback.exceptions import ExperimentError
from feedback.experiments.outcome_evidence import OutcomeTests, judge_as_registered, read_outcome_tests
from feedback.experiments.recommendation import COLLECT, KEEP, PROMOTE, Recommendation, describe_test
from feedback.experiments.report import (
    ArmFigures,
    ArmTests,
    ExperimentInfo,
    ExperimentStatus,
    ExperimentTests,
    PairedTests,
    Proportion,
    ShadowMcNemar,
)
from feedback.experiments.routing import CHALLENGER, CHAMPION, srm_check
from feedback.experiments.sequential import SequentialTest
from feedback.experiments.stats import clustered_ztest
from feedback.experiments.units import UnitSums, cumulative_unit_sums
from feedback.gold import gold_label_series
from feedback.lifecycle import load_task
from feedback.monitor import estimate_proportion
from feedback.store import Experiment, repository, utcnow
from feedback.workspace import Workspace

__all__ = ["ALPHA", "experiment_status"]

ALPHA = 0.05
ARMS = (CHAMPION, CHALLENGER)
METRICS = {"accuracy": ("Audit accuracy", True), "dispute_rate": ("Dispute rate", False)}  # name, higher is better


def experiment_status(ws: Workspace, experiment_id: int | None = None) -> ExperimentStatus:
    """Per-arm figures, the tests, the split check and a recommendation for an experiment.

    Parameters
    ----------
    ws : Workspace
    experiment_id : int, default=None
        The experiment to read; by default the running one, else the one
        stopped last.

    Returns
    -------
    ExperimentStatus
        A/B: ``tests`` holds an always-valid ``sequential`` mSPRT result for
        ``accuracy`` and ``dispute_rate``, and a fixed-horizon ``z_test`` once
        both arms reached the planned horizon (None without one), both
        cluster-robust at the unit, and the per-unit tests of the outcome
        metrics it is judged on (``outcomes``); the recommendation is judged on
        the metrics stated at start; shadow: the paired McNemar mid-p and
        bootstrap interval of ``accuracy``.

    Raises
    ------
    ExperimentError
        No experiment was ever started, or there is none with that id.
    """
    load_task(ws)
    with store.session(ws) as session:
        if experiment_id is None:
            experiment = repository.latest_experiment(session)
        else:
            experiment = repository.get_experiment(session, int(experiment_id))
    if experiment is None:
        which = f"There is no experiment {experiment_id}" if experiment_id else "No A/B experiment has been started"
        raise ExperimentError(
            f"{which}. Start one with `python -m feedback ab start --challenger VERSION --share 0.5`."
        )
    evidence = _Evidence.read(ws, experiment)
    if experiment.shadow:
        return evidence.shadow_status()
    return evidence.ab_status(read_outcome_tests(ws, experiment, evidence.looks))


def _utc(values) -> np.ndarray:
    """Times as naive UTC datetime64, comparable whatever the driver returned."""
    times = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return times.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _events(frame: pd.DataFrame, time_col: str, successes, trials) -> pd.DataFrame:
    """Per-unit events of a frame with ``unit_id``: unit, at (UTC), y (successes added), m (trials added)."""
    if frame.empty:
        return pd.DataFrame({"unit": [], "at": np.array([], dtype="datetime64[ns]"), "y": [], "m": []})
    return pd.DataFrame(
        {"unit": frame["unit_id"].to_numpy(), "at": _utc(frame[time_col]), "y": successes, "m": trials}
    ).astype({"y": np.float64, "m": np.float64})


def _counts(sums: dict[str, UnitSums]) -> dict[str, np.ndarray]:
    """An arm's cumulative counts at each look, from its per-unit sums."""
    counts = {
        "n_predictions": sums["dispute_rate"].trials,
        "n_audit": sums["accuracy"].trials,
        "correct": sums["accuracy"].successes,
        "disputed": sums["dispute_rate"].successes,
    }
    return {key: np.asarray(values).astype(np.int64) for key, values in counts.items()}


def _iso(at: np.datetime64) -> str:
    return pd.Timestamp(at).isoformat()


def _proportion(successes: int, n: int) -> Proportion:
    return Proportion(**estimate_proportion(successes, n).to_dict(), successes=int(successes))


class _Evidence:
    """The counts behind an experiment's status, per arm and per look."""

    def __init__(
        self,
        experiment: Experiment,
        batches: pd.DataFrame,
        units: pd.DataFrame,
        disputes: pd.DataFrame,
        audit: pd.DataFrame,
        now: datetime,
    ):
        self.experiment = experiment
        self.units = units.set_index("arm") if len(units) else units
        self.disputes = disputes
        self.audit = audit
        batch_times = _utc(batches["received_at"]) if len(batches) else np.array([], dtype="datetime64[ns]")
        self.batches = batches.assign(at=batch_times)
        # The last look takes in everything: it is the latest event of the store's own clock (not the wall
        # clock, which DuckDB may store in local time), or now when there is no event at all.
        events = [
            batch_times,
            *(_utc(frame[col]) for frame, col in ((audit, "labelled_at"), (disputes, "disputed_at")) if len(frame)),
        ]
        latest = np.concatenate(events)
        self.looks = np.unique(np.append(batch_times, latest.max() if len(latest) else _utc([now])[0]))

    @classmethod
    def read(cls, ws: Workspace, experiment: Experiment) -> _Evidence:
        eid = experiment.id
        with store.session(ws) as session:
            return cls(
                experiment,
                repository.experiment_batch_counts(session, eid),
                repository.experiment_unit_counts(session, eid),
                repository.experiment_disputes(session, eid),
                repository.experiment_audit_labels(session, eid, gold_label_series(session)),
                utcnow(),
            )

    def _count(self, arm: str, column: str) -> int:
        return int(self.units.loc[arm, column]) if arm in self.units.index else 0

    def _sums(self, arm: str, served_col: str = "predicted") -> dict[str, UnitSums]:
        """One arm's per-unit sums at each look: ``accuracy`` (correct / audited) and ``dispute_rate``."""
        batches = self.batches[self.batches["arm"] == arm] if len(self.batches) else self.batches
        audit = self.audit[self.audit["arm"] == arm] if len(self.audit) else self.audit
        disputes = self.disputes[self.disputes["arm"] == arm] if len(self.disputes) else self.disputes
        correct = (audit[served_col] == audit["gold"]).to_numpy() if len(audit) else []
        labels = _events(audit, "labelled_at", correct, 1)
        # a batch adds its predictions to their unit's trials when it arrives; a dispute adds a success
        served = _events(batches, "received_at", 0, batches["n_predictions"] if len(batches) else [])
        events = pd.concat([served, _events(disputes, "disputed_at", 1, 0)]) if len(disputes) else served
        return {
            metric: cumulative_unit_sums(frame["unit"], frame["at"], frame["y"], frame["m"], self.looks)
            for metric, frame in (("accuracy", labels), ("dispute_rate", events))
        }

    def _history(self, arm: str, served_col: str = "predicted") -> dict[str, np.ndarray]:
        """Cumulative counts of one arm at each look."""
        return _counts(self._sums(arm, served_col))

    def _arm_figures(self, arm: str, version: int, history: dict, *, disputes: bool = True) -> ArmFigures:
        predictions = int(history["n_predictions"][-1])
        return ArmFigures(
            version=version,
            n_predictions=predictions,
            n_units=self._count(arm, "n_units"),
            accuracy=_proportion(history["correct"][-1], history["n_audit"][-1]),
            dispute_rate=_proportion(history["disputed"][-1], predictions) if disputes else None,
        )

    def ab_status(self, outcomes: dict[str, OutcomeTests]) -> ExperimentStatus:
        experiment = self.experiment
        sums = {arm: self._sums(arm) for arm in ARMS}
        history = {arm: _counts(sums[arm]) for arm in ARMS}
        arms = {
            CHAMPION: self._arm_figures(CHAMPION, experiment.champion_version, history[CHAMPION]),
            CHALLENGER: self._arm_figures(CHALLENGER, experiment.challenger_version, history[CHALLENGER]),
        }
        tests, p_values = {}, {}
        for metric in METRICS:
            tests[metric], p_values[metric] = _two_arm_tests(
                sums[CHAMPION][metric], sums[CHALLENGER][metric], experiment.horizon_units
            )
        n_champion, n_challenger = self._count(CHAMPION, "n_units"), self._count(CHALLENGER, "n_units")
        srm = srm_check(n_champion, n_challenger, experiment.share) if n_champion + n_challenger else None
        recommendation = judge_as_registered(experiment, tests, outcomes, srm)
        if srm is None:
            recommendation = Recommendation(
                recommendation.action, ["Traffic split: no prediction has been routed yet.", *recommendation.reasons]
            )
        if experiment.horizon_units:
            horizon = [_horizon_reason(*METRICS[m], tests[m], experiment.horizon_units) for m in METRICS]
            recommendation = Recommendation(recommendation.action, [*recommendation.reasons, *horizon])
        return ExperimentStatus(
            experiment=ExperimentInfo.from_row(experiment),
            arms=arms,
            tests=ExperimentTests(accuracy=tests["accuracy"], dispute_rate=tests["dispute_rate"], outcomes=outcomes),
            srm=srm,
            history=_history_rows(self.looks, history, p_values),
            recommendation=recommendation,
        )

    def shadow_status(self) -> ExperimentStatus:
        experiment = self.experiment
        served, shadow = self._history(CHAMPION, "predicted"), self._history(CHAMPION, "other_predicted")
        arms = {
            CHAMPION: self._arm_figures(CHAMPION, experiment.champion_version, served),
            CHALLENGER: self._arm_figures(CHAMPION, experiment.challenger_version, shadow, disputes=False),
        }
        gold = self.audit["gold"].to_numpy(dtype=object)
        champion_pred = self.audit["predicted"].to_numpy(dtype=object)
        challenger_pred = self.audit["other_predicted"].to_numpy(dtype=object)
        test, recommendation = (
            None,
            Recommendation(COLLECT, ["Audit accuracy: no audit item of the experiment has an expert label yet."]),
        )
        if len(gold):
            mcnemar = mcnemar_midp(gold, champion_pred, challenger_pred)
            diff = paired_bootstrap_diff(gold, champion_pred, challenger_pred, accuracy_score)
            test = PairedTests(ShadowMcNemar(mcnemar.p_value, mcnemar.n_a_only, mcnemar.n_b_only, ALPHA), diff)
            recommendation = _shadow_recommendation(arms, test)
        history = {CHAMPION: served, CHALLENGER: {key: shadow[key] for key in ("n_audit", "correct")}}
        return ExperimentStatus(
            experiment=ExperimentInfo.from_row(experiment),
            arms=arms,
            tests=ExperimentTests(accuracy=test, dispute_rate=None),
            srm=None,
            history=_history_rows(self.looks, history, {}),
            recommendation=recommendation,
        )


def _history_rows(
    looks: np.ndarray, history: dict[str, dict[str, np.ndarray]], p_values: dict[str, list]
) -> list[dict[str, Any]]:
    """One row per look: ``<arm>_<count>`` cumulative counts and ``<metric>_p`` sequential p-values."""
    return [
        {
            "at": _iso(at),
            **{f"{arm}_{key}": int(values[i]) for arm, counts in history.items() for key, values in counts.items()},
            **{f"{metric}_p": values[i] for metric, values in p_values.items()},
        }
        for i, at in enumerate(looks)
    ]


def _two_arm_tests(arm1: UnitSums, arm2: UnitSums, horizon: int | None) -> tuple[ArmTests, list[float | None]]:
    """The mSPRT replayed over every look with data in both arms, and the z-test once the horizon is reached.

    ``arm1`` and ``arm2`` hold the champion's and the challenger's sums at each
    look. Returns the tests and the always-valid p-value after each look (None
    before both arms have data).
    """
    sequential, state, p_values, previous = SequentialTest(alpha=ALPHA), None, [], None
    for look in range(len(arm1.trials)):
        one, two = arm1.at(look), arm2.at(look)
        counts = (one.successes, one.trials, two.successes, two.trials)
        if one.trials > 0 and two.trials > 0 and counts != previous:
            state, previous = sequential.update_units(one, two), counts
        p_values.append(None if state is None else state.p_value)
    if state is None:
        return ArmTests(None, None), p_values
    reached = horizon is not None and min(state.units1, state.units2) >= horizon
    return ArmTests(clustered_ztest(arm1.at(-1), arm2.at(-1), alpha=ALPHA) if reached else None, state), p_values


def _horizon_reason(metric: str, higher_is_better: bool, test: ArmTests, horizon: int) -> str:
    """The fixed-horizon verdict once both arms reached the planned units, else how far they are."""
    if test.z_test is not None:
        return f"{metric} at the planned horizon of {horizon:,} units per arm: " + describe_test(
            test.z_test, higher_is_better=higher_is_better
        )
    have = (
        "no unit in an arm yet"
        if test.sequential is None
        else (f"{test.sequential.units1:,} champion and {test.sequential.units2:,} challenger units so far")
    )
    return (
        f"{metric}: the fixed-horizon test is shown once both arms reach the planned {horizon:,} units ({have}); "
        "until then the always-valid test above is the one to read."
    )


def _shadow_recommendation(arms: dict[str, ArmFigures], test: PairedTests) -> Recommendation:
    """Promote or keep on a significant paired difference; otherwise keep collecting."""
    champion, challenger = arms[CHAMPION].accuracy, arms[CHALLENGER].accuracy
    mcnemar, diff = test.mcnemar, test.bootstrap
    significant = mcnemar.p_value < ALPHA
    if significant and diff.estimate > 0:
        action, verdict = PROMOTE, "significantly better for the challenger"
    elif significant and diff.estimate < 0:
        action, verdict = KEEP, "significantly worse for the challenger"
    else:
        action, verdict = COLLECT, "no significant difference"
    return Recommendation(
        action,
        [
            f"Audit accuracy on the same {diff.n:,} items: challenger {challenger.estimate:.3f} "
            f"({challenger.successes:,}/{challenger.n:,}) vs champion {champion.estimate:.3f} "
            f"({champion.successes:,}/{champion.n:,}), difference {diff.estimate:+.3f} "
            f"(95% paired-bootstrap CI {diff.ci_low:+.3f} to {diff.ci_high:+.3f}); McNemar mid-p "
            f"{mcnemar.p_value:.3g} on {mcnemar.n_champion_only + mcnemar.n_challenger_only} discordant items "
            f"({mcnemar.n_challenger_only} only the challenger got right, {mcnemar.n_champion_only} only the "
            f"champion), alpha {ALPHA:g}, a fixed-horizon test: {verdict}.",
            "Shadow mode: nobody was served the challenger, so there is no dispute rate and no traffic split to check.",
        ],
    )
