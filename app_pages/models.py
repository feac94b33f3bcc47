"""Models page: versions, one-click retrain (in a worker thread) and promotion."""

import pandas as pd
import streamlit as st

from feedback.exceptions import FeedbackError
from feedback.jobs import BackgroundJob
from feedback.retraining import retrain
from feedback.status import store_status
from feedback.versions import promote, rollback
from feedback.webapp import get_workspace, jobs

ws = get_workspace()
st.session_state.setdefault("annotator", "expert")
st.title("Models")

try:
    status = store_status(ws)
except FeedbackError as exc:
    st.info(str(exc))
    st.stop()


def _start_retrain() -> None:
    running = jobs().get("retrain")
    if running is None or not running.running:
        actor = st.session_state["annotator"]
        job = BackgroundJob("retrain", lambda progress: retrain(ws, actor=actor, progress=progress))
        jobs()["retrain"] = job
        st.session_state["retrain_job_shown"] = None
        job.start()


@st.fragment(run_every=1.0)
def retrain_panel() -> None:
    job = jobs().get("retrain")
    running = job is not None and job.running
    st.button("Retrain", type="primary", disabled=running, on_click=_start_retrain,
              help="Train a challenger on all expert labels (audit items excluded) and compare it with the champion.")
    if job is None:
        return
    if running:
        st.progress(job.fraction, text=job.message)
        return
    if st.session_state.get("retrain_job_shown") is not job:
        # The job just finished: rerun the whole page once so the versions list shows the challenger.
        st.session_state["retrain_job_shown"] = job
        st.rerun(scope="app")
    if job.error:
        st.error(f"Retrain failed: {job.error}")
        return
    result = job.result
    st.markdown(f"**Decision: {result['decision']}** for challenger v{result['challenger']['version']} "
                f"(trained on {result['n_train']} labels, {result['new_labels']} new; "
                f"compared on {result['n_eval']} expert-labelled audit items)")
    for reason in result["reasons"]:
        st.markdown(f"- {reason}")
    if result["labels_needed"]:
        st.markdown(f"About {result['labels_needed']} more audit labels would settle it.")
    if result["report"]:
        report = result["report"]
        rows = [{"model": f"champion v{result['champion']['version']}", **_scores(report["champion"])},
                {"model": f"challenger v{result['challenger']['version']}", **_scores(report["challenger"])}]
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _scores(side: dict) -> dict:
    return {"accuracy": round(side["accuracy"], 3), "macro-F1": round(side["macro_f1"], 3), "n audit items": side["n"]}


retrain_panel()

st.subheader("Versions")
st.dataframe(pd.DataFrame(status["versions"]), hide_index=True)

st.subheader("Promote or roll back")
choices = [v["version"] for v in status["versions"] if v["alias"] != "champion"]
version = st.selectbox("Version", choices, index=None, placeholder="Pick a version to promote")
reason = st.text_input("Reason", key="decision_reason", placeholder="Why: kept with the decision")
c1, c2 = st.columns(2)
if c1.button("Promote", disabled=version is None or not reason.strip()):
    try:
        decision = promote(ws, version, reason=reason, actor=st.session_state["annotator"])
        st.success(f"Version {decision.version} is champion.")
    except FeedbackError as exc:
        st.error(str(exc))
if c2.button("Roll back", disabled=not reason.strip()):
    try:
        decision = rollback(ws, reason=reason, actor=st.session_state["annotator"])
        st.success(f"Version {decision.version} is champion again.")
    except FeedbackError as exc:
        st.error(str(exc))
