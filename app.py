"""Streamlit entry point: page config, sign-in (or the expert's name in open mode), and navigation."""

import streamlit as st

from feedback.web import SIGN_IN_HELP, remember_expert, remembered_expert, sign_in

st.set_page_config(page_title="Feedback loop", page_icon=":material/model_training:", layout="wide")
if sign_in() is None:  # open mode: no users configured, so the expert types a name
    # The name lives here, not on a page, so it survives moving between pages.
    st.session_state.setdefault("annotator", remembered_expert() or "expert")  # a reload keeps the typed name
    st.session_state["annotator"] = st.session_state["annotator"]  # keep the widget's value across pages
    st.sidebar.text_input("Your name", key="annotator", help="Recorded with every answer and decision you make.")
    remember_expert(st.session_state["annotator"])
    st.sidebar.caption(SIGN_IN_HELP)
navigation = st.navigation(
    [
        st.Page("app_pages/review.py", title="Review", icon=":material/rate_review:", default=True),
        st.Page("app_pages/models.py", title="Models", icon=":material/model_training:"),
        st.Page("app_pages/monitor.py", title="Monitor", icon=":material/monitoring:"),
        st.Page("app_pages/team.py", title="Team", icon=":material/groups:"),
        st.Page("app_pages/ab.py", title="A/B", icon=":material/call_split:"),
        st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
    ]
)
navigation.run()
