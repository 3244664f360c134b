"""Where the bundled cases live: the repository's ``cases/`` or, in a wheel, inside the package."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

CASES_DIR_ENV = "VIEWER_CASES_DIR"
"""The environment variable through which ``viewer serve`` tells the app its cases folder."""


def bundled_cases_dir() -> Path:
    """The bundled cases: ``cases/`` beside the package (source checkout, editable install),
    else ``viewer/bundled_cases`` (wheel install)."""
    beside = _PACKAGE.parent / "cases"
    if beside.is_dir():
        return beside
    return _PACKAGE / "bundled_cases"
