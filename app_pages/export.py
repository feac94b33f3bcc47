"""Export page: every label event with its provenance, or the exact training set of a model version, as a file."""

import streamlit as st

from feedback.access import who_may
from feedback.exceptions import FeedbackError
from feedback.intake import FORMATS, export_bytes, export_file_name, export_overview
from feedback.web import allowed, current_actor, get_workspace, load_or_stop, md_text

MIME_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/jsonl"}
LABEL_EVENTS = "Every label event, with its provenance"
TRAINING_SET = "The training set of a model version"

ws = get_workspace()
st.title("Export")
status = load_or_stop(lambda: export_overview(ws))
if not allowed("export"):
    st.info(f"Only {who_may('export')} export labels.")
    st.stop()

what = st.radio("What", [LABEL_EVENTS, TRAINING_SET], key="export_what")
fmt = st.radio("Format", FORMATS, horizontal=True, key="export_format")
version = None
if what == LABEL_EVENTS:
    st.caption(
        f"{status.label_events} label events on {status.labelled_items} labelled items: who, when, "
        "what, the prediction shown and the model that served it, reason code and comment."
    )
else:
    versions = {v.version: v for v in status.versions}
    version = st.selectbox(
        "Version", list(versions), key="export_version", format_func=lambda n: f"v{n} ({versions[n].alias})"
    )
    chosen = versions[version]
    st.caption(
        f"The rows v{version} trained on, as it saw them: {chosen.n_seed} seed rows and "
        f"{chosen.n_labels} expert labels (audit items are never among them), with their features."
    )

name = export_file_name(fmt, version)
if st.button("Prepare the file", type="primary"):
    try:
        st.session_state["export_ready"] = (
            name,
            status.label_events,
            export_bytes(ws, fmt, version, actor=current_actor()),
        )
    except FeedbackError as exc:
        st.error(md_text(exc))
ready = st.session_state.get("export_ready")
if ready is not None and ready[:2] == (name, status.label_events):
    st.download_button(
        f"Download {name} ({len(ready[2]) / 1e6:.2f} MB)",
        ready[2],
        file_name=name,
        mime=MIME_TYPES[fmt],
        on_click="ignore",
        key="export_download",
    )
