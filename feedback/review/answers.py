"""Answers sent by the review card in the browser: each names its item, and lands once or is refused.

The card (:mod:`feedback.web.review_card`) keeps a few items leased to the expert and
shows the next one the instant a key is pressed; every answer travels with the
id of the item that was on screen and an id the browser made for it. The card
resends its unacknowledged answers until the server acknowledges them, so this
module records them idempotently, in the order given:

- an answer whose ``client_id`` is stored already is acknowledged again, not stored twice;
- an answer needs a lease the expert still holds on that item; a lapsed lease is
  taken again when nobody else has taken or answered the item meanwhile, otherwise
  the answer is refused with a message saying why;
- a second answer by the same expert to an item they have answered already (and not
  undone) is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedback import store
from feedback.exceptions import FeedbackError, InputError
from feedback.review.labels import ACTIONS, REASON_CODES, record_label, undo_last_answer
from feedback.review.queue import hold_item
from feedback.store import LabelEvent, repository, utcnow
from feedback.workspace import Workspace

__all__ = ["Answer", "AnswerOutcome", "parse_answer", "record_answers"]

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MAX_COMMENT = 2000
_MAX_SECONDS = 86_400.0


@dataclass(frozen=True)
class Answer:
    """One answer from the review card, or an undo (``op == "undo"``, no item)."""

    client_id: str
    op: str  # "answer" | "undo"
    annotator: str  # whom the card was serving when the key was pressed
    external_id: str | None = None
    label: str | None = None
    action: str | None = None
    reason_code: str | None = None
    comment: str | None = None
    seconds_spent: float | None = None
    suggestion_hidden: bool = False


@dataclass(frozen=True)
class AnswerOutcome:
    """What became of one answer: ``recorded``, ``duplicate`` (stored before) or ``refused``."""

    client_id: str
    status: str
    message: str
    external_id: str | None = None
    event: LabelEvent | None = None

    @property
    def acknowledged(self) -> bool:
        """Whether the card may forget the answer: it is stored, now or before."""
        return self.status in ("recorded", "duplicate")


def _text(raw: dict, name: str, limit: int = 200) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InputError(f"The card sent a {name} that is not text of at most {limit} characters.")
    return value


def parse_answer(raw: Any) -> Answer:
    """Check one answer as the browser sent it; the browser is not trusted.

    Raises
    ------
    InputError
        A field is missing, of the wrong type, too long, or outside its allowed values.
    """
    if not isinstance(raw, dict):
        raise InputError("The card sent an answer that is not an object; reload the page.")
    client_id = raw.get("cid")
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        raise InputError("The card sent an answer without a valid id; reload the page.")
    op = raw.get("op")
    if op not in ("answer", "undo"):
        raise InputError(f"The card sent an unknown operation {op!r}; reload the page.")
    annotator = _text(raw, "annotator")
    if annotator is None:
        raise InputError("The card sent an answer without the expert's name; reload the page.")
    if op == "undo":
        return Answer(client_id, op, annotator)
    external_id = _text(raw, "item", 500)
    if external_id is None:
        raise InputError("The card sent an answer without its item id; reload the page.")
    action = _text(raw, "action")
    if action is not None and action not in ACTIONS:
        raise InputError(f"The card sent an unknown action {action!r}.")
    reason = _text(raw, "reason")
    if reason is not None and reason not in REASON_CODES:
        raise InputError(f"The card sent an unknown reason {reason!r}; use one of {', '.join(REASON_CODES)}.")
    seconds = raw.get("seconds")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= _MAX_SECONDS
    ):
        raise InputError("The card sent a time spent that is not a number of seconds within a day.")
    return Answer(
        client_id,
        op,
        annotator,
        external_id,
        _text(raw, "label"),
        action,
        reason,
        _text(raw, "comment", _MAX_COMMENT),
        None if seconds is None else round(float(seconds), 2),
        bool(raw.get("hidden", False)),
    )


def record_answers(
    ws: Workspace,
    raw_answers: list,
    *,
    annotator: str,
    overlap_share: float = 0.0,
    lease_seconds: float = 600.0,
    now: datetime | None = None,
) -> list[AnswerOutcome]:
    """Record the card's answers in order, each for the item it names, each once.

    Parameters
    ----------
    raw_answers : list of dict
        As the card sent them (see :func:`parse_answer`); answers already stored are acknowledged again.
    annotator : str
        The expert this session serves; an answer made for another name is refused.
    overlap_share, lease_seconds : float
        The review settings, used when a lapsed lease is taken again.

    Returns
    -------
    list of AnswerOutcome
        One per answer, in order.
    """
    outcomes = []
    for raw in raw_answers:
        client_id = raw.get("cid") if isinstance(raw, dict) and isinstance(raw.get("cid"), str) else "?"
        try:
            answer = parse_answer(raw)
            outcomes.append(_record(ws, answer, annotator, overlap_share, lease_seconds, now or utcnow()))
        except FeedbackError as exc:
            outcomes.append(
                AnswerOutcome(client_id, "refused", str(exc), raw.get("item") if isinstance(raw, dict) else None)
            )
    return outcomes


def _record(
    ws: Workspace, answer: Answer, annotator: str, overlap_share: float, lease_seconds: float, now: datetime
) -> AnswerOutcome:
    def outcome(status: str, message: str, event: LabelEvent | None = None) -> AnswerOutcome:
        return AnswerOutcome(answer.client_id, status, message, answer.external_id, event)

    if answer.annotator != annotator:
        return outcome(
            "refused",
            f"This answer was made as {answer.annotator}, but this page now records "
            f"answers as {annotator}; it was not recorded. Answer the item again.",
        )
    with store.session(ws) as session:
        stored = repository.event_with_client_id(session, answer.client_id)
        if stored is not None:
            return outcome("duplicate", f"Already saved: {stored.action} {stored.external_id}", stored)
        if answer.op == "undo":
            held = answered = False
        else:
            held = repository.holds_lease(session, answer.external_id, annotator, now)
            answered = not held and repository.has_active_answer(session, answer.external_id, annotator)
    if answer.op == "undo":
        event = undo_last_answer(ws, annotator=annotator, client_id=answer.client_id)
        hold_item(ws, annotator, event.external_id, overlap_share=overlap_share, lease_seconds=lease_seconds, now=now)
        return AnswerOutcome(
            answer.client_id,
            "recorded",
            f"Undone: your answer on {event.external_id} no longer counts.",
            event.external_id,
            event,
        )
    if answered:
        return outcome("duplicate", f"You have answered {answer.external_id} already; the second answer was dropped.")
    if not held and not hold_item(
        ws, annotator, answer.external_id, overlap_share=overlap_share, lease_seconds=lease_seconds, now=now
    ):
        return outcome(
            "refused",
            f"Not recorded: your hold on {answer.external_id} lapsed and another expert has "
            "taken or answered it since. Nothing was saved for it.",
        )
    event = record_label(
        ws,
        answer.external_id,
        answer.label,
        annotator=annotator,
        action=answer.action,
        reason_code=answer.reason_code,
        comment=answer.comment,
        seconds_spent=answer.seconds_spent,
        suggestion_hidden=answer.suggestion_hidden,
        client_id=answer.client_id,
    )
    message = f"Saved: {event.action} {event.external_id}" + (f" as {event.label}" if event.label else "")
    if answer.suggestion_hidden:
        message += f". The model had said {event.served_prediction} ({event.served_confidence:.0%})."
    return outcome("recorded", message, event)
