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
           "1.2.840.10008.1.2.1", 0.2622879, 12.44, (360, 360, [1, 1, 1])),
    Sample("data_store", "data/OBXXXX1A_rle.dcm", 600, 800, 1, "PALETTE COLOR",
           "1.2.840.10008.1.2.5", 0.2622879, 12.44, (360, 360, [1, 1, 1])),
    Sample("data_store", "data/color3d_jpeg_baseline.dcm", 480, 640, 120, "YBR_FULL_422",
           "1.2.840.10008.1.2.4.50", 0.5104971, 9.56, (288, 288, [9, 9, 9])),
]


# ---------------------------------------------------------------------------------------------
# Reference rendering: every ultrasound and secondary-capture image with pixel data that the
# three packages ship, rendered by our pipeline and by an independent renderer (Debian's
# dcmtk ``dcmj2pnm``; GDCM's ``gdcmconv --raw`` first where dcmtk cannot decode the file).
# tests/imaging/test_reference.py checks this table against the packages and renders it.
# ---------------------------------------------------------------------------------------------

IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
DEFLATED = "1.2.840.10008.1.2.1.99"
BIG = "1.2.840.10008.1.2.2"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"
JPEG_LS_NEAR = "1.2.840.10008.1.2.4.81"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
J2K = "1.2.840.10008.1.2.4.91"
RLE = "1.2.840.10008.1.2.5"


@dataclass(frozen=True)
class Tolerance:
    """How far our frame may be from the reference: largest and mean absolute difference
    over all samples (grey levels, 0-255), and why the two renderers may differ at all."""

    max_abs: int
    mean_abs: float
    why: str


EXACT = Tolerance(0, 0.0, "lossless, nothing to round: must equal the reference")
ROUNDED = Tolerance(
    1, 0.75,
    "greyscale VOI window or min-max stretch: dcmtk truncates to the grey level below, "
    "we round to the nearest",
)
YBR = Tolerance(
    2, 0.75,
    "uncompressed YBR_FULL(_422) to RGB: dcmtk centres Cb/Cr on 127.5 and truncates; pydicom "
    "centres on 128 (PS3.3 C.7.6.3.1.2) and rounds",
)
LOSSY = Tolerance(
    4, 0.5,
    "lossy JPEG / JPEG 2000 / JPEG-LS: decoders may legitimately differ in IDCT, wavelet "
    "and chroma upsampling arithmetic",
)


@dataclass(frozen=True)
class CannotShow:
    """The clear error our pipeline gives for a sample it cannot show (with the decoder
    plugins installed now): the ImageError subclass's name and a fragment of its reason."""

    error: str
    reason: str


NO_JPEG_12BIT = CannotShow(
    "UnsupportedImageError",
    "no installed decoder for transfer syntax JPEG Extended (Process 2 and 4) "
    "(1.2.840.10008.1.2.4.51)",
)
CORRUPT = CannotShow("ImageDecodeError", "pixel data cannot be decoded (")
NO_PREAMBLE = CannotShow("UnsupportedImageError", "no 'DICM' marker at byte 128")


@dataclass(frozen=True)
class ReferenceSample:
    """One file (or a DICOM ``member`` of a zip archive), what it declares, which reference
    renders it and how closely we must agree; ``cannot_show`` is the error expected while no
    installed plugin decodes it. References: "dcmtk" is dcmj2pnm; "gdcm" is gdcmconv --raw,
    then dcmj2pnm; "gdcm-multiframe" relabels a multi-frame Secondary Capture file as
    Multi-frame True Color SC first (dcmodify), which GDCM then agrees to write."""

    package: str
    relative: str
    photometric: str
    transfer_syntax_uid: str
    frames: int
    reference: str
    tolerance: Tolerance
    cannot_show: CannotShow | None = None
    member: str | None = None

    @property
    def path(self) -> Path:
        return package_file(self.package, self.relative)

    @property
    def id(self) -> str:
        return Path(self.member or self.relative).stem

    @property
    def frames_checked(self) -> tuple[int, ...]:
        """The first frame and, for multi-frame images, a middle one."""
        return (0,) if self.frames == 1 else (0, self.frames // 2)


REFERENCE_SAMPLES = [
    # pydicom's own test files
    *(
        ReferenceSample("pydicom", f"data/charset_files/{name}.dcm", "MONOCHROME2", EXPLICIT,
                        1, "dcmtk", EXACT)
        for name in ("chrArab", "chrFren", "chrFrenMulti", "chrGerm", "chrGreek", "chrH31",
                     "chrH32", "chrHbrw", "chrI2", "chrRuss", "chrX1", "chrX2")
    ),
    ReferenceSample("pydicom", "data/test_files/ExplVR_BigEnd.dcm", "RGB", BIG, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/GDCMJ2K_TextGBR.dcm", "YBR_RCT", J2K_LOSSLESS, 1, "gdcm", EXACT),
    ReferenceSample("pydicom", "data/test_files/JPEG-lossy.dcm", "MONOCHROME2", JPEG_EXTENDED, 1, "dcmtk", LOSSY, cannot_show=NO_JPEG_12BIT),
    ReferenceSample("pydicom", "data/test_files/JPEG2000-embedded-sequence-delimiter.dcm", "MONOCHROME2", J2K, 1, "gdcm", ROUNDED, cannot_show=CORRUPT),
    ReferenceSample("pydicom", "data/test_files/JPEG2000.dcm", "MONOCHROME2", J2K, 1, "gdcm", ROUNDED),
    ReferenceSample("pydicom", "data/test_files/JPEGLSNearLossless_08.dcm", "MONOCHROME2", JPEG_LS_NEAR, 1, "gdcm", LOSSY),
    ReferenceSample("pydicom", "data/test_files/JPEGLSNearLossless_16.dcm", "MONOCHROME2", JPEG_LS_NEAR, 1, "gdcm", LOSSY),
    ReferenceSample("pydicom", "data/test_files/JPGExtended.dcm", "MONOCHROME2", JPEG_EXTENDED, 1, "dcmtk", LOSSY, cannot_show=NO_JPEG_12BIT),
    ReferenceSample("pydicom", "data/test_files/SC_jpeg_no_color_transform.dcm", "RGB", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_jpeg_no_color_transform_2.dcm", "RGB", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_dcmtk_+eb+cr.dcm", "RGB", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_dcmtk_+eb+cy+n1.dcm", "YBR_FULL", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_dcmtk_+eb+cy+n2.dcm", "YBR_FULL", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_dcmtk_+eb+cy+np.dcm", "YBR_FULL_422", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_dcmtk_+eb+cy+s2.dcm", "YBR_FULL_422", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_dcmtk_+eb+cy+s4.dcm", "YBR_FULL", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_gdcm_KY.dcm", "RGB", J2K, 1, "gdcm", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jls_lossy_line.dcm", "RGB", JPEG_LS_NEAR, 1, "gdcm", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jls_lossy_sample.dcm", "RGB", JPEG_LS_NEAR, 1, "gdcm", LOSSY),
    # Its data set is implicit VR under an explicit-VR-declaring JPEG transfer syntax: dcmtk
    # cannot parse it, GDCM (like pydicom) can.
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jpeg.dcm", "RGB", JPEG_BASELINE, 1, "gdcm", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jpeg_app14_dcmd.dcm", "RGB", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jpeg_dcmd.dcm", "RGB", IMPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jpeg_dcmtk.dcm", "YBR_FULL", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jpeg_gdcm.dcm", "RGB", JPEG_LOSSLESS, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_jpeg_lossy_gdcm.dcm", "YBR_FULL", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_rle.dcm", "RGB", RLE, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_rle_16bit.dcm", "RGB", RLE, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_rle_16bit_2frame.dcm", "RGB", RLE, 2, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_rle_2frame.dcm", "RGB", RLE, 2, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_rle_32bit.dcm", "RGB", RLE, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_rle_32bit_2frame.dcm", "RGB", RLE, 2, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_small_odd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_small_odd_big_endian.dcm", "RGB", BIG, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/SC_rgb_small_odd_jpeg.dcm", "YBR_FULL", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/SC_ybr_full_422_uncompressed.dcm", "YBR_FULL_422", EXPLICIT, 1, "dcmtk", YBR),
    ReferenceSample("pydicom", "data/test_files/examples_jpeg2k.dcm", "YBR_RCT", J2K_LOSSLESS, 1, "gdcm", EXACT),
    ReferenceSample("pydicom", "data/test_files/examples_palette.dcm", "PALETTE COLOR", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/examples_rgb_color.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("pydicom", "data/test_files/examples_ybr_color.dcm", "YBR_FULL_422", JPEG_BASELINE, 30, "dcmtk", LOSSY),
    ReferenceSample("pydicom", "data/test_files/image_dfl.dcm", "MONOCHROME2", DEFLATED, 1, "dcmtk", EXACT),
    # pydicom-data
    ReferenceSample("data_store", "data/JPEG-LL.dcm", "MONOCHROME2", JPEG_LOSSLESS, 1, "dcmtk", ROUNDED),
    ReferenceSample("data_store", "data/JPEG2000_UNC.dcm", "MONOCHROME2", EXPLICIT, 1, "dcmtk", ROUNDED),
    ReferenceSample("data_store", "data/JPGLosslessP14SV1_1s_1f_8b.dcm", "MONOCHROME2", JPEG_LOSSLESS, 1, "dcmtk", ROUNDED),
    ReferenceSample("data_store", "data/OBXXXX1A.dcm", "PALETTE COLOR", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/OBXXXX1A_2frame.dcm", "PALETTE COLOR", EXPLICIT, 2, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/OBXXXX1A_expb.dcm", "PALETTE COLOR", BIG, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/OBXXXX1A_expb_2frame.dcm", "PALETTE COLOR", BIG, 2, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/OBXXXX1A_rle.dcm", "PALETTE COLOR", RLE, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/OBXXXX1A_rle_2frame.dcm", "PALETTE COLOR", RLE, 2, "dcmtk", EXACT),
    # A bare data set: no preamble, no 'DICM', no file meta (so implicit VR little endian).
    ReferenceSample("data_store", "data/OT-PAL-8-face.dcm", "PALETTE COLOR", IMPLICIT, 1, "dcmtk", EXACT, cannot_show=NO_PREAMBLE),
    ReferenceSample("data_store", "data/SC_rgb.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_16bit.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_16bit_2frame.dcm", "RGB", EXPLICIT, 2, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_2frame.dcm", "RGB", EXPLICIT, 2, "dcmtk", EXACT),
    # dcmtk refuses 32-bit samples in OB; GDCM rewrites them as OW, which it then reads.
    ReferenceSample("data_store", "data/SC_rgb_32bit.dcm", "RGB", EXPLICIT, 1, "gdcm", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_32bit_2frame.dcm", "RGB", EXPLICIT, 2, "gdcm-multiframe", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_dcmtk_ebcr_dcmd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_dcmtk_ebcyn1_dcmd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_dcmtk_ebcyn2_dcmd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_dcmtk_ebcynp_dcmd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_dcmtk_ebcys2_dcmd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_dcmtk_ebcys4_dcmd.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_expb.dcm", "RGB", BIG, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_expb_16bit.dcm", "RGB", BIG, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_expb_16bit_2frame.dcm", "RGB", BIG, 2, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_expb_2frame.dcm", "RGB", BIG, 2, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_expb_32bit.dcm", "RGB", BIG, 1, "gdcm", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_expb_32bit_2frame.dcm", "RGB", BIG, 2, "gdcm-multiframe", EXACT),
    ReferenceSample("data_store", "data/SC_rgb_gdcm2k_uncompressed.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/SC_ybr_full_uncompressed.dcm", "YBR_FULL", EXPLICIT, 1, "dcmtk", YBR),
    ReferenceSample("data_store", "data/US1_J2KI.dcm", "YBR_ICT", J2K, 1, "gdcm", LOSSY),
    ReferenceSample("data_store", "data/US1_J2KR.dcm", "YBR_RCT", J2K_LOSSLESS, 1, "gdcm", EXACT),
    ReferenceSample("data_store", "data/US1_UNCI.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/US1_UNCR.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/color-pl.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/color-px.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("data_store", "data/color3d_jpeg_baseline.dcm", "YBR_FULL_422", JPEG_BASELINE, 120, "dcmtk", LOSSY),
    # Segmented 16-bit palettes: dcmtk does not expand them, gdcmconv --raw does.
    ReferenceSample("data_store", "data/gdcm-US-ALOKA-16.dcm", "PALETTE COLOR", IMPLICIT, 1, "gdcm", EXACT),
    ReferenceSample("data_store", "data/gdcm-US-ALOKA-16_big.dcm", "PALETTE COLOR", BIG, 1, "gdcm", EXACT),
    ReferenceSample("data_store", "data/mlut_18.dcm", "MONOCHROME2", EXPLICIT, 1, "dcmtk", ROUNDED),
    ReferenceSample("data_store", "data/vlut_04.dcm", "MONOCHROME2", EXPLICIT, 1, "dcmtk", EXACT),
    # deid-data
    *(
        ReferenceSample("deid_data", f"data/dicom-cookies/image{n}.dcm", "YBR_FULL_422",
                        JPEG_BASELINE, 1, "dcmtk", LOSSY)
        for n in range(1, 8)
    ),
    ReferenceSample("deid_data", "data/humans/ctbrain1.dcm", "YBR_FULL_422", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("deid_data", "data/humans/ctbrain2.dcm", "YBR_FULL_422", JPEG_BASELINE, 1, "dcmtk", LOSSY),
    ReferenceSample("deid_data", "data/ultrasounds/GREYSCALE_IMAGE.dcm", "MONOCHROME2", EXPLICIT, 1, "dcmtk", ROUNDED),
    ReferenceSample("deid_data", "data/ultrasounds/RGB_IMAGE.dcm", "RGB", EXPLICIT, 1, "dcmtk", EXACT),
    ReferenceSample("deid_data", "data/ultrasounds/ultrasound-multiframe.dcm", "RGB", EXPLICIT, 30, "dcmtk", EXACT),
    ReferenceSample("deid_data", "data/ultrasounds/GREYSCALE_CINE.zip", "MONOCHROME2", EXPLICIT, 27, "dcmtk", ROUNDED, member="GREYSCALE_CINE.dcm"),
    ReferenceSample("deid_data", "data/ultrasounds/RGB_CINE.zip", "RGB", EXPLICIT, 51, "dcmtk", EXACT, member="RGB_CINE.dcm"),
]

LOSSLESS_SETS: list[tuple[tuple[str, int], ...]] = [
    # The same image stored in different ways: (sample id, frame) that must render identically.
    (("US1_UNCR", 0), ("US1_J2KR", 0), ("examples_jpeg2k", 0)),
    (("gdcm-US-ALOKA-16", 0), ("gdcm-US-ALOKA-16_big", 0)),
    (("OBXXXX1A", 0), ("OBXXXX1A_expb", 0), ("OBXXXX1A_rle", 0), ("OBXXXX1A_2frame", 0),
     ("OBXXXX1A_expb_2frame", 0), ("OBXXXX1A_rle_2frame", 0)),
    (("OBXXXX1A_2frame", 1), ("OBXXXX1A_expb_2frame", 1), ("OBXXXX1A_rle_2frame", 1)),
    # 8, 16 and 32 bits per sample; little, big endian and RLE; J2K (reversible) and JPEG
    # lossless; the J2K file decompressed by GDCM.
    (("SC_rgb", 0), ("SC_rgb_expb", 0), ("SC_rgb_rle", 0), ("SC_rgb_16bit", 0),
     ("SC_rgb_expb_16bit", 0), ("SC_rgb_rle_16bit", 0), ("SC_rgb_32bit", 0),
     ("SC_rgb_expb_32bit", 0), ("SC_rgb_rle_32bit", 0), ("SC_rgb_2frame", 0),
     ("SC_rgb_expb_2frame", 0), ("SC_rgb_rle_2frame", 0), ("SC_rgb_16bit_2frame", 0),
     ("SC_rgb_expb_16bit_2frame", 0), ("SC_rgb_rle_16bit_2frame", 0), ("SC_rgb_32bit_2frame", 0),
     ("SC_rgb_expb_32bit_2frame", 0), ("SC_rgb_rle_32bit_2frame", 0), ("SC_rgb_gdcm_KY", 0),
     ("SC_rgb_gdcm2k_uncompressed", 0), ("SC_rgb_jpeg_gdcm", 0)),
    (("SC_rgb_2frame", 1), ("SC_rgb_expb_2frame", 1), ("SC_rgb_rle_2frame", 1),
     ("SC_rgb_16bit_2frame", 1), ("SC_rgb_expb_16bit_2frame", 1), ("SC_rgb_rle_16bit_2frame", 1),
     ("SC_rgb_32bit_2frame", 1), ("SC_rgb_expb_32bit_2frame", 1), ("SC_rgb_rle_32bit_2frame", 1)),
    (("SC_rgb_small_odd", 0), ("SC_rgb_small_odd_big_endian", 0)),
    (("SC_ybr_full_uncompressed", 0), ("SC_ybr_full_422_uncompressed", 0)),
    (("color-px", 0), ("color-pl", 0)),  # planar configuration 0 and 1
    (("JPEG2000", 0), ("JPEG2000_UNC", 0)),
    (("SC_rgb_jls_lossy_line", 0), ("SC_rgb_jls_lossy_sample", 0)),  # JPEG-LS interleave modes
]

DECODED_PAIRS: list[tuple[str, str]] = [
    # A lossy file and the same file as its encoder's toolkit decompressed it (dcmtk's
    # dcmdjpeg for *_dcmd, the J2K reference decoder for US1_UNCI): agree within LOSSY.
    ("SC_rgb_dcmtk_+eb+cr", "SC_rgb_dcmtk_ebcr_dcmd"),
    ("SC_rgb_dcmtk_+eb+cy+n1", "SC_rgb_dcmtk_ebcyn1_dcmd"),
    ("SC_rgb_dcmtk_+eb+cy+n2", "SC_rgb_dcmtk_ebcyn2_dcmd"),
    ("SC_rgb_dcmtk_+eb+cy+np", "SC_rgb_dcmtk_ebcynp_dcmd"),
    ("SC_rgb_dcmtk_+eb+cy+s2", "SC_rgb_dcmtk_ebcys2_dcmd"),
    ("SC_rgb_dcmtk_+eb+cy+s4", "SC_rgb_dcmtk_ebcys4_dcmd"),
    ("SC_rgb_jpeg", "SC_rgb_jpeg_dcmd"),
    ("SC_jpeg_no_color_transform", "SC_rgb_jpeg_dcmd"),
    ("SC_jpeg_no_color_transform_2", "SC_rgb_jpeg_app14_dcmd"),
    ("US1_J2KI", "US1_UNCI"),
]
