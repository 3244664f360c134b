"""Generated images as DICOM objects of their kind, deterministic to the byte.

- Sonograms and power Doppler: Ultrasound Image Storage, with SequenceOfUltrasoundRegions.
- Mammography: Digital Mammography X-Ray Image Storage - For Presentation, with
  PixelSpacing in the breast plane and ImagerPixelSpacing at the detector.
- Histology illustrations: Secondary Capture Image Storage, ConversionType SYN.

Every file says it is generated: ImageComments, DerivationDescription, ImageType DERIVED,
Manufacturer, and a patient that is not a person ("Generated^Teaching case"). UIDs are
derived from the case id, the panel and the object's role (``2.25.`` + a hash), so a rebuild
writes the same UIDs. No dates are invented: study dates stay empty (the manifest holds
the case's dates).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, ExplicitVRLittleEndian

from viewer.synthetic.histology import HistologyImage
from viewer.synthetic.mammography import Mammogram
from viewer.synthetic.sonograms import Sonogram

US_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
MAMMOGRAPHY_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
IMPLEMENTATION_UID = "2.25.284012776160617146497151431046196213530"
"""This project's implementation class UID (a fixed 2.25 UUID-derived UID)."""

GENERATOR = "viewer.synthetic"
PATIENT_NAME = "Generated^Teaching case"


def _software_version() -> str:
    try:
        return version("us-case-viewer")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "0"


_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/us-case-viewer/")


def uid(case_id: str, panel: str, role: str) -> str:
    """A deterministic UID for one object of the generated case: ``2.25.`` and a
    name-based UUID (version 5) of the case, panel and role (PS3.5 B.2)."""
    return f"2.25.{uuid.uuid5(_UID_NAMESPACE, f'{GENERATOR}/{case_id}/{panel}/{role}').int}"


def _base(
    sop_class: str, case_id: str, panel: str, modality: str, seed: int, description: str
) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.file_meta.MediaStorageSOPInstanceUID = UID(uid(case_id, panel, "instance"))
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = UID(IMPLEMENTATION_UID)
    ds.file_meta.ImplementationVersionName = "US_CASE_VIEWER"
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyDate = ""
    ds.StudyTime = ""
    ds.AccessionNumber = ""
    ds.Modality = modality
    ds.Manufacturer = "us-case-viewer (generated image)"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = f"Generated teaching case {case_id}"
    ds.SeriesDescription = f"Panel {panel} (generated)"
    ds.ManufacturerModelName = GENERATOR
    ds.PatientName = PATIENT_NAME
    ds.PatientID = f"GENERATED-{case_id}".upper()[:64]
    ds.PatientBirthDate = ""
    ds.PatientSex = "F"
    ds.PatientIdentityRemoved = "NO"  # there never was an identity: nothing was removed
    ds.SoftwareVersions = _software_version()
    ds.StudyInstanceUID = uid(case_id, panel, "study")
    ds.SeriesInstanceUID = uid(case_id, panel, "series")
    ds.StudyID = ""
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.BurnedInAnnotation = "NO"
    ds.ImageComments = (
        f"GENERATED teaching image, not a patient image: made by {GENERATOR} "
        f"(seed {seed}) to illustrate panel {panel} of case {case_id}. {description}"
    )[:10240]
    ds.DerivationDescription = f"Simulated by {GENERATOR}, seed {seed}; not acquired from a patient"
    ds.LossyImageCompression = "00"
    return ds


def _pixels(ds: Dataset, pixels: NDArray[np.generic], bits_stored: int) -> None:
    ds.Rows, ds.Columns = int(pixels.shape[0]), int(pixels.shape[1])
    if pixels.ndim == 3:
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
    else:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 8 if pixels.dtype == np.uint8 else 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 0
    data = np.ascontiguousarray(pixels).astype(pixels.dtype.newbyteorder("<"), copy=False)
    raw = data.tobytes()
    ds.PixelData = raw + (b"\0" if len(raw) % 2 else b"")
    ds["PixelData"].VR = "OB" if ds.BitsAllocated == 8 else "OW"


def ultrasound_dataset(sonogram: Sonogram, case_id: str, seed: int) -> Dataset:
    ds = _base(US_IMAGE_STORAGE, case_id, sonogram.panel, "US", seed, sonogram.description)
    colour = sonogram.pixels.ndim == 3
    # Value 3 the body part imaged; value 4 the modes in the image (0001 2D, 0011 2D and
    # colour flow / power), PS3.3 C.8.5.6.1.1.
    ds.ImageType = ["DERIVED", "PRIMARY", "BREAST", "0011" if colour else "0001"]
    ds.PatientOrientation = ""
    ds.SeriesDescription = f"Panel {sonogram.panel} (generated sonogram)"
    _pixels(ds, sonogram.pixels, 8)
    ds.BodyPartExamined = "BREAST"
    ds.ImageLaterality = "L"
    ds.TransducerType = "LINEAR"
    ds.TransducerData = [f"simulated linear array {sonogram.probe.frequency_mhz:g} MHz"]
    ds.FocusDepth = [round(sonogram.probe.focus_mm / 10.0, 2)]  # cm
    items = []
    for region in sonogram.regions:
        item = Dataset()
        item.RegionSpatialFormat = 1  # 2D
        item.RegionDataType = region.data_type
        item.RegionFlags = 0
        item.RegionLocationMinX0 = region.x0_px
        item.RegionLocationMinY0 = region.y0_px
        item.RegionLocationMaxX1 = region.x1_px
        item.RegionLocationMaxY1 = region.y1_px
        item.PhysicalUnitsXDirection = 3  # cm
        item.PhysicalUnitsYDirection = 3
        item.PhysicalDeltaX = region.mm_per_px / 10.0
        item.PhysicalDeltaY = region.mm_per_px / 10.0
        items.append(item)
    ds.SequenceOfUltrasoundRegions = DicomSequence(items)
    return ds


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def mammography_dataset(image: Mammogram, case_id: str, panel: str, seed: int) -> Dataset:
    ds = _base(MAMMOGRAPHY_FOR_PRESENTATION, case_id, panel, "MG", seed, image.description)
    ds.ImageType = ["DERIVED", "PRIMARY"]
    ds.SeriesDescription = f"Panel {panel} (generated mammogram)"
    _pixels(ds, image.pixels, image.bits_stored)
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.PresentationLUTShape = "IDENTITY"
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.RescaleType = "US"
    ds.WindowCenter = round(float(image.window_center), 1)
    ds.WindowWidth = round(float(image.window_width), 1)
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1
    ds.ContentQualification = "RESEARCH"
    ds.ImagerPixelSpacing = [image.imager_pixel_spacing_mm] * 2
    ds.PixelSpacing = [round(image.pixel_spacing_mm, 6)] * 2
    ds.PixelSpacingCalibrationType = "GEOMETRY"
    ds.PixelSpacingCalibrationDescription = (
        f"Breast plane: detector pixel {image.imager_pixel_spacing_mm} mm / "
        f"magnification {image.magnification}"
    )
    ds.EstimatedRadiographicMagnificationFactor = image.magnification
    ds.DetectorType = "DIRECT"
    ds.ImageLaterality = image.laterality
    ds.AcquisitionContextSequence = DicomSequence([])
    ds.BodyPartExamined = "BREAST"
    ds.PositionerType = "MAMMOGRAPHIC"
    ds.PatientOrientation = ["A", "L"] if image.laterality == "L" else ["P", "L"]
    ds.OrganExposed = "BREAST"
    ds.AnatomicRegionSequence = DicomSequence([_code("76752008", "SCT", "Breast")])
    view = _code("399162004", "SCT", "cranio-caudal")
    view.ViewModifierCodeSequence = DicomSequence(
        [
            _code("399161006", "SCT", "magnification"),
            _code("399055006", "SCT", "spot compression"),
        ]
    )
    ds.ViewCodeSequence = DicomSequence([view])
    ds.BreastImplantPresent = "NO"
    ds.PartialView = "YES"
    ds.PartialViewDescription = "Spot compression with magnification"
    ds.QualityControlImage = "NO"
    ds.BodyPartThickness = 48
    ds.CompressionForce = 120
    ds.KVP = 28
    ds.ExposureInuAs = 60000
    ds.AnodeTargetMaterial = "TUNGSTEN"
    ds.FilterMaterial = ["RHODIUM"]
    ds.DistanceSourceToDetector = 648
    ds.DistanceSourceToPatient = round(648 / image.magnification, 2)
    ds.PositionerPrimaryAngle = 0
    return ds


def histology_dataset(image: HistologyImage, case_id: str, panel: str, seed: int) -> Dataset:
    ds = _base(SECONDARY_CAPTURE, case_id, panel, "OT", seed, image.description)
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.SeriesDescription = f"Panel {panel} (generated H&E illustration, x100)"
    ds.ConversionType = "SYN"
    ds.NominalScannedPixelSpacing = [image.um_per_pixel / 1000.0] * 2
    ds.PixelSpacingCalibrationType = "GEOMETRY"
    ds.PixelSpacingCalibrationDescription = "Illustrated field of an x100 microscope view"
    _pixels(ds, image.pixels, 8)
    ds.BodyPartExamined = "BREAST"
    ds.Laterality = "L"
    ds.PatientOrientation = ""
    return ds


def to_bytes(ds: Dataset) -> bytes:
    """The file's bytes: preamble, meta group and dataset, explicit VR little endian."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def describe(ds: Dataset) -> Sequence[str]:
    """Lines for the build report."""
    return (f"{ds.SOPClassUID.name}, {ds.Columns}x{ds.Rows}, {ds.PhotometricInterpretation}",)
