"""One definition per figure (issue 11 item 6): on the same audit items, the live accuracy and macro-F1 are the same
value in the library, the gate, the Monitor page's window, ``status --json``, and the Monitor and Models pages.

The store: 100 predictions logged in one batch, served by champion v1, every one labelled, and a challenger v2
retrained and compared on the labelled audit items. Every audit item is then in the live window (since v1's
promotion), in the one batch window, and in the gate's evaluation set.
"""

import json
import shutil
from contextlib import closing

from click.testing import CliRunner

from feedback.alerts import monitor_report
from feedback.cli import cli
from feedback.monitor import live_quality
from feedback.workspace import open_workspace


def test_every_page_and_command_shows_the_same_live_figures(challenger_template, tmp_path, page):
    source, gate = challenger_template
    home = tmp_path / "home"
    shutil.copytree(source, home)
    with closing(open_workspace(home)) as ws:
        live = live_quality(ws)
        [window] = monitor_report(ws, "batch").windows

    champion = gate.report.champion
    assert live.accuracy.n == champion.n == window.n_audit_labels > 0
    assert live.accuracy.estimate == champion.accuracy == window.accuracy
    assert live.macro_f1.estimate == champion.macro_f1 == window.macro_f1.estimate
    assert [live.accuracy.ci_low, live.accuracy.ci_high] == window.accuracy_ci
    assert live.macro_f1 == window.macro_f1, "the same items in the same order: the same bootstrap interval"
    assert live.all_history_accuracy == live.accuracy, "the whole history is inside the window here"

    result = CliRunner().invoke(cli, ["status", "--json", "--home", str(home)], catch_exceptions=False)
    printed = json.loads(result.output)["live"]
    assert printed["accuracy"] == live.accuracy.to_dict() and printed["macro_f1"] == live.macro_f1.to_dict()

    figures = live.summary().split(" served ")[0]
    for relative in ("app_pages/monitor.py", "app_pages/models.py"):
        at = page(relative, home).run()
        assert not at.exception, relative
        shown = [m.value for m in at.markdown if m.value.startswith("Live accuracy of champion")]
        assert [text.split(" served ")[0] for text in shown] == [figures], relative
