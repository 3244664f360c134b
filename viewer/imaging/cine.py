"""Multi-frame images for playback in the browser: every frame as web-ready bytes.

Frames stored as baseline JPEG in YBR_FULL_422 or YBR_FULL go to the browser as they are
stored (its JPEG decoder does the YCbCr to RGB conversion DICOM specifies), unless pixels
must be blanked first. Otherwise each display frame is encoded: PNG for lossless sources,
JPEG at quality 95 for sources that were lossy already.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.encaps import generate_frames
from pydicom.uid import (
    JPEG2000,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLSNearLossless,
)

from viewer.errors import ImageDecodeError
from viewer.imaging.display import encode_png, hide_outside_regions
from viewer.imaging.frames import Frame, dicom_frame
from viewer.imaging.header import ImageHeader, read_dataset, read_header

_BROWSER_JPEG_PHOTOMETRIC = {"YBR_FULL_422", "YBR_FULL"}
_LOSSY_SYNTAXES = {JPEGBaseline8Bit, JPEGExtended12Bit, JPEG2000, JPEGLSNearLossless}


@dataclass(frozen=True)
class WebFrames:
    """All frames of one image, encoded for the browser, with their display durations."""

    frames: tuple[bytes, ...]
    mimetype: str
    durations_ms: tuple[float, ...]
    stored_as_is: bool


def _is_lossy(uid: str | None) -> bool:
    return uid is not None and uid in _LOSSY_SYNTAXES


def _encode_jpeg(frame: Frame) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=95, subsampling=0)
    return buffer.getvalue()


def _stored_jpeg_frames(header: ImageHeader, path: Path) -> tuple[bytes, ...] | None:
    if (
        header.transfer_syntax_uid != JPEGBaseline8Bit
        or header.photometric_interpretation not in _BROWSER_JPEG_PHOTOMETRIC
    ):
        return None
    ds = read_dataset(path, pixels=True)
    try:
        frames = tuple(generate_frames(ds.PixelData, number_of_frames=header.frames))
    except (ValueError, KeyError, TypeError) as exc:
        raise ImageDecodeError(path, f"encapsulated frames cannot be read ({exc})") from None
    return frames if len(frames) == header.frames else None


def web_frames(path: Path | str, hide_text: bool) -> WebFrames:
    """Every frame of a multi-frame image, ready to send to the browser."""
    header = read_header(path)
    path = header.path
    needs_mask = hide_text and bool(header.regions)
    if not needs_mask:
        stored = _stored_jpeg_frames(header, path)
        if stored is not None:
            return WebFrames(stored, "image/jpeg", header.frame_durations_ms, True)
    ds = read_dataset(path, pixels=True)
    lossy = _is_lossy(header.transfer_syntax_uid)
    stored = _stored_jpeg_frames(header, path)
    encoded: list[bytes] = []
    for index in range(header.frames):
        if stored is not None:
            # Pillow decodes these frames exactly as pydicom does (YCbCr to RGB), and faster.
            with Image.open(io.BytesIO(stored[index])) as image:
                frame = np.asarray(image.convert("RGB"), dtype=np.uint8)
        else:
            frame = dicom_frame(ds, header, index)
        if needs_mask:
            frame = hide_outside_regions(frame, header.regions)
        encoded.append(_encode_jpeg(frame) if lossy else encode_png(frame))
    return WebFrames(
        tuple(encoded), "image/jpeg" if lossy else "image/png", header.frame_durations_ms, False
    )
