"""De-identified DICOM headers: PS3.15 Annex E, Basic Application Level Confidentiality Profile.

:func:`deidentify_header` returns a de-identified copy of a dataset and the list of what changed.
The action table is dicom-anonymizer's (``dicomfields_2026c``) plus our additions
(:mod:`viewer.deid.annex_e`); dicom-anonymizer's own functions give the dummy and empty values
per VR. What we do ourselves, because the library does not:

- apply the table in every sequence item at any depth (the library applies single-tag rules to
  the top level only);
- remove attributes whose action is X (the library's X turns a DA into ``00010101`` instead);
- replace UIDs by a keyed hash (``2.25.`` + a 128-bit HMAC-SHA256 of the UID, keyed by the case's
  secret), the same in every file of a case, instead of random UIDs cached for the process;
- replace every other UID that is not a well-known DICOM UID, remove DA/DT attributes the table
  does not name, remove private attributes wherever they are, strip the file meta information to
  what a file needs, and zero the preamble;
- shift dates by a fixed number of days (Retain Longitudinal Temporal Information with Modified
  Dates Option) when asked.

Everything that describes the image is kept (dimensions, colour model, pixel data, ultrasound
regions and their calibration, frame timing, SOP class, transfer syntax), and BurnedInAnnotation
is left for the pixel cleaner to set.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dicomanonymizer import simpledicomanonymizer as library  # type: ignore[import-untyped]
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import UID

from viewer.deid import annex_e
from viewer.errors import ImageError

REMOVED = "removed"
EMPTIED = "emptied"
DUMMY = "replaced with dummy"
UID_REPLACED = "UID replaced"
DATE_SHIFTED = "date shifted"
PRIVATE_REMOVED = "private tag removed"
SET = "set"

BASIC_PROFILE_CODE = ("113100", "Basic Application Confidentiality Profile")
MODIFIED_DATES_CODE = ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")

# UIDs of classes, syntaxes and coding resources: they name no patient, study or device, and the
# file means nothing without them, so they are kept even when the UID is not in the standard's
# registry (a vendor's private SOP class, say).
CLASS_UID_TAGS = frozenset(
    {
        0x00020002,  # Media Storage SOP Class UID
        0x00020010,  # Transfer Syntax UID
        0x00020012,  # Implementation Class UID
        0x00041510,  # Referenced SOP Class UID in File
        0x00041512,  # Referenced Transfer Syntax UID in File
        0x00080016,  # SOP Class UID
        0x0008001A,  # Related General SOP Class UID
        0x0008001B,  # Original Specialized SOP Class UID
        0x00080062,  # SOP Classes in Study
        0x0008010C,  # Coding Scheme UID
        0x00080117,  # Context UID
        0x00080118,  # Mapping Resource UID
        0x00081150,  # Referenced SOP Class UID
    }
)

# File meta information a file needs; the rest (application entity titles, addresses, private
# information) goes.
FILE_META_KEPT = frozenset(
    {
        0x00020000,  # File Meta Information Group Length (recomputed on writing)
        0x00020001,  # File Meta Information Version
        0x00020002,  # Media Storage SOP Class UID
        0x00020003,  # Media Storage SOP Instance UID (set to the new SOP Instance UID)
        0x00020010,  # Transfer Syntax UID
        0x00020012,  # Implementation Class UID
        0x00020013,  # Implementation Version Name
    }
)

# Dummy values for D on dates and times: valid values (dciodvfy rejects the library's year 0001).
DUMMY_DATES = {"DA": "19000101", "DT": "19000101000000", "TM": "000000"}

# Sequences with an X/Z action that are Type 2 where they occur (Acquisition Context Module):
# emptied (no items) rather than removed.
TYPE_2_SEQUENCES = frozenset({0x00400555})  # Acquisition Context Sequence

_DT = re.compile(r"(\d{8})(\d{0,6}(?:\.\d{1,6})?)([+-]\d{4})?")
_SOP_CLASS_UID = 0x00080016
_SOP_INSTANCE_UID = 0x00080018


@dataclass(frozen=True)
class HeaderChange:
    """One change to one attribute. Never carries the original value."""

    tag: str
    """``(0010,0010)``."""
    keyword: str
    """``PatientName``; empty for private and unknown attributes."""
    action: str
    """One of removed, emptied, replaced with dummy, UID replaced, date shifted, private tag
    removed, set."""
    path: str
    """Where it is: ``PatientName``, ``SequenceOfUltrasoundRegions[0].PhysicalDeltaX``,
    ``file_meta.MediaStorageSOPInstanceUID``."""


def new_uid(uid: str, uid_secret: bytes) -> str:
    """The replacement of a UID: ``2.25.`` and a 128-bit keyed hash of it, as a UUID integer.

    HMAC-SHA256 keyed by the secret, truncated to 128 bits with the RFC 9562 version 8 and variant
    bits set, so the same UID and secret always give the same UID, and without the secret there is
    no way back.
    """
    digest = bytearray(
        hmac.new(uid_secret, uid.strip("\0 ").encode("ascii", "replace"), hashlib.sha256).digest()[
            :16
        ]
    )
    digest[6] = (digest[6] & 0x0F) | 0x80
    digest[8] = (digest[8] & 0x3F) | 0x80
    return f"2.25.{int.from_bytes(digest, 'big')}"


def is_well_known_uid(uid: str) -> bool:
    """A UID of the DICOM registry (SOP classes, transfer syntaxes, coding schemes ...)."""
    value = UID(uid.strip("\0 "))
    return value.name != str(value)


def deidentification_method(date_shift_days: int | None) -> list[str]:
    """The DeidentificationMethod values (LO, 64 characters each)."""
    values = ["DICOM PS3.15 Annex E Basic Profile"]
    if date_shift_days is not None:
        values.append("Retain Longitudinal Temporal Info with Modified Dates")
    values.append(f"{annex_e.LIBRARY} {annex_e.LIBRARY_VERSION} ({annex_e.LIBRARY_TABLE})")
    return values


def deidentify_header(
    ds: Dataset, *, uid_secret: bytes, date_shift_days: int | None = None
) -> tuple[Dataset, tuple[HeaderChange, ...]]:
    """A de-identified copy of ``ds`` and what changed, in dataset order.

    ``ds`` itself (and any file it came from) is left as it was. ``uid_secret`` keys the UID
    replacement: use one secret per case, kept with the case's private records, so the files of a
    case keep their links (same study, same series). With ``date_shift_days``, every date and
    date-time is moved by that many days (so intervals between studies survive) and times are kept,
    except the patient's birth date and time, which follow the basic profile; without it, dates
    follow the basic profile (emptied, dummy or removed) and DA/DT attributes the table does not
    name are removed.

    Raises ImageError when ``ds`` is not a dataset, has no SOPClassUID, or a shifted date leaves
    the years 0001-9999; TypeError or ValueError for a bad secret or shift.
    """
    if not isinstance(ds, Dataset):
        name = str(ds) if isinstance(ds, str | Path) else "<input>"
        raise ImageError(
            name,
            f"expected a pydicom Dataset to de-identify (read files with pydicom.dcmread), "
            f"found {type(ds).__name__}",
        )
    if not isinstance(uid_secret, bytes):
        raise TypeError(f"uid_secret: expected bytes, found {type(uid_secret).__name__}")
    if len(uid_secret) < 16:
        raise ValueError(
            f"uid_secret: found {len(uid_secret)} bytes, expected at least 16 (one secret per case)"
        )
    if date_shift_days is not None and (
        isinstance(date_shift_days, bool) or not isinstance(date_shift_days, int)
    ):
        raise TypeError(
            f"date_shift_days: expected an int or None, found {type(date_shift_days).__name__}"
        )
    source = _source_name(ds)
    out = copy.deepcopy(ds)  # from here on only the copy is read: reading converts raw elements
    sop_class = out.get(_SOP_CLASS_UID)
    if sop_class is None or not str(sop_class.value or "").strip("\0 "):
        found = "missing" if sop_class is None else "empty"
        raise ImageError(
            source,
            f"SOPClassUID (0008,0016): {found}, expected the SOP Class UID of the image",
        )

    run = _Run(source, uid_secret, date_shift_days)
    run.dataset(out, "")
    run.file_meta(out)
    run.mark(out)
    if getattr(out, "preamble", None):
        out.preamble = b"\0" * 128
    return out, tuple(run.changes)


def _source_name(ds: Dataset) -> str:
    filename = getattr(ds, "filename", None)
    if isinstance(filename, str) and filename:
        return filename
    return "<in-memory dataset>"


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _is_empty(value: Any) -> bool:
    return value is None or (not isinstance(value, int | float) and len(value) == 0)


class _Run:
    """One de-identification: the settings and the changes found so far."""

    def __init__(self, source: str, uid_secret: bytes, date_shift_days: int | None) -> None:
        self.source = source
        self.uid_secret = uid_secret
        self.shift = date_shift_days
        self.changes: list[HeaderChange] = []

    # -- recording -------------------------------------------------------------------------

    def record(self, elem: DataElement, action: str, path: str) -> None:
        self.changes.append(HeaderChange(_tag_text(elem.tag), elem.keyword or "", action, path))

    @staticmethod
    def path(prefix: str, elem: DataElement) -> str:
        name = elem.keyword or _tag_text(elem.tag)
        return f"{prefix}.{name}" if prefix else name

    def remove(self, ds: Dataset, elem: DataElement, path: str, action: str = REMOVED) -> None:
        del ds[elem.tag]
        self.record(elem, action, path)

    # -- the walk --------------------------------------------------------------------------

    def dataset(self, ds: Dataset, prefix: str) -> None:
        """Apply the profile to every element of ``ds`` and, recursively, of its sequences."""
        for tag in list(ds.keys()):
            if BaseTag(tag).is_private or tag & 0xFFFF == 0:
                # Private attributes, read no further; group lengths: retired, and wrong once
                # anything changes.
                del ds[tag]
                name = _tag_text(tag)
                path = f"{prefix}.{name}" if prefix else name
                what = PRIVATE_REMOVED if BaseTag(tag).is_private else REMOVED
                self.changes.append(HeaderChange(name, "", what, path))
                continue
            elem = ds[tag]
            path = self.path(prefix, elem)
            vr = elem.VR
            if self.shift is not None:
                if vr in ("DA", "DT") and tag not in annex_e.DATES_NOT_SHIFTED:
                    self.shift_dates(ds, elem, path)
                    continue
                if vr == "TM" and tag not in annex_e.TIMES_NOT_KEPT:
                    continue
            action = annex_e.action_for(tag)
            if action is not None:
                self.apply(ds, elem, action, path)
            elif vr == "UI":
                self.replace_uids(elem, path)
            elif vr in ("DA", "DT"):
                self.remove(ds, elem, path)
            elif vr == "SQ":
                self.items(elem, path)

    def items(self, elem: DataElement, path: str) -> None:
        for index, item in enumerate(elem.value):
            self.dataset(item, f"{path}[{index}]")

    def apply(self, ds: Dataset, elem: DataElement, action: str, path: str) -> None:
        """One Annex E action. Where the table gives a choice, dicom-anonymizer's: Z for X/Z, D for
        Z/D, X/D and X/Z/D, U for X/Z/U*; except X for X/Z on sequences (see below)."""
        vr = elem.VR
        if action == "X":
            self.remove(ds, elem, path)
        elif action == "U":
            if vr == "UI":
                self.replace_uids(elem, path)
            else:
                self.remove(ds, elem, path)
        elif action == "X/Z/U*":
            if vr == "SQ":
                self.items(elem, path)  # the references are kept, the UIDs inside replaced
            elif vr == "UI":
                self.replace_uids(elem, path)
            else:
                self.library_value(ds, elem, path, library.empty_element)
        elif vr == "SQ":
            if action == "X/Z" and elem.tag not in TYPE_2_SEQUENCES:
                # A sequence present with no items is invalid; X is the stricter choice anyway.
                self.remove(ds, elem, path)
            elif action in ("Z", "X/Z"):
                if len(elem.value):
                    elem.value = Sequence()
                    self.record(elem, EMPTIED, path)
            elif len(elem.value):  # D, Z/D, X/D, X/Z/D: the library's choice, D
                self.dummy_items(elem)
                self.record(elem, DUMMY, path)
        elif vr in DUMMY_DATES:
            # The library's choices (Z for Z and X/Z, else D), with a zero-length value for Z and
            # a valid dummy for D: the library's 00010101 is not a valid date to dciodvfy.
            if action in ("Z", "X/Z"):
                self.set_value(elem, "", EMPTIED, path)
            else:
                self.set_value(elem, DUMMY_DATES[vr], DUMMY, path)
        elif action in ("Z", "X/Z"):
            self.library_value(ds, elem, path, library.empty_element)
        elif vr == "UI":
            self.replace_uids(elem, path)
        else:  # D, Z/D, X/D, X/Z/D: the library's choice, D
            self.library_value(ds, elem, path, library.replace_element)

    def set_value(self, elem: DataElement, value: str, action: str, path: str) -> None:
        if elem.value != value:
            elem.value = value
            self.record(elem, action, path)

    def library_value(self, ds: Dataset, elem: DataElement, path: str, function: Any) -> None:
        """Empty or dummy one non-sequence element with dicom-anonymizer's value for its VR."""
        before = elem.value
        try:
            function(elem)
        except NotImplementedError:  # a VR the library has no value for (OW, AT, OF ...)
            self.remove(ds, elem, path)
            return
        if elem.value != before:
            self.record(elem, EMPTIED if _is_empty(elem.value) else DUMMY, path)

    def dummy_items(self, elem: DataElement) -> None:
        """D on a sequence: every value inside replaced by a dummy, private attributes removed."""
        for item in elem.value:
            for tag in list(item.keys()):
                if BaseTag(tag).is_private or tag & 0xFFFF == 0:
                    del item[tag]
                    continue
                inner = item[tag]
                if inner.VR == "SQ":
                    self.dummy_items(inner)
                elif inner.VR == "UI":
                    inner.value = self.uid_values(inner.value)
                elif inner.VR in DUMMY_DATES:
                    inner.value = DUMMY_DATES[inner.VR]
                else:
                    try:
                        library.replace_element(inner)
                    except NotImplementedError:
                        del item[tag]

    # -- UIDs ------------------------------------------------------------------------------

    def uid_values(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.uid(value)
        return [self.uid(str(v)) for v in value]

    def uid(self, value: str) -> str:
        if not value.strip("\0 ") or is_well_known_uid(value):
            return value
        return new_uid(value, self.uid_secret)

    def replace_uids(self, elem: DataElement, path: str) -> None:
        if elem.tag in CLASS_UID_TAGS or _is_empty(elem.value):
            return
        new = self.uid_values(elem.value)
        old = [elem.value] if isinstance(elem.value, str) else list(elem.value)
        if ([new] if isinstance(new, str) else new) != old:
            elem.value = new
            self.record(elem, UID_REPLACED, path)

    # -- dates -----------------------------------------------------------------------------

    def shift_dates(self, ds: Dataset, elem: DataElement, path: str) -> None:
        """Move every value of a DA or DT element by the shift; remove it if a value is no date."""
        if _is_empty(elem.value):
            return
        values = [str(elem.value)] if isinstance(elem.value, str) else [str(v) for v in elem.value]
        shifted = []
        for value in values:
            new = self.shift_date(elem, value.strip(), path)
            if new is None:  # not a full date: it cannot be shifted, so it goes
                self.remove(ds, elem, path)
                return
            shifted.append(new)
        elem.value = shifted[0] if len(shifted) == 1 else shifted
        self.record(elem, DATE_SHIFTED, path)

    def shift_date(self, elem: DataElement, value: str, path: str) -> str | None:
        if elem.VR == "DA":
            match = re.fullmatch(r"\d{8}", value)
            head, rest = (value, "") if match else ("", "")
        else:
            dt = _DT.fullmatch(value)
            head, rest = (dt[1], (dt[2] or "") + (dt[3] or "")) if dt else ("", "")
        if not head:
            return None
        try:
            day = date(int(head[:4]), int(head[4:6]), int(head[6:8]))
        except ValueError:
            return None
        assert self.shift is not None
        try:
            moved = day + timedelta(days=self.shift)
        except OverflowError:
            raise ImageError(
                self.source,
                f"{path} {_tag_text(elem.tag)}: shifting by {self.shift} days leaves the years "
                "0001-9999, expected a shift that keeps every date within them",
            ) from None
        return f"{moved.year:04d}{moved.month:02d}{moved.day:02d}" + rest

    # -- file meta and the de-identification record ------------------------------------------

    def file_meta(self, ds: Dataset) -> None:
        meta = getattr(ds, "file_meta", None)
        if not isinstance(meta, FileMetaDataset):
            return
        for tag in list(meta.keys()):
            if tag not in FILE_META_KEPT:
                elem = meta[tag]
                self.remove(meta, elem, self.path("file_meta", elem))
        path = "file_meta.MediaStorageSOPInstanceUID"
        if _SOP_INSTANCE_UID in ds and ds[_SOP_INSTANCE_UID].value:
            new = str(ds[_SOP_INSTANCE_UID].value)
            old = meta.get("MediaStorageSOPInstanceUID")
            if old is None or str(old) != new:
                meta.MediaStorageSOPInstanceUID = UID(new)
                self.record(meta["MediaStorageSOPInstanceUID"], UID_REPLACED, path)
        elif "MediaStorageSOPInstanceUID" in meta:
            self.replace_uids(meta["MediaStorageSOPInstanceUID"], path)

    def mark(self, ds: Dataset) -> None:
        """PatientIdentityRemoved, DeidentificationMethod (and its codes), the dates' fate."""
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = deidentification_method(self.shift)
        codes = [BASIC_PROFILE_CODE] + ([MODIFIED_DATES_CODE] if self.shift is not None else [])
        items = []
        for value, meaning in codes:
            item = Dataset()
            item.CodeValue = value
            item.CodingSchemeDesignator = "DCM"
            item.CodeMeaning = meaning
            items.append(item)
        ds.DeidentificationMethodCodeSequence = Sequence(items)
        ds.LongitudinalTemporalInformationModified = (
            "MODIFIED" if self.shift is not None else "REMOVED"
        )
        for keyword in (
            "PatientIdentityRemoved",
            "DeidentificationMethod",
            "DeidentificationMethodCodeSequence",
            "LongitudinalTemporalInformationModified",
        ):
            self.record(ds[keyword], SET, keyword)
