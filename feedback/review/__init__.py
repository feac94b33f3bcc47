"""Expert review.

The queue and its policy, labels and answers, the team's adjudication of conflicts, suspect labels."""

from feedback.review.answers import parse_answer, record_answers
from feedback.review.labels import (
    AMBIGUOUS_KEY,
    CONFIRM_KEY,
    REASON_CODES,
    SKIP_KEY,
    UNDO_KEY,
    adjudicate,
    class_shortcuts,
    import_labels,
    record_label,
    undo_last_answer,
)
from feedback.review.policy import UNCERTAINTY_MEASURES, WEIGHTS, QueuePolicy, load_queue_policy, save_queue_policy
from feedback.review.queue import (
    ReviewItem,
    ReviewProgress,
    build_review_queue,
    claim_review_items,
    held_item_ids,
    hold_item,
    is_overlap_item,
    item_details,
    release_items,
    review_progress,
)
from feedback.review.suspects import confident_joint_suspects, find_suspect_labels
from feedback.review.team import team_overview

__all__ = [
    "AMBIGUOUS_KEY",
    "CONFIRM_KEY",
    "QueuePolicy",
    "REASON_CODES",
    "ReviewItem",
    "ReviewProgress",
    "SKIP_KEY",
    "UNCERTAINTY_MEASURES",
    "UNDO_KEY",
    "WEIGHTS",
    "adjudicate",
    "build_review_queue",
    "claim_review_items",
    "class_shortcuts",
    "confident_joint_suspects",
    "find_suspect_labels",
    "held_item_ids",
    "hold_item",
    "import_labels",
    "is_overlap_item",
    "item_details",
    "load_queue_policy",
    "parse_answer",
    "record_answers",
    "record_label",
    "release_items",
    "review_progress",
    "save_queue_policy",
    "team_overview",
    "undo_last_answer",
]
