"""The bundled case built once per session into a temporary copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED
from viewer.synthetic import bundled_case


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bundled_case.BuildReport]]:
    folder = tmp_path_factory.mktemp("built") / "scar-carcinoma"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("generated"))
    report = bundled_case.build(folder)
    yield folder, report
