"""What comes in and goes out.

Production predictions and end-user disputes, batch prediction, the inbox, label exports."""

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

__all__ = [
    "FORMATS",
    "audit_mask",
    "drop_into_inbox",
    "export_bytes",
    "export_file_name",
    "export_labels",
    "export_overview",
    "export_training_set",
    "ingest_feedback",
    "ingest_predictions",
    "pending_files",
    "predict_file",
    "process_inbox",
    "refused_entries",
]
