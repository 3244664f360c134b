"""A case: header, source, and the stepper (timeline, image, annotations, caption)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import streamlit as st

from viewer.case_view import case_payload
from viewer.cases.loader import LoadedCase
from viewer.errors import ViewerError
from viewer.ui import cache
from viewer.ui.components.problems import show_problems
from viewer.ui.components.stepper import stepper
from viewer.ui.text import md_escape


def _back() -> None:
    st.query_params.clear()


ImageKey = tuple[int, int]


def _image_urls(loaded: LoadedCase) -> tuple[dict[ImageKey, str], dict[ImageKey, str]]:
    urls: dict[ImageKey, str] = {}
    errors: dict[ImageKey, str] = {}
    for (s, i), image in loaded.images.items():
        coordinates = f"stepper:{loaded.case.id}:{s}:{i}"
        try:
            urls[(s, i)] = cache.media_url(cache.image_png(image), coordinates)
        except ViewerError as exc:
            errors[(s, i)] = str(exc)
    return urls, errors


def _payload(loaded: LoadedCase, panel: str, stamp: int) -> dict[str, Any]:
    urls, errors = _image_urls(loaded)
    payload = case_payload(loaded, lambda s, i: urls.get((s, i), ""))
    for step_index, step in enumerate(payload["steps"]):
        for image, i in zip(step["images"], step["imageOrder"], strict=True):
            if (step_index, i) in errors:
                image["error"] = errors[(step_index, i)]
    payload["initialPanel"] = panel
    payload["version"] = stamp
    return payload


def _source(loaded: LoadedCase) -> None:
    source = loaded.case.source
    with st.expander("Case summary and sources"):
        st.write(md_escape(loaded.case.summary))
        st.markdown(f"**Caption source.** {md_escape(source.caption_source)}")
        st.markdown(f"**Original publication.** {md_escape(source.publication)}")
        if source.doi:
            st.markdown(f"**DOI.** [{md_escape(source.doi)}](https://doi.org/{quote(source.doi)})")
        st.caption(
            "Captions are quoted verbatim from the caption source; corrections are in each "
            "step's editorial note. Images are labelled for what they are."
        )


_COMPACT = """<style>
.block-container { padding-top: 2.2rem; }
</style>"""


def render(cases_dir: Path, case_id: str) -> None:
    st.html(_COMPACT)  # constant markup of ours, never case text
    st.button("← All cases", on_click=_back, key="back")
    entries = cache.current_library(cases_dir)
    entry = next((e for e in entries if e.case_id == case_id), None)
    if entry is None:
        known = ", ".join(e.case_id for e in entries) or "none"
        st.error(f"No case {md_escape(case_id)} in this library. Known cases: {md_escape(known)}.")
        return
    if entry.loaded is None:
        st.title(md_escape(entry.folder.name))
        show_problems(entry.problems)
        return
    loaded = entry.loaded
    case = loaded.case
    panels = [step.panel for step in case.steps]
    panel = st.query_params.get("step", panels[0])
    if panel not in panels:
        st.warning(
            f"Step {md_escape(panel)} does not exist in this case (panels "
            f"{md_escape(', '.join(panels))}); showing step {panels[0]}."
        )
        panel = panels[0]
    st.header(md_escape(case.title), anchor=False)
    _source(loaded)
    stamp = hash(cache.library_stamp(cases_dir)) & 0xFFFFFFFF
    result = stepper(_payload(loaded, panel, stamp), key=f"stepper:{case.id}")
    chosen = getattr(result, "step", None)
    if chosen in panels and chosen != st.query_params.get("step"):
        st.query_params["step"] = chosen
    elif st.query_params.get("step") != panel and chosen not in panels:
        st.query_params["step"] = panel
