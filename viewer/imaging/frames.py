"""Decoding stored pixels into display frames: uint8 greyscale (H, W) or RGB (H, W, 3).

DICOM goes through pydicom's pixel API and its decoder plugins (colour conversion and
palette lookup included); PNG and JPEG through Pillow. The steps are pure array-to-array
functions so the CLI, the app and the exporter share them unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_color_lut, apply_modality_lut, apply_voi
from pydicom.pixels.utils import pixel_array

from viewer.errors import ImageDecodeError, ImageError, UnsupportedImageError
from viewer.imaging.header import (
    ImageHeader,
    header_from_dataset,
    read_dataset,
    read_header,
    sniff_format,
)

Frame = NDArray[np.uint8]
"""A display frame: (rows, columns) greyscale or (rows, columns, 3) RGB, uint8."""


def to_uint8(values: NDArray[np.generic], bits: int) -> Frame:
    """Scale integer samples of ``bits`` bits to 0-255, rounding to nearest."""
    if values.dtype == np.uint8:
        return values.astype(np.uint8, copy=False)
    top = float((1 << bits) - 1)
    scaled = np.clip(values.astype(np.float64), 0, top) * (255.0 / top)
    return np.rint(scaled).astype(np.uint8)


def window_to_uint8(
    values: NDArray[np.generic], value_range: tuple[float, float] | None = None
) -> Frame:
    """Stretch ``value_range`` (default: the array's own min and max) onto 0-255."""
    low, high = value_range or (float(values.min()), float(values.max()))
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values.astype(np.float64) - low) * (255.0 / (high - low))
    return np.rint(scaled).astype(np.uint8)


def window_level_to_uint8(
    values: NDArray[np.generic], center: float, width: float, function: str = "LINEAR"
) -> Frame:
    """Map a VOI window (PS3.3 C.11.2.1.2-3) onto 0-255, rounding to nearest.

    The window's output range is the display range: values below it are 0, above it 255,
    whatever the frame's own minimum and maximum are.
    """
    v = values.astype(np.float64)
    if function == "SIGMOID":
        if width <= 0:
            return window_to_uint8(values)
        return np.rint(255.0 / (1.0 + np.exp(-4.0 * (v - center) / width))).astype(np.uint8)
    if function == "LINEAR_EXACT":
        if width <= 0:
            return window_to_uint8(values)
    else:  # LINEAR, the default
        if width < 1:
            return window_to_uint8(values)
        center, width = center - 0.5, width - 1.0
    if width == 0:  # a LINEAR window of width 1 is a threshold
        return np.where(v <= center, 0, 255).astype(np.uint8)
    scaled = np.clip(((v - center) / width + 0.5) * 255.0, 0.0, 255.0)
    return np.rint(scaled).astype(np.uint8)


def _first(value: Any) -> float:
    """The first value of a DS element that may hold several (the default view)."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        value = value[0]
    return float(value)


def _via_table(values: NDArray[np.generic], ds: Dataset) -> Frame | None:
    """For integer pixels, map each distinct stored value once and index (much cheaper
    than mapping every pixel in floating point); None when that does not apply."""
    if values.dtype.kind not in "iu" or values.size == 0:
        return None
    indices = cast("NDArray[np.integer[Any]]", values)
    windowed = "VOILUTSequence" in ds or ds.get("WindowCenter") is not None
    if windowed and values.dtype in (np.uint8, np.uint16):
        # A window does not depend on the frame's range: skip scanning the pixels.
        count = 256 if values.dtype == np.uint8 else 65536
        domain = np.arange(count, dtype=np.uint32).astype(values.dtype)
        full: Frame = np.take(_voi_values_to_uint8(domain, ds, (0.0, count - 1.0)), indices)
        return full
    low, high = int(values.min()), int(values.max())
    if high - low > 65535:
        return None
    if values.dtype in (np.uint8, np.uint16):  # index with the stored values directly
        domain = np.arange(high + 1, dtype=np.uint32).astype(values.dtype)
        table = _voi_values_to_uint8(domain, ds, (float(low), float(high)))
        direct: Frame = np.take(table, indices)
        return direct
    domain = np.arange(low, high + 1, dtype=np.int64)
    table = _voi_values_to_uint8(domain, ds, (float(low), float(high)))
    # Offsets from the lowest value fit in 32 bits (the range is at most 65535 here).
    offsets = np.subtract(values, low, dtype=np.int32, casting="unsafe")
    mapped: Frame = np.take(table, offsets)
    return mapped


def _greyscale_via_table(arr: NDArray[np.generic], ds: Dataset) -> Frame | None:
    """Modality LUT or rescale, then VOI, as one table over the stored values present,
    indexed once (the whole chain costs one pass over the pixels); None when the stored
    values are not integers or span more than 65536 values."""
    if arr.dtype.kind not in "iu" or arr.size == 0:
        return None
    low, high = int(arr.min()), int(arr.max())
    if high - low > 65535:
        return None
    domain = np.arange(low, high + 1, dtype=np.int64)
    modality = apply_modality_lut(domain, ds)
    windowed = "VOILUTSequence" in ds or ds.get("WindowCenter") is not None
    if arr.dtype in (np.uint8, np.uint16) and low == 0:
        offsets: NDArray[Any] = arr  # the stored values index the table directly
    else:
        offsets = np.subtract(arr, low, dtype=np.int32, casting="unsafe")
    if windowed:
        value_range = (0.0, 1.0)  # unused: a window does not depend on the frame
    else:
        # Min-max of the modality values of the stored values actually present.
        present = np.bincount(offsets.ravel(), minlength=domain.size) > 0
        used = modality[present]
        value_range = (float(used.min()), float(used.max()))
    table = _voi_values_to_uint8(modality, ds, value_range)
    grey: Frame = np.take(table, offsets)
    return grey


def _voi_to_uint8(values: NDArray[np.generic], ds: Dataset) -> Frame:
    """The first VOI LUT or window of the file onto 0-255; else the frame's min-max."""
    mapped = _via_table(values, ds)
    if mapped is not None:
        return mapped
    return _voi_values_to_uint8(values, ds, (float(values.min()), float(values.max())))


def _voi_values_to_uint8(
    values: NDArray[np.generic], ds: Dataset, value_range: tuple[float, float]
) -> Frame:
    """The VOI step on ``values``; ``value_range`` is the whole frame's (for min-max)."""
    voi = ds.get("VOILUTSequence")
    if voi and "LUTDescriptor" in voi[0] and "LUTData" in voi[0]:
        bits = int(voi[0].LUTDescriptor[2])
        return to_uint8(apply_voi(values, ds), bits)
    if ds.get("WindowCenter") is not None and ds.get("WindowWidth") is not None:
        function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
        return window_level_to_uint8(
            values, _first(ds.WindowCenter), _first(ds.WindowWidth), function
        )
    return window_to_uint8(values, value_range)


_PALETTE_COLOURS = ("Red", "Green", "Blue")


def _palette_to_rgb(arr: NDArray[np.generic], ds: Dataset) -> Frame:
    """PALETTE COLOR through the file's lookup tables, as uint8 RGB.

    pydicom reads (non-segmented) table data in the machine's byte order, so the tables of
    a big-endian file are byte-swapped first. 16-bit entries keep their high byte, which is
    exact for 8-bit colours stored either as v * 256 or as v * 257 (and is what dcmtk shows).
    """
    tables = ds
    little_endian = ds.original_encoding[1]
    if little_endian is False and "RedPaletteColorLookupTableData" in ds:
        tables = Dataset()
        for colour in _PALETTE_COLOURS:
            descriptor = f"{colour}PaletteColorLookupTableDescriptor"
            data = bytes(ds[f"{colour}PaletteColorLookupTableData"].value)
            entries = int(ds[descriptor].value[0]) or 1 << 16
            if len(data) == 2 * entries:
                data = np.frombuffer(data, dtype=">u2").astype(np.uint16).tobytes()
            setattr(tables, descriptor, ds[descriptor].value)
            setattr(tables, f"{colour}PaletteColorLookupTableData", data)
    if arr.dtype in (np.uint8, np.uint16):
        # Look every possible stored value up once, then index: far cheaper than applying
        # the tables to every pixel and converting the 16-bit result afterwards.
        count = 256 if arr.dtype == np.uint8 else 65536
        values = np.arange(count, dtype=np.uint32).astype(arr.dtype).reshape(1, -1)
        table = _rgb_entries_to_uint8(apply_color_lut(values, tables)[0, :, :3], ds)
        indexed: Frame = np.take(table, cast("NDArray[np.integer[Any]]", arr), axis=0)
        return indexed
    return _rgb_entries_to_uint8(apply_color_lut(arr, tables)[..., :3], ds)


def _rgb_entries_to_uint8(lut: NDArray[np.generic], ds: Dataset) -> Frame:
    if lut.dtype == np.uint8:  # 8-bit table data
        return lut.astype(np.uint8, copy=False)
    rgb = lut.astype(np.uint16, copy=False)
    if int(ds.RedPaletteColorLookupTableDescriptor[2]) > 8:
        return (rgb >> 8).astype(np.uint8)
    return np.minimum(rgb, 255).astype(np.uint8)  # 8-bit entries, maybe stored in 16 bits


def _dicom_frame(ds: Dataset, header: ImageHeader, frame: int) -> Frame:
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise UnsupportedImageError(header.path, "DICOM file has no pixel data")
    photometric = header.photometric_interpretation or ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = pixel_array(ds, index=frame if header.frames > 1 else None)
    if photometric == "PALETTE COLOR":
        return _palette_to_rgb(arr, ds)
    if arr.ndim == 3:  # RGB (pydicom has already converted YBR_* to RGB)
        return to_uint8(arr, header.bits_allocated if arr.dtype != np.uint8 else 8)
    if (
        arr.dtype == np.uint8
        and photometric == "MONOCHROME2"
        and "VOILUTSequence" not in ds
        and "WindowCenter" not in ds
    ):
        return arr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grey = _greyscale_via_table(arr, ds)
        if grey is None:
            grey = _voi_to_uint8(apply_modality_lut(arr, ds), ds)
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
    path = Path(path)
    if sniff_format(path) != "dicom":
        header = read_header(path)
        _check_frame(header, frame)
        return header, _raster_frame(header)
    # One read of the file: the header checks (sizes included) run before any decoding.
    ds = read_dataset(path, pixels=True)
    header = header_from_dataset(path, ds)
    _check_frame(header, frame)
    return header, dicom_frame(ds, header, frame)


def _check_frame(header: ImageHeader, frame: int) -> None:
    if not 0 <= frame < header.frames:
        raise ImageError(
            header.path, f"has frames 0 to {header.frames - 1}, frame {frame} was asked for"
        )


def _decoder_error(header: ImageHeader, exc: Exception) -> ImageError:
    """A one-line error for a failed pixel decoder, keeping every plugin's reason (pydicom
    gives one per line). No decoder for the transfer syntax, or none for this variant of it
    (12-bit JPEG, say), is UnsupportedImageError; decoders that reject the data, as corrupt,
    is ImageDecodeError."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    summary, reasons = (lines[0] if lines else type(exc).__name__), lines[1:]
    text = f"{summary.rstrip(':')}: {'; '.join(reasons)}" if reasons else summary
    if "raised by all available plugins" in summary and not all(
        "not support" in reason for reason in reasons
    ):
        return ImageDecodeError(header.path, f"pixel data cannot be decoded ({'; '.join(reasons)})")
    if "plugin" in text or "decod" in text.lower() or "support" in text.lower():
        return UnsupportedImageError(
            header.path,
            f"no installed decoder for transfer syntax {header.transfer_syntax} "
            f"({header.transfer_syntax_uid}): {text}",
        )
    return ImageDecodeError(header.path, f"pixel data cannot be decoded ({text})")


def dicom_frame(ds: Dataset, header: ImageHeader, frame: int) -> Frame:
    """One display frame of a DICOM dataset read with its pixels (see :func:`decode_frame`).

    Decoder failures become viewer errors that name the file and the reason.
    """
    try:
        return _dicom_frame(ds, header, frame)
    except ImageError:
        raise
    except (NotImplementedError, RuntimeError) as exc:
        raise _decoder_error(header, exc) from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, EOFError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "less than expected" in text or "truncat" in text.lower() or "insufficient" in text:
            raise ImageDecodeError(header.path, f"pixel data is truncated ({text})") from None
        raise ImageDecodeError(header.path, f"pixel data cannot be decoded ({text})") from None
