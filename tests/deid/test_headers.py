"""De-identified headers (viewer.deid.headers) on real ultrasound files, and the coverage of the
Annex E table (viewer.deid.annex_e) against an independent parse of the standard.

The real files are deid-data's ultrasound samples (pydicom's de-identification test data, MIT):
they carry a test patient's name, IDs, birth date, institution and physicians, private tags from
the scanner and the archive, and UIDs. GREYSCALE_CINE (zipped) is another image of
GREYSCALE_IMAGE's study and series. The reference table is tests/data/annex_e/ (see its README).
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import deid_data
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from viewer.deid import annex_e
from viewer.deid.headers import HeaderChange, deidentify_header, is_well_known_uid, new_uid
from viewer.errors import ImageError

ULTRASOUNDS = Path(deid_data.__file__).parent / "data" / "ultrasounds"
FILES = ["GREYSCALE_IMAGE.dcm", "RGB_IMAGE.dcm", "ultrasound-multiframe.dcm"]
REFERENCE = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "annex_e"
    / ("confidentiality_profile_attributes.json")
)
SECRET = b"case-0001-secret-0123456789abcdef"
OTHER_SECRET = b"case-0002-secret-0123456789abcdef"
SHIFT = -400

# pydicom warns while reading the samples' over-long values (a 122-character LO, 64-character SH
# procedure step IDs) and the malformed dates one test writes on purpose.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The value length:UserWarning"),
    pytest.mark.filterwarnings("ignore:Invalid value for VR DA:UserWarning"),
]

DCIODVFY = shutil.which("dciodvfy")
needs_dciodvfy = pytest.mark.skipif(
    DCIODVFY is None and os.environ.get("CI") != "true",
    reason="dciodvfy not found (Debian package dicom3tools)",
)

# Attributes whose values identify the patient, the visit, the people or the place.
IDENTIFYING_KEYWORD = re.compile(
    r"Patient|Study|Institution|Physician|Operator|Accession|Station|Issuer|Address|Telephone"
    r"|Serial|Date|ID$|IDs$|Military|BranchOfService|Reason|Comments|History"
)
# Not identifiers although their keywords match: Study Status/Priority ID hold coded states
# ("COMPLETED", "LOW"); descriptions hold procedure names ("US KIDNEY") that Annex E itself keeps
# in the Procedure Code Sequence (not in Table E.1-1) and that name no one.
NOT_IDENTIFYING = re.compile(r"StudyStatusID|StudyPriorityID|Description$")
# Values this short ("M", "1", "US") also occur as ordinary values (sex, series number, modality);
# the elements holding them are checked one by one instead (test_identifying_elements_are_cleaned).
MIN_STRING = 3
MIN_BYTES = 4
DUMMIES = {"", "ANONYMIZED", "19000101", "19000101000000", "000000", "0", "000Y"}


# -- helpers ------------------------------------------------------------------------------------


def walk(ds: Dataset, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every element of ``ds`` with its path, sequences included (items before their contents)."""
    for elem in ds:
        name = elem.keyword or f"({elem.tag.group:04X},{elem.tag.element:04X})"
        path = f"{prefix}.{name}" if prefix else name
        yield path, elem
        if elem.VR == "SQ":
            for index, item in enumerate(elem.value):
                yield from walk(item, f"{path}[{index}]")


def strings(elem: Any) -> list[str]:
    if elem.VR in ("SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN") or elem.value is None:
        return []
    values = (
        elem.value if isinstance(elem.value, list | pydicom.multival.MultiValue) else [elem.value]
    )
    return [str(v).strip("\0 ") for v in values if str(v).strip("\0 ")]


def is_identifying(elem: Any) -> bool:
    # Times of day identify no one on their own, and the Modified Dates Option keeps them; the
    # basic profile's handling of times is checked in test_without_a_shift_dates_follow_...
    if elem.tag.is_private or elem.VR in ("SQ", "TM"):
        return False
    if elem.VR in ("PN", "DA", "DT"):
        return True
    if elem.VR == "UI":
        return elem.tag not in (0x00080016, 0x00081150, 0x00020002, 0x00020010, 0x00020012)
    return bool(IDENTIFYING_KEYWORD.search(elem.keyword)) and not NOT_IDENTIFYING.search(
        elem.keyword
    )


def identifying_values(ds: Dataset) -> dict[str, str]:
    """Value -> the path it was found at, for every identifying value of the input."""
    found: dict[str, str] = {}
    for path, elem in [*walk(ds.file_meta, "file_meta"), *walk(ds)]:
        if is_identifying(elem):
            for value in strings(elem):
                # A value equal to one of our dummies (multiframe's birth date is 19000101) would
                # match the dummy; its element is checked in test_identifying_elements_are_cleaned.
                if not (elem.VR == "UI" and is_well_known_uid(value)) and value not in DUMMIES:
                    found.setdefault(value, path)
    return found


def serialize(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def read(name: str) -> pydicom.FileDataset:
    return pydicom.dcmread(ULTRASOUNDS / name)


def read_cine_header() -> Dataset:
    """GREYSCALE_CINE.dcm, unzipped in memory: the same study and series as GREYSCALE_IMAGE."""
    with zipfile.ZipFile(ULTRASOUNDS / "GREYSCALE_CINE.zip") as archive:
        data = archive.read("GREYSCALE_CINE.dcm")
    return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)


@pytest.fixture(scope="module")
def inputs() -> dict[str, pydicom.FileDataset]:
    return {name: read(name) for name in FILES}


@pytest.fixture(scope="module")
def outputs(
    inputs: dict[str, pydicom.FileDataset],
) -> dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]]:
    return {
        (name, shift): deidentify_header(ds, uid_secret=SECRET, date_shift_days=shift)
        for name, ds in inputs.items()
        for shift in (None, SHIFT)
    }


CASES = [(name, shift) for name in FILES for shift in (None, SHIFT)]
CASE_IDS = [f"{name}-{'shifted' if shift else 'basic'}" for name, shift in CASES]


# -- nothing identifying survives -----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_no_identifying_value_survives(
    case: tuple[str, int | None],
    inputs: dict[str, pydicom.FileDataset],
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    name, _ = case
    out, changes = outputs[case]
    secrets = identifying_values(inputs[name])
    assert "ZZZ" in " ".join(secrets) or "abcd" in secrets  # the test patient is collected
    leaks = []
    for path, elem in [*walk(out.file_meta, "file_meta"), *walk(out)]:
        for value in strings(elem):
            for secret, origin in secrets.items():
                if len(secret) >= MIN_STRING and (
                    value == secret or (len(secret) >= MIN_BYTES and secret in value)
                ):
                    leaks.append(f"{path} holds the value of input {origin}")
    assert leaks == []
    # The written file, less its pixel data: the pixels are kept byte for byte (checked below),
    # and 43 MB of RGB gradients hold byte runs such as b"123456" by chance.
    data = serialize(out)
    pixels = out.PixelData
    start = data.index(pixels)
    header = data[:start] + data[start + len(pixels) :]
    in_bytes = [
        origin
        for secret, origin in secrets.items()
        if len(secret) >= MIN_BYTES and secret.encode("latin-1") in header
    ]
    assert in_bytes == []
    # The change list never carries a value.
    for change in changes:
        text = f"{change.tag} {change.keyword} {change.action} {change.path}"
        assert [s for s in secrets if len(s) >= MIN_BYTES and s in text] == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_identifying_elements_are_cleaned(
    case: tuple[str, int | None],
    inputs: dict[str, pydicom.FileDataset],
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    """Every identifying element, short values included, is gone, emptied, a dummy, a new UID
    or (with the shift) a shifted date."""
    name, shift = case
    out, _ = outputs[case]
    after = {path: elem for path, elem in [*walk(out.file_meta, "file_meta"), *walk(out)]}
    kept = []
    for path, elem in [*walk(inputs[name].file_meta, "file_meta"), *walk(inputs[name])]:
        if not is_identifying(elem) or path not in after:
            continue
        new = strings(after[path])
        old = strings(elem)
        if not old or set(new) <= DUMMIES:
            continue
        if elem.VR == "UI" and all(v.startswith("2.25.") or is_well_known_uid(v) for v in new):
            continue
        if shift is not None and elem.VR in ("DA", "DT") and new != old:
            continue
        kept.append(path)
    assert kept == []


@pytest.mark.parametrize("name", FILES)
def test_private_tags_are_removed_everywhere(
    name: str,
    inputs: dict[str, pydicom.FileDataset],
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    out, changes = outputs[(name, None)]
    assert [path for path, elem in walk(out) if elem.tag.is_private] == []
    private_in = [path for path, elem in walk(inputs[name]) if elem.tag.is_private]
    reported = [c.path for c in changes if c.action == "private tag removed"]
    assert reported == private_in


def test_a_private_tag_in_a_sequence_item_is_removed(
    inputs: dict[str, pydicom.FileDataset],
) -> None:
    ds = copy.deepcopy(inputs["GREYSCALE_IMAGE.dcm"])
    block = ds.SequenceOfUltrasoundRegions[0].private_block(0x0011, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", "ZZZ TEST PATIENTFIVE")
    out, changes = deidentify_header(ds, uid_secret=SECRET)
    assert [p for p, e in walk(out) if e.tag.is_private] == []
    assert (
        HeaderChange(
            "(0011,1001)", "", "private tag removed", "SequenceOfUltrasoundRegions[0].(0011,1001)"
        )
        in changes
    )


# -- the record of de-identification --------------------------------------------------------------


@pytest.mark.parametrize("shift", [None, SHIFT], ids=["basic", "shifted"])
def test_deidentification_is_recorded(
    shift: int | None,
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    out, changes = outputs[("GREYSCALE_IMAGE.dcm", shift)]
    assert out.PatientIdentityRemoved == "YES"
    codes = [
        (i.CodeValue, i.CodingSchemeDesignator, i.CodeMeaning)
        for i in out.DeidentificationMethodCodeSequence
    ]
    expected = [("113100", "DCM", "Basic Application Confidentiality Profile")]
    if shift is not None:
        expected.append(
            ("113107", "DCM", "Retain Longitudinal Temporal Information Modified Dates Option")
        )
    assert codes == expected
    method = list(out.DeidentificationMethod)
    assert method[0] == "DICOM PS3.15 Annex E Basic Profile"
    assert method[-1] == f"dicom-anonymizer {annex_e.LIBRARY_VERSION} (dicomfields_2026c)"
    assert ("Retain Longitudinal Temporal Info with Modified Dates" in method) == (
        shift is not None
    )
    assert all(len(v) <= 64 for v in method)  # LO
    assert out.LongitudinalTemporalInformationModified == (
        "REMOVED" if shift is None else "MODIFIED"
    )
    assert [c.path for c in changes if c.action == "set"] == [
        "PatientIdentityRemoved",
        "DeidentificationMethod",
        "DeidentificationMethodCodeSequence",
        "LongitudinalTemporalInformationModified",
    ]


def test_changes_name_tag_keyword_action_and_path(
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    _, changes = outputs[("GREYSCALE_IMAGE.dcm", None)]
    by_path = {c.path: c for c in changes}
    assert by_path["PatientName"] == HeaderChange(
        "(0010,0010)", "PatientName", "emptied", "PatientName"
    )
    assert by_path["OtherPatientIDs"].action == "removed"
    assert by_path["InstitutionName"].action == "replaced with dummy"
    assert by_path["StudyInstanceUID"].action == "UID replaced"
    assert by_path["ReferencedStudySequence"].action == "removed"  # X/Z on a sequence: X
    assert by_path["file_meta.MediaStorageSOPInstanceUID"].action == "UID replaced"
    assert {c.action for c in changes} <= {
        "removed",
        "emptied",
        "replaced with dummy",
        "UID replaced",
        "date shifted",
        "private tag removed",
        "set",
    }


# -- sequences ------------------------------------------------------------------------------------


def test_the_profile_applies_inside_sequences(inputs: dict[str, pydicom.FileDataset]) -> None:
    """dicom-anonymizer applies single-tag rules to the top level only; we apply them at any depth."""
    ds = copy.deepcopy(inputs["GREYSCALE_IMAGE.dcm"])
    inner = Dataset()
    inner.PatientName = "ZZZ TEST PATIENTFIVE^NEW"
    inner.OtherPatientIDs = "E20202020202"
    inner.StudyInstanceUID = ds.StudyInstanceUID
    inner.AdmittingDate = "20170301"
    deeper = Dataset()
    deeper.InstitutionName = "CCHS CLEVELAND CLINIC CANADA"
    inner.ReferencedImageSequence = Sequence([deeper])
    ds.ProcedureCodeSequence[0].ContentSequence = Sequence([inner])
    out, changes = deidentify_header(ds, uid_secret=SECRET)
    item = out.ProcedureCodeSequence[0]
    assert item.CodeMeaning == "US KIDNEY"  # not in Annex E: kept
    # Content Sequence is D: every value inside replaced by a dummy, UIDs by their new UIDs.
    dummy = item.ContentSequence[0]
    assert dummy.PatientName == "ANONYMIZED"
    assert dummy.OtherPatientIDs == "ANONYMIZED"
    assert dummy.StudyInstanceUID == out.StudyInstanceUID
    assert dummy.AdmittingDate == "19000101"
    assert dummy.ReferencedImageSequence[0].InstitutionName == "ANONYMIZED"
    assert (
        HeaderChange(
            "(0040,A730)",
            "ContentSequence",
            "replaced with dummy",
            "ProcedureCodeSequence[0].ContentSequence",
        )
        in changes
    )

    # In an item of a sequence Annex E does not name, each attribute gets its own action.
    ds = copy.deepcopy(inputs["GREYSCALE_IMAGE.dcm"])
    region = ds.SequenceOfUltrasoundRegions[0]
    region.PatientName = "ZZZ TEST PATIENTFIVE^NEW"
    region.OtherPatientIDs = "E20202020202"
    region.AdmittingDate = "20170301"
    region.ReferencedSOPInstanceUID = ds.SOPInstanceUID
    out, changes = deidentify_header(ds, uid_secret=SECRET)
    region = out.SequenceOfUltrasoundRegions[0]
    assert region.PatientName == ""
    assert "OtherPatientIDs" not in region
    assert "AdmittingDate" not in region  # X really removes a date (the library's X dummies it)
    assert region.ReferencedSOPInstanceUID == out.SOPInstanceUID
    prefix = "SequenceOfUltrasoundRegions[0]"
    assert [(c.path, c.action) for c in changes if c.path.startswith(prefix)] == [
        (f"{prefix}.PatientName", "emptied"),
        (f"{prefix}.OtherPatientIDs", "removed"),
        (f"{prefix}.AdmittingDate", "removed"),
        (f"{prefix}.ReferencedSOPInstanceUID", "UID replaced"),
    ]


def test_repeating_groups_and_unlisted_uids_and_dates(
    inputs: dict[str, pydicom.FileDataset],
) -> None:
    ds = copy.deepcopy(inputs["RGB_IMAGE.dcm"])
    ds.add_new(0x60004000, "LT", "Mrs Downtime's overlay")  # Overlay Comments (60xx,4000): X
    ds.add_new(0x50020010, "US", 4)  # Curve Data group (50xx,xxxx): X
    ds.CreatorVersionUID = "1.2.3.4.5.6.7"  # a UID Annex E does not name: replaced
    ds.DateOfLastCalibration = "20200101"  # a date Annex E 2020 does not name: removed
    out, _ = deidentify_header(ds, uid_secret=SECRET)
    assert 0x60004000 not in out and 0x50020010 not in out
    assert out.CreatorVersionUID == new_uid("1.2.3.4.5.6.7", SECRET)
    assert "DateOfLastCalibration" not in out
    shifted, _ = deidentify_header(ds, uid_secret=SECRET, date_shift_days=SHIFT)
    assert shifted.DateOfLastCalibration == (date(2020, 1, 1) + timedelta(SHIFT)).strftime("%Y%m%d")


# -- UIDs -----------------------------------------------------------------------------------------


def test_uids_are_consistent_within_a_case_and_differ_between_cases(
    inputs: dict[str, pydicom.FileDataset],
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    image_in = inputs["GREYSCALE_IMAGE.dcm"]
    cine_in = read_cine_header()
    assert cine_in.StudyInstanceUID == image_in.StudyInstanceUID  # the same study ...
    assert cine_in.SOPInstanceUID != image_in.SOPInstanceUID  # ... another image
    image, _ = outputs[("GREYSCALE_IMAGE.dcm", None)]
    cine, _ = deidentify_header(cine_in, uid_secret=SECRET)
    assert cine.StudyInstanceUID == image.StudyInstanceUID
    assert cine.SeriesInstanceUID == image.SeriesInstanceUID
    assert cine.SOPInstanceUID != image.SOPInstanceUID
    assert image.StudyInstanceUID != image_in.StudyInstanceUID
    assert image.StudyInstanceUID == new_uid(image_in.StudyInstanceUID, SECRET)
    # The same file again gives the same UIDs; another case's secret gives others.
    again, _ = deidentify_header(image_in, uid_secret=SECRET)
    assert again.SOPInstanceUID == image.SOPInstanceUID
    other, _ = deidentify_header(image_in, uid_secret=OTHER_SECRET)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        assert other[keyword].value != image[keyword].value
    for uid in (image.StudyInstanceUID, image.SeriesInstanceUID, image.SOPInstanceUID):
        assert re.fullmatch(r"2\.25\.(0|[1-9][0-9]*)", uid) and len(uid) <= 64
        assert int(uid[5:]) < 2**128


@pytest.mark.parametrize("name", FILES)
def test_file_meta_matches_and_class_uids_are_kept(
    name: str,
    inputs: dict[str, pydicom.FileDataset],
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    out, _ = outputs[(name, None)]
    ds = inputs[name]
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    assert out.SOPInstanceUID == new_uid(ds.SOPInstanceUID, SECRET)
    assert out.SOPClassUID == ds.SOPClassUID
    assert out.file_meta.MediaStorageSOPClassUID == ds.file_meta.MediaStorageSOPClassUID
    assert out.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    referenced = [e.value for _, e in walk(out) if e.keyword == "ReferencedSOPClassUID"]
    assert all(is_well_known_uid(str(v)) for v in referenced)


def test_file_meta_is_cleaned_without_a_sop_instance_uid(
    inputs: dict[str, pydicom.FileDataset],
) -> None:
    ds = copy.deepcopy(inputs["GREYSCALE_IMAGE.dcm"])
    original = ds.file_meta.MediaStorageSOPInstanceUID
    del ds.SOPInstanceUID
    ds.file_meta.SourceApplicationEntityTitle = "MCTOUUS01"
    out, changes = deidentify_header(ds, uid_secret=SECRET)
    assert out.file_meta.MediaStorageSOPInstanceUID == new_uid(original, SECRET)
    assert "SourceApplicationEntityTitle" not in out.file_meta
    assert ("file_meta.SourceApplicationEntityTitle", "removed") in [
        (c.path, c.action) for c in changes
    ]


# -- dates ----------------------------------------------------------------------------------------


def _day(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def test_date_shift_moves_every_date_by_the_same_days(
    inputs: dict[str, pydicom.FileDataset],
) -> None:
    first = inputs["GREYSCALE_IMAGE.dcm"]
    second = copy.deepcopy(first)  # a follow-up study of the same patient, 45 days later
    second.StudyDate = (_day(first.StudyDate) + timedelta(45)).strftime("%Y%m%d")
    out_first, changes = deidentify_header(first, uid_secret=SECRET, date_shift_days=SHIFT)
    out_second, _ = deidentify_header(second, uid_secret=SECRET, date_shift_days=SHIFT)
    assert _day(out_first.StudyDate) - _day(first.StudyDate) == timedelta(SHIFT)
    assert _day(out_second.StudyDate) - _day(out_first.StudyDate) == timedelta(45)
    for keyword in ("SeriesDate", "ContentDate", "InstanceCreationDate"):
        assert _day(out_first[keyword].value) - _day(first[keyword].value) == timedelta(SHIFT)
    # A date-time moves its date and keeps its time; times are kept.
    assert out_first.AcquisitionDateTime == (
        (_day(first.AcquisitionDateTime) + timedelta(SHIFT)).strftime("%Y%m%d")
        + first.AcquisitionDateTime[8:]
    )
    assert out_first.StudyTime == first.StudyTime
    assert out_first.ContentTime == first.ContentTime
    # The birth date and time are not shifted: the option does not cover them.
    assert out_first.PatientBirthDate == ""
    shifted = [c.path for c in changes if c.action == "date shifted"]
    assert shifted == [
        "InstanceCreationDate",
        "StudyDate",
        "SeriesDate",
        "ContentDate",
        "AcquisitionDateTime",
        "PerformedProcedureStepStartDate",
    ]


def test_without_a_shift_dates_follow_the_basic_profile(
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    out, _ = outputs[("RGB_IMAGE.dcm", None)]
    assert out.StudyDate == ""  # Z
    assert out.PatientBirthDate == ""  # Z
    assert out.ContentDate == "19000101"  # Z/D: dicom-anonymizer's choice, D
    assert out.SeriesDate == "19000101"  # X/D: D
    assert "PatientBirthTime" not in out  # X
    assert out.StudyTime == ""  # Z
    assert out.ContentTime == "000000"  # Z/D: D
    assert out.SeriesTime == "000000"  # X/D: D
    assert "PerformedProcedureStepStartDate" not in out  # X


def test_a_date_that_is_no_date_is_removed_when_shifting(
    inputs: dict[str, pydicom.FileDataset],
) -> None:
    ds = copy.deepcopy(inputs["GREYSCALE_IMAGE.dcm"])
    ds.SeriesDate = "2017"
    ds.AcquisitionDateTime = "201703"
    out, changes = deidentify_header(ds, uid_secret=SECRET, date_shift_days=10)
    assert "SeriesDate" not in out and "AcquisitionDateTime" not in out
    assert ("SeriesDate", "removed") in [(c.path, c.action) for c in changes]


def test_a_shift_out_of_the_calendar_is_an_error(inputs: dict[str, pydicom.FileDataset]) -> None:
    ds = inputs["GREYSCALE_IMAGE.dcm"]
    with pytest.raises(ImageError) as caught:
        deidentify_header(ds, uid_secret=SECRET, date_shift_days=3_000_000)
    assert str(caught.value) == (
        f"{ULTRASOUNDS / 'GREYSCALE_IMAGE.dcm'}: InstanceCreationDate (0008,0012): shifting by "
        "3000000 days leaves the years 0001-9999, expected a shift that keeps every date within them"
    )


# -- what must not change -------------------------------------------------------------------------


def test_the_input_dataset_and_file_are_unchanged() -> None:
    path = ULTRASOUNDS / "RGB_IMAGE.dcm"
    on_disk = hashlib.sha256(path.read_bytes()).hexdigest()
    ds = pydicom.dcmread(path)
    before = serialize(copy.deepcopy(ds))
    snapshot = copy.deepcopy(ds)
    deidentify_header(ds, uid_secret=SECRET, date_shift_days=SHIFT)
    # Serialize before comparing: reading an element (as == does) converts it from its raw form,
    # which pydicom may then write differently (an LT of two spaces becomes empty).
    assert serialize(copy.deepcopy(ds)) == before
    assert ds == snapshot
    assert ds.file_meta == snapshot.file_meta
    assert hashlib.sha256(path.read_bytes()).hexdigest() == on_disk


IMAGE_KEYWORDS = [
    "Rows",
    "Columns",
    "PhotometricInterpretation",
    "SamplesPerPixel",
    "PlanarConfiguration",
    "BitsAllocated",
    "BitsStored",
    "HighBit",
    "PixelRepresentation",
    "NumberOfFrames",
    "FrameTime",
    "FrameTimeVector",
    "CineRate",
    "RecommendedDisplayFrameRate",
    "FrameIncrementPointer",
    "Modality",
    "SOPClassUID",
    "SequenceOfUltrasoundRegions",
    "PixelSpacing",
    "BurnedInAnnotation",
    "PixelData",
]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_what_the_viewer_needs_is_untouched(
    case: tuple[str, int | None],
    inputs: dict[str, pydicom.FileDataset],
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    name, _ = case
    ds = inputs[name]
    out, changes = outputs[case]
    for keyword in IMAGE_KEYWORDS:
        assert (keyword in out) == (keyword in ds), keyword
        if keyword in ds:
            assert out[keyword] == ds[keyword], keyword
    assert out.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    assert not [c for c in changes if c.path.startswith("SequenceOfUltrasoundRegions")]
    assert "BurnedInAnnotation" not in {c.keyword for c in changes}


@needs_dciodvfy
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_dciodvfy_finds_no_new_errors(
    case: tuple[str, int | None],
    tmp_path: Path,
    outputs: dict[tuple[str, int | None], tuple[Dataset, tuple[HeaderChange, ...]]],
) -> None:
    assert DCIODVFY is not None, "CI=true requires dciodvfy (install dicom3tools)"
    name, _ = case
    out, _ = outputs[case]
    written = tmp_path / "out.dcm"
    written.write_bytes(serialize(out))

    def errors(path: Path) -> list[str]:
        done = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, check=False)
        return [
            line for line in (done.stdout + done.stderr).splitlines() if line.startswith("Error")
        ]

    before = set(errors(ULTRASOUNDS / name))
    assert [line for line in errors(written) if line not in before] == []


# -- errors ---------------------------------------------------------------------------------------


def test_a_dataset_without_sop_class_uid_is_an_error(
    inputs: dict[str, pydicom.FileDataset],
) -> None:
    ds = copy.deepcopy(inputs["GREYSCALE_IMAGE.dcm"])
    del ds.SOPClassUID
    with pytest.raises(ImageError) as caught:
        deidentify_header(ds, uid_secret=SECRET)
    assert str(caught.value) == (
        f"{ULTRASOUNDS / 'GREYSCALE_IMAGE.dcm'}: SOPClassUID (0008,0016): missing, "
        "expected the SOP Class UID of the image"
    )
    ds.SOPClassUID = ""
    ds.filename = None
    with pytest.raises(ImageError) as caught:
        deidentify_header(ds, uid_secret=SECRET)
    assert str(caught.value) == (
        "<in-memory dataset>: SOPClassUID (0008,0016): empty, expected the SOP Class UID of the image"
    )


def test_a_non_dataset_is_an_error() -> None:
    with pytest.raises(ImageError) as caught:
        deidentify_header("scan.dcm", uid_secret=SECRET)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "scan.dcm: expected a pydicom Dataset to de-identify (read files with pydicom.dcmread), "
        "found str"
    )
    with pytest.raises(ImageError) as caught:
        deidentify_header({"PatientName": "x"}, uid_secret=SECRET)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "<input>: expected a pydicom Dataset to de-identify (read files with pydicom.dcmread), "
        "found dict"
    )


def test_bad_secrets_and_shifts_are_errors(inputs: dict[str, pydicom.FileDataset]) -> None:
    ds = inputs["GREYSCALE_IMAGE.dcm"]
    with pytest.raises(TypeError) as type_error:
        deidentify_header(ds, uid_secret="secret")  # type: ignore[arg-type]
    assert str(type_error.value) == "uid_secret: expected bytes, found str"
    with pytest.raises(ValueError) as value_error:
        deidentify_header(ds, uid_secret=b"short")
    assert str(value_error.value) == (
        "uid_secret: found 5 bytes, expected at least 16 (one secret per case)"
    )
    with pytest.raises(TypeError) as type_error:
        deidentify_header(ds, uid_secret=SECRET, date_shift_days=1.5)  # type: ignore[arg-type]
    assert str(type_error.value) == "date_shift_days: expected an int or None, found float"
    with pytest.raises(TypeError) as type_error:
        deidentify_header(ds, uid_secret=SECRET, date_shift_days=True)
    assert str(type_error.value) == "date_shift_days: expected an int or None, found bool"


# -- coverage of the Annex E table ----------------------------------------------------------------


def test_coverage_of_the_reference_table() -> None:
    """Every tag of the reference Annex E table has an action at least as strict in ours."""
    result = annex_e.coverage(annex_e.load_reference(REFERENCE))
    report = result.report()
    assert result.missing == (), report
    assert result.rows == 433, report
    assert len(result.tags) == 428, report
    assert result.patterns == ("(50XX,XXXX)", "(60XX,4000)", "(60XX,3000)"), report
    assert result.private_rules == ("(GGGG,EEEE) WHERE GGGG IS ODD",), report
    library_tags = [t for t in result.library if t in result.tags]
    assert (len(library_tags), len(result.library) - len(library_tags)) == (426, 3), report
    assert len(result.added) == 2, report
    # Every extra is needed: none is already covered by the library's table.
    added_tags = {int(entry[1:5] + entry[6:10], 16) for entry in result.added}
    assert added_tags == set(annex_e.EXTRA_ACTIONS), report


def test_the_dates_option_follows_the_reference() -> None:
    """Dates the reference's Modified Dates Option column marks C are shifted; the others are not."""
    for row in annex_e.load_reference(REFERENCE):
        match = re.fullmatch(r"\(([0-9A-F]{4}),([0-9A-F]{4})\)", row.tag)
        if not match:
            continue
        tag = int(match[1] + match[2], 16)
        vr = pydicom.datadict.dictionary_VR(tag)
        if vr in ("DA", "DT"):
            assert (tag in annex_e.DATES_NOT_SHIFTED) == (row.modified_dates_option is None), row
        if vr == "TM":
            assert (tag in annex_e.TIMES_NOT_KEPT) == (row.modified_dates_option is None), row


def test_strictness_order() -> None:
    assert annex_e.strictness("X") > annex_e.strictness("Z") == annex_e.strictness("D")
    assert annex_e.strictness("U") == annex_e.strictness("X/Z/U*") == annex_e.strictness("X/Z")
    assert annex_e.strictness("D") > annex_e.strictness("K")


def test_coverage_report_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert annex_e.main([str(REFERENCE)]) == 0
    assert capsys.readouterr().out == (
        "Annex E reference: 433 rows = 428 distinct tags + 3 repeating-group patterns"
        " + 1 private-attribute rule\n"
        f"dicom-anonymizer {annex_e.LIBRARY_VERSION} (dicomfields_2026c) alone: 426 of 428 tags,"
        " 3 of 3 patterns, private attributes removed\n"
        "added by viewer.deid.annex_e.EXTRA_ACTIONS: 2: (3008,0105) Source Serial Number X"
        " (library X/Z), (300A,00B2) Treatment Machine Name X (library X/Z)\n"
        "missing: 0\n"
    )


def test_coverage_counts_a_weaker_action_as_missing() -> None:
    rows = [
        annex_e.ReferenceRow("Patient's Name", "(0010,0010)", "X", None),  # library: Z
        annex_e.ReferenceRow("Study Date", "(0008,0020)", "X/Z", None),  # library: Z
        annex_e.ReferenceRow("Unknown", "(0009,0002)", "Z", None),  # in no table
    ]
    result = annex_e.coverage(rows)
    assert result.library == ("(0008,0020)",)
    assert result.missing == (
        "(0010,0010) Patient's Name: wanted X, found Z",
        "(0009,0002) Unknown: wanted Z, found None",
    )
    assert annex_e.main([]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "{path}: cannot read: No such file or directory"),
        ("[{", "{path}: not JSON: Expecting property name enclosed in double quotes at line 1"),
        ("{}", "{path}: top level: found dict, expected a non-empty list of rows"),
        (
            '[{"name": "A", "tag": "(0008,0050)"}]',
            "{path}: row 0: basicProfile: missing or not a string, expected string fields name,"
            " tag and basicProfile",
        ),
        (
            '[{"name": "A", "tag": "(0008,0050)", "basicProfile": "Q"}]',
            "{path}: row 0 (0008,0050): basicProfile: found 'Q', expected Annex E codes X, Z, D,"
            " U, K or C, alone or joined by '/'",
        ),
    ],
    ids=["missing", "not-json", "not-a-list", "no-action", "bad-action"],
)
def test_bad_reference_files_are_reported(
    content: str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "reference.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        annex_e.load_reference(path)
    assert str(caught.value) == message.format(path=path)
    assert annex_e.main([str(path)]) == 2
    assert capsys.readouterr().err == message.format(path=path) + "\n"
