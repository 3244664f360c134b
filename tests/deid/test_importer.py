"""Importing real ultrasound studies into a case (viewer.deid.importer, ``viewer import``).

Sources are deid-data's ultrasound samples (pydicom's de-identification test data, MIT): a test
patient's name, IDs, birth date and institution are in the headers and burned into the pixels
(the banner above the ultrasound region). Every check here reads the outputs independently of
the importer: pydicom for headers, the raw bytes, Debian's tesseract for the pixels, dicom3tools'
dciodvfy for validity.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import deid_data
import numpy as np
import pydicom
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tests.conftest import BUNDLED
from viewer.cases.loader import load_case
from viewer.cli import main
from viewer.deid import importer
from viewer.deid.importer import ImportOptions, run_import
from viewer.deid.pixels import Rect
from viewer.errors import ImportRefusedError

ULTRASOUNDS = Path(deid_data.__file__).parent / "data" / "ultrasounds"
SINGLE = [ULTRASOUNDS / "GREYSCALE_IMAGE.dcm", ULTRASOUNDS / "RGB_IMAGE.dcm"]
MULTIFRAME = ULTRASOUNDS / "ultrasound-multiframe.dcm"
SHIFT = -400

pytestmark = [
    pytest.mark.filterwarnings("ignore:The value length:UserWarning"),
    pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning"),
]

TESSERACT = shutil.which("tesseract")
needs_tesseract = pytest.mark.skipif(
    TESSERACT is None and os.environ.get("CI") != "true",
    reason="tesseract not found (Debian package tesseract-ocr)",
)
DCIODVFY = shutil.which("dciodvfy")
needs_dciodvfy = pytest.mark.skipif(
    DCIODVFY is None and os.environ.get("CI") != "true",
    reason="dciodvfy not found (Debian package dicom3tools)",
)

IDENTIFYING = (
    "PatientName", "PatientID", "PatientBirthDate", "OtherPatientIDs", "InstitutionName",
    "InstitutionAddress", "ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName",
    "AccessionNumber", "StationName", "StudyID", "InstitutionalDepartmentName",
)


def _digests(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _identifiers(path: Path) -> set[str]:
    """The source's identifying values, and the parts of person names, 4+ characters."""
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    values: set[str] = set()
    for keyword in IDENTIFYING:
        value = ds.get(keyword)
        if value in (None, ""):
            continue
        items = value if isinstance(value, pydicom.multival.MultiValue) else [value]
        for item in items:
            text = str(item).strip()
            values.add(text)
            values.update(part for part in text.replace(",", "^").split("^") if part)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        values.add(str(ds.get(keyword, "")))
    return {v for v in values if len(v.strip()) >= 4}


def _contains(text: str, value: str) -> bool:
    """``value`` in ``text``: as a substring when it has separators ("DOE^JOHN"), else as a
    whole word ("MARY" is not in "PRIMARY")."""
    if re.search(r"[\s,^/-]", value):
        return value in text
    return value in re.split(r"[^A-Za-z0-9.]+", text)


def _all_strings(ds: pydicom.Dataset) -> Iterator[str]:
    for element in ds.iterall():
        if element.VR == "SQ" or element.tag == 0x7FE00010:
            continue
        value = element.value
        if isinstance(value, bytes):
            yield value.decode("latin-1")
        elif isinstance(value, list | pydicom.multival.MultiValue):
            yield from (str(v) for v in value)
        else:
            yield str(value)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, importer.ImportReport]]:
    before = _digests([*SINGLE, MULTIFRAME])
    case = tmp_path_factory.mktemp("imports") / "us-import"
    report = run_import(
        [*SINGLE, MULTIFRAME],
        ImportOptions(case, date_shift_days=SHIFT, new_case_title="Imported ultrasound"),
    )
    yield case, report
    assert _digests([*SINGLE, MULTIFRAME]) == before, "an original changed"


def test_the_new_case_validates_and_shows_the_images(
    imported: tuple[Path, importer.ImportReport],
) -> None:
    case, report = imported
    loaded = load_case(case, decode=True)
    [step] = loaded.case.steps
    assert step.panel == "A" and step.modality.value == "ultrasound"
    assert [im.file for im in step.images] == [
        "images/imported/A-1.dcm", "images/imported/A-2.dcm", "images/imported/A-3.dcm"
    ]
    assert [im.role.value for im in step.images] == ["primary", "reference", "reference"]
    assert [f.output for f in report.files] == [im.file for im in step.images]
    # The step's date is the first study's date, shifted by the same offset.
    source_date = pydicom.dcmread(SINGLE[0], stop_before_pixels=True).StudyDate
    shifted = date(int(source_date[:4]), int(source_date[4:6]), int(source_date[6:])) + timedelta(SHIFT)
    assert str(step.date) == shifted.isoformat()


def test_no_identifying_value_remains_anywhere(imported: tuple[Path, importer.ImportReport]) -> None:
    case, report = imported
    for source, output in zip([*SINGLE, MULTIFRAME], report.files, strict=True):
        secrets_ = _identifiers(source)
        assert secrets_, source
        ds = pydicom.dcmread(case / output.output)
        strings = list(_all_strings(ds))
        for value in secrets_:
            assert not any(_contains(s, value) for s in strings), f"{output.output}: {value!r} survived"
        header_bytes = (case / output.output).read_bytes()
        pixel_start = header_bytes.find(b"\xe0\x7f\x10\x00")
        for value in secrets_:
            word = rb"(?<![A-Za-z0-9])" + re.escape(value.encode("latin-1")) + rb"(?![A-Za-z0-9])"
            assert re.search(word, header_bytes[:pixel_start]) is None, value
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.BurnedInAnnotation == "NO"
        assert not any(element.tag.is_private for element in ds.iterall())


def _ocr(pixels: np.ndarray) -> str:
    """What tesseract reads: inverted (dark text on light) and doubled, which it reads best."""
    grey = Image.fromarray(pixels).convert("L")
    prepared = ImageOps.invert(grey).resize((grey.width * 2, grey.height * 2), Image.LANCZOS)
    done = subprocess.run(
        [str(TESSERACT), "stdin", "stdout", "--psm", "11"],
        input=_png(prepared), capture_output=True, check=True,
    )
    return " ".join(done.stdout.decode("utf-8", "replace").split())


def _png(image: Image.Image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _first_frame(path: Path) -> np.ndarray:
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return pydicom.pixels.pixel_array(ds, index=0 if frames > 1 else None)


@needs_tesseract
def test_ocr_finds_no_identifier_the_input_shows(
    imported: tuple[Path, importer.ImportReport],
) -> None:
    assert TESSERACT is not None, "CI=true requires tesseract (install tesseract-ocr)"
    case, report = imported
    found_any = False
    for source, output in zip(SINGLE, report.files, strict=False):
        before = _ocr(_first_frame(source))
        after = _ocr(_first_frame(case / output.output))
        words = {w.strip(",.:") for v in _identifiers(source) for w in v.replace("^", " ").split()}
        words |= {"CLEVELAND", "CCHS", "ZZZDOWNTIME,MARY", "PATIENTFI"}
        shown = {w for w in words if len(w) >= 4 and w in before}
        found_any |= bool(shown)
        assert not {w for w in shown if w in after}, f"{output.output}: OCR still reads {shown}"
        # The image region is kept: the probe name the scanner wrote inside it still reads.
        assert ("L12-5" if "GREYSCALE" in source.name else "6C1") in after
    assert found_any, "the test would pass vacuously: OCR found no identifier in the inputs"


@needs_dciodvfy
def test_outputs_pass_dciodvfy_with_no_new_errors(
    imported: tuple[Path, importer.ImportReport],
) -> None:
    assert DCIODVFY is not None, "CI=true requires dciodvfy (install dicom3tools)"
    case, report = imported

    def errors(path: Path) -> set[str]:
        done = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, check=False)
        lines = (done.stdout + done.stderr).splitlines()
        return {line for line in lines if line.startswith("Error")}

    for source, output in zip([*SINGLE, MULTIFRAME], report.files, strict=True):
        new = errors(case / output.output) - errors(source)
        assert new == set(), f"{output.output}: {new}"


def test_every_frame_is_cleaned_and_the_image_kept(
    imported: tuple[Path, importer.ImportReport],
) -> None:
    case, report = imported
    source = pydicom.dcmread(MULTIFRAME)
    out = pydicom.dcmread(case / report.files[2].output)
    region = out.SequenceOfUltrasoundRegions[0]
    x0, y0 = region.RegionLocationMinX0, region.RegionLocationMinY0
    x1, y1 = region.RegionLocationMaxX1, region.RegionLocationMaxY1
    before, after = source.pixel_array, out.pixel_array
    assert after.shape == before.shape  # 30 RGB frames
    outside = np.ones(after.shape[1:3], dtype=bool)
    outside[y0 : y1 + 1, x0 : x1 + 1] = False
    assert after[:, outside].max() == 0  # every frame blanked outside the region
    assert np.array_equal(after[:, y0 : y1 + 1, x0 : x1 + 1], before[:, y0 : y1 + 1, x0 : x1 + 1])
    cleaning = report.files[2].cleaning
    assert cleaning is not None and cleaning.frames == 30
    assert str(cleaning.kept[0]) == f"{x0},{y0},{x1},{y1}"


def test_report_lists_changes_without_values(imported: tuple[Path, importer.ImportReport]) -> None:
    _case, report = imported
    data = report.as_dict()
    first = data["files"][0]
    actions = {c["keyword"]: c["action"] for c in first["header_changes"]}
    assert actions["PatientName"] in ("replaced with dummy", "emptied")
    assert actions["StudyDate"] == "date shifted"
    assert any(c["action"] == "private tag removed" for c in first["header_changes"])
    assert first["pixels"]["kept_regions"] == ["14,38,1010,758"]
    text = json.dumps(data) + report.as_text()
    for value in _identifiers(SINGLE[0]):
        assert value not in text, f"the report leaks {value!r}"


def test_dates_shift_by_the_same_offset_keeping_intervals(tmp_path: Path) -> None:
    first = pydicom.dcmread(SINGLE[0])
    later = first.copy()
    later.SOPInstanceUID = first.SOPInstanceUID + ".2"
    day = date(int(first.StudyDate[:4]), int(first.StudyDate[4:6]), int(first.StudyDate[6:]))
    later.StudyDate = (day + timedelta(days=275)).strftime("%Y%m%d")
    second = tmp_path / "later.dcm"
    later.save_as(second)
    case = tmp_path / "case"
    run_import([SINGLE[0]], ImportOptions(case, date_shift_days=SHIFT, new_case_title="T"))
    run_import([second], ImportOptions(case, date_shift_days=SHIFT))
    loaded = load_case(case)
    dates = [s.date.first_day for s in loaded.case.steps]
    assert (dates[1] - dates[0]).days == 275  # the interval survives
    assert dates[0] == day + timedelta(SHIFT)
    with pytest.raises(ImportRefusedError) as info:
        run_import([second], ImportOptions(case, date_shift_days=12))
    assert str(info.value).splitlines()[0] == (
        f"{case}: --date-shift: this case's earlier imports shifted dates by -400 days; found 12: "
        "use the same shift so intervals stay true"
    )


def _labelled_png(path: Path) -> None:
    image = Image.new("RGB", (640, 480), (0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.text((20, 10), "SMITH JOHN 1234567", fill=(255, 255, 255), font=font)
    draw.ellipse([200, 150, 440, 400], fill=(90, 90, 90))
    image.save(path)


@needs_tesseract
def test_mask_path_for_images_without_regions(tmp_path: Path) -> None:
    assert TESSERACT is not None, "CI=true requires tesseract (install tesseract-ocr)"
    source = tmp_path / "screen.png"
    _labelled_png(source)
    assert "SMITH" in _ocr(np.asarray(Image.open(source)))
    case = tmp_path / "case"
    with pytest.raises(ImportRefusedError) as info:
        run_import([source], ImportOptions(case, new_case_title="T", step_date="2005-09"))
    assert str(info.value) == (
        f"{source}: (pixels): a PNG or JPEG may carry burned-in text that cannot be found "
        "automatically; give --mask x0,y0,x1,y1 rectangles to blank, or --no-burned-in-text "
        "after checking it"
    )
    assert not case.exists()
    report = run_import(
        [source],
        ImportOptions(case, new_case_title="T", step_date="2005-09", masks=(Rect(0, 0, 639, 60),)),
    )
    output = case / report.files[0].output
    assert "SMITH" not in _ocr(np.asarray(Image.open(output)))
    assert np.asarray(Image.open(output))[300, 320].tolist() == [90, 90, 90]  # image kept
    assert report.files[0].cleaning is not None
    assert [str(r) for r in report.files[0].cleaning.blanked] == ["0,0,639,60"]


def test_dicom_without_regions_needs_a_mask(tmp_path: Path) -> None:
    ds = pydicom.dcmread(SINGLE[0])
    del ds.SequenceOfUltrasoundRegions
    source = tmp_path / "noregions.dcm"
    ds.save_as(source)
    case = tmp_path / "case"
    with pytest.raises(ImportRefusedError) as info:
        run_import([source], ImportOptions(case, new_case_title="T", date_shift_days=SHIFT))
    assert str(info.value) == (
        f"{source}: SequenceOfUltrasoundRegions: no usable ultrasound data region to keep, and "
        "BurnedInAnnotation is 'YES'; give --mask x0,y0,x1,y1 rectangles to blank (the image is "
        "1024x768)"
    )
    with pytest.raises(ImportRefusedError) as info:
        run_import(
            [source],
            ImportOptions(case, new_case_title="T", date_shift_days=SHIFT, masks=(Rect(0, 0, 1024, 40),)),
        )
    assert str(info.value) == (
        f"{source}: --mask: rectangle 0,0,1024,40 lies outside the 1024x768 image "
        "(x 0 to 1023, y 0 to 767)"
    )
    report = run_import(
        [source],
        ImportOptions(case, new_case_title="T", date_shift_days=SHIFT, masks=(Rect(0, 0, 1023, 37),)),
    )
    out = pydicom.dcmread(case / report.files[0].output).pixel_array
    assert out[:38].max() == 0 and out[40:].max() > 0


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_failure_part_way_leaves_the_case_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = tmp_path / "case"
    shutil.copytree(BUNDLED, case)
    before = _tree(case)
    calls = {"n": 0}
    real_replace = os.replace

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second image's move into place
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(importer.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        run_import(SINGLE, ImportOptions(case, step="C", date_shift_days=SHIFT))
    assert _tree(case) == before
    assert sorted(p.name for p in case.iterdir()) == sorted(p.name for p in BUNDLED.iterdir())


def test_adds_to_an_existing_step_keeping_the_manifest(tmp_path: Path) -> None:
    case = tmp_path / "case"
    shutil.copytree(BUNDLED, case)
    old = (case / "case.toml").read_text()
    report = run_import([SINGLE[0]], ImportOptions(case, step="C", date_shift_days=SHIFT))
    new = (case / "case.toml").read_text()
    assert new.startswith(old.split("[[steps]]")[0])  # the header and comments untouched
    assert report.panel == "C" and not report.new_step
    step = load_case(case, decode=True).case.steps[2]
    assert step.images[-1].file == "images/imported/C-1.dcm"
    assert step.images[-1].role.value == "reference"  # C already has its primary image


def _unparsable_dicom() -> bytes:
    """A DICM file whose first data element is a sequence longer than the file."""
    def element(group: int, number: int, vr: bytes, value: bytes) -> bytes:
        return struct.pack("<HH", group, number) + vr + struct.pack("<H", len(value)) + value

    meta_body = element(2, 0x10, b"UI", b"1.2.840.10008.1.2.1\0")
    meta = element(2, 0, b"UL", struct.pack("<I", len(meta_body))) + meta_body
    sequence = struct.pack("<HH", 8, 0x16) + b"SQ\0\0" + struct.pack("<I", 0xFFFFFFF0)
    return b"\0" * 128 + b"DICM" + meta + sequence + b"\xfe\xff\x00\xe0\x10\x00"


def test_every_problem_at_once(tmp_path: Path) -> None:
    case = tmp_path / "case"
    shutil.copytree(BUNDLED, case)
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(_unparsable_dicom())
    nopixels = tmp_path / "nopixels.dcm"
    ds = pydicom.dcmread(SINGLE[0])
    del ds.PixelData
    ds.save_as(nopixels)
    twice = tmp_path / "twice.dcm"
    shutil.copy(SINGLE[0], twice)
    missing = tmp_path / "missing.dcm"
    with pytest.raises(ImportRefusedError) as info:
        run_import(
            [notes, broken, nopixels, SINGLE[0], twice, missing],
            ImportOptions(case, step="C", date_shift_days=SHIFT),
        )
    lines = str(info.value).splitlines()
    assert lines[0] == f"{missing}: (file): not found"
    assert lines[1] == f"{notes}: (file): not an image: expected a DICOM, PNG or JPEG file"
    assert lines[2].startswith(f"{broken}: (file): unreadable DICOM (")
    assert lines[3] == f"{nopixels}: PixelData: missing; only images can be imported"
    assert lines[4] == f"{twice}: (file): duplicate of {SINGLE[0]} in this import"
    assert len(lines) == 5
    assert _tree(case) == _tree(BUNDLED)
    # Importing the same image again into the case is a duplicate too.
    run_import([SINGLE[0]], ImportOptions(case, step="C", date_shift_days=SHIFT))
    with pytest.raises(ImportRefusedError) as info:
        run_import([SINGLE[0]], ImportOptions(case, step="D", date_shift_days=SHIFT))
    assert str(info.value) == (
        f"{SINGLE[0]}: SOPInstanceUID: duplicate: already in the case as images/imported/C-1.dcm"
    )


def test_target_must_be_a_case(tmp_path: Path) -> None:
    with pytest.raises(ImportRefusedError) as info:
        run_import(SINGLE, ImportOptions(tmp_path))
    assert str(info.value) == f"{tmp_path}: --case: not a case folder (no case.toml)"
    (tmp_path / "x").write_text("")
    with pytest.raises(ImportRefusedError) as info:
        run_import(SINGLE, ImportOptions(tmp_path, new_case_title="T"))
    assert str(info.value) == f"{tmp_path}: --new-case: exists and is not empty; name a new folder"


def test_new_step_needs_a_date_without_a_shift(tmp_path: Path) -> None:
    case = tmp_path / "case"
    with pytest.raises(ImportRefusedError) as info:
        run_import([SINGLE[0]], ImportOptions(case, new_case_title="T"))
    assert str(info.value) == (
        f"{case}/case.toml: --step-date: a new step A needs a date: give --step-date YYYY-MM-DD, "
        "or --date-shift DAYS to keep the studies' own dates, shifted"
    )


def test_cli_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case"
    report = tmp_path / "report.json"
    code = main([
        "import", str(SINGLE[0]), "--case", str(case), "--new-case", "Imported",
        "--step-date", "2005-09-01", "--report", str(report),
    ])
    assert code == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"imported 1 file(s) into {case}, step A (new step)"
    assert "[0/3] reading GREYSCALE_IMAGE.dcm" in err
    assert json.loads(report.read_text())["files"][0]["output"] == "images/imported/A-1.dcm"
    assert main(["import", str(SINGLE[0]), "--case", str(tmp_path / "nothing")]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{tmp_path / 'nothing'}: --case: not a case folder (no case.toml)"
    )
    assert main(["import", str(SINGLE[0]), "--case", str(case), "--mask", "1,2,3"]) == 2
    assert capsys.readouterr().err == (
        "--mask: expected a rectangle as x0,y0,x1,y1 (four whole numbers), found '1,2,3'\n"
    )
