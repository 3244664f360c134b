"""Shared fixtures: copies of the bundled case to break in controlled ways."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.samples import package_file

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


CINE_SOURCE = ("data_store", "data/color3d_jpeg_baseline.dcm")  # 120 frames, 33.3 ms each


def make_cine_case(folder: Path) -> None:
    """A one-step case holding pydicom-data's 120-frame JPEG loop, one arrow on frames 0-9."""
    (folder / "images").mkdir(parents=True)
    shutil.copy(package_file(*CINE_SOURCE), folder / "images" / "loop.dcm")
    (folder / "case.toml").write_text(
        'id = "cine"\ntitle = "Cine loop"\nsummary = "A loop."\n'
        '[source]\ncaption_source = "test"\npublication = "test"\n'
        '[[steps]]\npanel = "A"\ndate = "2005-09"\nmodality = "ultrasound"\nview = "v"\n'
        'caption = "A loop."\n'
        '[[steps.images]]\nfile = "images/loop.dcm"\nalt = "A 120-frame loop"\n'
        'hide_burned_in_text = false\n'
        'provenance = {kind = "public-sample", package = "pydicom-data", '
        'package_path = "data_store/data/color3d_jpeg_baseline.dcm", credit = "pydicom", '
        'licence = "MIT"}\n'
        '[[steps.images.annotations]]\nkind = "arrow"\ntail_px = [100, 100]\n'
        'head_px = [200, 200]\nframes = [0, 9]\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Chromium for the whole session (Playwright's sync API allows one at a time)."""
    from playwright.sync_api import sync_playwright

    from tests.ui.conftest import CHROMIUM

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        yield instance
        instance.close()
