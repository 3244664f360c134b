"""Importing studies into a case: read, de-identify headers and pixels, write, update the
manifest, validate; all or nothing.

Every source is read and checked first and every problem reported at once; nothing is
written until all files are ready. New files are staged inside the case folder, moved into
``images/imported/``, and the manifest is written last; if anything fails after that, or the
case no longer validates, the new files are removed and the manifest restored. Originals are
only ever read.

Per case, ``.viewer-import/`` (kept out of the viewer and of exports) holds the secret that
keys UID replacement, so files imported on different days keep their links, and the date
shift used, so every import into the case shifts dates by the same offset.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydicom
import tomlkit
from PIL import Image, UnidentifiedImageError
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from viewer.cases.loader import MANIFEST, load_case
from viewer.cases.manifest_edits import add_step_images
from viewer.deid.headers import HeaderChange, deidentify_header
from viewer.deid.pixels import Cleaning, Rect, clean_pixels, kept_regions
from viewer.errors import CaseError, ImportRefusedError, Problem, ViewerError
from viewer.files import write_atomic
from viewer.imaging.header import read_header, sniff_format

PRIVATE_DIR = ".viewer-import"
IMPORT_DIR = "images/imported"
MAX_SOURCES = 2000

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ImportOptions:
    case_dir: Path
    step: str | None = None
    """The panel to add to; a new step (next free letter) when None or not in the case."""
    date_shift_days: int | None = None
    masks: tuple[Rect, ...] = ()
    """Rectangles to blank in every image (for files without usable ultrasound regions)."""
    no_burned_in_text: bool = False
    """The author confirms PNG/JPEG sources carry no burned-in text."""
    step_date: str | None = None
    """Date of a new step when no DICOM source has one (YYYY, YYYY-MM or YYYY-MM-DD)."""
    new_case_title: str | None = None
    """Create the case: ``case_dir`` must not exist yet (or be empty)."""


@dataclass(frozen=True)
class FileReport:
    """What happened to one source file."""

    source: str
    output: str
    kind: str
    header_changes: tuple[HeaderChange, ...] = ()
    cleaning: Cleaning | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        cleaning = None
        if self.cleaning is not None:
            cleaning = {
                "kept_regions": [str(r) for r in self.cleaning.kept],
                "blanked_rectangles": [str(r) for r in self.cleaning.blanked],
                "frames": self.cleaning.frames,
                "blanked_fraction": round(self.cleaning.blanked_fraction, 4),
            }
        return {
            "source": self.source,
            "output": self.output,
            "kind": self.kind,
            "header_changes": [
                {"tag": c.tag, "keyword": c.keyword, "action": c.action, "path": c.path}
                for c in self.header_changes
            ],
            "pixels": cleaning,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ImportReport:
    case_dir: str
    panel: str
    new_step: bool
    files: tuple[FileReport, ...]
    date_shift_days: int | None
    skipped: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case_dir,
            "step": self.panel,
            "new_step": self.new_step,
            "date_shift_days": self.date_shift_days,
            "files": [f.as_dict() for f in self.files],
            "skipped": list(self.skipped),
        }

    def as_text(self) -> str:
        lines = [
            f"imported {len(self.files)} file(s) into {self.case_dir}, step {self.panel}"
            + (" (new step)" if self.new_step else "")
        ]
        for f in self.files:
            lines.append(f"{f.source} -> {f.output}")
            if f.header_changes:
                counts: dict[str, int] = {}
                for change in f.header_changes:
                    counts[change.action] = counts.get(change.action, 0) + 1
                summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
                lines.append(f"  header: {summary}")
                for change in f.header_changes:
                    name = change.keyword or "private"
                    lines.append(f"    {change.tag} {name} [{change.path}]: {change.action}")
            if f.cleaning is not None:
                c = f.cleaning
                what = (
                    f"kept regions {', '.join(map(str, c.kept))}"
                    if c.kept
                    else "kept the whole image"
                )
                if c.blanked:
                    what += f"; blanked {', '.join(map(str, c.blanked))}"
                lines.append(
                    f"  pixels: {what}; {c.blanked_fraction:.1%} of each of {c.frames} "
                    "frame(s) blanked"
                )
            for note in f.notes:
                lines.append(f"  {note}")
        lines.extend(self.skipped)
        return "\n".join(lines)


# --- the case's private import state -------------------------------------------------------


@dataclass
class _CaseState:
    secret: bytes
    date_shift_days: int | None
    is_new: bool


def _read_state(case_dir: Path) -> _CaseState:
    folder = case_dir / PRIVATE_DIR
    secret_file = folder / "secret"
    state_file = folder / "state.json"
    if secret_file.is_file():
        secret = bytes.fromhex(secret_file.read_text(encoding="ascii").strip())
        shift = None
        if state_file.is_file():
            shift = json.loads(state_file.read_text(encoding="utf-8")).get("date_shift_days")
        return _CaseState(secret, shift, is_new=False)
    return _CaseState(secrets.token_bytes(32), None, is_new=True)


def _write_state(case_dir: Path, state: _CaseState, shift: int | None) -> None:
    folder = case_dir / PRIVATE_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    if state.is_new:
        write_atomic(folder / "secret", state.secret.hex().encode("ascii"))
        os.chmod(folder / "secret", 0o600)
    write_atomic(folder / "state.json", json.dumps({"date_shift_days": shift}).encode("utf-8"))
    os.chmod(folder / "state.json", 0o600)


# --- sources ---------------------------------------------------------------------------------


def collect_sources(paths: Sequence[Path]) -> tuple[list[Path], list[Problem], list[str]]:
    """Files named, and the image files inside folders named (recursively, sorted, hidden
    ones left out); a problem for each path that does not exist. Files in folders that are
    not DICOM, PNG or JPEG (a DICOMDIR, a zip, notes) are skipped and listed as skipped;
    a file named on its own must be an image."""
    found: list[Path] = []
    problems: list[Problem] = []
    skipped: list[str] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in p.relative_to(path).parts)
                if not p.is_file() or hidden:
                    continue
                if _format(p) is None or p.name == "DICOMDIR":
                    skipped.append(f"{p}: skipped, not an image file")
                else:
                    found.append(p)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), "(file)", "not found"))
    if len(found) > MAX_SOURCES:
        problems.append(
            Problem(
                str(paths[0]), "(files)", f"{len(found)} files; at most {MAX_SOURCES} per import"
            )
        )
    return found, problems, skipped


def _format(path: Path) -> str | None:
    try:
        return sniff_format(path)
    except ViewerError:
        return None


@dataclass
class _Prepared:
    source: Path
    kind: str  # "dicom" or "raster"
    data: bytes = b""
    suffix: str = ".dcm"
    report: FileReport | None = None
    sop_instance: str | None = None
    study_date: str | None = None
    modality: str | None = None
    has_flow: bool = False
    digest: str = ""


def _dicom_date(ds: Dataset) -> str | None:
    for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        value = str(ds.get(keyword, "") or "").strip()
        if len(value) == 8 and value.isdigit():
            return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return None


def _prepare_dicom(
    source: Path, options: ImportOptions, state: _CaseState, problems: list[Problem]
) -> _Prepared | None:
    name = str(source)
    try:
        ds = pydicom.dcmread(source)
        for _element in ds.iterall():  # pydicom parses lazily: parse it all now
            pass
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError) as exc:
        problems.append(Problem(name, "(file)", f"unreadable DICOM ({exc})"))
        return None
    if "PixelData" not in ds:
        problems.append(Problem(name, "PixelData", "missing; only images can be imported"))
        return None
    try:
        header = read_header(source)
    except ViewerError as exc:
        problems.append(Problem(name, "PixelData", str(exc).removeprefix(f"{name}: ")))
        return None
    columns, rows = header.columns, header.rows
    bad_masks = [m for m in options.masks if not m.fits(columns, rows)]
    for mask in bad_masks:
        problems.append(
            Problem(
                name,
                "--mask",
                f"rectangle {mask} lies outside the {columns}x{rows} image "
                f"(x 0 to {columns - 1}, y 0 to {rows - 1})",
            )
        )
    if bad_masks:
        return None
    keep = kept_regions(ds)
    burned = str(ds.get("BurnedInAnnotation", "") or "").upper()
    if not keep and not options.masks and burned != "NO":
        found = f"'{burned}'" if burned else "absent"
        problems.append(
            Problem(
                name,
                "SequenceOfUltrasoundRegions",
                f"no usable ultrasound data region to keep, and BurnedInAnnotation is {found}; "
                f"give --mask x0,y0,x1,y1 rectangles to blank (the image is {columns}x{rows})",
            )
        )
        return None
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean, header_changes = deidentify_header(
                ds, uid_secret=state.secret, date_shift_days=options.date_shift_days
            )
            cleaning: Cleaning | None = None
            if keep or options.masks:
                clean, cleaning = clean_pixels(clean, keep=keep, blank=options.masks)
            else:
                notes.append("pixels unchanged: BurnedInAnnotation is NO and no mask was given")
            buffer = io.BytesIO()
            clean.save_as(buffer, enforce_file_format=True)
    except ViewerError as exc:
        problems.append(Problem(name, "(file)", str(exc).removeprefix(f"{name}: ")))
        return None
    except (NotImplementedError, RuntimeError, ValueError) as exc:
        problems.append(Problem(name, "PixelData", f"cannot be decoded for cleaning ({exc})"))
        return None
    regions = ds.get("SequenceOfUltrasoundRegions") or []
    return _Prepared(
        source,
        "dicom",
        buffer.getvalue(),
        ".dcm",
        FileReport(name, "", "dicom", header_changes, cleaning, tuple(notes)),
        str(clean.SOPInstanceUID),
        # Without a date shift the profile empties or dummies the dates: none to use.
        _dicom_date(clean) if options.date_shift_days is not None else None,
        str(ds.get("Modality", "") or ""),
        any(int(r.get("RegionDataType", 0)) in (2, 3, 4) for r in regions),
    )


def _prepare_raster(
    source: Path, options: ImportOptions, problems: list[Problem]
) -> _Prepared | None:
    """PNG/JPEG: pixels only (every metadata chunk and EXIF dropped), stored as PNG."""
    name = str(source)
    try:
        with Image.open(source) as image:
            image.load()
            pixels = image.convert("RGB") if image.mode not in ("L", "RGB") else image.copy()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        problems.append(Problem(name, "(file)", f"unreadable image ({exc})"))
        return None
    columns, rows = pixels.size
    bad = [m for m in options.masks if not m.fits(columns, rows)]
    for mask in bad:
        problems.append(
            Problem(
                name,
                "--mask",
                f"rectangle {mask} lies outside the {columns}x{rows} image "
                f"(x 0 to {columns - 1}, y 0 to {rows - 1})",
            )
        )
    if bad:
        return None
    if not options.masks and not options.no_burned_in_text:
        problems.append(
            Problem(
                name,
                "(pixels)",
                "a PNG or JPEG may carry burned-in text that cannot be found automatically; give "
                "--mask x0,y0,x1,y1 rectangles to blank, or --no-burned-in-text after checking it",
            )
        )
        return None
    from PIL import ImageDraw

    draw = ImageDraw.Draw(pixels)
    for mask in options.masks:
        draw.rectangle([mask.x0, mask.y0, mask.x1, mask.y1], fill=0)
    buffer = io.BytesIO()
    pixels.save(buffer, format="PNG")
    cleaning = Cleaning((), tuple(options.masks), 1, _fraction(options.masks, columns, rows))
    return _Prepared(
        source,
        "raster",
        buffer.getvalue(),
        ".png",
        FileReport(name, "", "raster", (), cleaning, ("metadata dropped: pixels only",)),
    )


def _fraction(masks: Iterable[Rect], columns: int, rows: int) -> float:
    covered = set()
    for m in masks:
        for y in range(m.y0, m.y1 + 1):
            covered.add((y, m.x0, m.x1))
    area = sum(x1 - x0 + 1 for _, x0, x1 in covered)
    return min(area / (columns * rows), 1.0)


# --- the import ------------------------------------------------------------------------------


def _existing_uids(case_dir: Path) -> dict[str, str]:
    """SOPInstanceUID -> file, for the case's DICOM files (duplicate check)."""
    found: dict[str, str] = {}
    images = case_dir / "images"
    if not images.is_dir():
        return found
    for path in sorted(images.rglob("*")):
        if not path.is_file() or sniff_format(path) != "dicom":
            continue
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"])
        except (InvalidDicomError, OSError, ValueError, EOFError):
            continue
        uid = str(ds.get("SOPInstanceUID", "") or "")
        if uid:
            found[uid] = path.relative_to(case_dir).as_posix()
    return found


def _next_panel(used: Iterable[str]) -> str | None:
    taken = set(used)
    return next((chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in taken), None)


def _modality(prepared: Sequence[_Prepared]) -> str:
    dicom = [p for p in prepared if p.kind == "dicom"]
    if any(p.modality == "MG" for p in dicom):
        return "mammography"
    if any(p.has_flow for p in dicom):
        return "doppler"
    return "ultrasound"


@dataclass
class ImportPlan:
    """Everything read and checked, nothing written: what :func:`apply_plan` would do.

    ``problems`` empty means the import can go ahead. ``prepared`` holds each file's
    de-identified bytes, so a page can show every image before and after.
    """

    options: ImportOptions
    problems: list[Problem]
    prepared: list[_Prepared]
    skipped: list[str]
    panel: str | None
    new_step: dict[str, Any] | None
    manifest_text: str
    step_has_primary: dict[str, bool]
    state: _CaseState
    total: int


def run_import(
    sources: Sequence[Path], options: ImportOptions, progress: Progress | None = None
) -> ImportReport:
    """Import ``sources`` (files or folders) into the case; see the module's docstring."""
    return apply_plan(plan_import(sources, options, progress), progress)


def plan_import(
    sources: Sequence[Path], options: ImportOptions, progress: Progress | None = None
) -> ImportPlan:
    """Read, check and de-identify every source in memory; problems are collected, not raised
    (except for a target that is not a case, which leaves nothing to plan)."""
    case_dir = options.case_dir
    manifest = case_dir / MANIFEST
    if options.new_case_title is not None:
        if case_dir.exists() and (not case_dir.is_dir() or any(case_dir.iterdir())):
            raise ImportRefusedError(
                [Problem(str(case_dir), "--new-case", "exists and is not empty; name a new folder")]
            )
        manifest_text = new_case_manifest(case_dir.name, options.new_case_title)
        panels: list[str] = []
        step_has_primary: dict[str, bool] = {}
    elif not manifest.is_file():
        raise ImportRefusedError(
            [Problem(str(case_dir), "--case", f"not a case folder (no {MANIFEST})")]
        )
    else:
        try:
            loaded = load_case(case_dir)
        except CaseError as exc:
            raise ImportRefusedError(
                [Problem(str(case_dir), "--case", "the case does not validate; fix it first"),
                 *exc.problems]
            ) from None
        manifest_text = manifest.read_text(encoding="utf-8")
        panels = [s.panel for s in loaded.case.steps]
        step_has_primary = {
            s.panel: any(im.role.value == "primary" for im in s.images) for s in loaded.case.steps
        }
    state = _read_state(case_dir)
    problems: list[Problem] = []
    if (
        options.date_shift_days is not None
        and state.date_shift_days is not None
        and options.date_shift_days != state.date_shift_days
    ):
        problems.append(
            Problem(
                str(case_dir),
                "--date-shift",
                f"this case's earlier imports shifted dates by {state.date_shift_days} days; "
                f"found {options.date_shift_days}: use the same shift so intervals stay true",
            )
        )
    files, missing, skipped = collect_sources(sources)
    problems.extend(missing)
    if not files and not missing:
        named = ", ".join(map(str, sources)) or "(none)"
        problems.append(Problem(named, "(files)", "no files to import"))
    prepared: list[_Prepared] = []
    existing = _existing_uids(case_dir)
    seen_uid: dict[str, str] = {}
    seen_digest: dict[str, str] = {}
    total = len(files) + 2
    for done, source in enumerate(files):
        if progress:
            progress(done, total, f"reading {source.name}")
        fmt = _format(source)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest in seen_digest:
            problems.append(
                Problem(str(source), "(file)", f"duplicate of {seen_digest[digest]} in this import")
            )
            continue
        seen_digest[digest] = str(source)
        if fmt == "dicom":
            item = _prepare_dicom(source, options, state, problems)
        elif fmt in ("png", "jpeg"):
            item = _prepare_raster(source, options, problems)
        else:
            problems.append(
                Problem(str(source), "(file)", "not an image: expected a DICOM, PNG or JPEG file")
            )
            continue
        if item is None:
            continue
        if item.sop_instance:
            if item.sop_instance in existing:
                problems.append(
                    Problem(
                        str(source),
                        "SOPInstanceUID",
                        f"duplicate: already in the case as {existing[item.sop_instance]}",
                    )
                )
                continue
            if item.sop_instance in seen_uid:
                problems.append(
                    Problem(
                        str(source),
                        "SOPInstanceUID",
                        f"duplicate: the same image as {seen_uid[item.sop_instance]}",
                    )
                )
                continue
            seen_uid[item.sop_instance] = str(source)
        item.digest = digest
        prepared.append(item)

    panel = options.step.upper() if options.step else _next_panel(panels)
    new_step: dict[str, Any] | None = None
    if panel is None:
        problems.append(Problem(str(manifest), "steps", "every panel letter A-Z is used"))
    elif options.step and (len(panel) != 1 or not "A" <= panel <= "Z"):
        problems.append(Problem(str(options.step), "--step", "expected one capital letter A to Z"))
    elif panel not in panels and prepared:
        when = options.step_date or next((p.study_date for p in prepared if p.study_date), None)
        if when is None:
            problems.append(
                Problem(
                    str(manifest),
                    "--step-date",
                    f"a new step {panel} needs a date: give --step-date YYYY-MM-DD, or "
                    "--date-shift DAYS to keep the studies' own dates, shifted",
                )
            )
        else:
            new_step = {
                "panel": panel,
                "date": when,
                "modality": _modality(prepared),
                "view": "Imported study: view to be described by the author",
                "caption": "Caption to be written by the author.",
            }
    return ImportPlan(
        options, problems, prepared, skipped, panel, new_step, manifest_text, step_has_primary,
        state, total,
    )


def apply_plan(plan: ImportPlan, progress: Progress | None = None) -> ImportReport:
    """Write a plan's files and manifest entry, all or nothing; refuse a plan with problems."""
    if plan.problems:
        raise ImportRefusedError(plan.problems)
    options, prepared, panel, total = plan.options, plan.prepared, plan.panel, plan.total
    new_step, manifest_text, state, skipped = (
        plan.new_step, plan.manifest_text, plan.state, plan.skipped
    )
    step_has_primary = plan.step_has_primary
    assert panel is not None
    case_dir = options.case_dir
    manifest = case_dir / MANIFEST
    created = False
    if progress:
        progress(total - 2, total, "writing")
    outputs: list[tuple[_Prepared, str]] = []
    number = 0
    for item in prepared:
        number += 1
        while any((case_dir / IMPORT_DIR).glob(f"{panel}-{number}.*")):
            number += 1
        outputs.append((item, f"{IMPORT_DIR}/{panel}-{number}{item.suffix}"))
    has_primary = step_has_primary.get(panel, False)
    entries: list[dict[str, Any]] = []
    for index, (item, relative) in enumerate(outputs):
        what = "ultrasound image" if item.kind == "dicom" else "image"
        entries.append(
            {
                "file": relative,
                "role": "reference" if has_primary or index > 0 else "primary",
                "alt": f"Imported {what}, de-identified; alt text to be written by the author.",
                "hide_burned_in_text": True,
                "provenance": {
                    "kind": "author-supplied",
                    "credit": "Imported and de-identified by the case author with viewer import",
                    "note": _provenance_note(item, options.date_shift_days),
                },
            }
        )
    old_manifest = manifest.read_bytes() if manifest.is_file() else None
    new_manifest = add_step_images(manifest_text, panel, entries, new_step)
    written: list[Path] = []
    if not case_dir.exists():
        case_dir.mkdir(parents=True)
        created = True
    staging = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_DIR}-staging-", dir=case_dir))
    try:
        for item, relative in outputs:
            target = staging / Path(relative).name
            write_atomic(target, item.data)
        (case_dir / IMPORT_DIR).mkdir(parents=True, exist_ok=True)
        for _item, relative in outputs:
            os.replace(staging / Path(relative).name, case_dir / relative)
            written.append(case_dir / relative)
        write_atomic(manifest, new_manifest.encode("utf-8"))
        try:
            load_case(case_dir, decode=True)
        except CaseError as exc:
            raise ImportRefusedError(
                [Problem(str(manifest), "(import)", "the case would not validate; undone"),
                 *exc.problems]
            ) from None
        _write_state(case_dir, state, options.date_shift_days)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if old_manifest is None:
            manifest.unlink(missing_ok=True)
        elif manifest.read_bytes() != old_manifest:
            write_atomic(manifest, old_manifest)
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(case_dir / IMPORT_DIR)
        _remove_empty(case_dir / "images")
        if created:
            shutil.rmtree(case_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if progress:
        progress(total, total, f"imported {len(outputs)} file(s) into step {panel}")
    reports = tuple(
        FileReport(
            item.report.source if item.report else str(item.source),
            relative,
            item.kind,
            item.report.header_changes if item.report else (),
            item.report.cleaning if item.report else None,
            item.report.notes if item.report else (),
        )
        for item, relative in outputs
    )
    shift = options.date_shift_days
    return ImportReport(
        str(case_dir), panel, new_step is not None, reports, shift, tuple(skipped)
    )


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty, or not there
        folder.rmdir()


def new_case_manifest(folder_name: str, title: str) -> str:
    """A new case's manifest, before its first step is added: placeholders to fill in."""
    slug = re.sub(r"[^a-z0-9-]+", "-", folder_name.lower()).strip("-")[:63] or "case"
    if not slug[0].isalnum():
        slug = f"case-{slug}"[:63]
    document = tomlkit.document()
    document.add(
        tomlkit.comment("Created by `viewer import`: fill in the summary, sources and captions.")
    )
    document["schema_version"] = 1
    document["id"] = slug
    document["title"] = title
    document["summary"] = "Summary to be written by the author."
    source = tomlkit.table()
    source["caption_source"] = "The case author"
    source["publication"] = "Unpublished teaching case"
    source.add(tomlkit.nl())
    document["source"] = source
    return tomlkit.dumps(document)


def _provenance_note(item: _Prepared, shift: int | None) -> str:
    if item.kind == "raster":
        return "Pixels only (metadata dropped); author masks blanked."
    parts = ["Header de-identified to DICOM PS3.15 Annex E (basic profile)"]
    if shift is not None:
        parts.append("dates shifted by a fixed offset")
    parts.append("burned-in text blanked outside the ultrasound regions")
    return "; ".join(parts) + "."

