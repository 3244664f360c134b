"""Ultrasound regions: reading, tolerance for a one-pixel overhang, mm per pixel."""

from __future__ import annotations

import pytest

from tests.test_overlay import SPLIT, region
from viewer.imaging.calibration import Calibration


def test_region_one_pixel_overhang_is_clipped() -> None:
    from viewer.imaging.calibration import regions_from_items

    class Item(dict[str, object]):
        __getattr__ = dict.__getitem__

    item = Item(RegionLocationMinX0=0, RegionLocationMinY0=0, RegionLocationMaxX1=100,
                RegionLocationMaxY1=50, RegionSpatialFormat=1, RegionDataType=1,
                PhysicalUnitsXDirection=3, PhysicalUnitsYDirection=3,
                PhysicalDeltaX=0.01, PhysicalDeltaY=0.01)
    kept, warnings = regions_from_items([item], columns=100, rows=60)
    assert kept[0].RegionLocationMaxX1 == 99 and warnings == ()
    item["RegionLocationMaxX1"] = 150
    kept, warnings = regions_from_items([item], columns=100, rows=60)
    assert kept == () and warnings == (
        "SequenceOfUltrasoundRegions[0]: region (0, 0)-(150, 50) does not fit inside the "
        "100x60 image; ignored",
    )
    assert pytest.approx(region(0, 9).mm_per_pixel) == (0.1, 0.1)


def test_distance_within_and_across_regions() -> None:
    assert SPLIT.distance_mm((10, 50), (60, 50)) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="caliper spans two ultrasound regions; measure within one"):
        SPLIT.distance_mm((50, 50), (150, 50))
    with pytest.raises(
        ValueError, match="caliper end lies outside every calibrated ultrasound region"
    ):
        SPLIT.distance_mm((50, 50), (50, 150))
    assert Calibration().distance_mm((0, 0), (3, 4)) is None
    assert Calibration(mm_per_pixel_xy=(0.5, 0.25)).distance_mm((0, 0), (6, 16)) == pytest.approx(5.0)


def test_calliper_agrees_with_the_scanners_own_depth_scale() -> None:
    """GREYSCALE_IMAGE burns a depth scale into its pixels: ticks every 5 mm, 0 to 4 cm.

    Its tick rows (found by reading the pixels: 90, 167, 244, ..., 706) must be 5 mm apart
    by the file's SequenceOfUltrasoundRegions, to within one pixel's worth of mm.
    """
    from tests.samples import package_file
    from viewer.imaging.header import read_header

    calibration = read_header(
        package_file("deid_data", "data/ultrasounds/GREYSCALE_IMAGE.dcm")
    ).calibration
    one_pixel_mm = calibration.summary_mm_per_pixel()[0]  # type: ignore[index]
    assert calibration.distance_mm((920, 90), (920, 706)) == pytest.approx(40.0, abs=one_pixel_mm)
    assert calibration.distance_mm((920, 90), (920, 167)) == pytest.approx(5.0, abs=one_pixel_mm)
