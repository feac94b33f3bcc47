"""The review card: a Streamlit component that runs in the browser (web layer).

The browser holds a few items leased to the expert and shows the next one the
instant a key is pressed; each answer is sent with its item's id and an id made
in the browser, and the server records it for that item or says why not
(:func:`feedback.review.answers.record_answers`). Data sent to the browser is plain
JSON that the card sets as text, never as markup.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import streamlit as st

from feedback.exceptions import FeedbackError
from feedback.review import (
    AMBIGUOUS_KEY,
    CONFIRM_KEY,
    REASON_CODES,
    SKIP_KEY,
    UNDO_KEY,
    ReviewItem,
    claim_review_items,
    class_shortcuts,
    held_item_ids,
    item_details,
    record_answers,
    release_items,
)
from feedback.workspace import Workspace

__all__ = ["BATCH", "CARD_KEY", "card_payload", "process_outbox", "review_card"]

CARD_KEY = "review_card"
BATCH = 16  # items held in the browser: enough to answer at 4 keys a second while the server tops up
_REFILL_BELOW = 12  # the queue (the costly part of a run) is built only when fewer are held
_ACKED_KEPT = 500
_STATIC = Path(__file__).parent / "static"
_CSS = """
.card { font-family: inherit; color: inherit; }
.cols { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.left canvas { border: 1px solid #ccc; image-rendering: pixelated; }
.right { flex: 1; min-width: 18rem; }
.row { display: flex; flex-wrap: wrap; gap: .4rem; margin: .4rem 0; }
button { padding: .35rem .8rem; border: 1px solid #bbb; border-radius: .4rem; background: white; cursor: pointer; }
button.primary { background: #ff4b4b; color: white; border-color: #ff4b4b; }
.notice { padding: .4rem .6rem; border-radius: .4rem; margin: .2rem 0; }
.notice.ok { background: #e8f5e9; } .notice.error { background: #fdecea; } .notice.info { background: #e8f0fe; }
.focus { font-size: .85rem; color: #555; } .focus.typing { color: #b35c00; font-weight: 600; }
.caption, .legend { font-size: .85rem; color: #555; }
table { border-collapse: collapse; } td, th { padding: .1rem .5rem; border-bottom: 1px solid #eee; text-align: left; }
"""
_component = st.components.v2.component(
    "feedback.review_card",
    html="",
    css=_CSS,
    js=(_STATIC / "review_card.js").read_text(encoding="utf-8"),
)


def _card_state() -> dict:
    return st.session_state.setdefault(
        "review_card_server", {"acked": [], "refused": [], "notice": None, "pinned": None, "details": {}}
    )


def process_outbox(ws: Workspace, annotator: str, settings: dict) -> None:
    """Record the answers the card sent (callback of its ``outbox`` state); remember what to acknowledge."""
    sent = st.session_state.get(CARD_KEY) or {}
    ops = (sent.get("outbox") or {}).get("ops") or []
    server = _card_state()
    done = set(server["acked"]) | {r["cid"] for r in server["refused"]}
    fresh = [op for op in ops if not (isinstance(op, dict) and op.get("cid") in done)]
    for outcome in record_answers(ws, fresh, annotator=annotator, **settings):
        if not outcome.acknowledged:  # the card shows each refusal once, with the answer it gave up
            server["refused"].append({"cid": outcome.client_id, "message": outcome.message})
            continue
        server["acked"].append(outcome.client_id)
        server["notice"] = {"id": uuid.uuid4().hex, "kind": "ok", "text": outcome.message}
        if outcome.status == "recorded" and outcome.event is not None and outcome.event.action == "undo":
            server["pinned"] = outcome.external_id
            server["details"].pop(outcome.external_id, None)
    server["acked"] = server["acked"][-_ACKED_KEPT:]
    server["refused"] = server["refused"][-_ACKED_KEPT:]


def _item_input(task, features: dict) -> dict:
    if task.image_shape:
        pixels = [float(features[f["name"]]) for f in task.features]
        return {"kind": "image", "shape": list(task.image_shape), "pixels": pixels}
    return {"kind": "table", "rows": [[str(k), str(v)] for k, v in features.items()]}


def _item_payload(ws: Workspace, item: ReviewItem) -> dict:
    details = item_details(ws, item.id)
    top = sorted(item.probabilities.items(), key=lambda kv: -kv[1])[:3]
    return {
        "id": item.id,
        "predicted": item.predicted,
        "confidence": float(item.confidence),
        "top": [[str(k), float(v)] for k, v in top],
        "reasons": list(item.reasons),
        "signals": [s.signal + (f" (suggests {s.user_label})" if s.user_label else "") for s in details["signals"]],
        "history": [f"{e.annotator}: {e.action} {e.label or ''}".strip() for e in details["history"]],
        "input": _item_input(details["task"], details["features"]),
    }


def card_payload(ws: Workspace, annotator: str, settings: dict, *, blind: bool, task) -> dict:
    """What the card shows: the items leased to ``annotator``, keys, and the answers to acknowledge."""
    server = _card_state()
    if server.get("annotator") not in (None, annotator):
        release_items(ws, server["annotator"])  # a new name: the old one's items go back to the queue
        server["details"].clear()
    server["annotator"] = annotator
    cache = server["details"]
    held = held_item_ids(ws, annotator)
    if len(held) < _REFILL_BELOW or any(item_id not in cache for item_id in held):
        items = claim_review_items(ws, annotator, BATCH, **settings)
        for item in items:
            if item.id not in cache:
                cache[item.id] = _item_payload(ws, item)
        held = [item.id for item in items]
    for stale in set(cache) - set(held):
        del cache[stale]
    payload_items = [cache[item_id] for item_id in held]
    pinned = server["pinned"]
    if pinned is not None and pinned not in cache:
        server["pinned"] = pinned = None
    data = {
        "annotator": annotator,
        "blind": blind,
        "items": payload_items,
        "classes": [[label, key] for label, key in class_shortcuts(task.labels).items()],
        "keys": {"skip": SKIP_KEY, "ambiguous": AMBIGUOUS_KEY, "undo": UNDO_KEY, "confirm": CONFIRM_KEY},
        "reasons": list(REASON_CODES),
        "acked": server["acked"][-100:],
        "refused": server["refused"][-20:],
        "notice": server["notice"],
        "pinned": pinned,
        "empty_message": "The queue is empty for you: every item is answered or held by another expert. "
        "New items appear as traffic is ingested.",
    }
    json.dumps(data)  # fail here, not in the browser, if anything is not plain JSON
    return data


def review_card(ws: Workspace, annotator: str, settings: dict, *, blind: bool, task) -> None:
    """Mount the card; answers it sends are recorded by :func:`process_outbox` before the next run.

    The outbox is processed here too (a no-op when the callback has done it), so that a rerun
    started by anything else still records what the card holds.
    """
    process_outbox(ws, annotator, settings)
    try:
        data = card_payload(ws, annotator, settings, blind=blind, task=task)
    except FeedbackError as exc:
        st.info(str(exc))
        return
    _component(data=data, key=CARD_KEY, on_outbox_change=lambda: process_outbox(ws, annotator, settings))
