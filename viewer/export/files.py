"""What ``viewer export`` and the app's download buttons write: the case's images rendered
once through the display pipeline, then the PDF handout or the offline HTML."""

from __future__ import annotations

from viewer.cases.loader import LoadedCase, ResolvedImage
from viewer.export.pdf import Progress, handout_pdf
from viewer.imaging.display import encode_png, hide_outside_regions
from viewer.imaging.frames import decode_frame


def display_png(image: ResolvedImage) -> bytes:
    """Frame 0 as the viewer shows it (burned-in text hidden where the manifest asks)."""
    header, frame = decode_frame(image.path, 0)
    if image.ref.hide_burned_in_text:
        frame = hide_outside_regions(frame, header.regions)
    return encode_png(frame)


def pdf_bytes(loaded: LoadedCase, progress: Progress | None = None) -> bytes:
    return handout_pdf(loaded, display_png, progress)


def html_bytes(loaded: LoadedCase, progress: Progress | None = None) -> bytes:
    from viewer.export.html import offline_html

    return offline_html(loaded, progress)
