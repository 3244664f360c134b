"""Authoring: import studies into a case from the browser, seeing every image before and
after de-identification before anything is written.

Address ``?mode=author`` (``&case=<id>`` preselects a case). Turned on by ``viewer serve
--authoring`` (environment ``VIEWER_AUTHORING=1``): on a shared server trainees should not be
able to write into the cases folder. Uploads go to a private temporary folder of the session;
the import itself is :mod:`viewer.deid.importer`, exactly as ``viewer import`` runs it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import streamlit as st

from viewer.deid.importer import ImportOptions, ImportPlan, apply_plan, plan_import
from viewer.deid.pixels import Rect
from viewer.errors import ViewerError
from viewer.imaging.display import encode_png, hide_outside_regions
from viewer.imaging.frames import decode_frame
from viewer.ui import cache
from viewer.ui.text import md_escape

AUTHORING_ENV = "VIEWER_AUTHORING"
NEW = "New step"


def authoring_enabled() -> bool:
    return os.environ.get(AUTHORING_ENV, "") == "1"


def _home() -> None:
    st.query_params.clear()


def _upload_dir() -> Path:
    if "author-dir" not in st.session_state:
        st.session_state["author-dir"] = tempfile.mkdtemp(prefix="viewer-author-")
    return Path(st.session_state["author-dir"])


def _safe_name(name: str, index: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:80] or "upload"
    return f"{index:03d}-{stem}"


def _masks(text: str) -> tuple[tuple[Rect, ...], list[str]]:
    rects: list[Rect] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rects.append(Rect.parse(line.strip()))
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
    return tuple(rects), errors


def _png_of(path: Path, hide: bool = False) -> bytes:
    header, frame = decode_frame(path, 0)
    if hide:
        frame = hide_outside_regions(frame, header.regions)
    return encode_png(frame)


def _preview(plan: ImportPlan, folder: Path) -> None:
    for index, item in enumerate(plan.prepared):
        after = folder / f"after-{index}{item.suffix}"
        after.write_bytes(item.data)
        st.markdown(f"**{md_escape(item.source.name)}**")
        before_column, after_column = st.columns(2)
        try:
            with before_column:
                st.image(_png_of(item.source), caption="Before: as stored, nothing hidden")
            with after_column:
                cleaning = item.report.cleaning if item.report else None
                what = "After: header de-identified"
                if cleaning is not None and cleaning.kept:
                    what += f"; kept only the regions {', '.join(map(str, cleaning.kept))}"
                if cleaning is not None and cleaning.blanked:
                    what += f"; blanked {', '.join(map(str, cleaning.blanked))}"
                st.image(_png_of(after), caption=what)
        except ViewerError as exc:
            st.warning(md_escape(str(exc)))


def render(cases_dir: Path) -> None:
    st.button("← All cases", key="author-home", on_click=_home)
    st.header("Import images into a case", anchor=False)
    if not authoring_enabled():
        st.info(
            "Authoring is turned off on this server. Start it with `viewer serve --authoring` "
            "on a machine only case authors can reach, or use `viewer import` on the command line."
        )
        return
    entries = [e for e in cache.current_library(cases_dir) if e.loaded is not None]
    target = st.radio(
        "Import into", ["An existing case", "A new case"], horizontal=True, key="author-target"
    )
    step: str | None = None
    title: str | None = None
    if target == "An existing case":
        if not entries:
            st.warning("There is no valid case in this library yet: import into a new case.")
            return
        ids = [e.case_id for e in entries]
        asked = st.query_params.get("case")
        chosen = st.selectbox(
            "Case", ids, index=ids.index(asked) if asked in ids else 0, key="author-case"
        )
        entry = next(e for e in entries if e.case_id == chosen)
        assert entry.loaded is not None
        case_dir = entry.folder
        panels = [s.panel for s in entry.loaded.case.steps]
        picked = st.selectbox("Step", [NEW, *panels], key="author-step")
        step = None if picked == NEW else picked
    else:
        title = st.text_input("Title of the new case", key="author-title") or None
        folder = st.text_input(
            "Folder name (lowercase letters, digits and hyphens)", key="author-folder"
        )
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", folder or ""):
            st.caption("Give a title and a folder name to go on.")
            return
        case_dir = cases_dir / folder
    step_date = st.text_input(
        "Date of a new step (YYYY-MM-DD), when the files' own dates are not kept",
        key="author-date",
    )
    keep_intervals = st.checkbox(
        "Keep the intervals between studies: shift every date by a fixed number of days",
        key="author-shift-on",
    )
    shift = None
    if keep_intervals:
        shift = int(st.number_input("Days to shift (the same for the whole case)", value=-365,
                                    step=1, key="author-shift"))
    masks_text = st.text_area(
        "Rectangles to blank in every image, one per line as x0,y0,x1,y1 (needed for files "
        "without ultrasound regions)",
        key="author-masks",
    )
    masks, mask_errors = _masks(masks_text)
    for error in mask_errors:
        st.error(md_escape(error))
    no_text = st.checkbox(
        "The PNG/JPEG images carry no burned-in text (I have checked)", key="author-no-text"
    )
    uploads = st.file_uploader(
        "DICOM, PNG or JPEG files", accept_multiple_files=True, key="author-files"
    )
    if not uploads or mask_errors:
        return
    folder_path = _upload_dir()
    sources: list[Path] = []
    for index, upload in enumerate(uploads):
        path = folder_path / _safe_name(upload.name, index)
        path.write_bytes(upload.getvalue())
        sources.append(path)
    options = ImportOptions(
        case_dir=case_dir,
        step=step,
        date_shift_days=shift,
        masks=masks,
        no_burned_in_text=no_text,
        step_date=step_date or None,
        new_case_title=title,
    )
    try:
        with st.spinner("De-identifying …"):
            plan = plan_import(sources, options)
    except ViewerError as exc:
        st.error(md_escape(str(exc)))
        return
    for problem in plan.problems:
        st.error(md_escape(str(problem).replace(str(folder_path) + "/", "")))
    _preview(plan, folder_path)
    confirmed = st.checkbox(
        "I have looked at every image after cleaning: no name, ID, date or place remains",
        key="author-confirm",
    )
    if not st.button(
        "Import", type="primary", disabled=bool(plan.problems) or not confirmed,
        key="author-import",
    ):
        return
    bar = st.progress(0.0, text="Importing …")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=message)

    try:
        report = apply_plan(plan, progress)
    except ViewerError as exc:
        st.error(md_escape(str(exc)))
        return
    st.success(
        f"Imported {len(report.files)} file(s) into step {report.panel} of "
        f"{md_escape(case_dir.name)}."
    )
    with st.expander("What was removed or changed, per file"):
        st.code(report.as_text().replace(str(folder_path) + "/", ""), language=None)
    st.download_button(
        "Download the report (JSON)",
        json.dumps(report.as_dict(), indent=2),
        file_name=f"import-report-{case_dir.name}.json",
        mime="application/json",
        key="author-report",
    )
