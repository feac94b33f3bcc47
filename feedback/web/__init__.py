"""The web layer, the only library code that imports Streamlit: settings, store, users, sign-in, review card, server."""
