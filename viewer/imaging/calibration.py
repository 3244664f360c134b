"""Physical calibration of an image: ultrasound regions and pixel spacing, in mm per pixel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

# PS3.3 C.8.5.5.1.15: PhysicalUnitsXDirection / YDirection code 3 means centimetres.
_UNITS_CM = 3
# RegionSpatialFormat 0 is "none": text, graphics or a colour bar, not an image region.
_SPATIAL_NONE = 0
# RegionDataType 1 is tissue, 2 colour flow (PS3.3 C.8.5.5.1.2).
REGION_DATA_TYPES = {
    0: "none",
    1: "tissue",
    2: "color flow",
    3: "PW spectral Doppler",
    4: "CW spectral Doppler",
    5: "Doppler mean trace",
    6: "Doppler mode trace",
    7: "Doppler max trace",
    8: "volume trace",
    10: "ECG trace",
    11: "pulse trace",
    12: "phonocardiogram trace",
    13: "gray bar",
    14: "color bar",
    15: "integrated backscatter",
    16: "area trace",
    17: "d(area)/dt",
    18: "other physiological input",
}


@dataclass(frozen=True)
class UltrasoundRegion:
    """One item of SequenceOfUltrasoundRegions, with its corners in pixels (max inclusive)."""

    RegionLocationMinX0: int
    RegionLocationMinY0: int
    RegionLocationMaxX1: int
    RegionLocationMaxY1: int
    RegionSpatialFormat: int
    RegionDataType: int
    PhysicalUnitsXDirection: int
    PhysicalUnitsYDirection: int
    PhysicalDeltaX: float
    PhysicalDeltaY: float

    @property
    def is_spatial(self) -> bool:
        return self.RegionSpatialFormat != _SPATIAL_NONE

    @property
    def mm_per_pixel(self) -> tuple[float, float] | None:
        """(x, y) millimetres per pixel, or None when the region is not in centimetres."""
        if (
            self.PhysicalUnitsXDirection == _UNITS_CM
            and self.PhysicalUnitsYDirection == _UNITS_CM
            and self.PhysicalDeltaX > 0
            and self.PhysicalDeltaY > 0
        ):
            return (abs(self.PhysicalDeltaX) * 10.0, abs(self.PhysicalDeltaY) * 10.0)
        return None

    def contains(self, x_px: float, y_px: float) -> bool:
        return (
            self.RegionLocationMinX0 <= x_px <= self.RegionLocationMaxX1 + 1
            and self.RegionLocationMinY0 <= y_px <= self.RegionLocationMaxY1 + 1
        )

    def fits(self, columns: int, rows: int) -> bool:
        return (
            0 <= self.RegionLocationMinX0 <= self.RegionLocationMaxX1 < columns
            and 0 <= self.RegionLocationMinY0 <= self.RegionLocationMaxY1 < rows
        )

    def as_info(self) -> dict[str, Any]:
        return {
            "data_type": REGION_DATA_TYPES.get(self.RegionDataType, str(self.RegionDataType)),
            "box_px": [
                self.RegionLocationMinX0,
                self.RegionLocationMinY0,
                self.RegionLocationMaxX1,
                self.RegionLocationMaxY1,
            ],
            "mm_per_pixel": list(self.mm_per_pixel) if self.mm_per_pixel else None,
        }


def regions_from_items(
    items: Sequence[Any], columns: int, rows: int
) -> tuple[tuple[UltrasoundRegion, ...], tuple[str, ...]]:
    """Read region items (pydicom Datasets); regions that do not fit the image are left out.

    Returns the regions kept and one warning per region left out.
    """
    kept: list[UltrasoundRegion] = []
    warnings: list[str] = []
    for index, item in enumerate(items):
        try:
            region = UltrasoundRegion(
                RegionLocationMinX0=int(item.RegionLocationMinX0),
                RegionLocationMinY0=int(item.RegionLocationMinY0),
                RegionLocationMaxX1=int(item.RegionLocationMaxX1),
                RegionLocationMaxY1=int(item.RegionLocationMaxY1),
                RegionSpatialFormat=int(item.get("RegionSpatialFormat", 0)),
                RegionDataType=int(item.get("RegionDataType", 0)),
                PhysicalUnitsXDirection=int(item.get("PhysicalUnitsXDirection", 0)),
                PhysicalUnitsYDirection=int(item.get("PhysicalUnitsYDirection", 0)),
                PhysicalDeltaX=float(item.get("PhysicalDeltaX", 0.0)),
                PhysicalDeltaY=float(item.get("PhysicalDeltaY", 0.0)),
            )
        except (AttributeError, TypeError, ValueError) as exc:
            warnings.append(f"SequenceOfUltrasoundRegions[{index}]: unreadable ({exc})")
            continue
        if not region.fits(columns, rows) and region.fits(columns + 1, rows + 1):
            # Some vendors (Philips among them) put MaxX1/MaxY1 one past the last pixel.
            region = replace(
                region,
                RegionLocationMaxX1=min(region.RegionLocationMaxX1, columns - 1),
                RegionLocationMaxY1=min(region.RegionLocationMaxY1, rows - 1),
            )
        if not region.fits(columns, rows):
            warnings.append(
                f"SequenceOfUltrasoundRegions[{index}]: region "
                f"({region.RegionLocationMinX0}, {region.RegionLocationMinY0})-"
                f"({region.RegionLocationMaxX1}, {region.RegionLocationMaxY1}) does not fit "
                f"inside the {columns}x{rows} image; ignored"
            )
            continue
        kept.append(region)
    return tuple(kept), tuple(warnings)


@dataclass(frozen=True)
class Calibration:
    """How pixel distances become millimetres for one image."""

    regions: tuple[UltrasoundRegion, ...] = ()
    mm_per_pixel_xy: tuple[float, float] | None = None
    """Whole-image spacing (PixelSpacing, ImagerPixelSpacing or the manifest), when no regions."""

    @property
    def calibrated_regions(self) -> tuple[UltrasoundRegion, ...]:
        return tuple(r for r in self.regions if r.is_spatial and r.mm_per_pixel is not None)

    @property
    def is_calibrated(self) -> bool:
        return self.mm_per_pixel_xy is not None or bool(self.calibrated_regions)

    def summary_mm_per_pixel(self) -> tuple[float, float] | None:
        """One (x, y) figure for the image: the spacing, or the first calibrated region's."""
        if self.mm_per_pixel_xy is not None:
            return self.mm_per_pixel_xy
        regions = self.calibrated_regions
        return regions[0].mm_per_pixel if regions else None

    def region_of(self, x_px: float, y_px: float) -> UltrasoundRegion | None:
        return next((r for r in self.calibrated_regions if r.contains(x_px, y_px)), None)

    def distance_mm(
        self, start_px: tuple[float, float], end_px: tuple[float, float]
    ) -> float | None:
        """Distance between two points in mm; None when uncalibrated.

        Raises ValueError when the points lie in different ultrasound regions (split screens
        are calibrated per half) or outside every calibrated region.
        """
        scale: tuple[float, float] | None
        if self.calibrated_regions:
            first, second = self.region_of(*start_px), self.region_of(*end_px)
            if first is None or second is None:
                raise ValueError("caliper end lies outside every calibrated ultrasound region")
            if first != second:
                raise ValueError("caliper spans two ultrasound regions; measure within one")
            scale = first.mm_per_pixel
        else:
            scale = self.mm_per_pixel_xy
        if scale is None:
            return None
        dx_mm = (end_px[0] - start_px[0]) * scale[0]
        dy_mm = (end_px[1] - start_px[1]) * scale[1]
        return float((dx_mm**2 + dy_mm**2) ** 0.5)
