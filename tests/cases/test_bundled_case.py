"""The bundled case says what its source says: verbatim captions, panels A-H, dates."""

from __future__ import annotations

from tests.conftest import BUNDLED, SOURCE_TEXT
from viewer.cases.loader import load_case
from viewer.cases.model import GeneratedProvenance, Modality, PublicSampleProvenance, Role


def test_captions_are_verbatim_lines_of_the_source() -> None:
    source_lines = set(SOURCE_TEXT.read_text(encoding="utf-8").splitlines())
    case = load_case(BUNDLED).case
    for step in case.steps:
        assert step.caption in source_lines, f"panel {step.panel} caption is not verbatim"


def test_panels_dates_and_modalities_follow_the_source_readme() -> None:
    case = load_case(BUNDLED).case
    expected = [
        ("A", "2003-06", False, Modality.ULTRASOUND),
        ("B", "2003", True, Modality.PATHOLOGY),
        ("C", "2004-03", False, Modality.ULTRASOUND),
        ("D", "2005-03", False, Modality.ULTRASOUND),
        ("E", "2005-09", False, Modality.ULTRASOUND),
        ("F", "2005-09", True, Modality.DOPPLER),
        ("G", "2005", True, Modality.MAMMOGRAPHY),
        ("H", "2005", True, Modality.PATHOLOGY),
    ]
    actual = [(s.panel, str(s.date), s.date_inferred, s.modality) for s in case.steps]
    assert actual == expected


def test_known_slips_are_corrected_in_notes_not_captions() -> None:
    case = load_case(BUNDLED).case
    notes = {step.panel: step.note for step in case.steps}
    assert "irregular mass" in notes["C"] and "suggestive of" in notes["C"]
    assert "x100" in notes["B"] and "x100" in notes["H"]
    assert "penetrating vessel" in notes["F"]
    assert "asymmetrical mass" in case.step("C").caption  # type: ignore[union-attr]


def test_every_step_shows_a_generated_image_and_public_samples_stay_labelled() -> None:
    loaded = load_case(BUNDLED)
    for step in loaded.case.steps:
        primary = [image for image in step.images if image.role is Role.PRIMARY]
        assert len(primary) == 1, f"panel {step.panel} has no primary image"
        assert isinstance(primary[0].provenance, GeneratedProvenance)
        assert step.images[0] is primary[0]  # the generated image comes first
        for image in step.images[1:]:
            assert image.role is Role.REFERENCE
            assert isinstance(image.provenance, PublicSampleProvenance)
            assert image.provenance.licence == "MIT"
    doppler = loaded.image(5, 1)
    assert doppler.header.photometric_interpretation == "RGB"  # the power Doppler sample
