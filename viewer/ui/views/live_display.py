"""The audience display of a live session (``?live=<session>&role=display``): the window the
lecturer puts on the projector, while the console stays on the laptop.

It follows the session as a trainee's page does and shows the room what it needs: the step at
the lecturer's layer, the join code, link and QR code, the open poll's question with the number
of answers so far (not how they split, so the room is not swayed), and once the poll is closed,
its results with the key. It needs no secret: it shows nothing a trainee of the session cannot
see, and it changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from viewer.cases.loader import LoadedCase
from viewer.live.store import LiveError, SessionState
from viewer.ui.components import live_parts
from viewer.ui.components.stepper import stepper
from viewer.ui.live_state import live_store, poll_of_step
from viewer.ui.text import md_escape

# Streamlit's chrome out of the way, the whole width for the room (constant markup of ours).
_DISPLAY_CSS = """<style>
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"] { display: none !important; }
.block-container { padding: 1rem 1.5rem 0 1.5rem !important; max-width: none !important; }
</style>"""


def _poll(loaded: LoadedCase, state: SessionState) -> None:
    poll = state.poll
    if poll is None or (not poll.is_open and poll.panel != state.step):
        return
    asked = poll_of_step(list(loaded.case.steps), poll)
    counts = live_store().results(state.session_id, poll.poll_id)
    st.markdown(f"#### {md_escape(poll.question)}")
    if poll.is_open:
        total = sum(counts.values())
        text = live_parts.label(asked)
        st.markdown("\n".join(f"{n}. {text(option)}" for n, option in enumerate(poll.options, 1)))
        st.markdown(f"Poll open · {live_parts.answers_line(total)} so far")
        st.caption("Answer on your device: the results show when the lecturer closes the poll.")
        return
    st.markdown(f"Results · {live_parts.answers_line(sum(counts.values()))}")
    right = live_parts.accepted(asked, poll.key)
    live_parts.bar_chart(counts, asked, height_px=44, key=right)
    if right:
        text = live_parts.label(asked)
        st.markdown("**Key:** " + ", ".join(text(option) for option in right))


@st.fragment(run_every=live_parts.FOLLOW_REFRESH)
def _follow(loaded: LoadedCase, session_id: str) -> None:
    state = live_parts.followed_state(session_id)
    if state is None:
        return
    view, side = st.columns([5, 2], gap="medium")
    with view:
        stepper(
            live_parts.live_payload(loaded, state.step, state.layer),
            key="live-display-stepper",  # one picture, rebuilt when its version changes
        )
    with side:
        st.html(live_parts.join_code_html(state.join_code, 3.2))
        link = live_parts.join_link(state.join_code)
        st.image(live_parts.qr_png(link), width=200)
        st.caption(md_escape(link))
        st.markdown(f"**{state.trainees} joined** · {live_parts.status_line(loaded, state)}")
        try:
            _poll(loaded, state)
        except LiveError as exc:
            st.error(md_escape(str(exc)))


def render(cases_dir: Path, session_id: str) -> bool:
    """The display; ``False`` (and a message) when the link does not work."""
    try:
        state = live_store().state(session_id)
    except LiveError as exc:
        st.error(f"This display link does not work: {md_escape(str(exc))}.")
        return False
    st.html(_DISPLAY_CSS)
    loaded = live_parts.loaded_case(cases_dir, state.case_id)
    if loaded is None:
        return True
    if state.ended:
        st.title("The session has ended")
        st.markdown(f"{md_escape(loaded.case.title)} · thank you for taking part.")
        return True
    _follow(loaded, session_id)
    return True
