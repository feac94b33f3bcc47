"""Recording expert labels: one at a time from the app or CLI, or many from a file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from feedback import store
from feedback.access import Actor, require
from feedback.events import before_write, written
from feedback.exceptions import InputError
from feedback.files import read_table
from feedback.lifecycle import load_task
from feedback.store import LabelEvent, repository, utcnow
from feedback.validation import describe_rows, validate_name
from feedback.workspace import Workspace

ACTIONS = ("confirm", "correct", "skip", "ambiguous")  # what an answer can be; "undo" voids one
UNLABELLED_ACTIONS = ("skip", "ambiguous")
# The review card offers these; the CLI and file imports accept any short code.
REASON_CODES = ("model-wrong", "ambiguous-input", "out-of-scope", "label-set-gap", "other")
SKIP_KEY, AMBIGUOUS_KEY, UNDO_KEY, CONFIRM_KEY = "s", "a", "u", "Enter"
# Streamlit reserves C and R; s, a and u belong to skip, ambiguous and undo.
_CLASS_LETTERS = [k for k in "bdefghijklmnopqtvwxyz"]
_CLASS_DIGITS = list("1234567890")


def class_shortcuts(labels: list[str]) -> dict[str, str | None]:
    """The key that picks each class on the review card.

    When every label is itself a free single key (the digits ``0``..``9``), the
    label is its own key. Otherwise classes take ``1``..``9``, ``0`` in label
    order, then letters; classes beyond those get no key (None).

    Examples
    --------
    >>> class_shortcuts(["cat", "dog"])
    {'cat': '1', 'dog': '2'}
    >>> class_shortcuts(["0", "1"])
    {'0': '0', '1': '1'}
    """
    free = set(_CLASS_DIGITS) | set(_CLASS_LETTERS)
    if all(len(label) == 1 and label.lower() in free for label in labels) and len(
        {label.lower() for label in labels}
    ) == len(labels):
        return {label: label.lower() for label in labels}
    keys = _CLASS_DIGITS + _CLASS_LETTERS
    return {label: keys[i] if i < len(keys) else None for i, label in enumerate(labels)}


def _resolve_action(action: str | None, label: str | None, predicted: str) -> str:
    if action is None:
        if label is None:
            raise InputError("Give a label, or --action skip / ambiguous.")
        return "confirm" if label == predicted else "correct"
    if action not in ACTIONS:
        raise InputError(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    if action in UNLABELLED_ACTIONS:
        if label is not None:
            raise InputError(
                f"Action {action} records no label, but {label!r} was given; drop the label, "
                "or record it with --action confirm or correct."
            )
        return action
    if label is None:
        raise InputError(f"Action {action} needs a label.")
    if action == "confirm" and label != predicted:
        raise InputError(f"Cannot confirm {label!r}: the model predicted {predicted!r}. Use --action correct.")
    return action


def record_label(
    ws: Workspace,
    external_id: str,
    label: str | None,
    *,
    annotator: str,
    action: str | None = None,
    reason_code: str | None = None,
    comment: str | None = None,
    seconds_spent: float | None = None,
    suggestion_hidden: bool = False,
    client_id: str | None = None,
) -> LabelEvent:
    """Append one label event; committed before this returns.

    Parameters
    ----------
    external_id : str
        Id of a logged prediction.
    label : str or None
        A label from the task's label set; None for skip or ambiguous.
    annotator : str
    action : {"confirm", "correct", "skip", "ambiguous"}, default=None
        Inferred from the label when None: confirm when it equals the prediction.
    client_id : str, default=None
        The id the review card made for this answer (see :mod:`feedback.review.answers`).

    Raises
    ------
    InputError
        Unknown id, a label outside the label set, or an action that does not fit.
    """
    task = load_task(ws)
    annotator = validate_name(annotator, "Say who is labelling (--annotator NAME).")
    label = None if label is None or str(label).strip() == "" else str(label).strip()
    if label is not None and label not in task.labels:
        raise InputError(f"Label {label!r} is not in the task's label set: {', '.join(task.labels)}.")
    with store.session(ws) as session:
        prediction = repository.get_prediction(session, str(external_id))
        if prediction is None:
            raise InputError(f"No logged prediction has id {external_id!r}. Check the id, or ingest it first.")
        resolved = _resolve_action(action, label, prediction.predicted)
        event = LabelEvent(
            external_id=prediction.external_id,
            annotator=annotator.strip(),
            label=None if resolved in UNLABELLED_ACTIONS else label,
            action=resolved,
            reason_code=reason_code or None,
            comment=comment or None,
            seconds_spent=seconds_spent,
            shown_prediction=None if suggestion_hidden else prediction.predicted,
            shown_model_version=prediction.model_version,
            suggestion_hidden=suggestion_hidden,
            served_prediction=prediction.predicted,
            served_confidence=prediction.confidence,
            is_audit=prediction.is_audit,
            batch_id=prediction.batch_id,
            client_id=client_id,
        )
        repository.release_lease(session, prediction.external_id, event.annotator, event.created_at)
        return repository.add(session, event)


def undo_last_answer(ws: Workspace, *, annotator: str, client_id: str | None = None) -> LabelEvent:
    """Void the annotator's latest answer by appending an ``undo`` event; nothing is overwritten.

    The voided event no longer counts for the gold label or the queue, so the item
    goes back to the queue.

    Returns
    -------
    LabelEvent
        The undo event; ``voids_event_id`` names the answer it cancels.

    Raises
    ------
    InputError
        When the annotator has no answer left to undo.
    """
    if not annotator or not annotator.strip():
        raise InputError("Say who is undoing (--annotator NAME).")
    with store.session(ws) as session:
        last = repository.latest_active_event(session, annotator.strip())
        if last is None:
            raise InputError(f"{annotator.strip()} has no answer to undo.")
        event = LabelEvent(
            external_id=last.external_id,
            annotator=last.annotator,
            action="undo",
            voids_event_id=last.id,
            shown_prediction=last.shown_prediction,
            shown_model_version=last.shown_model_version,
            suggestion_hidden=last.suggestion_hidden,
            served_prediction=last.served_prediction,
            served_confidence=last.served_confidence,
            is_audit=last.is_audit,
            batch_id=last.batch_id,
            client_id=client_id,
        )
        return repository.add(session, event)


def adjudicate(ws: Workspace, external_id: str, label: str, *, actor: Actor, comment: str | None = None) -> LabelEvent:
    """A lead's resolution of a conflicting item, appended as an ``adjudicate`` event.

    The adjudication beats any majority of expert labels (see :mod:`feedback.gold.labels`).

    Raises
    ------
    PermissionDenied
        ``actor`` is an annotator: only leads and admins adjudicate.
    InputError
        The id is unknown, or the label is outside the label set.
    """
    lead = require(actor, "adjudicate").name
    task = load_task(ws)
    if label not in task.labels:
        raise InputError(f"Label {label!r} is not in the task's label set: {', '.join(task.labels)}.")
    with store.session(ws) as session:
        prediction = repository.get_prediction(session, str(external_id))
        if prediction is None:
            raise InputError(f"No logged prediction has id {external_id!r}.")
        event = LabelEvent(
            external_id=prediction.external_id,
            annotator=lead,
            label=label,
            action="adjudicate",
            comment=comment or None,
            shown_prediction=prediction.predicted,
            shown_model_version=prediction.model_version,
            served_prediction=prediction.predicted,
            served_confidence=prediction.confidence,
            is_audit=prediction.is_audit,
            batch_id=prediction.batch_id,
        )
        return repository.add(session, event)


def import_labels(ws: Workspace, path: str | Path, *, annotator: str) -> int:
    """Append label events from a file with columns id and label (optional comment, reason_code).

    Returns
    -------
    int
        Events stored. Every row is checked first; one bad row refuses the file.
        Listeners of :mod:`feedback.events` hear of the import (the app and the
        CLI run the alert rules afterwards, without drift, as after an ingest).
    """
    task = load_task(ws)
    annotator = validate_name(annotator, "Say who labelled the file (--annotator NAME).")
    before_write(ws, "labels")  # a listener may refuse it here, with nothing written
    source = Path(path).name
    frame = read_table(path, string_columns=("id", "label"))
    for column in ("id", "label"):
        if column not in frame.columns:
            raise InputError(f"{source} needs columns id and label; {column!r} is missing.")
    extra = [c for c in frame.columns if c not in ("id", "label", "comment", "reason_code")]
    if extra:
        raise InputError(f"{source} has unknown column(s) {', '.join(extra)}; use id, label, comment, reason_code.")
    ids = frame["id"].astype("string").str.strip()
    labels = frame["label"].astype("string").str.strip()
    empty = ids.isna() | labels.isna() | (labels == "")
    if empty.any():
        raise InputError(f"{source}: id or label is empty on {describe_rows(empty)}.")
    repeated = ids.duplicated(keep=False)
    if repeated.any():
        example = ids[repeated].iloc[0]
        given = ", ".join(sorted(set(labels[ids == example].astype(str))))
        raise InputError(
            f"{source}: id {example!r} appears on {describe_rows(ids == example)} (label {given}); keep one row per id."
        )
    outside = ~labels.isin(task.labels)
    if outside.any():
        raise InputError(
            f"{source}: label {labels[outside].iloc[0]!r} on {describe_rows(outside)} is not in the task's "
            f"label set ({', '.join(task.labels)})."
        )
    with store.session(ws) as session:
        shown = repository.predictions_frame(session, ids.astype(str).tolist())
    unknown = shown["predicted"].isna().to_numpy()
    if unknown.any():
        raise InputError(
            f"{source}: no logged prediction has id {ids[unknown].iloc[0]!r} ({describe_rows(pd.Series(unknown))})."
        )
    predicted = shown["predicted"].astype(str).to_numpy()
    events = pd.DataFrame(
        {
            "external_id": ids.astype(str).to_numpy(),
            "annotator": annotator.strip(),
            "created_at": utcnow(),
            "label": labels.astype(str).to_numpy(),
            "action": ["confirm" if a == b else "correct" for a, b in zip(labels.astype(str), predicted, strict=True)],
            "reason_code": frame["reason_code"].astype(object).to_numpy() if "reason_code" in frame else None,
            "comment": frame["comment"].astype(object).to_numpy() if "comment" in frame else None,
            "shown_prediction": predicted,
            "shown_model_version": shown["model_version"].astype(int).to_numpy(),
            "suggestion_hidden": False,
            "served_prediction": predicted,
            "served_confidence": shown["confidence"].astype(float).to_numpy(),
            "is_audit": shown["is_audit"].astype(bool).to_numpy(),
            "batch_id": shown["batch_id"].astype(str).to_numpy(),
        }
    )
    with store.session(ws) as session:
        stored = repository.insert_label_events(session, events)
    written(ws, "labels")  # audit labels may tip an accuracy alert
    return stored
