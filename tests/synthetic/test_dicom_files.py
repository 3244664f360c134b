"""Generated files are valid DICOM of their kind, checked by an independent validator
(dicom3tools' ``dciodvfy``), and their UIDs are stable."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest

from viewer.synthetic import bundled_case
from viewer.synthetic.dicom_files import uid

DCIODVFY = shutil.which("dciodvfy")
needs_dciodvfy = pytest.mark.skipif(
    DCIODVFY is None and os.environ.get("CI") != "true",
    reason="dciodvfy not found (Debian package dicom3tools)",
)

SOP_CLASSES = {
    "A": "Ultrasound Image Storage",
    "B": "Secondary Capture Image Storage",
    "F": "Ultrasound Image Storage",
    "G": "Digital Mammography X-Ray Image Storage - For Presentation",
}


@needs_dciodvfy
def test_dciodvfy_finds_no_errors(built: tuple[Path, bundled_case.BuildReport]) -> None:
    assert DCIODVFY is not None, "CI=true requires dciodvfy (install dicom3tools)"
    folder, report = built
    for image in report.images:
        done = subprocess.run(
            [DCIODVFY, str(folder / image.file)], capture_output=True, text=True, check=False
        )
        lines = (done.stdout + done.stderr).splitlines()
        errors = [line for line in lines if line.startswith("Error")]
        assert errors == [], f"{image.file}: {errors}"
        # Empty study date, time and ID are deliberate (no invented dates): they only
        # matter for building a DICOMDIR.
        warnings = [
            line for line in lines if line.startswith("Warning") and "DICOMDIR" not in line
        ]
        assert warnings == [], f"{image.file}: {warnings}"


def test_sop_classes(built: tuple[Path, bundled_case.BuildReport]) -> None:
    folder, report = built
    by_panel = {image.panel: pydicom.dcmread(folder / image.file) for image in report.images}
    for panel, name in SOP_CLASSES.items():
        assert by_panel[panel].SOPClassUID.name == name
    us = by_panel["A"]
    assert us.SequenceOfUltrasoundRegions[0].PhysicalDeltaX == pytest.approx(0.008)
    assert us.PhotometricInterpretation == "MONOCHROME2"
    assert by_panel["F"].PhotometricInterpretation == "RGB"
    assert [r.RegionDataType for r in by_panel["F"].SequenceOfUltrasoundRegions] == [1, 2]
    assert len(by_panel["E"].SequenceOfUltrasoundRegions) == 2
    mg = by_panel["G"]
    assert float(mg.PixelSpacing[0]) == pytest.approx(0.085 / 1.8, rel=1e-4)
    assert float(mg.ImagerPixelSpacing[0]) == pytest.approx(0.085)
    assert mg.ViewCodeSequence[0].CodeMeaning == "cranio-caudal"
    assert by_panel["H"].ConversionType == "SYN"


def test_uids_are_stable_and_distinct() -> None:
    assert uid("c", "A", "instance") == uid("c", "A", "instance")
    assert uid("c", "A", "instance") != uid("c", "A", "series")
    assert uid("c", "A", "instance") != uid("d", "A", "instance")
    value = uid("scar-carcinoma", "A", "instance")
    assert len(value) <= 64
    # Pinned: changing it would give every generated file new UIDs.
    assert value == "2.25.181860051554974926181471672296266902566"
