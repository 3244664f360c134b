"""The bundled case's generated images, end to end: ``build`` writes DICOM files and the
manifest entries; the viewer's own loader and calibration then measure what the captions
say. The case is built once per session into a copy of the bundled case."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.conftest import BUNDLED
from viewer.cases.loader import LoadedCase, load_case
from viewer.cases.model import Arrow, Caliper, GeneratedProvenance, Role
from viewer.imaging.frames import decode_frame
from viewer.synthetic import bundled_case

CAPTION_SIZES_MM = {"A": 12.0, "C": 15.0, "D": 10.0, "G": 4.0}
"""A: "measuring 12 mm"; D: "shrank from 15 millimeters ... to 10"; G: the 4 mm mass."""


@pytest.fixture(scope="session")
def loaded(built: tuple[Path, bundled_case.BuildReport]) -> LoadedCase:
    return load_case(built[0], decode=True)


def _primary(loaded: LoadedCase, panel: str) -> tuple[int, int]:
    step_index = next(i for i, s in enumerate(loaded.case.steps) if s.panel == panel)
    image_index = next(
        j for j, im in enumerate(loaded.case.steps[step_index].images) if im.role is Role.PRIMARY
    )
    return step_index, image_index


def test_every_panel_has_a_generated_primary_image(loaded: LoadedCase) -> None:
    for step in loaded.case.steps:
        primary = [im for im in step.images if im.role is Role.PRIMARY]
        assert len(primary) == 1, step.panel
        assert isinstance(primary[0].provenance, GeneratedProvenance)
        assert primary[0].file.startswith("images/generated/")
        assert primary[0].hide_burned_in_text is False


@pytest.mark.parametrize(("panel", "size_mm"), sorted(CAPTION_SIZES_MM.items()))
def test_callipers_measure_what_the_captions_say(
    loaded: LoadedCase, panel: str, size_mm: float
) -> None:
    key = _primary(loaded, panel)
    ref = loaded.case.steps[key[0]].images[key[1]]
    callipers = [a for a in ref.annotations if isinstance(a, Caliper)]
    assert len(callipers) == 1
    measured = loaded.image(*key).calibration.distance_mm(
        callipers[0].start_px, callipers[0].end_px
    )
    assert measured is not None
    assert measured == pytest.approx(size_mm, abs=0.5)


def test_annotations_lie_inside_their_images(loaded: LoadedCase) -> None:
    for (step_index, image_index), resolved in loaded.images.items():
        ref = loaded.case.steps[step_index].images[image_index]
        if not isinstance(ref.provenance, GeneratedProvenance):
            continue
        for annotation in ref.annotations:
            for x, y in annotation.points_px():
                assert 0 <= x <= resolved.header.columns and 0 <= y <= resolved.header.rows


def test_caption_arrows(loaded: LoadedCase) -> None:
    """C: a thin arrow (thickened skin) and a thick arrow (anechoic portion); E: arrows in
    each half of the split screen; F: an arrow on the vessel."""
    def arrows(panel: str) -> list[Arrow]:
        s, i = _primary(loaded, panel)
        return [a for a in loaded.case.steps[s].images[i].annotations if isinstance(a, Arrow)]

    assert sorted(a.style for a in arrows("C")) == ["thick", "thin"]
    s, i = _primary(loaded, "E")
    calibration = loaded.image(s, i).calibration
    halves = {calibration.region_of(*a.head_px) for a in arrows("E")}
    assert len(halves) == 2 and None not in halves
    assert len(arrows("F")) == 1
    assert len(arrows("H")) >= 2  # "(arrows)"


def _pixels(loaded: LoadedCase, panel: str) -> np.ndarray:
    s, i = _primary(loaded, panel)
    return decode_frame(loaded.image(s, i).path)[1].astype(np.float64)


def test_the_captions_features_are_in_the_pixels(loaded: LoadedCase) -> None:
    # C: the anechoic portion is dark and the tissue under it brighter than beside it
    # (posterior enhancement); the thick arrow points at that dark region.
    s, i = _primary(loaded, "C")
    thick = next(
        a for a in loaded.case.steps[s].images[i].annotations
        if isinstance(a, Arrow) and a.style == "thick"
    )
    image = _pixels(loaded, "C")
    hx, hy = (round(v) for v in thick.head_px)
    near = image[hy - 25 : hy + 5, hx - 30 : hx]  # the cyst lies up and left of the head
    assert near.min() < 20
    # A: the mass (around the calliper's midpoint) is darker than the gland around it.
    s, i = _primary(loaded, "A")
    caliper = next(a for a in loaded.case.steps[s].images[i].annotations if isinstance(a, Caliper))
    a_img = _pixels(loaded, "A")
    cx, cy = (round((p + q) / 2) for p, q in zip(caliper.start_px, caliper.end_px, strict=True))
    inside = a_img[cy - 10 : cy + 10, cx - 20 : cx + 20].mean()
    assert inside < np.median(a_img[cy + 90 : cy + 150, 100:500])


def test_doppler_colour_only_inside_the_colour_box(loaded: LoadedCase) -> None:
    s, i = _primary(loaded, "F")
    resolved = loaded.image(s, i)
    rgb = decode_frame(resolved.path)[1].astype(int)
    (flow,) = [r for r in resolved.header.regions if r.RegionDataType == 2]
    (tissue,) = [r for r in resolved.header.regions if r.RegionDataType == 1]
    coloured = (np.abs(rgb[..., 0] - rgb[..., 2]) > 40)
    ys, xs = np.nonzero(coloured[: tissue.RegionLocationMaxY1 + 1, : tissue.RegionLocationMaxX1 + 1])
    assert len(xs) > 200
    assert xs.min() >= flow.RegionLocationMinX0 and xs.max() <= flow.RegionLocationMaxX1
    assert ys.min() >= flow.RegionLocationMinY0 and ys.max() <= flow.RegionLocationMaxY1


def test_files_say_they_are_generated_and_carry_no_identity(built: tuple[Path, bundled_case.BuildReport]) -> None:
    folder, report = built
    uids: set[str] = set()
    for image in report.images:
        ds = pydicom.dcmread(folder / image.file)
        assert "GENERATED" in ds.ImageComments
        assert ds.ImageType[0] == "DERIVED"
        assert str(ds.PatientName) == "Generated^Teaching case"
        assert ds.PatientBirthDate == "" and ds.StudyDate == ""
        assert ds.BurnedInAnnotation == "NO"
        uids |= {ds.SOPInstanceUID, ds.SeriesInstanceUID}
        assert ds.SOPInstanceUID.startswith("2.25.")
    assert len(uids) == 2 * len(report.images)


def test_rebuild_is_byte_identical(
    built: tuple[Path, bundled_case.BuildReport], tmp_path: Path
) -> None:
    first, report = built
    second = tmp_path / "scar-carcinoma"
    shutil.copytree(BUNDLED, second, ignore=shutil.ignore_patterns("generated"))
    bundled_case.build(second)
    for image in report.images:
        assert (first / image.file).read_bytes() == (second / image.file).read_bytes(), image.file
    assert (first / "case.toml").read_bytes() == (second / "case.toml").read_bytes()


def test_committed_case_is_what_the_generator_makes(
    built: tuple[Path, bundled_case.BuildReport],
) -> None:
    """The bundled case in the repository is the generator's output: same manifest, and
    pixels equal (or, on another numpy build, within one grey level almost everywhere)."""
    folder, report = built
    assert (BUNDLED / "case.toml").read_text() == (folder / "case.toml").read_text(), (
        "cases/scar-carcinoma/case.toml differs from the generator's: run `viewer build-demo`"
    )
    for image in report.images:
        committed = pydicom.dcmread(BUNDLED / image.file).pixel_array.astype(int)
        fresh = pydicom.dcmread(folder / image.file).pixel_array.astype(int)
        assert committed.shape == fresh.shape
        assert (np.abs(committed - fresh) > 1).mean() < 0.001, image.file


def test_a_failure_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "case"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("generated"))
    before = (folder / "case.toml").read_bytes()

    def broken(panel: str, seed: int = 0) -> bundled_case.PanelImage:
        if panel == "C":
            raise RuntimeError("generator failed")
        return real(panel, seed)

    real = bundled_case.make_panel
    monkeypatch.setattr(bundled_case, "make_panel", broken)
    with pytest.raises(RuntimeError, match="generator failed"):
        bundled_case.build(folder, panels=("A", "B", "C"))
    assert (folder / "case.toml").read_bytes() == before
    assert not (folder / "images" / "generated").exists()


def test_unknown_panel() -> None:
    with pytest.raises(KeyError, match="no generator for panel 'Z'; panels are A, B, C, D, E, F, G, H"):
        bundled_case.make_panel("Z")
