"""Decoding: the golden sample table, lossless pairs, and every error path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.samples import SAMPLES, Sample, package_file
from viewer.errors import (
    ImageDecodeError,
    ImageError,
    ImageNotFoundError,
    ImageTooLargeError,
    UnsupportedImageError,
)
from viewer.imaging.frames import decode_frame
from viewer.imaging.header import read_header


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_golden_samples(sample: Sample) -> None:
    header, frame = decode_frame(sample.path)
    assert (header.rows, header.columns, header.frames) == (
        sample.rows, sample.columns, sample.frames,
    )
    assert header.photometric_interpretation == sample.photometric
    assert header.transfer_syntax_uid == sample.transfer_syntax_uid
    mm = header.calibration.summary_mm_per_pixel()
    if sample.mm_per_pixel is None:
        assert mm is None
    else:
        assert mm == pytest.approx((sample.mm_per_pixel, sample.mm_per_pixel), rel=1e-5)
    assert frame.dtype == np.uint8
    assert frame.shape[:2] == (sample.rows, sample.columns)
    # Lossy JPEG decoders may differ by a grey level or two; lossless files must not.
    lossy = sample.transfer_syntax_uid == "1.2.840.10008.1.2.4.50"
    assert float(frame.mean()) == pytest.approx(sample.mean, abs=0.05 if lossy else 0.005)
    row, column, value = sample.pixel
    assert np.allclose(frame[row, column], value, atol=2 if lossy else 0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("data/US1_UNCR.dcm", "data/US1_J2KR.dcm"),
        ("data/gdcm-US-ALOKA-16.dcm", "data/gdcm-US-ALOKA-16_big.dcm"),
        ("data/OBXXXX1A.dcm", "data/OBXXXX1A_rle.dcm"),
    ],
)
def test_lossless_pairs_agree_exactly(first: str, second: str) -> None:
    _, a = decode_frame(package_file("data_store", first))
    _, b = decode_frame(package_file("data_store", second))
    assert np.array_equal(a, b)


def test_multiframe_frames_differ_and_range_is_checked() -> None:
    path = package_file("data_store", "data/color3d_jpeg_baseline.dcm")
    _, first = decode_frame(path, 0)
    _, later = decode_frame(path, 60)
    assert not np.array_equal(first, later)
    with pytest.raises(ImageError) as info:
        decode_frame(path, 120)
    assert str(info.value) == f"{path}: has frames 0 to 119, frame 120 was asked for"


def test_png_and_jpeg(tmp_path: Path) -> None:
    from PIL import Image

    grey = np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) % 256
    Image.fromarray(grey.astype(np.uint8)).save(tmp_path / "g.png")
    Image.fromarray(np.dstack([grey.astype(np.uint8)] * 3)).save(tmp_path / "c.jpg", quality=95)
    header, frame = decode_frame(tmp_path / "g.png")
    assert header.format == "png" and frame.shape == (32, 64)
    assert np.array_equal(frame, grey.astype(np.uint8))
    header, frame = decode_frame(tmp_path / "c.jpg")
    assert header.format == "jpeg" and frame.shape == (32, 64, 3)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFoundError) as info:
        decode_frame(tmp_path / "nope.dcm")
    assert str(info.value) == f"{tmp_path / 'nope.dcm'}: file not found"


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("hello")
    with pytest.raises(UnsupportedImageError) as info:
        decode_frame(path)
    assert str(info.value) == (
        f"{path}: not a DICOM (no 'DICM' marker at byte 128), PNG or JPEG file"
    )
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    with pytest.raises(UnsupportedImageError, match="file is empty, expected DICOM, PNG or JPEG"):
        decode_frame(empty)


def _copy_with(tmp_path: Path, **changes: object) -> Path:
    ds = pydicom.dcmread(package_file("data_store", "data/US1_UNCR.dcm"))
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    out = tmp_path / "changed.dcm"
    ds.save_as(out)
    return out


def test_no_pixel_data(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, PixelData=None)
    with pytest.raises(UnsupportedImageError) as info:
        decode_frame(path)
    assert str(info.value) == f"{path}: DICOM file has no pixel data"


def test_absurd_dimensions_refused_before_decoding(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, Rows=60000, Columns=60000)
    with pytest.raises(ImageTooLargeError) as info:
        read_header(path)
    assert str(info.value) == (
        f"{path}: declares 60000x60000 pixels; at most 16384 per side is accepted"
    )
    path = _copy_with(tmp_path, NumberOfFrames=5000)
    with pytest.raises(ImageTooLargeError) as info:
        read_header(path)
    assert str(info.value) == (
        f"{path}: declares 5000 frames of 640x480 pixels (4395 MiB decoded); "
        "at most 1024 MiB is accepted"
    )


def test_truncated_pixel_data(tmp_path: Path) -> None:
    source = package_file("data_store", "data/US1_UNCR.dcm")
    path = tmp_path / "cut.dcm"
    path.write_bytes(source.read_bytes()[:500_000])
    with pytest.raises(ImageDecodeError, match=r"pixel data is truncated \(The number of bytes"):
        decode_frame(path)


def test_no_decoder_for_transfer_syntax(tmp_path: Path) -> None:
    # An encapsulated file relabelled as MPEG-2 video: no pixel decoder exists for it.
    ds = pydicom.dcmread(package_file("data_store", "data/US1_J2KR.dcm"))
    ds.file_meta.TransferSyntaxUID = pydicom.uid.MPEG2MPML
    path = tmp_path / "mpeg2.dcm"
    ds.save_as(path)
    with pytest.raises(UnsupportedImageError) as info:
        decode_frame(path)
    assert str(info.value).startswith(
        f"{path}: no installed decoder for transfer syntax MPEG2 Main Profile / Main Level "
        "(1.2.840.10008.1.2.4.100)"
    )


def test_no_rows(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, Rows=None)
    with pytest.raises(UnsupportedImageError) as info:
        read_header(path)
    assert str(info.value) == f"{path}: DICOM file has no Rows; it holds no image"
