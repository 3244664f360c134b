"""A case's images served to the browser: one URL per image, one per frame of a cine loop.

The bytes come from the shared caches (:mod:`viewer.ui.cache`), so nothing is decoded twice;
an image that cannot be shown gives its message instead of a URL, and the others still show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from viewer.cases.loader import LoadedCase
from viewer.errors import ViewerError
from viewer.ui import cache

ImageKey = tuple[int, int]
"""(step index, image index) as in :attr:`LoadedCase.images`."""


@dataclass
class ServedImages:
    urls: dict[ImageKey, str] = field(default_factory=dict)
    """The image (a cine loop's first frame)."""
    frames: dict[ImageKey, list[str]] = field(default_factory=dict)
    """Every frame of each cine loop."""
    errors: dict[ImageKey, str] = field(default_factory=dict)
    """Why an image could not be served."""


def serve_images(loaded: LoadedCase, prefix: str, step_index: int | None = None) -> ServedImages:
    """Serve the case's images (only step ``step_index``'s when given); ``prefix`` names the
    element they belong to in Streamlit's media coordinates."""
    served = ServedImages()
    for (s, i), image in loaded.images.items():
        if step_index is not None and s != step_index:
            continue
        coordinates = f"{prefix}:{loaded.case.id}:{s}:{i}"
        try:
            if image.header.frames > 1:
                cine = cache.image_cine(image)
                served.frames[(s, i)] = [
                    cache.media_url(data, f"{coordinates}:{n}", cine.mimetype)
                    for n, data in enumerate(cine.frames)
                ]
                served.urls[(s, i)] = served.frames[(s, i)][0]
            else:
                served.urls[(s, i)] = cache.media_url(cache.image_png(image), coordinates)
        except ViewerError as exc:
            served.errors[(s, i)] = str(exc)
    return served
