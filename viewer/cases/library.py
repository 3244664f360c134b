"""The case library: every case folder under a directory, loaded or with its problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from viewer.cases.loader import MANIFEST, LoadedCase, load_case
from viewer.errors import CaseError, Problem


@dataclass(frozen=True)
class LibraryEntry:
    """One case folder: loaded, or the problems that stop it loading."""

    folder: Path
    loaded: LoadedCase | None
    problems: tuple[Problem, ...] = ()

    @property
    def case_id(self) -> str:
        return self.loaded.case.id if self.loaded else self.folder.name


def case_folders(cases_dir: Path) -> list[Path]:
    """Sub-folders of ``cases_dir`` that hold a manifest, sorted by name."""
    return sorted(p for p in cases_dir.iterdir() if p.is_dir() and (p / MANIFEST).is_file())


def load_library(cases_dir: Path | str) -> list[LibraryEntry]:
    """Load every case under ``cases_dir``; a broken case never stops the others."""
    cases_dir = Path(cases_dir)
    if not cases_dir.is_dir():
        return [
            LibraryEntry(
                cases_dir, None, (Problem(str(cases_dir), "(folder)", "not found or not a folder"),)
            )
        ]
    entries: list[LibraryEntry] = []
    seen: dict[str, Path] = {}
    for folder in case_folders(cases_dir):
        try:
            loaded = load_case(folder)
        except CaseError as exc:
            entries.append(LibraryEntry(folder, None, exc.problems))
            continue
        if loaded.case.id in seen:
            problem = Problem(
                str(folder / MANIFEST),
                "id",
                f"case id {loaded.case.id!r} is already used by {seen[loaded.case.id]}",
            )
            entries.append(LibraryEntry(folder, None, (problem,)))
            continue
        seen[loaded.case.id] = folder
        entries.append(LibraryEntry(folder, loaded))
    return entries
