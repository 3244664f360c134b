"""Pieces the live-lecture pages share: the room's view of a step, the join code and QR code,
poll results (chart and table), the clock.

Everything a person typed (names, questions, options) or a case holds reaches the page escaped:
through :func:`~viewer.ui.text.md_escape` for markdown, :func:`html.escape` for our own HTML,
and as plain data for charts.
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from viewer.case_view import PRESENTER_LAYERS
from viewer.cases.loader import LoadedCase
from viewer.live import settings
from viewer.live.store import LiveError, SessionState
from viewer.ui import cache
from viewer.ui.components.problems import show_problems
from viewer.ui.live_state import StepPoll, live_store
from viewer.ui.text import md_escape
from viewer.ui.views.quiz_page import quiz_payload

FOLLOW_REFRESH = settings.refresh_s()
"""Seconds between a follower's looks at the session (trainees and the audience display)."""
LECTURER_REFRESH = 1.0
"""Seconds between the console's looks at the clock and the answers."""


def loaded_case(cases_dir: Path, case_id: str) -> LoadedCase | None:
    """The session's case from the library, or ``None`` after saying why not."""
    entries = cache.current_library(cases_dir)
    entry = next((e for e in entries if e.case_id == case_id), None)
    if entry is None:
        st.error(f"This session's case {md_escape(case_id)} is not in this library.")
        return None
    if entry.loaded is None:
        show_problems(entry.problems)
        return None
    return entry.loaded


def followed_state(session_id: str) -> SessionState | None:
    """The session's state for a follower's fragment: ``None`` after saying what went wrong;
    when the session has ended, the whole page is redrawn (it becomes the end page)."""
    try:
        state = live_store().state(session_id)
    except LiveError as exc:
        st.error(md_escape(str(exc)))
        return None
    if state.ended:
        st.rerun(scope="app")
    return state


def _home() -> None:
    st.query_params.clear()


def home_button() -> None:
    st.button("← All cases", key="live-home", on_click=_home)


def live_payload(loaded: LoadedCase, panel: str, layer: int) -> dict[str, Any]:
    """The stepper's data for the room: one step as far as ``layer`` reveals it (1 the image,
    2 its annotations, 3 the caption, 4 the note, findings and teaching points). Presenter
    notes never go to the room."""
    panels = [s.panel for s in loaded.case.steps]
    index = panels.index(panel) if panel in panels else 0
    payload = quiz_payload(loaded, index, revealed=layer >= 2)
    [step] = payload["steps"]
    step["presenterNotes"] = ""
    if layer < 4:
        step.update(note="", findings=[], teachingPoints=[])
    if layer < 3:
        step["caption"] = ""
    # The stepper rebuilds when its version changes: every step and layer is a new picture.
    payload["version"] = f"{panel}{layer}"
    return payload


def status_line(loaded: LoadedCase, state: SessionState) -> str:
    panels = [s.panel for s in loaded.case.steps]
    number = panels.index(state.step) + 1 if state.step in panels else 0
    return (
        f"Panel {state.step} · step {number} of {len(panels)} · "
        f"Layer {state.layer}/{len(PRESENTER_LAYERS)}: {PRESENTER_LAYERS[state.layer - 1]}"
    )


def clock(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` from then on (negative times count as zero)."""
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- joining ----------------------------------------------------------------------------------


def app_link(query: dict[str, str]) -> str:
    """An address of this app (as the browser sees it) with ``query``."""
    encoded = urlencode(query)
    base = st.context.url
    if not base:
        return f"?{encoded}"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", encoded, ""))


def join_link(code: str) -> str:
    return app_link({"join": code})


@functools.lru_cache(maxsize=64)
def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG (segno, error correction M, black on white); made once
    per link, as the display redraws twice a second."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def join_code_html(code: str, size_rem: float) -> str:
    """The join code, large, for the room to read (escaped, though it is the store's own)."""
    return (
        '<div style="text-align:center">'
        '<div style="font-size:1.1rem">Join code</div>'
        f'<div data-testid="live-join-code" style="font-size:{size_rem}rem;font-weight:700;'
        f'letter-spacing:0.3rem;font-family:monospace;line-height:1.1">{html.escape(code)}</div>'
        "</div>"
    )


def join_panel(code: str, qr_width: int = 240) -> None:
    """The join code, the QR code of the join link, and the link."""
    link = join_link(code)
    st.html(join_code_html(code, 4.5))
    st.image(qr_png(link), caption="Scan to join", width=qr_width)
    st.markdown("**Join link**")
    st.code(link, language=None)


# --- polls ------------------------------------------------------------------------------------


def plain_label(asked: StepPoll | None) -> Callable[[str], str]:
    """Option labels as plain text (charts)."""

    def text(option: str) -> str:
        return asked.label(option) if asked is not None else option

    return text


def label(asked: StepPoll | None) -> Callable[[str], str]:
    """Option labels for markdown (radio labels, tables): escaped."""
    plain = plain_label(asked)

    def text(option: str) -> str:
        return md_escape(plain(option))

    return text


def accepted(asked: StepPoll | None, key: str | None) -> tuple[str, ...]:
    """The options judged correct: the case's (several may be), else the poll's stored key."""
    if asked is not None:
        return asked.accepted
    return (key,) if key else ()


def verdict(asked: StepPoll | None, option: str, key: str | None) -> str:
    right = accepted(asked, key)
    if not right:
        return ""
    return " · ✓ correct" if option in right else " · ✗ incorrect"


def results_table(
    counts: dict[str, int], asked: StepPoll | None, reveal_key: bool, key: str | None
) -> None:
    text = label(asked)
    right = accepted(asked, key)
    rows = []
    for option, count in counts.items():
        row: dict[str, Any] = {"Option": text(option), "Answers": count}
        if reveal_key and right:
            row["Key"] = "✓ key" if option in right else ""
        rows.append(row)
    st.table(rows)


def results_list(counts: dict[str, int], asked: StepPoll | None, key: str | None) -> str:
    """The results as a markdown list (cheap to redraw twice a second, unlike a table):
    ``- **4B: moderate suspicion (10-50%)**: 3 ✓ key``."""
    text = label(asked)
    right = accepted(asked, key)
    return "\n".join(
        f"- **{text(option)}**: {count}" + (" ✓ key" if option in right else "")
        for option, count in counts.items()
    )


def bar_chart(
    counts: dict[str, int], asked: StepPoll | None, height_px: int = 40,
    key: tuple[str, ...] = (),
) -> None:
    """Answers per option as horizontal bars with their counts, option labels in full; the
    ``key`` options' bars in green (their labels say "(key)" too, not colour alone)."""
    text = plain_label(asked)  # chart labels are plain text (Vega draws them as text)
    rows = [
        {"option": text(o) + (" (key)" if o in key else ""), "answers": n,
         "kind": "key" if o in key else "other"}
        for o, n in counts.items()
    ]
    most = max(counts.values(), default=0)
    encoding = {
        "y": {"field": "option", "type": "nominal", "sort": [r["option"] for r in rows],
              "title": None, "axis": {"labelLimit": 320, "labelOverlap": False}},
        "x": {"field": "answers", "type": "quantitative", "title": "answers",
              "axis": {"tickMinStep": 1, "format": "d"},
              # room for the count written past the longest bar
              "scale": {"domainMax": max(most, 1) * 1.15, "nice": False}},
        "color": {"field": "kind", "type": "nominal", "legend": None,
                  "scale": {"domain": ["key", "other"], "range": ["#3fb56b", "#83c9ff"]}},
    }
    spec = {
        "data": {"values": rows},
        "height": max(120, height_px * len(counts)),
        "encoding": encoding,
        "layer": [
            {"mark": {"type": "bar"}},
            {"mark": {"type": "text", "align": "left", "dx": 4}, "encoding": {"text": {
                "field": "answers", "type": "quantitative"}}},
        ],
    }
    st.vega_lite_chart(spec, width="stretch")


def answers_line(total: int) -> str:
    return f"**{total} answer{'s' if total != 1 else ''}**"
