"""Review page: the next item worth an expert's time; confirm, correct or skip it."""

import time

import numpy as np
import pandas as pd
import streamlit as st

from feedback.exceptions import FeedbackError
from feedback.labels import record_label
from feedback.queue import build_review_queue, item_details
from feedback.webapp import get_workspace

ws = get_workspace()
st.session_state.setdefault("annotator", "expert")
st.session_state.setdefault("skipped", [])
st.session_state.setdefault("shown_at", {})
st.session_state.setdefault("last_saved", None)

st.title("Review")


def _answer(item_id: str, label: str | None, action: str | None) -> None:
    spent = time.time() - st.session_state["shown_at"].get(item_id, time.time())
    try:
        event = record_label(ws, item_id, label, annotator=st.session_state["annotator"], action=action,
                             seconds_spent=round(spent, 2))
    except FeedbackError as exc:
        st.session_state["last_saved"] = ("error", str(exc))
        return
    if action == "skip":
        st.session_state["skipped"].append(item_id)
    st.session_state["last_saved"] = ("ok", f"Saved: {event.action} {item_id}" + (f" as {event.label}" if event.label else ""))


def _show_input(details: dict) -> None:
    task, features = details["task"], details["features"]
    if task.image_shape:
        pixels = np.array([features[f["name"]] for f in task.features], dtype=float).reshape(task.image_shape)
        scaled = (255 * (1 - pixels / max(pixels.max(), 1e-9))).astype(np.uint8)
        st.image(np.kron(scaled, np.ones((24, 24), dtype=np.uint8)), caption="Input", width=192)
    else:
        st.dataframe(pd.DataFrame([features]).T.rename(columns={0: "value"}), width="stretch")


@st.fragment
def review_card() -> None:
    status = st.session_state["last_saved"]
    if status:
        (st.success if status[0] == "ok" else st.error)(status[1])
    try:
        queue = build_review_queue(ws, limit=20 + len(st.session_state["skipped"]))
    except FeedbackError as exc:
        st.info(str(exc))
        return
    queue = [item for item in queue if item.id not in st.session_state["skipped"]]
    if not queue:
        st.info("The queue is empty: every surfaced item has an answer. New items appear as traffic is ingested.")
        return
    item = queue[0]
    st.session_state["shown_at"].setdefault(item.id, time.time())
    details = item_details(ws, item.id)
    task = details["task"]
    st.caption(f"{len(queue)} items waiting on this page of the queue")
    left, right = st.columns([1, 2])
    with left:
        _show_input(details)
    with right:
        st.subheader(f"Item {item.id}")
        st.markdown("**Why it surfaced:** " + "; ".join(item.reasons))
        st.markdown(f"**Model says:** `{item.predicted}` with probability {item.confidence:.0%}")
        top = sorted(item.probabilities.items(), key=lambda kv: -kv[1])[:3]
        st.dataframe(pd.DataFrame(top, columns=["class", "probability"]), hide_index=True, width="content")
        if details["signals"]:
            st.markdown("**End users:** " + ", ".join(
                s.signal + (f" (suggests {s.user_label})" if s.user_label else "") for s in details["signals"]))
        if details["history"]:
            st.markdown("**History:** " + "; ".join(
                f"{e.annotator}: {e.action} {e.label or ''}" for e in details["history"]))
        c1, c2 = st.columns(2)
        c1.button(f"Confirm {item.predicted}", key="confirm", type="primary", width="stretch",
                  on_click=_answer, args=(item.id, item.predicted, "confirm"))
        c2.button("Skip", key="skip", width="stretch", on_click=_answer, args=(item.id, None, "skip"))
        others = [label for label in task.labels if label != item.predicted]
        choice = st.selectbox("Correct to", others, index=None, placeholder="Pick the right class", key="correction")
        st.button("Save correction", key="correct", disabled=choice is None, on_click=_answer,
                  args=(item.id, choice, "correct"))


review_card()
