"""The DICOM PS3.15 Annex E action table we apply, and its coverage of a reference table.

The table is dicom-anonymizer's (``dicomfields_2026c``: Table E.1-1 of the 2026c standard) plus
:data:`EXTRA_ACTIONS`, the rows where an independent parse of the standard's table (Innolitics'
``dicom-standard`` 0.1.0, 2020; a copy is in ``tests/data/annex_e/``) asks for a stricter action
than the library. Actions are Annex E's codes: ``X`` remove, ``Z`` empty, ``D`` dummy, ``U`` new
UID, ``K`` keep, ``C`` clean, and choices among them (``X/Z``, ``Z/D``, ``X/D``, ``X/Z/D``,
``X/Z/U*``), where dicom-anonymizer always takes the last, least destructive, choice.

Run ``python -m viewer.deid.annex_e REFERENCE.json`` for the coverage report.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from dicomanonymizer.dicomfields_selector import (  # type: ignore[import-untyped]
    dicom_anonymization_database_selector,
)

LIBRARY = "dicom-anonymizer"
LIBRARY_VERSION = metadata.version(LIBRARY)
LIBRARY_TABLE = "dicomfields_2026c"

_CATEGORIES = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}


@dataclass(frozen=True)
class Mask:
    """A repeating-group row: a tag matches when ``tag & mask == value & mask`` per half."""

    group: int
    element: int
    group_mask: int
    element_mask: int
    action: str

    def matches(self, tag: int) -> bool:
        group, element = tag >> 16, tag & 0xFFFF
        return (group & self.group_mask == self.group & self.group_mask) and (
            element & self.element_mask == self.element & self.element_mask
        )


def _library_table() -> tuple[dict[int, str], tuple[Mask, ...]]:
    table = dicom_anonymization_database_selector(LIBRARY_TABLE)
    actions: dict[int, str] = {}
    masks: list[Mask] = []
    for category, action in _CATEGORIES.items():
        for row in table[category]:
            if len(row) == 2:
                actions[row[0] << 16 | row[1]] = action
            else:
                masks.append(Mask(row[0], row[1], row[2], row[3], action))
    return actions, tuple(masks)


LIBRARY_ACTIONS, LIBRARY_MASKS = _library_table()
"""dicom-anonymizer's table: single tags (as ints) and repeating-group masks."""

EXTRA_ACTIONS: Mapping[int, str] = {
    # Listed twice in the reference, X/Z and X; the library (like the 2026c standard) has X/Z.
    0x30080105: "X",  # Source Serial Number
    # X in the reference (2020); the library (like the 2026c standard) has X/Z.
    0x300A00B2: "X",  # Treatment Machine Name
}
"""Our additions to the library's table: where the reference asks for a stricter action."""

DATES_NOT_SHIFTED = frozenset(
    {
        0x00100030,  # Patient's Birth Date: Z even with the Modified Dates Option
        0x00160077,  # GPS Time Stamp (DT): X even with the option
        # Versions of coding resources, not dates of the patient's care: basic-profile D.
        0x00080106,  # Context Group Version
        0x00080107,  # Context Group Local Version
        0x0040DB06,  # Template Version
        0x0040DB07,  # Template Local Version
    }
)
"""DA/DT attributes that keep their basic-profile action under the Modified Dates Option."""

TIMES_NOT_KEPT = frozenset({0x00100032})  # Patient's Birth Time: X even with the option
"""TM attributes that keep their basic-profile action under the Modified Dates Option."""


def action_for(tag: int) -> str | None:
    """The Annex E basic-profile action for a (non-private) tag, or None when the table has none."""
    action = EXTRA_ACTIONS.get(tag) or LIBRARY_ACTIONS.get(tag)
    if action is not None:
        return action
    for mask in LIBRARY_MASKS:
        if mask.matches(tag):
            return mask.action
    return None


def library_action_for(tag: int) -> str | None:
    """The action dicom-anonymizer's table alone gives a tag."""
    action = LIBRARY_ACTIONS.get(tag)
    if action is not None:
        return action
    for mask in LIBRARY_MASKS:
        if mask.matches(tag):
            return mask.action
    return None


_RANK = {"X": 3, "Z": 2, "D": 2, "U": 2, "C": 1, "K": 1}
_ACTION = re.compile(r"[XZDUCK]\*?(/[XZDUCK]\*?)*")
_TAG = re.compile(r"\(([0-9A-F]{4}),([0-9A-F]{4})\)")
_PATTERN = re.compile(r"\(([0-9A-FX]{4}),([0-9A-FX]{4})\)")


def strictness(action: str) -> int:
    """How destructive an action is: X 3, Z/D/U 2, C/K 1; a choice counts as its mildest member."""
    return min(_RANK[code.rstrip("*")] for code in action.split("/"))


@dataclass(frozen=True)
class ReferenceRow:
    """One row of the reference Annex E table."""

    name: str
    tag: str
    basic_profile: str
    modified_dates_option: str | None


def load_reference(path: Path) -> tuple[ReferenceRow, ...]:
    """Read an Innolitics ``confidentiality_profile_attributes.json``; ValueError on bad content."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON: {err.msg} at line {err.lineno}") from err
    if not isinstance(data, list) or not data:
        raise ValueError(
            f"{path}: top level: found {type(data).__name__}, expected a non-empty list of rows"
        )
    rows = []
    for index, row in enumerate(data):
        fields = {
            key: row.get(key) if isinstance(row, dict) else None
            for key in ("name", "tag", "basicProfile")
        }
        missing = [key for key, value in fields.items() if not isinstance(value, str)]
        if missing:
            raise ValueError(
                f"{path}: row {index}: {', '.join(missing)}: missing or not a string, "
                "expected string fields name, tag and basicProfile"
            )
        action = str(fields["basicProfile"])
        if not _ACTION.fullmatch(action):
            raise ValueError(
                f"{path}: row {index} {fields['tag']}: basicProfile: found {action!r}, "
                "expected Annex E codes X, Z, D, U, K or C, alone or joined by '/'"
            )
        option = row.get("rtnLongModifDatesOpt")
        rows.append(
            ReferenceRow(
                str(fields["name"]),
                str(fields["tag"]),
                action,
                option if isinstance(option, str) else None,
            )
        )
    return tuple(rows)


def _instances(tag: str) -> tuple[int, ...] | None:
    """The tags a row stands for: one, two samples of a ``(50XX,XXXX)`` pattern, None if private."""
    exact = _TAG.fullmatch(tag)
    if exact:
        return (int(exact[1] + exact[2], 16),)
    pattern = _PATTERN.fullmatch(tag)
    if pattern:
        digits = pattern[1] + pattern[2]
        return (int(digits.replace("X", "0"), 16), int(digits.replace("X", "E"), 16))
    return None


@dataclass(frozen=True)
class Coverage:
    """How much of the reference table the library's table, and ours, cover."""

    rows: int
    tags: tuple[str, ...]
    """Distinct single tags of the reference, e.g. ``(0010,0010)``."""
    patterns: tuple[str, ...]
    """Repeating-group rows, e.g. ``(50XX,XXXX)``."""
    private_rules: tuple[str, ...]
    """The private-attribute row (both the library and we remove every private tag)."""
    library: tuple[str, ...]
    """Tags and patterns the library's table covers at least as strictly as the reference."""
    added: tuple[str, ...]
    """Tags and patterns only :data:`EXTRA_ACTIONS` brings up to the reference's strictness."""
    missing: tuple[str, ...]
    """Tags and patterns covered by neither, with what was wanted and found."""

    def report(self) -> str:
        library_tags = [t for t in self.library if t in self.tags]
        library_patterns = [t for t in self.library if t in self.patterns]
        lines = [
            f"Annex E reference: {self.rows} rows = {len(self.tags)} distinct tags"
            f" + {len(self.patterns)} repeating-group patterns"
            f" + {len(self.private_rules)} private-attribute rule",
            f"{LIBRARY} {LIBRARY_VERSION} ({LIBRARY_TABLE}) alone: {len(library_tags)} of"
            f" {len(self.tags)} tags, {len(library_patterns)} of {len(self.patterns)} patterns,"
            " private attributes removed",
            f"added by viewer.deid.annex_e.EXTRA_ACTIONS: {len(self.added)}"
            + (": " + ", ".join(self.added) if self.added else ""),
            f"missing: {len(self.missing)}"
            + (": " + "; ".join(self.missing) if self.missing else ""),
        ]
        return "\n".join(lines)


def coverage(rows: Sequence[ReferenceRow]) -> Coverage:
    """Check every reference row against the library's table and against ours.

    A row is covered when the table has an action for the tag (every sampled tag of a pattern)
    at least as strict as the row's: X above Z, D and U, which are above K and C; a choice such as
    ``X/Z`` allows any of its members. A tag listed twice must satisfy both rows.
    """
    wanted: dict[str, list[ReferenceRow]] = {}
    for row in rows:
        wanted.setdefault(row.tag, []).append(row)
    tags: list[str] = []
    patterns: list[str] = []
    private: list[str] = []
    library: list[str] = []
    added: list[str] = []
    missing: list[str] = []
    for tag, tag_rows in wanted.items():
        instances = _instances(tag)
        if instances is None:
            private.append(tag)
            continue
        (tags if len(instances) == 1 else patterns).append(tag)
        need = max(strictness(row.basic_profile) for row in tag_rows)

        def covers(lookup: Any, need: int = need, instances: tuple[int, ...] = instances) -> bool:
            found = [lookup(t) for t in instances]
            return all(a is not None and strictness(a) >= need for a in found)

        if covers(library_action_for):
            library.append(tag)
        elif covers(action_for):
            action = action_for(instances[0])
            added.append(
                f"{tag} {tag_rows[0].name} {action} (library {library_action_for(instances[0])})"
            )
        else:
            wanted_actions = " and ".join(row.basic_profile for row in tag_rows)
            found = action_for(instances[0])
            missing.append(f"{tag} {tag_rows[0].name}: wanted {wanted_actions}, found {found}")
    return Coverage(
        len(rows),
        tuple(tags),
        tuple(patterns),
        tuple(private),
        tuple(library),
        tuple(added),
        tuple(missing),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m viewer.deid.annex_e REFERENCE.json``: print the coverage report."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m viewer.deid.annex_e REFERENCE.json", file=sys.stderr)
        return 2
    try:
        rows = load_reference(Path(args[0]))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    result = coverage(rows)
    print(result.report())
    return 1 if result.missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
