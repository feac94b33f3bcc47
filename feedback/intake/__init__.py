"""What comes in and goes out.

Production predictions, end-user disputes, the product's outcomes, batch prediction, the inbox, label exports."""

from feedback.intake.batch import predict_file
from feedback.intake.export import (
    FORMATS,
    export_bytes,
    export_file_name,
    export_labels,
    export_overview,
    export_training_set,
)
from feedback.intake.inbox import drop_into_inbox, pending_files, process_inbox, refused_entries
from feedback.intake.ingest import audit_mask, ingest_feedback, ingest_predictions
from feedback.intake.outcomes import BUILT_IN_METRICS, OutcomeIngestResult, ingest_outcomes, outcome_metrics

__all__ = [
    "BUILT_IN_METRICS",
    "FORMATS",
    "OutcomeIngestResult",
    "audit_mask",
    "drop_into_inbox",
    "export_bytes",
    "export_file_name",
    "export_labels",
    "export_overview",
    "export_training_set",
    "ingest_feedback",
    "ingest_outcomes",
    "ingest_predictions",
    "outcome_metrics",
    "pending_files",
    "predict_file",
    "process_inbox",
    "refused_entries",
]
