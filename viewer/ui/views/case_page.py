"""A case: header, source, and the stepper (timeline, image, annotations, caption).

``&mode=present`` shows the same case full screen for a lecturer: no page chrome, the stepper
in its presenter mode (``&layer=N`` opens the step at that reveal layer)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import streamlit as st

from viewer.case_view import case_payload, presenter_layer
from viewer.cases.loader import LoadedCase
from viewer.ui import cache
from viewer.ui.components.problems import case_or_explain
from viewer.ui.components.stepper import stepper
from viewer.ui.media import serve_images
from viewer.ui.text import md_escape
from viewer.ui.views import live_page


def _back() -> None:
    st.query_params.clear()


def _payload(loaded: LoadedCase, panel: str, stamp: int) -> dict[str, Any]:
    served = serve_images(loaded, "stepper")
    payload = case_payload(
        loaded, lambda s, i: served.urls.get((s, i), ""),
        lambda s, i: served.frames.get((s, i), []),
    )
    for step_index, step in enumerate(payload["steps"]):
        for image, i in zip(step["images"], step["imageOrder"], strict=True):
            if (step_index, i) in served.errors:
                image["error"] = served.errors[(step_index, i)]
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

# Presenter mode: Streamlit's own chrome out of the way (the stepper covers the screen).
_PRESENT = """<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stStatusWidget"] { display: none !important; }
.block-container { padding: 0 !important; max-width: none !important; }
body, [data-testid="stApp"], [data-testid="stMain"] {
  background: #000 !important; overflow: hidden;
}
</style>"""

Mode = Literal["browse", "present"]
"""The case page (``browse``) or presenter mode (``present``, ``&mode=present``)."""


def _current_panel(panels: list[str], key: str) -> str:
    """The step the reader is on: the stepper's reported state, else the address, else A.

    When the stepper reports a step, the browser has already moved its address bar, but
    the query string Streamlit sends with that rerun is still the previous one, so the
    stepper's state comes first.
    """
    state = st.session_state.get(key)
    reported = state.get("step") if isinstance(state, Mapping) else None
    if reported in panels:
        return str(reported)
    asked = st.query_params.get("step", panels[0])
    return asked if asked in panels else panels[0]


def _mode() -> Mode:
    return "present" if st.query_params.get("mode") == "present" else "browse"


def _switch_mode(mode: Mode, panel: str) -> None:
    """Redraw the whole page in ``mode`` at ``panel`` (the stepper asked for it)."""
    if mode == "present":
        st.query_params["mode"] = "present"
    else:
        st.query_params.pop("mode", None)
    st.query_params.pop("layer", None)
    st.query_params["step"] = panel
    st.rerun(scope="app")


def _go_live(case_id: str, panel: str, layer: object) -> None:
    """Start a live session at ``panel`` and ``layer`` (where the presenter is) and open its
    console (the presenter asked for it)."""
    live_page.start_session(case_id, panel, presenter_layer(str(layer)))
    if "live" not in st.query_params:  # refused: back to the case page, which says why
        _switch_mode("browse", panel)
    st.rerun(scope="app")


@st.fragment
def _stepper(loaded: LoadedCase, stamp: int, mode: Mode) -> None:
    """The stepper alone reruns when the reader steps: nothing else on the page changes."""
    panels = [step.panel for step in loaded.case.steps]
    key = f"stepper:{loaded.case.id}"
    panel = _current_panel(panels, key)
    payload = _payload(loaded, panel, stamp)
    payload["mode"] = mode
    if mode == "present":
        payload["initialLayer"] = presenter_layer(st.query_params.get("layer"))
        payload["live"] = True  # the "Go live" button
    result = stepper(payload, key=key)
    asked = result.get("mode")
    if asked == "live" and mode == "present":
        _go_live(loaded.case.id, panel, result.get("layer"))
    elif asked in ("browse", "present") and asked != mode:
        _switch_mode(asked, panel)
    if st.query_params.get("step") != panel:
        st.query_params.pop("layer", None)  # a deep link's layer belongs to the step it opened
        st.query_params["step"] = panel


def render(cases_dir: Path, case_id: str) -> None:
    mode = _mode()
    stamp = cache.library_stamp(cases_dir)
    entries = cache.library(str(cases_dir), stamp)
    entry = next((e for e in entries if e.case_id == case_id), None)
    present = mode == "present" and entry is not None and entry.loaded is not None
    # Constant markup of ours, never case text.
    st.html(_PRESENT if present else _COMPACT)
    if not present:
        st.button("← All cases", on_click=_back, key="back")
    loaded = case_or_explain(entries, case_id)
    if loaded is None:
        return
    case = loaded.case
    panels = [step.panel for step in case.steps]
    if present:
        _stepper(loaded, hash(stamp) & 0xFFFFFFFF, mode)
        return
    asked = st.query_params.get("step", panels[0])
    if asked not in panels:
        st.warning(
            f"Step {md_escape(asked)} does not exist in this case (panels "
            f"{md_escape(', '.join(panels))}); showing step {panels[0]}."
        )
    failed_start = live_page.start_error()
    if failed_start is not None:
        st.error(f"Could not start a live session: {md_escape(failed_start)}.")
    st.header(md_escape(case.title), anchor=False)
    _source(loaded)
    _stepper(loaded, hash(stamp) & 0xFFFFFFFF, mode)
