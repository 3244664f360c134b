"""The PDF handout, read back with an independent reader (pypdf)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import BUNDLED, CaseFactory
from viewer.cases.loader import load_case
from viewer.cli import main
from viewer.export.files import pdf_bytes


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def handout() -> PdfReader:
    return PdfReader(BytesIO(pdf_bytes(load_case(BUNDLED))))


def test_one_page_per_step_with_its_caption(handout: PdfReader) -> None:
    case = load_case(BUNDLED).case
    assert len(handout.pages) == len(case.steps) == 8
    for page, step in zip(handout.pages, case.steps, strict=True):
        text = _words(page.extract_text())
        assert f"Panel {step.panel} · {step.date_label} · {step.modality.label}" in text
        assert _words(step.caption) in text, step.panel
        for finding in step.findings:
            assert _words(finding) in text
        assert "Generated teaching image, not this patient" in text


def test_the_citation_is_on_the_first_page(handout: PdfReader) -> None:
    first = _words(handout.pages[0].extract_text())
    assert "Original publication. Kim MJ, Kim EK, Lee JY" in first
    assert "DOI. 10.3348/kjr.2007.8.3.254" in first
    assert handout.metadata is not None and handout.metadata.title == (
        "Carcinoma in the excision scar of an intraductal papilloma"
    )


def test_images_at_their_stored_resolution(handout: PdfReader) -> None:
    sizes = []
    for page in handout.pages:
        [image] = page.images
        sizes.append(image.image.size)
    assert sizes[0] == (640, 560)  # A's sonogram, not resampled
    assert sizes[6] == (1200, 1000)  # G's mammogram


def test_case_text_is_text_not_markup(make_case: CaseFactory) -> None:
    folder = make_case(
        ('caption = "A. A sonogram taken in June 2003 reveals a left breast mass, measuring 12 mm irregularly."',
         'caption = "<b>Bold?</b> <script>alert(1)</script> & <font size=40>x</font>"'),
    )
    reader = PdfReader(BytesIO(pdf_bytes(load_case(folder))))
    text = _words(reader.pages[0].extract_text())
    assert "<b>Bold?</b> <script>alert(1)</script> & <font size=40>x</font>" in text


def test_cli_export_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handout.pdf"
    assert main(["export", str(BUNDLED), "--pdf", str(out)]) == 0
    assert len(PdfReader(out).pages) == 8
    stdout, stderr = capsys.readouterr()
    assert stdout.startswith(f"wrote {out} (")
    assert "[8/8] handout written" in stderr
    assert main(["export", str(BUNDLED)]) == 2
    assert capsys.readouterr().err == "export: give --html FILE, --pdf FILE or both\n"
