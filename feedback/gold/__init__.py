"""Gold labels: what the experts' label events say about each item (its current gold label, the conflicts a lead
settles, agreement between experts). Training, evaluation and monitoring all read the truth from here."""

from feedback.gold.agreement import (
    AgreementFigure,
    AgreementSummary,
    PairAgreement,
    active_events,
    agreement_summary,
    fleiss_kappa,
    krippendorff_alpha,
    latest_labels,
    pairwise_cohen_kappa,
)
from feedback.gold.labels import conflicting_items, gold_label_series, gold_labels

__all__ = [
    "AgreementFigure",
    "AgreementSummary",
    "PairAgreement",
    "active_events",
    "agreement_summary",
    "conflicting_items",
    "fleiss_kappa",
    "gold_label_series",
    "gold_labels",
    "krippendorff_alpha",
    "latest_labels",
    "pairwise_cohen_kappa",
]
