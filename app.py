"""Streamlit entry point: page config and navigation only."""

import streamlit as st

st.set_page_config(page_title="Feedback loop", page_icon=":material/model_training:", layout="wide")
navigation = st.navigation([
    st.Page("pages/review.py", title="Review", icon=":material/rate_review:", default=True),
    st.Page("pages/models.py", title="Models", icon=":material/model_training:"),
])
navigation.run()
