"""The one exception tree of the viewer.

Every error the core raises for bad input is a :class:`ViewerError`; the CLI
and the app catch that one class, print its message and go on. Anything else
escaping the core is a bug.

::

    ViewerError                  base class; ``str(err)`` is a complete, one-line message
    +-- CaseError                a case folder cannot be loaded; ``.problems`` lists them all
    +-- ImportRefusedError       an import cannot go ahead, nothing was written; ``.problems``
    +-- ImageError               an image cannot be opened or shown; ``.path`` names it
        +-- ImageNotFoundError       the file does not exist
        +-- UnsupportedImageError    not DICOM/PNG/JPEG, no pixel data, or no decoder plugin
        +-- ImageTooLargeError       declared dimensions exceed the limits (checked before decoding)
        +-- ImageDecodeError         the pixel data is truncated or corrupt

A :class:`Problem` is one finding about one field of one file, formatted as
``<file>: <field>: <message>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One problem with one field of one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ViewerError(Exception):
    """Base class of every error the viewer reports to a user."""


class CaseError(ViewerError):
    """A case folder has problems; all of them are in :attr:`problems`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("CaseError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ImportRefusedError(ViewerError):
    """Files cannot be imported into a case; all the reasons are in :attr:`problems`.

    Raised before anything is written, or after undoing what was written.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ImportRefusedError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ImageError(ViewerError):
    """An image cannot be opened or shown."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ImageNotFoundError(ImageError):
    """The image file does not exist."""


class UnsupportedImageError(ImageError):
    """The file is not an image we can show (format, missing pixels, no decoder)."""


class ImageTooLargeError(ImageError):
    """The image declares dimensions beyond the limits; nothing was allocated."""


class ImageDecodeError(ImageError):
    """The pixel data is truncated or corrupt."""
