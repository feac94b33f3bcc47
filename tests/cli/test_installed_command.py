"""The installed ``feedback`` command (``pip install -e .``, make's install step) works from any folder."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from feedback.cli import cli

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # the venv's bin, as `source .venv/bin/activate` puts it on PATH


def test_feedback_help_works_from_a_folder_outside_the_checkout(tmp_path):
    assert not tmp_path.resolve().is_relative_to(ROOT)
    assert shutil.which("feedback", path=str(VENV_BIN)), f"no feedback command in {VENV_BIN}: run pip install -e ."
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)  # the package must come from the install, not from a path set by hand

    result = subprocess.run(["feedback", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: feedback [OPTIONS] COMMAND [ARGS]...")
    for name in cli.commands:
        assert name in result.stdout
