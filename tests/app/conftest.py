"""A small digits store for the page tests, and AppTest pointed at it."""

from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_digits
from streamlit.testing.v1 import AppTest

from feedback.access import User, hash_password
from feedback.intake import ingest_feedback, ingest_predictions
from feedback.lifecycle import init_task
from feedback.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]
AUDIT_SALT = "e7e312ef594377ea"


@pytest.fixture
def digits_home(tmp_path):
    """A store with a 40-row seed, 300 logged predictions (30% audit) and two disputes."""
    X, y = load_digits(return_X_y=True)
    frame = pd.DataFrame(X, columns=[f"px_{i}" for i in range(64)])
    frame.insert(0, "id", [f"d{i}" for i in range(len(frame))])
    frame["label"] = y
    frame.iloc[:40].to_csv(tmp_path / "seed.csv", index=False)
    frame.iloc[40:340].drop(columns="label").to_csv(tmp_path / "prod.csv", index=False)
    frame.iloc[40:340][["id", "label"]].to_csv(tmp_path / "truth.csv", index=False)
    pd.DataFrame({"id": ["d50", "d51"], "signal": ["disputed", "disputed"]}).to_csv(tmp_path / "fb.csv", index=False)
    home = tmp_path / "home"
    ws = open_workspace(home)
    # A fixed audit slice: with some salts the challenger's gain on ~90 audit items is not significant.
    init_task(ws, tmp_path / "seed.csv", "label", image_shape=(8, 8), audit_share=0.3, audit_salt=AUDIT_SALT)
    ingest_predictions(ws, tmp_path / "prod.csv")
    ingest_feedback(ws, tmp_path / "fb.csv")
    ws.close()
    return home


@pytest.fixture
def page(monkeypatch):
    """Open a page file under AppTest with the store redirected to ``home``."""

    def open_page(relative: str, home: Path) -> AppTest:
        monkeypatch.setenv("FEEDBACK_HOME", str(home))
        monkeypatch.setenv("FEEDBACK_INBOX_INTERVAL", "0.2")
        return AppTest.from_file(str(ROOT / relative), default_timeout=60)

    return open_page


@pytest.fixture
def open_signed_in(page, tmp_path, monkeypatch):
    """Open a page through app.py's navigation, signed in as annotator ``ana`` (sign-in on, from a users file)."""

    def open_page(relative: str, home: Path) -> AppTest:
        path = tmp_path / "users.toml"
        path.write_text(f'[users.ana]\npassword_hash = "{hash_password("a")}"\nrole = "annotator"\n', encoding="utf-8")
        monkeypatch.setenv("FEEDBACK_USERS_FILE", str(path))
        at = page("app.py", home)
        at.session_state["user"] = User("ana", "annotator", "")
        at.run()
        return at.switch_page(relative).run()

    return open_page
