"""What an A/B or shadow experiment's evidence says: per-arm figures, the tests, the split check, a recommendation.

A/B arms are compared on audit accuracy and on the end-user dispute rate with a
two-proportion z-test (:mod:`feedback.experiments.stats`) and the always-valid mSPRT
(:mod:`feedback.experiments.sequential`), after a sample-ratio check of the split
(:func:`feedback.experiments.routing.srm_check`).
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
from feedback.experiments.recommendation import COLLECT, KEEP, PROMOTE, Recommendation
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
from feedback.experiments.stats import two_proportion_ztest
from feedback.gold import gold_label_series
from feedback.lifecycle import load_task
from feedback.monitor import estimate_proportion
from feedback.store import Experiment, repository, utcnow
from feedback.workspace import Workspace

__all__ = ["ALPHA", "experiment_status"]

ALPHA = 0.05
ARMS = (CHAMPION, CHALLENGER)
REPEATED_UNITS_RATIO = 1.2  # predictions per unit above which the tests' independence visibly fails


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
        A/B: ``tests`` holds a fixed-horizon ``z_test`` and an always-valid
        ``sequential`` mSPRT result for ``accuracy`` and ``dispute_rate``, and
        the per-unit tests of the outcome metrics it is judged on (``outcomes``);
        the recommendation is judged on the metrics stated at start;
        shadow: the paired McNemar mid-p and bootstrap interval of ``accuracy``.

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


def _iso(at: np.datetime64) -> str:
    return pd.Timestamp(at).isoformat()


def _cumulative(times: np.ndarray, weights, looks: np.ndarray) -> np.ndarray:
    """How much of ``weights`` had arrived (time <= look) at each look."""
    order = np.argsort(times, kind="stable")
    total = np.concatenate([[0], np.cumsum(np.asarray(weights, dtype=np.int64)[order])])
    return total[np.searchsorted(times[order], looks, side="right")]


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

    def _per_look(self, frame: pd.DataFrame, time_col: str, weights=None) -> np.ndarray:
        if frame.empty:
            return np.zeros(len(self.looks), dtype=np.int64)
        return _cumulative(_utc(frame[time_col]), np.ones(len(frame)) if weights is None else weights, self.looks)

    def _history(self, arm: str, served_col: str = "predicted") -> dict[str, np.ndarray]:
        """Cumulative counts of one arm at each look."""
        batches = self.batches[self.batches["arm"] == arm] if len(self.batches) else self.batches
        audit = self.audit[self.audit["arm"] == arm] if len(self.audit) else self.audit
        disputes = self.disputes[self.disputes["arm"] == arm] if len(self.disputes) else self.disputes
        correct = (audit[served_col] == audit["gold"]).to_numpy() if len(audit) else None
        return {
            "n_predictions": self._per_look(batches, "at", batches["n_predictions"] if len(batches) else None),
            "n_audit": self._per_look(audit, "labelled_at"),
            "correct": self._per_look(audit, "labelled_at", correct),
            "disputed": self._per_look(disputes, "disputed_at"),
        }

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
        history = {arm: self._history(arm) for arm in ARMS}
        arms = {
            CHAMPION: self._arm_figures(CHAMPION, experiment.champion_version, history[CHAMPION]),
            CHALLENGER: self._arm_figures(CHALLENGER, experiment.challenger_version, history[CHALLENGER]),
        }
        tests, p_values = {}, {}
        metrics = {"accuracy": ("correct", "n_audit"), "dispute_rate": ("disputed", "n_predictions")}
        for metric, (x, n) in metrics.items():
            x1, n1 = history[CHAMPION][x], history[CHAMPION][n]
            x2, n2 = history[CHALLENGER][x], history[CHALLENGER][n]
            tests[metric], p_values[metric] = _two_arm_tests(x1, n1, x2, n2)
        n_champion, n_challenger = self._count(CHAMPION, "n_units"), self._count(CHALLENGER, "n_units")
        srm = srm_check(n_champion, n_challenger, experiment.share) if n_champion + n_challenger else None
        recommendation = judge_as_registered(experiment, tests, outcomes, srm)
        if srm is None:
            recommendation = Recommendation(
                recommendation.action, ["Traffic split: no prediction has been routed yet.", *recommendation.reasons]
            )
        caveat = _repeated_units_caveat(sum(a.n_predictions for a in arms.values()), n_champion + n_challenger)
        if caveat:
            recommendation = Recommendation(recommendation.action, [*recommendation.reasons, caveat])
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


def _repeated_units_caveat(n_predictions: int, n_units: int) -> str | None:
    """A warning when units sent several predictions each: the tests count predictions as independent."""
    if n_units == 0 or n_predictions < REPEATED_UNITS_RATIO * n_units:
        return None
    return (
        f"Caution: {n_predictions} predictions came from {n_units} units ({n_predictions / n_units:.1f} each on "
        "average). The tests count predictions as independent while a unit's predictions go together, so "
        "their p-values are too small: ask for a clearer margin before you act on them."
    )


def _two_arm_tests(x1, n1, x2, n2) -> tuple[ArmTests, list[float | None]]:
    """The fixed-horizon z-test at the last look and the mSPRT replayed over every look with data in both arms.

    Returns the tests and the always-valid p-value after each look (None before
    both arms have data).
    """
    sequential, state, p_values, previous = SequentialTest(alpha=ALPHA), None, [], None
    for counts in zip(x1, n1, x2, n2, strict=True):
        if counts[1] > 0 and counts[3] > 0 and counts != previous:
            state, previous = sequential.update(*(int(c) for c in counts)), counts
        p_values.append(None if state is None else state.p_value)
    if state is None:
        return ArmTests(None, None), p_values
    return ArmTests(
        two_proportion_ztest(int(x1[-1]), int(n1[-1]), int(x2[-1]), int(n2[-1]), alpha=ALPHA), state
    ), p_values


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
