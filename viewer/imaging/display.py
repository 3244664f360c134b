"""From decoded frame to what the screen shows: burned-in text hidden, encoded for the web."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from viewer.imaging.calibration import UltrasoundRegion
from viewer.imaging.frames import Frame


def hide_outside_regions(frame: Frame, regions: tuple[UltrasoundRegion, ...]) -> Frame:
    """Black out every pixel outside the image regions of SequenceOfUltrasoundRegions.

    Scanners burn patient names, dates and settings into the pixels around the image
    regions; this keeps every declared region (tissue, Doppler, spectra, grey and colour
    bars) and blanks the rest. Without regions the frame is returned unchanged.
    """
    if not regions:
        return frame
    # Copy each region into a blank frame: a few block copies, no full-size mask.
    out = np.zeros_like(frame)
    for r in regions:
        rows = slice(r.RegionLocationMinY0, r.RegionLocationMaxY1 + 1)
        columns = slice(r.RegionLocationMinX0, r.RegionLocationMaxX1 + 1)
        out[rows, columns] = frame[rows, columns]
    return out


def encode_png(frame: Frame) -> bytes:
    """Lossless PNG bytes of a display frame."""
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def thumbnail_png(frame: Frame, max_side_px: int = 320) -> bytes:
    """A small PNG for the case library."""
    image = Image.fromarray(frame)
    image.thumbnail((max_side_px, max_side_px), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
