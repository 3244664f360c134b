"""Decoding stored pixels into display frames: uint8 greyscale (H, W) or RGB (H, W, 3).

DICOM goes through pydicom's pixel API and its decoder plugins (colour conversion and
palette lookup included); PNG and JPEG through Pillow. The steps are pure array-to-array
functions so the CLI, the app and the exporter share them unchanged.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_color_lut, apply_modality_lut, apply_voi_lut
from pydicom.pixels.utils import pixel_array

from viewer.errors import ImageDecodeError, ImageError, UnsupportedImageError
from viewer.imaging.header import ImageHeader, read_dataset, read_header

Frame = NDArray[np.uint8]
"""A display frame: (rows, columns) greyscale or (rows, columns, 3) RGB, uint8."""


def to_uint8(values: NDArray[np.generic], bits: int) -> Frame:
    """Scale integer samples of ``bits`` bits to 0-255, rounding to nearest."""
    if values.dtype == np.uint8:
        return values.astype(np.uint8, copy=False)
    top = float((1 << bits) - 1)
    scaled = np.clip(values.astype(np.float64), 0, top) * (255.0 / top)
    return np.rint(scaled).astype(np.uint8)


def window_to_uint8(values: NDArray[np.generic]) -> Frame:
    """Stretch a greyscale array's full range to 0-255."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values.astype(np.float64) - low) * (255.0 / (high - low))
    return np.rint(scaled).astype(np.uint8)


def _dicom_frame(ds: Dataset, header: ImageHeader, frame: int) -> Frame:
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise UnsupportedImageError(header.path, "DICOM file has no pixel data")
    photometric = header.photometric_interpretation or ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = pixel_array(ds, index=frame if header.frames > 1 else None)
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(arr, ds)
        entry_bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        return to_uint8(rgb, entry_bits)
    if arr.ndim == 3:  # RGB (pydicom has already converted YBR_* to RGB)
        return to_uint8(arr, header.bits_allocated if arr.dtype != np.uint8 else 8)
    if (
        arr.dtype == np.uint8
        and photometric == "MONOCHROME2"
        and "VOILUTSequence" not in ds
        and "WindowCenter" not in ds
    ):
        return arr
    values = apply_voi_lut(apply_modality_lut(arr, ds), ds)
    grey = window_to_uint8(values)
    if photometric == "MONOCHROME1":
        grey = 255 - grey
    return grey


def _raster_frame(header: ImageHeader) -> Frame:
    try:
        with Image.open(header.path) as image:
            image.load()
            mode = image.mode
            if mode in ("I;16", "I;16B", "I"):
                return window_to_uint8(np.asarray(image))
            if mode == "L":
                return np.asarray(image, dtype=np.uint8).copy()
            if mode in ("1", "LA"):
                return np.asarray(image.convert("L"), dtype=np.uint8).copy()
            if (mode in ("RGBA", "PA", "P") and "transparency" in image.info) or mode == "RGBA":
                background = Image.new("RGBA", image.size, (0, 0, 0, 255))
                flat = Image.alpha_composite(background, image.convert("RGBA"))
                return np.asarray(flat.convert("RGB"), dtype=np.uint8).copy()
            return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageDecodeError(header.path, f"pixel data cannot be decoded ({exc})") from None


def decode_frame(path: Path | str, frame: int = 0) -> tuple[ImageHeader, Frame]:
    """Decode one frame of an image for display; errors name the file and the reason."""
    header = read_header(path)
    if not 0 <= frame < header.frames:
        raise ImageError(
            header.path, f"has frames 0 to {header.frames - 1}, frame {frame} was asked for"
        )
    if header.format != "dicom":
        return header, _raster_frame(header)
    ds = read_dataset(header.path, pixels=True)
    try:
        return header, _dicom_frame(ds, header, frame)
    except ImageError:
        raise
    except (NotImplementedError, RuntimeError) as exc:
        text = str(exc)
        if "plugin" in text or "decod" in text.lower() or "support" in text.lower():
            raise UnsupportedImageError(
                header.path,
                f"no installed decoder for transfer syntax {header.transfer_syntax} "
                f"({header.transfer_syntax_uid}): {text.splitlines()[0]}",
            ) from None
        raise ImageDecodeError(header.path, f"pixel data cannot be decoded ({text})") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, EOFError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "less than expected" in text or "truncat" in text.lower() or "insufficient" in text:
            raise ImageDecodeError(header.path, f"pixel data is truncated ({text})") from None
        raise ImageDecodeError(header.path, f"pixel data cannot be decoded ({text})") from None
