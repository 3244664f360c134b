"""The case library: a card per case (thumbnail, title, steps, dates) and broken cases' errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from viewer.case_view import date_span
from viewer.cases.library import LibraryEntry
from viewer.cases.model import provenance_label
from viewer.errors import ViewerError
from viewer.export import files as export_files
from viewer.ui import cache
from viewer.ui.components.problems import show_problems
from viewer.ui.text import md_escape
from viewer.ui.views import live_page


def _open(case_id: str, mode: str = "") -> None:
    st.query_params.clear()
    st.query_params["case"] = case_id
    if mode:
        st.query_params["mode"] = mode


def _author() -> None:
    st.query_params.clear()
    st.query_params["mode"] = "author"


def _exports(entry: LibraryEntry) -> None:
    """Offline HTML and PDF handout: prepared on request (with progress), then downloaded."""
    assert entry.loaded is not None
    loaded = entry.loaded
    with st.expander("Take it anywhere: offline HTML, PDF handout"):
        for kind, label, mime, suffix in (
            ("html", "offline presentation (HTML)", "text/html", "html"),
            ("pdf", "handout (PDF)", "application/pdf", "pdf"),
        ):
            key = f"export:{loaded.case.id}:{kind}"
            if st.button(f"Prepare the {label}", key=f"prepare:{key}"):
                bar = st.progress(0.0, text=f"Preparing the {label} …")

                def progress(done: int, total: int, message: str, bar: Any = bar) -> None:
                    bar.progress(min(done / max(total, 1), 1.0), text=message)

                try:
                    st.session_state[key] = (
                        export_files.html_bytes(loaded, progress)
                        if kind == "html"
                        else export_files.pdf_bytes(loaded, progress)
                    )
                except ViewerError as exc:
                    st.error(md_escape(str(exc)))
                bar.empty()
            data = st.session_state.get(key)
            if isinstance(data, bytes):
                st.download_button(
                    f"Download the {label}, {len(data) / 1e6:.1f} MB",
                    data,
                    file_name=f"{loaded.case.id}.{suffix}",
                    mime=mime,
                    key=f"download:{key}",
                )


def _thumbnail(entry: LibraryEntry) -> None:
    assert entry.loaded is not None
    for key in sorted(entry.loaded.images):
        image = entry.loaded.images[key]
        try:
            st.image(cache.image_thumbnail(image), caption=provenance_label(image.ref.provenance))
        except ViewerError as exc:
            st.warning(f"Thumbnail unavailable: {exc}")
        return
    st.info("No images yet")


def _card(entry: LibraryEntry) -> None:
    with st.container(border=True):
        if entry.loaded is None:
            st.subheader(md_escape(entry.folder.name))
            show_problems(entry.problems)
            return
        case = entry.loaded.case
        _thumbnail(entry)
        st.subheader(md_escape(case.title))
        st.markdown(
            f"**{len(case.steps)} steps** · {md_escape(date_span(entry.loaded))} · "
            f"panels {md_escape(case.steps[0].panel)}–{md_escape(case.steps[-1].panel)}"
        )
        st.write(md_escape(case.summary))
        open_column, quiz_column, present_column = st.columns(3)
        with open_column:
            st.button(
                "Open case",
                key=f"open:{case.id}",
                on_click=_open,
                args=(case.id,),
                type="primary",
                icon=":material/play_arrow:",
            )
        with quiz_column:
            st.button(
                "Quiz",
                key=f"quiz:{case.id}",
                on_click=_open,
                args=(case.id, "quiz"),
                icon=":material/quiz:",
                help="Answer each step before its findings are revealed",
            )
        with present_column:
            st.button(
                "Present",
                key=f"present:{case.id}",
                on_click=_open,
                args=(case.id, "present"),
                icon=":material/slideshow:",
                help="Full-screen layout for a projector: Space reveals, N shows notes",
            )
        # Live lectures: the lecturer's page, trainees follow on their own devices.
        st.button(
            "Start a live session",
            key=f"live:{case.id}",
            on_click=live_page.start_session,
            args=(case.id, case.steps[0].panel),
            icon=":material/cast_for_education:",
            help="Trainees join with a code or QR code; their screens follow yours, with polls",
        )
        _exports(entry)


def render(cases_dir: Path) -> None:
    st.title("Ultrasound case library")
    st.caption(
        "Step through annotated case timelines. Open a case, then use ← and → to move "
        "between steps; every step has its own shareable link."
    )
    if os.environ.get("VIEWER_AUTHORING", "") == "1":
        st.button("Import images into a case", key="author", on_click=_author,
                  icon=":material/upload:")
    failed_start = live_page.start_error()
    if failed_start:
        st.error(f"Could not start a live session: {md_escape(failed_start)}.")
    entries = cache.current_library(cases_dir)
    if not entries:
        st.info(f"No case folders (with a case.toml) in {md_escape(str(cases_dir))}.")
        return
    good = [entry for entry in entries if entry.loaded is not None]
    broken = [entry for entry in entries if entry.loaded is None]
    columns = st.columns(3)
    for index, entry in enumerate(good):
        with columns[index % len(columns)]:
            _card(entry)
    if broken:
        st.subheader(f"Cases with problems ({len(broken)})", anchor=False)
        st.caption("Fix these and reload; `viewer validate` lists the same problems.")
        for entry in broken:
            _card(entry)
