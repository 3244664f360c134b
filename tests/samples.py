"""Reference table of public sample ultrasound DICOM files used as golden inputs.

Each row names the file inside its installed package (origin), what its header declares,
and spot checks of our display rendering (frame 0): the mean value over all samples and
one pixel. The packages are MIT licensed: pydicom (test files), pydicom-data (files that
pydicom downloads on demand, shipped on PyPI) and deid-data (pydicom's de-identification
test data). Values were recorded from our pipeline and agree between lossless pairs.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path


def package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    return Path(spec.origin).parent / relative


@dataclass(frozen=True)
class Sample:
    package: str
    relative: str
    rows: int
    columns: int
    frames: int
    photometric: str
    transfer_syntax_uid: str
    mm_per_pixel: float | None
    mean: float
    pixel: tuple[int, int, int | list[int]]

    @property
    def path(self) -> Path:
        return package_file(self.package, self.relative)

    @property
    def id(self) -> str:
        return Path(self.relative).stem


SAMPLES = [
    Sample("deid_data", "data/ultrasounds/GREYSCALE_IMAGE.dcm", 768, 1024, 1, "MONOCHROME2",
           "1.2.840.10008.1.2.1", 0.0649047, 20.49, (460, 460, 0)),
    Sample("data_store", "data/US1_UNCR.dcm", 480, 640, 1, "RGB",
           "1.2.840.10008.1.2.1", None, 34.53, (288, 288, [50, 50, 50])),
    Sample("data_store", "data/US1_J2KR.dcm", 480, 640, 1, "YBR_RCT",
           "1.2.840.10008.1.2.4.90", None, 34.53, (288, 288, [50, 50, 50])),
    Sample("data_store", "data/gdcm-US-ALOKA-16.dcm", 480, 640, 1, "PALETTE COLOR",
           "1.2.840.10008.1.2", 0.3826531, 29.73, (288, 288, [3, 3, 3])),
    Sample("data_store", "data/gdcm-US-ALOKA-16_big.dcm", 480, 640, 1, "PALETTE COLOR",
           "1.2.840.10008.1.2.2", 0.3826531, 29.73, (288, 288, [3, 3, 3])),
    Sample("data_store", "data/OBXXXX1A.dcm", 600, 800, 1, "PALETTE COLOR",
           "1.2.840.10008.1.2.1", 0.2622879, 12.42, (360, 360, [1, 1, 1])),
    Sample("data_store", "data/OBXXXX1A_rle.dcm", 600, 800, 1, "PALETTE COLOR",
           "1.2.840.10008.1.2.5", 0.2622879, 12.42, (360, 360, [1, 1, 1])),
    Sample("data_store", "data/color3d_jpeg_baseline.dcm", 480, 640, 120, "YBR_FULL_422",
           "1.2.840.10008.1.2.4.50", 0.5104971, 9.56, (288, 288, [9, 9, 9])),
]
