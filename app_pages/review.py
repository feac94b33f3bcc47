"""Review page: the next item worth an expert's time, answered from the keyboard."""

import streamlit as st

from feedback.exceptions import FeedbackError, JobAlreadyRunning
from feedback.lifecycle import load_task
from feedback.review import UNCERTAINTY_MEASURES, WEIGHTS, load_queue_policy, review_progress, save_queue_policy
from feedback.web import allowed, current_actor, get_workspace, md_text, review_settings, signed_in_user, worker
from feedback.web import review_card as card

ws = get_workspace()
settings = review_settings()
st.session_state.setdefault("annotator", "expert")
if signed_in_user() is not None:  # signed in: answers carry the user name, never a typed one
    st.session_state["annotator"] = signed_in_user().name
st.session_state.setdefault("blind", False)

st.title("Review")
st.sidebar.toggle(
    "Blind-first review",
    key="blind",
    help="Hide the model's answer until you have given yours; the event records that it was hidden.",
)


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
        st.error(md_text(exc))
        return
    with st.form("queue_policy"):
        measure = st.selectbox(
            "Uncertainty measure", UNCERTAINTY_MEASURES, index=UNCERTAINTY_MEASURES.index(policy.uncertainty_measure)
        )
        weights = {
            name: st.number_input(
                f"Weight: {name.replace('_', ' ')}", 0.0, 10.0, getattr(policy, name), 0.1, help=WEIGHT_HELP[name]
            )
            for name in WEIGHTS
        }
        audit_share = st.slider("Audit share of each page", 0.0, 1.0, policy.audit_share, 0.05)
        adaptive = st.toggle(
            "Adaptive: learn whether ranked items beat random ones",
            policy.adaptive,
            help="On: each page goes to the ranking or to random items, by how the queue's labels have done "
            "against the audit slice's (see Models). Off: every page follows the ranking.",
        )
        floor = st.slider(
            "Exploration floor: random share of each adaptive page",
            0.0,
            1.0,
            policy.exploration_floor,
            0.05,
            help="Always drawn at random (outside the audit slice), so the policy notices when ranking stops paying.",
        )
        if st.form_submit_button("Save queue policy"):
            try:
                save_queue_policy(
                    ws,
                    actor=current_actor(),
                    uncertainty_measure=measure,
                    audit_share=audit_share,
                    adaptive=adaptive,
                    exploration_floor=floor,
                    **weights,
                )
            except FeedbackError as exc:
                st.error(md_text(exc))
            else:
                st.success("Saved: new items are ranked by it.")
    job = worker().jobs.get("suspects")
    if st.button(
        "Look for suspect labels",
        disabled=job is not None and job.running,
        help="Cross-validates the task's model on every label; the labels it strongly contradicts "
        "come back to the queue for a second look. Runs after every retrain too.",
    ):
        try:
            worker().start_suspect_search(current_actor())
        except JobAlreadyRunning as exc:  # another session's click started it a moment ago
            st.info(md_text(exc))
        job = worker().jobs.get("suspects")
    if job is not None and not job.running:
        if job.error:
            st.error(f"The check failed: {md_text(job.error)}")
        elif job.result:
            st.caption(
                job.result.reason
                or f"{job.result.n_suspect} suspect label(s) found among "
                f"{job.result.n_labels} labels ({job.result.folds}-fold cross-validation)."
            )


if allowed("set_queue_policy"):
    with st.sidebar.expander("Queue policy"):
        _queue_policy_form()


def _show_progress(slot, annotator: str) -> None:
    progress = review_progress(ws, annotator)
    done, waiting = progress.answered, progress.unlabelled
    slot.progress(
        done / max(done + waiting, 1), text=f"{md_text(annotator)}: {done} answered today · {waiting} items unlabelled"
    )


@st.fragment
def review_card() -> None:
    """The card runs in the browser; this fragment reruns when it sends answers, records them, and tops it up."""
    annotator = st.session_state["annotator"]
    progress_slot = st.empty()
    try:
        task = load_task(ws)
    except FeedbackError as exc:
        st.info(str(exc))
        return
    card.review_card(ws, annotator, settings, blind=bool(st.session_state["blind"]), task=task)
    _show_progress(progress_slot, annotator)


review_card()
