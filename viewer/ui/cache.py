"""Caches shared by every session: the case library, decoded frames, encoded images.

Decoding happens once per file version (keyed by path and modification time) and the
results are shared read-only across sessions; stepping never decodes again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from viewer.cases.library import LibraryEntry, case_folders, load_library
from viewer.cases.loader import ResolvedImage
from viewer.imaging.cine import WebFrames, web_frames
from viewer.imaging.display import encode_png, hide_outside_regions, thumbnail_png
from viewer.imaging.frames import Frame, decode_frame


def library_stamp(cases_dir: Path) -> tuple[tuple[str, int], ...]:
    """Changes whenever any file of any case changes, so edits show on the next run."""
    if not cases_dir.is_dir():
        return ()
    stamp: list[tuple[str, int]] = [(str(cases_dir), cases_dir.stat().st_mtime_ns)]
    for folder in case_folders(cases_dir):
        for path in sorted(folder.rglob("*")):
            try:
                stamp.append((str(path), path.stat().st_mtime_ns))
            except OSError:  # removed while we looked, or a dangling link
                stamp.append((str(path), -1))
    return tuple(stamp)


@st.cache_resource(show_spinner="Loading cases…", max_entries=8)
def library(cases_dir: str, stamp: tuple[tuple[str, int], ...]) -> list[LibraryEntry]:
    return load_library(Path(cases_dir))


def current_library(cases_dir: Path) -> list[LibraryEntry]:
    return library(str(cases_dir), library_stamp(cases_dir))


@st.cache_resource(show_spinner=False, max_entries=256)
def display_frame(path: str, mtime_ns: int, frame: int, hide_text: bool) -> Frame:
    header, pixels = decode_frame(path, frame)
    if hide_text:
        pixels = hide_outside_regions(pixels, header.regions)
    pixels.flags.writeable = False
    return pixels


@st.cache_resource(show_spinner=False, max_entries=256)
def display_png(path: str, mtime_ns: int, frame: int, hide_text: bool) -> bytes:
    return encode_png(np.asarray(display_frame(path, mtime_ns, frame, hide_text)))


@st.cache_resource(show_spinner=False, max_entries=256)
def thumbnail(path: str, mtime_ns: int, hide_text: bool) -> bytes:
    return thumbnail_png(np.asarray(display_frame(path, mtime_ns, 0, hide_text)))


@st.cache_resource(show_spinner="Preparing cine loop…", max_entries=32)
def cine(path: str, mtime_ns: int, hide_text: bool) -> WebFrames:
    return web_frames(path, hide_text)


def image_cine(image: ResolvedImage) -> WebFrames:
    return cine(str(image.path), image.path.stat().st_mtime_ns, image.ref.hide_burned_in_text)


def image_png(image: ResolvedImage, frame: int = 0) -> bytes:
    return display_png(
        str(image.path), image.path.stat().st_mtime_ns, frame, image.ref.hide_burned_in_text
    )


def image_thumbnail(image: ResolvedImage) -> bytes:
    return thumbnail(str(image.path), image.path.stat().st_mtime_ns, image.ref.hide_burned_in_text)


def media_url(data: bytes, coordinates: str, mimetype: str = "image/png") -> str:
    """Serve bytes from Streamlit's media endpoint (as st.image does) and return the URL.

    Identical bytes share one stored file across sessions; the reference is renewed on
    every run, as Streamlit's own media elements do.
    """
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return ""
    return runtime.get_instance().media_file_mgr.add(data, mimetype, coordinates)
