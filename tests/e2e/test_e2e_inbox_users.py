"""With sign-in on, the running app's inbox takes label files only from its users' folders.

The web layer hands the users of ``FEEDBACK_USERS_FILE`` to the inbox watcher; no
browser is needed, the server starts the watcher itself.
"""

from __future__ import annotations

import pandas as pd
import pytest
from e2e_support import label_events, read_json, run_feedback, wait_for

from feedback.access import hash_password

pytestmark = pytest.mark.e2e


def test_the_running_app_refuses_label_files_of_someone_who_is_not_a_user(new_home, serve, tmp_path, monkeypatch):
    users = tmp_path / "users.toml"
    users.write_text(
        f'[users.ana]\npassword_hash = "{hash_password("ana-secret")}"\nrole = "annotator"\n', encoding="utf-8"
    )
    monkeypatch.setenv("FEEDBACK_USERS_FILE", str(users))  # the server process inherits it
    home = new_home()
    before = len(label_events(home))
    app = serve(home)
    labels = tmp_path / "reviewed.csv"
    pd.DataFrame({"id": ["p0-0000", "p0-0001"], "label": ["7", "1"]}).to_csv(labels, index=False)
    inbox = app.home / "inbox"

    assert run_feedback(app.home, "import-labels", labels, "--annotator", "mallory", "--inbox").returncode == 0
    [error] = wait_for(
        lambda: list((inbox / "failed").glob("*-reviewed.csv.error.txt")), 20, "mallory's label file in inbox/failed"
    )
    assert "names annotator 'mallory', who is not a user of this app" in error.read_text()

    assert run_feedback(app.home, "import-labels", labels, "--annotator", "ana", "--inbox").returncode == 0
    [done] = wait_for(
        lambda: list((inbox / "done").glob("*-reviewed.csv.result.json")), 20, "ana's label file in inbox/done"
    )
    assert read_json(done) == {"ok": True, "label_events": 2}

    app.stop()
    assert [(e.annotator, e.external_id) for e in label_events(app.home)[before:]] == [
        ("ana", "p0-0000"),
        ("ana", "p0-0001"),
    ]
