"""Shared fixtures: copies of the bundled case to break in controlled ways."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "cases" / "scar-carcinoma"
SOURCE_TEXT = REPO / "tests" / "data" / "source" / "000_47b1dd1893268ecd.txt"

CaseFactory = Callable[..., Path]


@pytest.fixture
def make_case(tmp_path: Path) -> CaseFactory:
    """Copy the bundled case to ``tmp_path/name`` and apply text replacements to its manifest.

    Each replacement must match exactly once, so a test cannot silently break nothing.
    """

    def factory(*replacements: tuple[str, str], name: str = "x") -> Path:
        folder = tmp_path / name
        shutil.copytree(BUNDLED, folder)
        manifest = folder / "case.toml"
        text = manifest.read_text(encoding="utf-8")
        for old, new in replacements:
            assert text.count(old) == 1, f"replacement target occurs {text.count(old)} times: {old!r}"
            text = text.replace(old, new)
        manifest.write_text(text, encoding="utf-8")
        return folder

    return factory
