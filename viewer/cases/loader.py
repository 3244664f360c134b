"""Loading a case folder: parse ``case.toml``, validate it, check every image it names.

:func:`load_case` either returns a valid :class:`~viewer.cases.model.Case` or raises
:class:`~viewer.errors.CaseError` listing every problem found, each naming the file and
the field (``cases/x/case.toml: steps[2].images[0].file: 'a.dcm' not found in cases/x``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from viewer.cases.model import Caliper, Case, ImageRef, PartialDate, step_sequence_problems
from viewer.errors import CaseError, ImageError, Problem
from viewer.imaging.calibration import Calibration
from viewer.imaging.frames import decode_frame
from viewer.imaging.header import ImageHeader, read_header

MANIFEST = "case.toml"
MAX_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True)
class ResolvedImage:
    """An image of a loaded case: its manifest entry, file path and header."""

    ref: ImageRef
    path: Path
    header: ImageHeader

    @property
    def calibration(self) -> Calibration:
        if self.ref.mm_per_pixel is not None:
            return Calibration(mm_per_pixel_xy=self.ref.mm_per_pixel)
        return self.header.calibration


@dataclass(frozen=True)
class LoadedCase:
    """A valid case with its folder and every image resolved, keyed by (step index, image index)."""

    case: Case
    folder: Path
    images: dict[tuple[int, int], ResolvedImage]

    def image(self, step_index: int, image_index: int) -> ResolvedImage:
        return self.images[(step_index, image_index)]


def _field(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return f"{type(value).__name__} {value!r}"


_PATTERN_WORDS = {
    r"^[A-Z]$": "one capital letter A to Z",
    r"^[a-z0-9][a-z0-9-]{0,62}$": "lowercase letters, digits and hyphens (at most 63)",
}

_TYPE_WORDS = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a table",
    "dict_type": "a table",
}


def _message(error: dict[str, Any], model_fields: dict[str, list[str]]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        parent = ".".join(str(p) for p in error["loc"][:-1] if isinstance(p, str))
        allowed = model_fields.get(parent)
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return f"unknown field{hint}"
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, found {_describe(value)}"
    if kind in ("literal_error", "enum"):
        return f"expected one of {ctx.get('expected')}, found {_describe(value)}"
    if kind == "union_tag_invalid":
        return f"expected kind {ctx.get('expected_tags')}, found {_describe(ctx.get('tag'))}"
    if kind == "union_tag_not_found":
        return f"missing field '{ctx.get('discriminator', 'kind').strip(chr(39))}'"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        wanted = _PATTERN_WORDS.get(str(ctx.get("pattern")), f"text matching {ctx.get('pattern')}")
        return f"expected {wanted}, found {_describe(value)}"
    if kind in ("too_short", "too_long"):
        return (
            f"expected {'at least' if kind == 'too_short' else 'at most'} "
            f"{ctx.get('min_length', ctx.get('max_length'))} items, "
            f"found {ctx.get('actual_length')}"
        )
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        shown = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"expected a number greater than {shown}, found {value!r}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg']}, found {_describe(value)}"


def _allowed_fields() -> dict[str, list[str]]:
    """Field names of each table, keyed by the dotted path without indices (for hints)."""
    from viewer.cases import model

    return {
        "": list(model.Case.model_fields),
        "source": list(model.Source.model_fields),
        "steps": list(model.Step.model_fields),
        "steps.images": list(model.ImageRef.model_fields),
    }


def validation_problems(file: str, exc: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into problems naming the file and the field."""
    allowed = _allowed_fields()
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        # Discriminated unions add the tag as a path element ("steps", 0, "images", 0, ...,
        # "public-sample", "credit"); drop it so the field reads like the manifest.
        loc = _without_union_tags(loc)
        if error["type"] == "value_error" and not loc:
            for line in str(error["ctx"]["error"]).splitlines():
                field, _, message = line.partition(": ")
                problems.append(Problem(file, field, message))
            continue
        problems.append(Problem(file, _field(loc), _message(dict(error), allowed)))
    return problems


_PROVENANCE_TAGS = {"generated", "public-sample", "author-supplied"}
_ANNOTATION_TAGS = {"arrow", "caliper", "ellipse", "label"}
_QUIZ_TAGS = {"bi-rads", "choice"}


def _without_union_tags(loc: list[int | str]) -> list[int | str]:
    out: list[int | str] = []
    for part in loc:
        after_provenance = out[-1:] == ["provenance"] and part in _PROVENANCE_TAGS
        after_annotation = (
            len(out) >= 2
            and out[-2] == "annotations"
            and isinstance(out[-1], int)
            and part in _ANNOTATION_TAGS
        )
        after_quiz = out[-1:] == ["quiz"] and part in _QUIZ_TAGS
        if not (after_provenance or after_annotation or after_quiz):
            out.append(part)
    return out


def _inside(folder: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _check_annotations(
    file: str, where: str, ref: ImageRef, header: ImageHeader, calibration: Calibration
) -> Iterable[Problem]:
    for index, annotation in enumerate(ref.annotations):
        field = f"{where}.annotations[{index}]"
        for x_px, y_px in annotation.points_px():
            if not (0 <= x_px <= header.columns and 0 <= y_px <= header.rows):
                yield Problem(
                    file,
                    field,
                    f"{annotation.kind} point ({x_px:g}, {y_px:g}) lies outside the "
                    f"{header.columns}x{header.rows} image",
                )
                break
        if annotation.frames is not None:
            first, last = annotation.frames
            if not 0 <= first <= last < header.frames:
                yield Problem(
                    file,
                    f"{field}.frames",
                    f"expected a range within frames 0 to {header.frames - 1}, "
                    f"found [{first}, {last}]",
                )
        if isinstance(annotation, Caliper):
            try:
                calibration.distance_mm(annotation.start_px, annotation.end_px)
            except ValueError as exc:
                yield Problem(file, field, str(exc))


def _read_image(
    folder: Path, file: str, where: str, name: str, decode: bool
) -> tuple[Path, ImageHeader] | Problem:
    """Find, open and (with ``decode``) fully decode one image named by the manifest."""
    path = folder / name
    if not _inside(folder, path):
        return Problem(file, f"{where}.file", f"{name!r} leads outside {folder}")
    if not path.is_file():
        return Problem(file, f"{where}.file", f"{name!r} not found in {folder}")
    try:
        header = read_header(path)
        if decode:
            for frame in range(header.frames):
                decode_frame(path, frame)
    except ImageError as exc:
        return Problem(file, f"{where}.file", f"{name!r}: {exc.reason}")
    return path, header


def _check_images(
    case: Case, folder: Path, file: str, decode: bool
) -> tuple[dict[tuple[int, int], ResolvedImage], list[Problem]]:
    resolved: dict[tuple[int, int], ResolvedImage] = {}
    problems: list[Problem] = []
    for s, step in enumerate(case.steps):
        for i, ref in enumerate(step.images):
            where = f"steps[{s}].images[{i}]"
            found = _read_image(folder, file, where, ref.file, decode)
            if isinstance(found, Problem):
                problems.append(found)
                continue
            path, header = found
            if ref.mm_per_pixel is not None and header.format == "dicom":
                problems.append(
                    Problem(
                        file,
                        f"{where}.mm_per_pixel",
                        "only for PNG and JPEG images; a DICOM file carries its own calibration",
                    )
                )
            image = ResolvedImage(ref, path, header)
            problems.extend(_check_annotations(file, where, ref, header, image.calibration))
            resolved[(s, i)] = image
    return resolved, problems


def _raw_steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    steps = data.get("steps")
    if not isinstance(steps, list):
        return []
    return [step if isinstance(step, dict) else {} for step in steps]


def _raw_problems(
    data: dict[str, Any], folder: Path, file: str, decode: bool, reported: set[str]
) -> list[Problem]:
    """Checks that still make sense when the manifest failed validation.

    Pydantic stops before cross-step checks when a field is invalid, and the image files
    are only checked on a valid model; run both on the raw data so that every problem is
    reported at once. Fields already reported are skipped.
    """
    steps = _raw_steps(data)
    panels: list[str | None] = []
    dates: list[PartialDate | None] = []
    for step in steps:
        panel = step.get("panel")
        panels.append(panel if isinstance(panel, str) and len(panel) == 1 else None)
        try:
            dates.append(
                PartialDate.parse(step["date"]) if isinstance(step.get("date"), str) else None
            )
        except ValueError:
            dates.append(None)
    problems: list[Problem] = []
    for line in step_sequence_problems(panels, dates):
        field, _, message = line.partition(": ")
        if field not in reported:
            problems.append(Problem(file, field, message))
    for s, step in enumerate(steps):
        images = step.get("images")
        if not isinstance(images, list):
            continue
        for i, image in enumerate(images):
            where = f"steps[{s}].images[{i}]"
            name = image.get("file") if isinstance(image, dict) else None
            if not isinstance(name, str) or not name.strip() or f"{where}.file" in reported:
                continue
            found = _read_image(folder, file, where, name, decode)
            if isinstance(found, Problem):
                problems.append(found)
    return problems


def load_case(folder: Path | str, *, decode: bool = False) -> LoadedCase:
    """Load and check a case folder; raise CaseError with every problem found.

    With ``decode=True`` every frame of every image is decoded through the display
    pipeline, so a case that loads will display (what ``viewer validate`` does).
    """
    folder = Path(folder)
    manifest = folder / MANIFEST
    file = str(manifest)
    if not folder.is_dir():
        raise CaseError([Problem(str(folder), "(folder)", "not found or not a folder")])
    if not manifest.is_file():
        raise CaseError([Problem(file, "(file)", f"not found; a case folder needs a {MANIFEST}")])
    if manifest.stat().st_size > MAX_MANIFEST_BYTES:
        raise CaseError([Problem(file, "(file)", f"larger than {MAX_MANIFEST_BYTES // 1024} KiB")])
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CaseError([Problem(file, "(syntax)", f"not UTF-8 text ({exc.reason})")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise CaseError([Problem(file, "(syntax)", f"invalid TOML: {exc}")]) from None
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(file, exc)
        reported = {problem.field for problem in problems}
        problems += _raw_problems(data, folder, file, decode, reported)
        raise CaseError(problems) from None
    images, problems = _check_images(case, folder, file, decode)
    if problems:
        raise CaseError(problems)
    return LoadedCase(case, folder, images)
