"""The case as one self-contained HTML file (placeholder until the stepper is final)."""

from __future__ import annotations

from viewer.cases.loader import LoadedCase
from viewer.export.pdf import Progress


def offline_html(loaded: LoadedCase, progress: Progress | None = None) -> bytes:
    raise NotImplementedError("offline HTML export is being written")
