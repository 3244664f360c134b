"""Every way a case folder can be wrong gets one clear message naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BUNDLED, CaseFactory
from viewer.cases.loader import load_case
from viewer.errors import CaseError


def problems_of(folder: Path, *, decode: bool = True) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(folder, decode=decode)
    manifest = str(folder / "case.toml")
    return [str(p).replace(manifest, "M").replace(str(folder), "DIR") for p in info.value.problems]


def test_bundled_case_loads_and_decodes() -> None:
    loaded = load_case(BUNDLED, decode=True)
    assert [s.panel for s in loaded.case.steps] == list("ABCDEFGH")
    assert len(loaded.images) == 13  # a generated image per step, five public samples


def test_toml_syntax_error(make_case: CaseFactory) -> None:
    folder = make_case(('title = "Carcinoma', 'title = Carcinoma'))
    assert problems_of(folder) == ["M: (syntax): invalid TOML: Invalid value (at line 5, column 9)"]


def test_missing_and_unknown_fields_reported_together(make_case: CaseFactory) -> None:
    folder = make_case(('title = "Carcinoma', 'xtitle = "Carcinoma'), ("summary =", "summ ="))
    allowed = "schema_version, id, title, summary, source, steps"
    assert problems_of(folder) == [
        "M: title: required field is missing",
        "M: summary: required field is missing",
        f"M: xtitle: unknown field (expected one of: {allowed})",
        f"M: summ: unknown field (expected one of: {allowed})",
    ]


def test_wrong_types(make_case: CaseFactory) -> None:
    folder = make_case(('panel = "B"', "panel = 2"), ('date_inferred = true\nmodality = "pathology"\nview = "Surgical', 'date_inferred = "yes"\nmodality = "pathology"\nview = "Surgical'))
    assert problems_of(folder) == [
        "M: steps[1].panel: expected a string, found int 2",
        "M: steps[1].date_inferred: expected true or false, found str 'yes'",
    ]


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2004-13", "month must be 01 to 12, found '2004-13'"),
        ("2004-02-30", "day must be 01 to 29 in that month, found '2004-02-30'"),
        ("March 2004", "expected a date as YYYY-MM or YYYY-MM-DD, found 'March 2004'"),
        ("03/2004", "expected a date as YYYY-MM or YYYY-MM-DD, found '03/2004'"),
    ],
)
def test_bad_dates(make_case: CaseFactory, date: str, message: str) -> None:
    folder = make_case(('date = "2004-03"', f'date = "{date}"'))
    assert problems_of(folder) == [f"M: steps[2].date: {message}"]


def test_steps_out_of_time_order(make_case: CaseFactory) -> None:
    folder = make_case(('date = "2005-03"', 'date = "2003-01"'))
    assert problems_of(folder) == [
        "M: steps[3].date: 2003-01 is before the previous step's date 2004-03; "
        "steps must be in time order"
    ]


def test_duplicate_panel(make_case: CaseFactory) -> None:
    folder = make_case(('panel = "D"', 'panel = "C"'))
    assert problems_of(folder) == ["M: steps[3].panel: duplicate panel 'C' (already used by steps[2])"]


def test_bad_panel_and_id(make_case: CaseFactory) -> None:
    folder = make_case(('panel = "D"', 'panel = "d"'), ('id = "scar-carcinoma"', 'id = "Scar Carcinoma"'))
    assert problems_of(folder) == [
        "M: id: expected lowercase letters, digits and hyphens (at most 63), found str 'Scar Carcinoma'",
        "M: steps[3].panel: expected one capital letter A to Z, found str 'd'",
    ]


def test_unknown_modality(make_case: CaseFactory) -> None:
    folder = make_case(('modality = "doppler"', 'modality = "ct"'))
    assert problems_of(folder) == [
        "M: steps[5].modality: expected one of 'ultrasound', 'doppler', 'mammography' or "
        "'pathology', found str 'ct'"
    ]


def test_empty_caption_and_no_steps(make_case: CaseFactory) -> None:
    folder = make_case(
        ('caption = "Doppler ultrasound demonstrated perforating vasculature (arrow) at point F."', 'caption = "  "')
    )
    assert problems_of(folder) == ["M: steps[5].caption: must not be empty"]


def test_no_steps(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "case.toml").write_text(
        'id = "e"\ntitle = "t"\nsummary = "s"\nsteps = []\n'
        '[source]\ncaption_source = "c"\npublication = "p"\n'
    )
    assert problems_of(folder) == ["M: steps: expected at least 1 items, found 0"]


def test_missing_image(make_case: CaseFactory) -> None:
    folder = make_case(("images/pydicom-data_US1_UNCR.dcm", "images/a.dcm"))
    assert problems_of(folder) == ["M: steps[5].images[1].file: 'images/a.dcm' not found in DIR"]


def test_paths_escaping_the_folder(make_case: CaseFactory) -> None:
    folder = make_case(
        ("images/pydicom-data_US1_UNCR.dcm", "../../etc/passwd"),
        ("images/pydicom-data_gdcm-US-ALOKA-16.dcm", "/etc/passwd"),
    )
    assert problems_of(folder) == [
        "M: steps[4].images[1].file: must be a path inside the case folder, found absolute path '/etc/passwd'",
        "M: steps[5].images[1].file: must be a path inside the case folder, found '../../etc/passwd' with '..'",
    ]


def test_symlink_leading_out(make_case: CaseFactory) -> None:
    folder = make_case()
    link = folder / "images" / "pydicom-data_US1_UNCR.dcm"
    link.unlink()
    link.symlink_to(BUNDLED / "images" / "pydicom-data_US1_UNCR.dcm")
    assert problems_of(folder) == [
        "M: steps[5].images[1].file: 'images/pydicom-data_US1_UNCR.dcm' leads outside DIR"
    ]


def test_truncated_image(make_case: CaseFactory) -> None:
    folder = make_case()
    image = folder / "images" / "pydicom-data_US1_UNCR.dcm"
    image.write_bytes(image.read_bytes()[:460_000])
    [problem] = problems_of(folder)
    assert problem.startswith(
        "M: steps[5].images[1].file: 'images/pydicom-data_US1_UNCR.dcm': pixel data is truncated"
    )
    # Without decoding the header still reads: only `viewer validate` decodes everything.
    load_case(folder, decode=False)


def test_not_an_image(make_case: CaseFactory) -> None:
    folder = make_case()
    (folder / "images" / "pydicom-data_US1_UNCR.dcm").write_text("hello")
    assert problems_of(folder) == [
        "M: steps[5].images[1].file: 'images/pydicom-data_US1_UNCR.dcm': not a DICOM "
        "(no 'DICM' marker at byte 128), PNG or JPEG file"
    ]


def test_oversized_png(make_case: CaseFactory) -> None:
    folder = make_case(("images/pydicom-data_US1_UNCR.dcm", "images/huge.png"))
    # A valid PNG header declaring 20000 x 20000 pixels, with no pixel data behind it.
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    (folder / "images" / "huge.png").write_bytes(png)
    assert problems_of(folder) == [
        "M: steps[5].images[1].file: 'images/huge.png': declares 20000x20000 pixels; "
        "at most 16384 per side is accepted"
    ]


def test_unknown_field_in_step(make_case: CaseFactory) -> None:
    folder = make_case(('view = "Left breast, scar; power Doppler"', 'view = "x"\ncolour = 1'))
    assert problems_of(folder) == [
        "M: steps[5].colour: unknown field (expected one of: panel, date, date_inferred, "
        "modality, view, caption, note, findings, teaching_points, presenter_notes, lesion_size_mm, quiz, images)"
    ]


def test_annotations_outside_image_and_across_regions(make_case: CaseFactory) -> None:
    folder = make_case(("head_px = [300, 178]", "head_px = [3000, 178]"), ("end_px = [420, 210]", "end_px = [200, 210]"))
    assert problems_of(folder) == [
        "M: steps[4].images[1].annotations[3]: caliper spans two ultrasound regions; measure within one",
        "M: steps[5].images[1].annotations[0]: arrow point (3000, 178) lies outside the 640x480 image",
    ]


def test_annotation_frames_out_of_range(make_case: CaseFactory) -> None:
    folder = make_case(("head_px = [300, 178]", "head_px = [300, 178]\nframes = [0, 4]"))
    assert problems_of(folder) == [
        "M: steps[5].images[1].annotations[0].frames: expected a range within frames 0 to 0, found [0, 4]"
    ]


def test_bad_provenance_and_annotation_kind(make_case: CaseFactory) -> None:
    folder = make_case(
        ('kind = "public-sample"\npackage = "pydicom-data"\npackage_path = "data_store/data/US1_UNCR.dcm"', 'kind = "stolen"\npackage = "pydicom-data"\npackage_path = "data_store/data/US1_UNCR.dcm"'),
        ('kind = "arrow"\ntail_px = [250, 120]', 'kind = "star"\ntail_px = [250, 120]'),
        ('credit = "pydicom-data, pydicom project (GDCM test data)"\n', ""),
    )
    assert problems_of(folder) == [
        "M: steps[4].images[1].provenance.credit: required field is missing",
        "M: steps[5].images[1].provenance: expected kind 'generated', 'public-sample', "
        "'author-supplied', found str 'stolen'",
        "M: steps[5].images[1].annotations[0]: expected kind 'arrow', 'caliper', 'ellipse', "
        "'label', found str 'star'",
    ]


def test_manifest_calibration_only_for_raster_images(make_case: CaseFactory) -> None:
    folder = make_case(("hide_burned_in_text = true\n\n[steps.images.provenance]\nkind = \"public-sample\"\npackage = \"pydicom-data\"\npackage_path = \"data_store/data/US1_UNCR.dcm\"", "hide_burned_in_text = true\nmm_per_pixel = [0.1, 0.1]\n\n[steps.images.provenance]\nkind = \"public-sample\"\npackage = \"pydicom-data\"\npackage_path = \"data_store/data/US1_UNCR.dcm\""))
    assert problems_of(folder) == [
        "M: steps[5].images[1].mm_per_pixel: only for PNG and JPEG images; a DICOM file "
        "carries its own calibration"
    ]


def test_missing_manifest_and_folder(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == ["M: (file): not found; a case folder needs a case.toml"]
    missing = tmp_path / "nope"
    with pytest.raises(CaseError) as info:
        load_case(missing)
    assert str(info.value) == f"{missing}: (folder): not found or not a folder"


def test_manifest_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "case.toml").write_bytes(b'title = "\xff"\n')
    assert problems_of(tmp_path) == [
        "M: (syntax): not UTF-8 text (invalid start byte)"
    ]


def test_all_kinds_of_problem_reported_at_once(make_case: CaseFactory) -> None:
    # A field error stops pydantic's cross-step checks; the loader still runs them and
    # still checks every image file, so the author sees everything in one go.
    folder = make_case(
        ('date = "2004-03"', 'date = "2004-13"'),
        ('panel = "E"', 'panel = "D"'),
        ('date = "2005-03"', 'date = "2002-01"'),
        ("images/pydicom-data_US1_UNCR.dcm", "images/a.dcm"),
    )
    assert problems_of(folder) == [
        "M: steps[2].date: month must be 01 to 12, found '2004-13'",
        "M: steps[4].panel: duplicate panel 'D' (already used by steps[3])",
        "M: steps[3].date: 2002-01 is before the previous step's date 2003; "
        "steps must be in time order",
        "M: steps[5].images[1].file: 'images/a.dcm' not found in DIR",
    ]


QUIZ_A = 'kind = "bi-rads"\nlexicon = "ultrasound"\nquestion = "Describe the mass in the BI-RADS lexicon and give your assessment."'


def test_quiz_key_checked_against_the_lexicon(make_case: CaseFactory) -> None:
    folder = make_case(
        ('margin = "angular"\necho_pattern = "isoechoic"', 'margin = "pointy"\ncolour = "blue"'),
        ('echo_pattern = "Isoechoic: the same', 'density = "Isoechoic: the same'),
    )
    assert problems_of(folder) == [
        "M: steps[0].quiz: key.margin: 'pointy' is not a BI-RADS ultrasound term for margin "
        "(expected one of: circumscribed, indistinct, angular, microlobulated, spiculated); "
        "key.colour: not a descriptor of the BI-RADS ultrasound lexicon (expected one of: shape, "
        "orientation, margin, echo_pattern, posterior_features, calcifications, vascularity, "
        "assessment); why.density: explains a descriptor the key does not ask"
    ]


def test_quiz_kinds_and_choice_answers(make_case: CaseFactory) -> None:
    folder = make_case(
        (QUIZ_A, QUIZ_A.replace('"bi-rads"', '"essay"')),
        ('answer = "Intraductal papilloma"', 'answer = "Lipoma"'),
        ('  "Ductal carcinoma in situ only",\n', '  "Fat necrosis and scar only",\n'),
    )
    assert problems_of(folder) == [
        "M: steps[0].quiz: expected kind 'bi-rads', 'choice', found str 'essay'",
        "M: steps[1].quiz: answer: 'Lipoma' is not one of the options",
        "M: steps[7].quiz: options: each option must be different",
    ]


def test_lesion_size_must_be_positive(make_case: CaseFactory) -> None:
    folder = make_case(('presenter_notes = "Ask the room for shape', 'lesion_size_mm = -4.0\npresenter_notes = "Ask the room for shape'))
    assert problems_of(folder) == ["M: steps[0].lesion_size_mm: expected a number greater than 0, found -4.0"]
