"""Burned-in text outside the ultrasound regions is hidden; the regions are kept."""

from __future__ import annotations

import numpy as np

from tests.samples import package_file
from viewer.imaging.display import hide_outside_regions
from viewer.imaging.frames import decode_frame


def test_patient_banner_hidden_and_image_kept() -> None:
    header, frame = decode_frame(package_file("deid_data", "data/ultrasounds/GREYSCALE_IMAGE.dcm"))
    assert frame[:38].max() > 0  # the burned-in banner with the test patient's name
    shown = hide_outside_regions(frame, header.regions)
    assert shown[:38].max() == 0
    assert np.array_equal(shown[38:759, 14:1011], frame[38:759, 14:1011])
    assert frame.flags.writeable  # the input is not modified


def test_no_regions_no_change() -> None:
    header, frame = decode_frame(package_file("data_store", "data/US1_UNCR.dcm"))
    assert header.regions == ()
    assert hide_outside_regions(frame, header.regions) is frame
