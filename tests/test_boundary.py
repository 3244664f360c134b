"""The core never imports streamlit: only viewer/ui/ may."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "viewer"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_does_not_import_streamlit() -> None:
    core = [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts[:1]]
    assert len(core) > 10
    offenders = [str(p.relative_to(PACKAGE)) for p in core if "streamlit" in _imports(p)]
    assert offenders == []


def test_the_ui_does_import_streamlit() -> None:
    # Guards the guard: the check above must be able to see a streamlit import.
    assert "streamlit" in _imports(PACKAGE / "ui" / "app.py")
