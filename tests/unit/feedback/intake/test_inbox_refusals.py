"""What the inbox refuses unread: links, files that are not its own, misplaced label files, unknown annotators.

Each refused entry goes to ``inbox/failed/`` with an ``.error.txt`` saying why, and
no table of the store gains or loses a row. The targets used here are valid files
of the right kind: had the inbox followed a link, they would have been ingested.
"""

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from feedback.intake import pending_files, process_inbox, refused_entries
from feedback.worker import InboxWatcher

SECRET_ID = "d-0100"  # a logged id, so a followed link would record a signal or a label for it


def _feedback_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": [SECRET_ID], "signal": ["disputed"]}).to_csv(path, index=False)
    return path


def _label_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": [SECRET_ID], "label": ["3"]}).to_csv(path, index=False)
    return path


def _prediction_file(path: Path, production_frame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    production_frame(3, start=400).to_csv(path, index=False)
    return path


def _refused(ws, row_counts, entry: Path, **options) -> str:
    """Process the inbox; check the one outcome is a refusal of ``entry`` and the store is unchanged.

    Returns the refusal's message (the same text as its ``.error.txt``).
    """
    before = row_counts(ws)
    [outcome] = process_inbox(ws, **options)
    assert outcome["ok"] is False and outcome["file"] == entry.name
    failed = ws.inbox_dir / "failed"
    assert (failed / f"{entry.name}.error.txt").read_text() == outcome["error"]
    assert not entry.exists() and not entry.is_symlink(), "the entry left the inbox's reading folders"
    assert row_counts(ws) == before
    assert not (ws.inbox_dir / "done").exists()
    assert pending_files(ws) == [] and refused_entries(ws) == [] and process_inbox(ws, **options) == []
    return outcome["error"]


@pytest.mark.parametrize("where", ["feedback/passwd.csv", "predictions/linked.csv", "labels/ana/linked.csv"])
def test_a_symbolic_link_is_moved_to_failed_itself_and_its_target_is_not_read(
    ws, ingested, row_counts, tmp_path, production_frame, where
):
    kind = where.split("/")[0]
    outside = tmp_path / "outside" / "secret.csv"
    {"feedback": _feedback_file, "labels": _label_file}.get(kind, lambda p: _prediction_file(p, production_frame))(
        outside
    )
    content = outside.read_bytes()
    link = ws.inbox_dir / where
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)

    error = _refused(ws, row_counts, link)

    assert error.startswith(
        f"inbox/{where} is a symbolic link; the inbox reads only files inside it, so the link "
        "was moved here unread and its target was not opened."
    )
    moved = ws.inbox_dir / "failed" / link.name
    assert moved.is_symlink() and os.readlink(moved) == str(outside), "the link itself moved, not its target"
    assert outside.read_bytes() == content
    assert str(outside) not in error and "secret" not in error


def test_a_link_to_etc_passwd_is_never_parsed_or_quoted(ws, row_counts):
    link = ws.inbox_dir / "feedback" / "passwd.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to("/etc/passwd")

    error = _refused(ws, row_counts, link)

    assert "inbox/feedback/passwd.csv is a symbolic link" in error
    assert "root" not in error and "/etc" not in error
    assert "root" not in (ws.inbox_dir / "failed" / "passwd.csv.error.txt").read_text()


@pytest.mark.parametrize("where", ["labels/ana", "predictions"])
def test_a_linked_folder_is_moved_to_failed_and_the_files_it_points_to_stay(
    ws, ingested, row_counts, tmp_path, production_frame, where
):
    outside = tmp_path / "outside"
    inside = (
        _label_file(outside / "truth.csv")
        if where.startswith("labels")
        else _prediction_file(outside / "prod.csv", production_frame)
    )
    link = ws.inbox_dir / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)

    error = _refused(ws, row_counts, link)

    assert error.startswith(f"inbox/{where} is a symbolic link")
    assert (ws.inbox_dir / "failed" / link.name).is_symlink() and inside.is_file()


def test_a_hard_link_to_a_file_outside_is_refused(ws, ingested, row_counts, tmp_path):
    outside = _feedback_file(tmp_path / "outside" / "secret.csv")
    entry = ws.inbox_dir / "feedback" / "hard.csv"
    entry.parent.mkdir(parents=True)
    os.link(outside, entry)

    error = _refused(ws, row_counts, entry)

    assert error == (
        "inbox/feedback/hard.csv has other hard links, so it may be a file from outside the inbox; "
        "it was moved here unread. Copy the file into the inbox instead of linking it."
    )
    assert outside.is_file()


def test_a_fifo_is_refused_instead_of_waiting_forever(ws, row_counts):
    entry = ws.inbox_dir / "feedback" / "pipe.csv"
    entry.parent.mkdir(parents=True)
    os.mkfifo(entry)

    error = _refused(ws, row_counts, entry)

    assert error.startswith("inbox/feedback/pipe.csv is not a regular file; it was moved here unread.")


def test_a_label_file_directly_in_the_labels_folder_is_refused_instead_of_waiting_forever(ws, ingested, row_counts):
    entry = _label_file(ws.inbox_dir / "labels" / "truth.csv")

    error = _refused(ws, row_counts, entry)

    assert error == (
        "inbox/labels/truth.csv is not in an annotator's folder: a label file goes into "
        "inbox/labels/<annotator>/, the folder naming who labelled it. Move it into that folder, or "
        "hand it over with `python -m feedback import-labels FILE --annotator NAME --inbox`."
    )
    assert (ws.inbox_dir / "failed" / "truth.csv").is_file()


def test_with_sign_in_on_a_label_file_is_taken_only_from_a_known_users_folder(ws, ingested, row_counts):
    entry = _label_file(ws.inbox_dir / "labels" / "mallory" / "truth.csv")

    error = _refused(ws, row_counts, entry, known_users={"ana", "ben"})

    assert error == (
        "inbox/labels/mallory/truth.csv names annotator 'mallory', who is not a user of this app; with "
        "sign-in on, label files are taken only from a user's folder. Add the user to the users file "
        "(FEEDBACK_USERS_FILE), or hand the file over under a user's name."
    )

    _label_file(ws.inbox_dir / "labels" / "ana" / "truth.csv")
    [outcome] = process_inbox(ws, known_users={"ana", "ben"})
    assert outcome["ok"] is True and outcome["label_events"] == 1


def test_in_open_mode_any_annotators_folder_is_taken(ws, ingested, row_counts):
    _label_file(ws.inbox_dir / "labels" / "mallory" / "truth.csv")
    [outcome] = process_inbox(ws)
    assert outcome["ok"] is True and row_counts(ws)["labelevent"] == 1


def test_the_watcher_asks_its_caller_for_the_users_at_each_check(ws, ingested, row_counts):
    users = {"ana"}
    watcher = InboxWatcher(ws, interval=0.1, known_users=lambda: frozenset(users))
    before = row_counts(ws)
    watcher.start()
    try:
        _label_file(ws.inbox_dir / "labels" / "ben" / "first.csv")
        deadline = time.monotonic() + 10
        while not (ws.inbox_dir / "failed" / "first.csv.error.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "'ben', who is not a user of this app" in (ws.inbox_dir / "failed" / "first.csv.error.txt").read_text()
        assert row_counts(ws) == before
        users.add("ben")  # ben is added to the users file: his next file is taken
        _label_file(ws.inbox_dir / "labels" / "ben" / "second.csv")
        while not (ws.inbox_dir / "done" / "second.csv.result.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        watcher.stop()
        watcher.join(timeout=5)
    assert (ws.inbox_dir / "done" / "second.csv.result.json").exists()
    assert row_counts(ws)["labelevent"] == before["labelevent"] + 1
