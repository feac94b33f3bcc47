"""The web layer: the only library code that imports Streamlit.

Pages' shared state, sign-in, the review card, jobs, the server.
"""
