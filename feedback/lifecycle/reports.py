"""The result of a retrain, and the copy of it kept beside the model files for the Models page."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from active_learning import AuditForecast, ComparisonReport
from feedback.files import atomic_write
from feedback.workspace import Workspace

__all__ = [
    "RetrainResult",
    "ScoredVersion",
    "comparison_report_path",
    "gates_run_against",
    "load_comparison_report",
    "save_comparison_report",
]


@dataclass(frozen=True)
class ScoredVersion:
    """One side of a retrain: a model version and its scores on the audit items.

    Attributes
    ----------
    version : int or None
        None for a challenger that was not trained.
    metrics : dict
        ``{"accuracy", "macro_f1", "n"}`` on the audit items; empty when the two were not compared.
    """

    version: int | None
    metrics: dict[str, float]


@dataclass(frozen=True)
class RetrainResult:
    """What a retrain did: the challenger it trained, how it compares, and what the gate proposes.

    Attributes
    ----------
    champion, challenger : ScoredVersion
    decision : {"promote", "keep", "insufficient-evidence"}
        The gate's proposal.
    p_value : float or None
        McNemar mid-p of the comparison; None when none was made.
    n_eval : int
        Expert-labelled audit items both models were scored on.
    reasons : list of str
        The gate's reasons, each with its numbers and their n.
    labels_needed : int or None
        More audit labels for 80% power at the next gate (``forecast``); None unless undecided.
    new_labels : int
        Labels the challenger trained on beyond the champion's.
    n_train : int
        Rows the challenger trained on (seed plus expert labels).
    training_seconds : float
    promoted : bool
        Whether the challenger was promoted automatically.
    report : ComparisonReport or None
        The full side-by-side comparison; None without audit labels or challenger.
    gate : int or None
        This gate's number against the champion (1 + the gates already run against it); None without a challenger.
    level : float or None
        The level McNemar's test ran at (:func:`active_learning.gate_level`); None when no test ran,
        so this gate spent none of the champion's ``alpha``.
    forecast : AuditForecast or None
        The audit labels the next gate needs, with its assumptions; None unless undecided.
    """

    champion: ScoredVersion
    challenger: ScoredVersion
    decision: str
    p_value: float | None
    n_eval: int
    reasons: list[str]
    labels_needed: int | None
    new_labels: int
    n_train: int
    training_seconds: float
    promoted: bool
    report: ComparisonReport | None
    gate: int | None = None
    level: float | None = None
    forecast: AuditForecast | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values: the shape saved beside the models and printed by ``retrain --json``."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(
            champion=asdict(self.champion),
            challenger=asdict(self.challenger),
            reasons=list(self.reasons),
            report=self.report.to_dict() if self.report else None,
            forecast=asdict(self.forecast) if self.forecast else None,
        )
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetrainResult:
        """The result of :meth:`to_dict`'s output, e.g. a report saved as JSON."""
        report, forecast = data["report"], data.get("forecast")
        return cls(
            **{
                **data,
                "champion": ScoredVersion(**data["champion"]),
                "challenger": ScoredVersion(**data["challenger"]),
                "report": ComparisonReport.from_dict(report) if report else None,
                "forecast": AuditForecast(**forecast) if forecast else None,
            }
        )


def comparison_report_path(ws: Workspace, version: int) -> Path:
    """Where the full comparison of a challenger against the champion of its day is kept."""
    return ws.home / "reports" / f"v{version}.json"


def save_comparison_report(ws: Workspace, version: int, result: RetrainResult) -> None:
    """Keep a retrain's full result (figures, decision, reasons) beside the model files, as JSON."""
    path = comparison_report_path(ws, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as partial:
        partial.write_text(json.dumps(result.to_dict(), default=str))


def load_comparison_report(ws: Workspace, version: int) -> RetrainResult | None:
    """The saved comparison of a challenger, or None."""
    path = comparison_report_path(ws, version)
    return RetrainResult.from_dict(json.loads(path.read_text())) if path.exists() else None


def _spent_level(data: dict[str, Any]) -> bool:
    """Whether a saved result ran McNemar's test; one saved before levels were kept counts when it compared."""
    return data["level"] is not None if "level" in data else data.get("report") is not None


def gates_run_against(ws: Workspace, champion: int) -> int:
    """How many saved gates ran McNemar's test against version ``champion`` as the champion.

    Each retrain's result is saved as ``reports/v<N>.json`` with the champion of its day, so
    after a rollback the count resumes where that champion left it. The next gate against
    ``champion`` is number ``gates_run_against(ws, champion) + 1``.
    """
    count = 0
    for path in (ws.home / "reports").glob("v*.json"):
        data = json.loads(path.read_text())
        count += data["champion"]["version"] == champion and _spent_level(data)
    return count
