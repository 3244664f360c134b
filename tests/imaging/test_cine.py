"""Multi-frame timing and frames prepared for the browser."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset

from tests.samples import package_file
from viewer.imaging.cine import web_frames
from viewer.imaging.header import DEFAULT_FRAME_TIME_MS, frame_durations_ms

LOOP = ("data_store", "data/color3d_jpeg_baseline.dcm")


def _ds(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"FrameTimeVector": [0, 40, 20, 30]}, (40.0, 20.0, 30.0, 30.0)),
        ({"FrameTime": 33.3}, (33.3,) * 4),
        ({"CineRate": 25}, (40.0,) * 4),
        ({"RecommendedDisplayFrameRate": 50}, (20.0,) * 4),
        ({}, (DEFAULT_FRAME_TIME_MS,) * 4),
        ({"FrameTimeVector": [0, 40]}, (40.0,) * 4),  # wrong length: its mean is used
    ],
)
def test_frame_durations(values: dict[str, object], expected: tuple[float, ...]) -> None:
    assert frame_durations_ms(_ds(**values), 4) == pytest.approx(expected)


def test_single_frame_has_no_durations() -> None:
    assert frame_durations_ms(_ds(FrameTime=33.3), 1) == ()


def test_stored_jpeg_frames_sent_as_stored() -> None:
    path = package_file(*LOOP)
    frames = web_frames(path, hide_text=False)
    assert frames.stored_as_is and frames.mimetype == "image/jpeg"
    assert len(frames.frames) == 120
    assert all(frame.startswith(b"\xff\xd8") for frame in frames.frames)
    assert frames.durations_ms == pytest.approx((1000 / 30,) * 120, rel=1e-3)


def test_frames_needing_blanking_are_reencoded(tmp_path: Path) -> None:
    path = package_file(*LOOP)
    frames = web_frames(path, hide_text=True)  # the file declares an ultrasound region
    assert not frames.stored_as_is and frames.mimetype == "image/jpeg"
    assert len(frames.frames) == 120


def test_uncompressed_loop_is_png(tmp_path: Path) -> None:
    ds = pydicom.dcmread(package_file("data_store", "data/OBXXXX1A_2frame.dcm"))
    frames = web_frames(package_file("data_store", "data/OBXXXX1A_2frame.dcm"), hide_text=True)
    assert frames.mimetype == "image/png" and len(frames.frames) == int(ds.NumberOfFrames)
