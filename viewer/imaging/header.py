"""What an image file declares about itself, read without decoding its pixels."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pydicom
from PIL import Image, UnidentifiedImageError
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from viewer.errors import (
    ImageNotFoundError,
    ImageTooLargeError,
    UnsupportedImageError,
)
from viewer.imaging.calibration import Calibration, UltrasoundRegion, regions_from_items

MAX_SIDE_PX = 16_384
"""Largest accepted Rows or Columns."""
MAX_DECODED_BYTES = 1 << 30
"""Largest accepted decoded size of a whole file (all frames), 1 GiB."""

ImageFormat = Literal["dicom", "png", "jpeg"]


@dataclass(frozen=True)
class ImageHeader:
    """Dimensions, colour model, encoding and calibration of one image file."""

    path: Path
    format: ImageFormat
    rows: int
    columns: int
    frames: int
    samples_per_pixel: int
    bits_allocated: int
    photometric_interpretation: str | None = None
    transfer_syntax_uid: str | None = None
    transfer_syntax: str | None = None
    modality: str | None = None
    sop_class: str | None = None
    frame_time_ms: float | None = None
    """Mean time per frame of a multi-frame image, as the file records it."""
    frame_durations_ms: tuple[float, ...] = ()
    """How long each frame of a multi-frame image is shown, in ms (empty for one frame)."""
    calibration: Calibration = field(default_factory=Calibration)
    warnings: tuple[str, ...] = ()

    @property
    def regions(self) -> tuple[UltrasoundRegion, ...]:
        return self.calibration.regions

    def as_info(self) -> dict[str, Any]:
        """The JSON document printed by ``viewer info``."""
        mm = self.calibration.summary_mm_per_pixel()
        return {
            "file": str(self.path),
            "format": self.format,
            "modality": self.modality,
            "sop_class": self.sop_class,
            "rows": self.rows,
            "columns": self.columns,
            "frames": self.frames,
            "samples_per_pixel": self.samples_per_pixel,
            "bits_allocated": self.bits_allocated,
            "photometric_interpretation": self.photometric_interpretation,
            "transfer_syntax": self.transfer_syntax,
            "transfer_syntax_uid": self.transfer_syntax_uid,
            "mm_per_pixel": [round(v, 6) for v in mm] if mm else None,
            "frame_time_ms": self.frame_time_ms,
            "regions": [region.as_info() for region in self.regions],
            "warnings": list(self.warnings),
        }


def sniff_format(path: Path) -> ImageFormat:
    """Tell DICOM, PNG and JPEG apart by their first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(132)
    except FileNotFoundError:
        raise ImageNotFoundError(path, "file not found") from None
    except IsADirectoryError:
        raise UnsupportedImageError(path, "is a folder, expected an image file") from None
    except OSError as exc:
        raise UnsupportedImageError(path, f"cannot be read ({exc.strerror})") from None
    if head[128:132] == b"DICM":
        return "dicom"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if not head:
        raise UnsupportedImageError(path, "file is empty, expected DICOM, PNG or JPEG")
    raise UnsupportedImageError(
        path, "not a DICOM (no 'DICM' marker at byte 128), PNG or JPEG file"
    )


def check_size(path: Path, rows: int, columns: int, frames: int, bytes_per_pixel: int) -> None:
    """Refuse absurd dimensions before any pixel memory is allocated."""
    if rows <= 0 or columns <= 0 or frames <= 0:
        raise UnsupportedImageError(
            path, f"declares an empty image ({columns}x{rows} pixels, {frames} frames)"
        )
    if rows > MAX_SIDE_PX or columns > MAX_SIDE_PX:
        raise ImageTooLargeError(
            path,
            f"declares {columns}x{rows} pixels; at most {MAX_SIDE_PX} per side is accepted",
        )
    size = rows * columns * frames * bytes_per_pixel
    if size > MAX_DECODED_BYTES:
        raise ImageTooLargeError(
            path,
            f"declares {frames} frames of {columns}x{rows} pixels ({size / 2**20:.0f} MiB "
            f"decoded); at most {MAX_DECODED_BYTES // 2**20} MiB is accepted",
        )


def read_dataset(path: Path, *, pixels: bool) -> Dataset:
    """Read a DICOM file with pydicom, turning its failures into viewer errors."""
    try:
        return pydicom.dcmread(path, stop_before_pixels=not pixels)
    except FileNotFoundError:
        raise ImageNotFoundError(path, "file not found") from None
    except InvalidDicomError as exc:
        raise UnsupportedImageError(path, f"not a readable DICOM file ({exc})") from None
    except (OSError, ValueError, EOFError, struct.error, KeyError, TypeError) as exc:
        raise UnsupportedImageError(path, f"DICOM file is damaged ({exc})") from None


DEFAULT_FRAME_TIME_MS = 1000.0 / 30
"""Used for a multi-frame image that records no timing at all."""


def frame_durations_ms(ds: Dataset, frames: int) -> tuple[float, ...]:
    """Per-frame display durations from FrameTimeVector, FrameTime, CineRate or
    RecommendedDisplayFrameRate (in that order); 30 frames/s when none is recorded.

    FrameTimeVector holds, for each frame, the time since the previous one (its first
    entry is 0), so frame i is shown for vector[i + 1] ms; the last frame for the mean.
    """
    if frames <= 1:
        return ()
    vector = ds.get("FrameTimeVector")
    if vector is not None and len(vector) == frames:
        steps = [float(v) for v in list(vector)[1:]]
        if steps and all(v > 0 for v in steps):
            return (*steps, sum(steps) / len(steps))
    mean = _frame_time_ms(ds)
    if mean is None or mean <= 0:
        mean = DEFAULT_FRAME_TIME_MS
    return (mean,) * frames


def _frame_time_ms(ds: Dataset) -> float | None:
    for keyword in ("FrameTime",):
        if keyword in ds and ds[keyword].value not in (None, ""):
            return float(ds[keyword].value)
    if "FrameTimeVector" in ds and ds.FrameTimeVector:
        values = [float(v) for v in ds.FrameTimeVector[1:]] or [float(ds.FrameTimeVector[0])]
        return sum(values) / len(values)
    for keyword in ("CineRate", "RecommendedDisplayFrameRate"):
        if keyword in ds and ds[keyword].value:
            return 1000.0 / float(ds[keyword].value)
    return None


def _dicom_header(path: Path) -> ImageHeader:
    return header_from_dataset(path, read_dataset(path, pixels=False))


def header_from_dataset(path: Path, ds: Dataset) -> ImageHeader:
    """The header of a DICOM dataset already read (with or without its pixel data)."""
    missing = [k for k in ("Rows", "Columns") if k not in ds]
    if missing:
        raise UnsupportedImageError(
            path, f"DICOM file has no {' or '.join(missing)}; it holds no image"
        )
    rows, columns = int(ds.Rows), int(ds.Columns)
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (TypeError, ValueError):
        frames = 1
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    bits = int(ds.get("BitsAllocated", 8) or 8)
    check_size(path, rows, columns, frames, samples * max(1, bits // 8))
    tsyntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    regions: tuple[UltrasoundRegion, ...] = ()
    warnings: tuple[str, ...] = ()
    if "SequenceOfUltrasoundRegions" in ds:
        regions, warnings = regions_from_items(ds.SequenceOfUltrasoundRegions, columns, rows)
    spacing = None
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        value = ds.get(keyword)
        if value is not None and len(value) == 2 and float(value[0]) > 0 and float(value[1]) > 0:
            # PixelSpacing is (row spacing, column spacing) = (y, x).
            spacing = (float(value[1]), float(value[0]))
            break
    sop = ds.get("SOPClassUID")
    return ImageHeader(
        path=path,
        format="dicom",
        rows=rows,
        columns=columns,
        frames=frames,
        samples_per_pixel=samples,
        bits_allocated=bits,
        photometric_interpretation=str(ds.get("PhotometricInterpretation", "")) or None,
        transfer_syntax_uid=str(tsyntax) if tsyntax else None,
        transfer_syntax=tsyntax.name if tsyntax else None,
        modality=str(ds.get("Modality", "")) or None,
        sop_class=sop.name if sop is not None else None,
        frame_time_ms=_frame_time_ms(ds) if frames > 1 else None,
        frame_durations_ms=frame_durations_ms(ds, frames),
        calibration=Calibration(regions=regions, mm_per_pixel_xy=spacing),
        warnings=warnings,
    )


def _png_size(path: Path) -> tuple[int, int] | None:
    """(columns, rows) from a PNG's IHDR chunk, read before Pillow sees the file."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    columns, rows = struct.unpack(">II", head[16:24])
    return int(columns), int(rows)


def _raster_header(path: Path, fmt: ImageFormat) -> ImageHeader:
    if fmt == "png" and (size := _png_size(path)) is not None:
        check_size(path, size[1], size[0], 1, 4)
    try:
        with Image.open(path) as image:
            columns, rows = image.size
            mode = image.mode
            frames = int(getattr(image, "n_frames", 1))
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(path, f"declares too many pixels ({exc})") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnsupportedImageError(path, f"{fmt.upper()} file is damaged ({exc})") from None
    samples = {"L": 1, "1": 1, "I;16": 1, "I": 1, "LA": 2, "RGB": 3, "P": 3}.get(mode, 4)
    check_size(path, rows, columns, frames, samples * (2 if mode.startswith("I") else 1))
    return ImageHeader(
        path=path,
        format=fmt,
        rows=rows,
        columns=columns,
        frames=1,
        samples_per_pixel=samples,
        bits_allocated=16 if mode.startswith("I") else 8,
        photometric_interpretation="MONOCHROME2" if samples == 1 else "RGB",
    )


def read_header(path: Path | str) -> ImageHeader:
    """Read an image's header: DICOM via pydicom, PNG and JPEG via Pillow."""
    path = Path(path)
    fmt = sniff_format(path)
    if fmt == "dicom":
        return _dicom_header(path)
    return _raster_header(path, fmt)
