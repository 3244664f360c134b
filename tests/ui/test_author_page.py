"""The authoring page through AppTest: off unless the server allows it; upload, before and
after, confirm, import, report."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import deid_data
import pydicom
import pytest
import streamlit as st

from tests.conftest import BUNDLED
from tests.ui.test_app import run_app
from viewer.cases.loader import load_case

ULTRASOUNDS = Path(deid_data.__file__).parent / "data" / "ultrasounds"

pytestmark = [
    pytest.mark.filterwarnings("ignore:The value length:UserWarning"),
    pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning"),
]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "cases"
    shutil.copytree(BUNDLED, root / BUNDLED.name)
    return root


def test_off_unless_the_server_allows_it(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIEWER_AUTHORING", raising=False)
    at = run_app(library, monkeypatch, mode="author")
    assert [i.value for i in at.info] == [
        "Authoring is turned off on this server. Start it with `viewer serve --authoring` on a "
        "machine only case authors can reach, or use `viewer import` on the command line."
    ]
    assert len(at.file_uploader) == 0
    home = run_app(library, monkeypatch)
    assert not [b for b in home.button if b.key == "author"]


def test_import_into_an_existing_step_with_preview(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEWER_AUTHORING", "1")
    at = run_app(library, monkeypatch, mode="author", case="scar-carcinoma")
    assert at.selectbox(key="author-case").value == "scar-carcinoma"
    at.selectbox(key="author-step").set_value("C")
    at.checkbox(key="author-shift-on").check()
    at.run()
    at.number_input(key="author-shift").set_value(-400)
    source = ULTRASOUNDS / "GREYSCALE_IMAGE.dcm"
    at.file_uploader(key="author-files").set_value(
        ("GREYSCALE_IMAGE.dcm", source.read_bytes(), "application/dicom")
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == []
    assert len(at.get("image")) == 2  # before and after, side by side
    import_button = at.button(key="author-import")
    assert import_button.disabled  # not before the author confirms
    at.checkbox(key="author-confirm").check()
    at.run()
    at.button(key="author-import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Imported 1 file(s) into step C of scar\\-carcinoma."]
    step = load_case(library / "scar-carcinoma", decode=True).case.steps[2]
    assert step.images[-1].file == "images/imported/C-1.dcm"
    ds = pydicom.dcmread(library / "scar-carcinoma" / "images" / "imported" / "C-1.dcm")
    assert ds.PatientIdentityRemoved == "YES" and ds.BurnedInAnnotation == "NO"


def test_problems_block_the_import(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIEWER_AUTHORING", "1")
    at = run_app(library, monkeypatch, mode="author")
    at.file_uploader(key="author-files").set_value(("notes.txt", b"hello", "text/plain"))
    at.run()
    assert [e.value for e in at.error] == [
        "000\\-notes\\.txt\\: \\(file\\)\\: not an image\\: expected a DICOM, PNG or JPEG file"
    ]
    at.checkbox(key="author-confirm").check()
    at.run()
    assert at.button(key="author-import").disabled


def test_mask_lines_are_checked(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIEWER_AUTHORING", "1")
    at = run_app(library, monkeypatch, mode="author")
    at.text_area(key="author-masks").set_value("0,0,100,20\n5,5,1").run()
    assert [e.value for e in at.error] == [
        "line 2\\: expected a rectangle as x0,y0,x1,y1 \\(four whole numbers\\), found '5,5,1'"
    ]
