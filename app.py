"""Streamlit entry point: page config, the expert's name, and navigation."""

import streamlit as st

st.set_page_config(page_title="Feedback loop", page_icon=":material/model_training:", layout="wide")
# The name lives here, not on a page, so it survives moving between pages.
st.session_state.setdefault("annotator", "expert")
st.session_state["annotator"] = st.session_state["annotator"]  # keep the widget's value across pages
st.sidebar.text_input("Your name", key="annotator", help="Recorded with every answer and decision you make.")
navigation = st.navigation([
    st.Page("app_pages/review.py", title="Review", icon=":material/rate_review:", default=True),
    st.Page("app_pages/models.py", title="Models", icon=":material/model_training:"),
])
navigation.run()
