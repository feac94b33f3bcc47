"""Review page: the next item worth an expert's time, answered from the keyboard."""

import time

import numpy as np
import pandas as pd
import streamlit as st

from feedback.exceptions import FeedbackError
from feedback.labels import (
    AMBIGUOUS_KEY,
    CONFIRM_KEY,
    REASON_CODES,
    SKIP_KEY,
    UNDO_KEY,
    class_shortcuts,
    record_label,
    undo_last_answer,
)
from feedback.queue import claim_review_items, hold_item, item_details, review_progress
from feedback.queue_policy import UNCERTAINTY_MEASURES, WEIGHTS, load_queue_policy, save_queue_policy
from feedback.suspects import find_suspect_labels
from feedback.webapp import allowed, current_actor, get_workspace, jobs, review_settings, signed_in_user, start_job

ws = get_workspace()
settings = review_settings()
st.session_state.setdefault("annotator", "expert")
if signed_in_user() is not None:  # signed in: answers carry the user name, never a typed one
    st.session_state["annotator"] = signed_in_user().name
st.session_state.setdefault("pinned", None)
st.session_state.setdefault("held", None)  # the items leased to this session, refreshed after each card
st.session_state.setdefault("shown_at", {})
st.session_state.setdefault("last_saved", None)
st.session_state.setdefault("blind", False)

st.title("Review")
st.sidebar.toggle("Blind-first review", key="blind",
                  help="Hide the model's answer until you have given yours; the event records that it was hidden.")


WEIGHT_HELP = {
    "uncertainty": "How unsure the live model is (the measure above).",
    "dispute": "An end user disputed the prediction.",
    "challenger_disagreement": "The challenger, scoring in shadow, predicts another class.",
    "expert_disagreement": "Experts' labels tie and no lead has adjudicated.",
    "suspect_label": "A cross-validated model strongly contradicts the gold label.",
    "diversity": "Unlike the items already on the page.",
}


def _queue_policy_form() -> None:
    """The lead's settings of the queue's blend; every item shows what each signal added."""
    try:
        policy = load_queue_policy(ws)
    except FeedbackError as exc:
        st.error(str(exc))
        return
    with st.form("queue_policy"):
        measure = st.selectbox("Uncertainty measure", UNCERTAINTY_MEASURES,
                               index=UNCERTAINTY_MEASURES.index(policy.uncertainty_measure))
        weights = {name: st.number_input(f"Weight: {name.replace('_', ' ')}", 0.0, 10.0, getattr(policy, name), 0.1,
                                         help=WEIGHT_HELP[name]) for name in WEIGHTS}
        audit_share = st.slider("Audit share of each page", 0.0, 1.0, policy.audit_share, 0.05)
        if st.form_submit_button("Save queue policy"):
            try:
                save_queue_policy(ws, actor=current_actor(), uncertainty_measure=measure, audit_share=audit_share,
                                  **weights)
            except FeedbackError as exc:
                st.error(str(exc))
            else:
                st.session_state["held"] = None  # draw the next card from the new ranking
                st.success("Saved: new items are ranked by it.")
    job = jobs().get("suspects")
    if st.button("Look for suspect labels", disabled=job is not None and job.running,
                 help="Cross-validates the task's model on every label; the labels it strongly contradicts "
                      "come back to the queue for a second look. Runs after every retrain too."):
        actor = current_actor()
        start_job("suspects", lambda progress: find_suspect_labels(ws, actor=actor), actor=actor,
                  action="find_suspects")
        job = jobs().get("suspects")
    if job is not None and not job.running:
        if job.error:
            st.error(f"The check failed: {job.error}")
        elif job.result:
            st.caption(job.result.get("reason") or f"{job.result['n_suspect']} suspect label(s) found among "
                       f"{job.result['n_labels']} labels ({job.result['folds']}-fold cross-validation).")


if allowed("set_queue_policy"):
    with st.sidebar.expander("Queue policy"):
        _queue_policy_form()


def _answer(item_id: str, label: str | None, action: str | None, blind: bool) -> None:
    spent = time.time() - st.session_state["shown_at"].get(item_id, time.time())
    try:
        event = record_label(ws, item_id, label, annotator=st.session_state["annotator"], action=action,
                             reason_code=st.session_state.get(f"reason_{item_id}"),
                             comment=st.session_state.get(f"comment_{item_id}"),
                             seconds_spent=round(spent, 2), suggestion_hidden=blind)
    except FeedbackError as exc:
        st.session_state["last_saved"] = ("error", str(exc))
        return
    annotator = st.session_state["annotator"]
    st.session_state["held"] = (annotator, [item for item in _held_items(annotator) if item.id != item_id])
    message = f"Saved: {event.action} {item_id}" + (f" as {event.label}" if event.label else "")
    if blind:
        message += f". The model had said {event.served_prediction} ({event.served_confidence:.0%})."
    st.session_state["last_saved"] = ("ok", message)


def _undo() -> None:
    annotator = st.session_state["annotator"]
    try:
        event = undo_last_answer(ws, annotator=annotator)
    except FeedbackError as exc:
        st.session_state["last_saved"] = ("error", str(exc))
        return
    if hold_item(ws, annotator, event.external_id, **settings):
        st.session_state["pinned"] = event.external_id
        st.session_state["held"] = None  # claim afresh so the undone item is among those held
        st.session_state["shown_at"].pop(event.external_id, None)
    st.session_state["last_saved"] = ("ok", f"Undone: your answer on {event.external_id} no longer counts.")


def _show_input(details: dict) -> None:
    task, features = details["task"], details["features"]
    if task.image_shape:
        pixels = np.array([features[f["name"]] for f in task.features], dtype=float).reshape(task.image_shape)
        scaled = (255 * (1 - pixels / max(pixels.max(), 1e-9))).astype(np.uint8)
        st.image(np.kron(scaled, np.ones((24, 24), dtype=np.uint8)), caption="Input", width=192)
    else:
        st.dataframe(pd.DataFrame([features]).T.rename(columns={0: "value"}), width="stretch")


def _legend(keys: dict[str, str | None], blind: bool) -> str:
    picks = " · ".join(f"`{k.upper()}` {label}" for label, k in keys.items() if k)
    confirm = "" if blind else " · `Enter` confirm the model"
    return f"**Keys:** {picks}{confirm} · `S` skip · `A` ambiguous · `U` undo your last answer"


def _held_items(annotator: str) -> list:
    """The items this session last leased for ``annotator`` (empty after a change of name)."""
    held = st.session_state["held"]
    return held[1] if held and held[0] == annotator else []


def _top_up(annotator: str) -> list:
    """Lease up to three items for ``annotator`` and remember them for the next card."""
    items = claim_review_items(ws, annotator, 3, **settings)
    st.session_state["held"] = (annotator, items)
    return items


def _show_progress(slot, annotator: str) -> None:
    progress = review_progress(ws, annotator)
    done, waiting = progress["answered"], progress["unlabelled"]
    slot.progress(done / max(done + waiting, 1), text=f"{annotator}: {done} answered today · {waiting} items unlabelled")


@st.fragment
def review_card() -> None:
    """The card for the next held item. It is drawn before the leases are topped up and
    the progress counted, so the next item shows as soon as the answer is stored."""
    status = st.session_state["last_saved"]
    if status:
        (st.success if status[0] == "ok" else st.error)(status[1])
    annotator = st.session_state["annotator"]
    progress_slot = st.empty()
    try:
        queue = _held_items(annotator) or _top_up(annotator)
    except FeedbackError as exc:
        st.info(str(exc))
        return
    st.button("Undo my last answer", key="undo", shortcut=UNDO_KEY, on_click=_undo)
    if not queue:
        _show_progress(progress_slot, annotator)
        st.info("The queue is empty for you: every item is answered or held by another expert. "
                "New items appear as traffic is ingested.")
        return
    pinned = [item for item in queue if item.id == st.session_state["pinned"]]
    item = (pinned or queue)[0]
    blind = bool(st.session_state["blind"])
    st.session_state["shown_at"].setdefault(item.id, time.time())
    details = item_details(ws, item.id)
    task = details["task"]
    keys = class_shortcuts(task.labels)
    st.caption(f"{len(queue)} items held for you (leased so no other expert gets them)")
    left, right = st.columns([1, 2])
    with left:
        _show_input(details)
    with right:
        st.subheader(f"Item {item.id}")
        st.markdown("**Why it surfaced:** " + "; ".join(item.reasons))
        if blind:
            st.markdown("**Model says:** hidden until you answer (blind-first)")
        else:
            st.markdown(f"**Model says:** `{item.predicted}` with probability {item.confidence:.0%}")
            top = sorted(item.probabilities.items(), key=lambda kv: -kv[1])[:3]
            st.dataframe(pd.DataFrame(top, columns=["class", "probability"]), hide_index=True, width="content")
        if details["signals"]:
            st.markdown("**End users:** " + ", ".join(
                s.signal + (f" (suggests {s.user_label})" if s.user_label else "") for s in details["signals"]))
        if details["history"]:
            st.markdown("**History:** " + "; ".join(
                f"{e.annotator}: {e.action} {e.label or ''}" for e in details["history"]))
        st.markdown(_legend(keys, blind))
        with st.container(horizontal=True):
            for label, key in keys.items():
                st.button(label, key=f"class_{label}", shortcut=key, on_click=_answer,
                          args=(item.id, label, None, blind))
        with st.container(horizontal=True):
            if not blind:
                st.button(f"Confirm {item.predicted}", key="confirm", type="primary", shortcut=CONFIRM_KEY,
                          on_click=_answer, args=(item.id, item.predicted, "confirm", False))
            st.button("Skip", key="skip", shortcut=SKIP_KEY, on_click=_answer, args=(item.id, None, "skip", blind))
            st.button("Ambiguous", key="ambiguous", shortcut=AMBIGUOUS_KEY, on_click=_answer,
                      args=(item.id, None, "ambiguous", blind))
        with st.expander("Reason and comment (optional)"):
            st.selectbox("Reason", REASON_CODES, index=None, key=f"reason_{item.id}", placeholder="No reason")
            st.text_input("Comment", key=f"comment_{item.id}")
    # Top up for the next answer. If this item's lease was lost meanwhile (it expired and
    # another expert took it), draw the card again from the items actually held.
    held = _top_up(annotator)
    _show_progress(progress_slot, annotator)
    if item.id not in {other.id for other in held}:
        st.rerun(scope="fragment")


review_card()
