"""No module of the library or the app is over 400 lines: one that grows past it is split by concept."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def _modules() -> list[Path]:
    """Every ``.py`` file of feedback/, active_learning/ and app_pages/, and app.py."""
    folders = ("feedback", "active_learning", "app_pages")
    return sorted([*(path for folder in folders for path in (ROOT / folder).rglob("*.py")), ROOT / "app.py"])


def test_no_module_is_over_400_lines():
    modules = _modules()
    assert ROOT / "feedback" / "__init__.py" in modules and ROOT / "app_pages" / "review.py" in modules
    lines = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines()) for path in modules}
    assert {name: n for name, n in lines.items() if n > MAX_LINES} == {}
