"""The web layer: the only library code that imports Streamlit (pages' shared state, sign-in, the review card, jobs, server)."""
