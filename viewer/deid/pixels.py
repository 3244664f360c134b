"""Burned-in text out of the pixels: keep the ultrasound data regions, blank everything else.

Scanners burn the patient's name, ID, dates and the site into the image, outside the areas
that hold ultrasound data. SequenceOfUltrasoundRegions declares those areas (tissue, colour
flow, spectral Doppler, the grey and colour bars); everything outside them is set to the
value that shows black, in every frame. Where a file declares no usable region the author
gives rectangles to blank instead (``--mask``), and the result is shown before and after.

The cleaned pixels are stored uncompressed (pydicom's ``set_pixel_data``): YBR files
decoded to RGB become RGB, lossy sources keep LossyImageCompression "01". BurnedInAnnotation
is set to "NO" only here, after the pixels were cleaned.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.pixels.utils import pixel_array

from viewer.imaging.calibration import UltrasoundRegion, regions_from_items

KEPT_REGION_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17})
"""RegionDataType values whose area is image data, kept: tissue, colour flow, spectral
Doppler and its traces, volume trace, grey bar, colour bar, integrated backscatter, area
traces (PS3.3 C.8.5.5.1.2). ECG, pulse and other physiological traces (10-12, 18) carry no
identifiers either but lie outside the image; they are blanked with the rest."""


@dataclass(frozen=True)
class Rect:
    """A rectangle of pixels, corners inclusive: ``x0 <= x <= x1``, ``y0 <= y <= y1``."""

    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def parse(cls, text: str) -> Rect:
        """``"x0,y0,x1,y1"``; raises ValueError saying what was expected."""
        parts = text.split(",")
        try:
            x0, y0, x1, y1 = (int(p.strip()) for p in parts)
        except ValueError:
            raise ValueError(
                f"expected a rectangle as x0,y0,x1,y1 (four whole numbers), found {text!r}"
            ) from None
        if x1 < x0 or y1 < y0:
            raise ValueError(f"expected x0 <= x1 and y0 <= y1, found {text!r}")
        return cls(x0, y0, x1, y1)

    def fits(self, columns: int, rows: int) -> bool:
        return self.x0 >= 0 and self.y0 >= 0 and self.x1 < columns and self.y1 < rows

    def __str__(self) -> str:
        return f"{self.x0},{self.y0},{self.x1},{self.y1}"


def kept_regions(ds: Dataset) -> tuple[Rect, ...]:
    """The data regions of SequenceOfUltrasoundRegions that fit inside the image."""
    items = ds.get("SequenceOfUltrasoundRegions") or []
    regions, _warnings = regions_from_items(items, int(ds.Columns), int(ds.Rows))
    return tuple(_rect(r) for r in regions if r.RegionDataType in KEPT_REGION_TYPES)


def _rect(region: UltrasoundRegion) -> Rect:
    return Rect(
        region.RegionLocationMinX0,
        region.RegionLocationMinY0,
        region.RegionLocationMaxX1,
        region.RegionLocationMaxY1,
    )


def _black_value(ds: Dataset, arr: NDArray[np.generic]) -> int | NDArray[np.generic]:
    """The stored value that displays black."""
    photometric = str(ds.get("PhotometricInterpretation", ""))
    if photometric == "MONOCHROME1":
        bits = int(ds.get("BitsStored", 8 * arr.dtype.itemsize))
        return (1 << bits) - 1
    if photometric == "PALETTE COLOR":
        red, green, blue = _lut(ds, "Red"), _lut(ds, "Green"), _lut(ds, "Blue")
        if red.size and red.size == green.size == blue.size:
            first = int(ds.RedPaletteColorLookupTableDescriptor[1])
            total = red.astype(np.int64) + green.astype(np.int64) + blue.astype(np.int64)
            darkest = int(np.argmin(total))
            return first + darkest
        return 0
    return 0


def _lut(ds: Dataset, colour: str) -> NDArray[np.generic]:
    data = ds.get(f"{colour}PaletteColorLookupTableData")
    if data is None:
        return np.zeros(0)
    bits = int(ds[f"{colour}PaletteColorLookupTableDescriptor"].value[2])
    return np.frombuffer(bytes(data), dtype=np.uint16 if bits > 8 else np.uint8)


@dataclass(frozen=True)
class Cleaning:
    """What was blanked in one file."""

    kept: tuple[Rect, ...]
    """Data regions kept (everything else blanked), or () when masks were used."""
    blanked: tuple[Rect, ...]
    """Author masks blanked."""
    frames: int
    blanked_fraction: float


def clean_pixels(
    ds: Dataset, *, keep: Sequence[Rect] = (), blank: Sequence[Rect] = ()
) -> tuple[Dataset, Cleaning]:
    """A copy of ``ds`` with everything outside ``keep`` and everything inside ``blank`` set
    to black in every frame; BurnedInAnnotation "NO". ``keep`` empty means keep all but the
    ``blank`` rectangles. Rectangles must fit the image (checked by the caller)."""
    out = ds.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = pixel_array(ds)  # every frame; YBR converted to RGB
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    shaped = arr.reshape((frames, int(ds.Rows), int(ds.Columns), samples)).copy()
    rows, columns = shaped.shape[1:3]
    visible = np.zeros((rows, columns), dtype=bool)
    if keep:
        for r in keep:
            visible[r.y0 : r.y1 + 1, r.x0 : r.x1 + 1] = True
    else:
        visible[:] = True
    for r in blank:
        visible[r.y0 : r.y1 + 1, r.x0 : r.x1 + 1] = False
    shaped[:, ~visible, :] = _black_value(ds, arr)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if samples == 3:
        photometric = "RGB"  # pydicom decoded YBR to RGB
    data = shaped[..., 0] if samples == 1 else shaped
    if frames == 1:
        data = data[0]
    lossy = str(ds.get("LossyImageCompression", "")) == "01" or _lossy_syntax(ds)
    out.set_pixel_data(
        data, photometric, int(ds.get("BitsStored", 8)), generate_instance_uid=False
    )
    if lossy:
        out.LossyImageCompression = "01"
    out.BurnedInAnnotation = "NO"
    cleaning = Cleaning(
        tuple(keep), tuple(blank), frames, float((~visible).sum() / visible.size)
    )
    return out, cleaning


def _lossy_syntax(ds: Dataset) -> bool:
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    return syntax is not None and _is_lossy(syntax)


def _is_lossy(syntax: object) -> bool:
    return str(syntax) in {
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.51",
        "1.2.840.10008.1.2.4.81",
        "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.203",
    }
