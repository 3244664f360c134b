"""The lecturer's console of a live session
(``?live=<session>&role=lecturer&secret=<lecturer secret>``): the window on the lecturer's own
screen, beside the audience display on the projector.

It shows what the room sees, the presenter notes, the next step, a clock (the session's and
this step's time) and how many trainees have joined, the controls (step, reveal layer, polls,
with keyboard shortcuts), the poll's answers as they arrive, the join code, link and QR code,
the results CSV and "End session". Every change goes through the store, which refuses it
without the lecturer's secret; the secret link is the only thing that grants control.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from viewer.case_view import PRESENTER_LAYERS
from viewer.cases.loader import LoadedCase
from viewer.cases.model import Role
from viewer.errors import ViewerError
from viewer.live.store import Forbidden, LiveError, SessionState
from viewer.ui import cache
from viewer.ui.components import live_parts
from viewer.ui.components.stepper import stepper
from viewer.ui.live_state import StepPoll, live_store, poll_of_step, step_poll
from viewer.ui.text import md_escape

ERROR_KEY = "live-error"

_COMPACT = """<style>
.block-container { padding-top: 2rem; max-width: 1500px; }
</style>"""


def _act(action: Callable[[], object]) -> None:
    """Run a lecturer's action; a store error becomes a message on the page, not a traceback."""
    try:
        action()
    except LiveError as exc:
        st.session_state[ERROR_KEY] = str(exc)


def _set_step(session_id: str, secret: str, panel: str, layer: int) -> None:
    _act(lambda: live_store().set_step(session_id, secret, panel, layer, time.time()))


def _move(session_id: str, secret: str, panels: tuple[str, ...], steps: int, layers: int) -> None:
    """Move on from where the session is now (not from where this page last drew it), so two
    quick presses of "Next" move two steps: ``steps`` along the case (to layer 1), or
    ``layers`` reveal layers on the same step."""

    def move() -> None:
        store = live_store()
        state = store.state(session_id)
        index = panels.index(state.step) if state.step in panels else 0
        if steps:
            target = min(max(index + steps, 0), len(panels) - 1)
            if target != index:
                store.set_step(session_id, secret, panels[target], 1, time.time())
        else:
            layer = min(max(state.layer + layers, 1), len(PRESENTER_LAYERS))
            if layer != state.layer:
                store.set_step(session_id, secret, state.step, layer, time.time())

    _act(move)


def _open_poll(session_id: str, secret: str, panel: str, asked: StepPoll) -> None:
    _act(
        lambda: live_store().open_poll(
            session_id, secret, panel, asked.text, asked.question.options, time.time(),
            key=asked.key,
        )
    )


def _close_poll(session_id: str, secret: str, poll_id: int) -> None:
    _act(lambda: live_store().close_poll(session_id, secret, poll_id, time.time()))


def _end(session_id: str, secret: str) -> None:
    _act(lambda: live_store().end_session(session_id, secret, time.time()))


def _csv_button(session_id: str, secret: str, case_id: str) -> None:
    def data() -> bytes:  # made when clicked, so it holds every answer up to then
        return live_store().results_csv(session_id, secret).encode("utf-8")

    st.download_button(
        "Download the results (CSV)", data, file_name=f"{case_id}-live-results.csv",
        mime="text/csv", key="live-csv", icon=":material/download:", on_click="ignore",
    )


# --- what the lecturer sees ---------------------------------------------------------------------


@st.fragment(run_every=live_parts.LECTURER_REFRESH)
def _clock(session_id: str, shown_version: int) -> None:
    """The join code, the room's size and the clocks; redraws the page when the session moved
    elsewhere (another console of the same lecturer)."""
    try:
        state = live_store().state(session_id)
    except LiveError as exc:
        st.error(md_escape(str(exc)))
        return
    if state.version != shown_version:
        st.rerun(scope="app")
    now = time.time()
    code, joined, session, step = st.columns(4)
    code.metric("Join code", state.join_code)
    joined.metric("Trainees", state.trainees)
    session.metric("Session", live_parts.clock(now - state.started_at))
    step.metric("On this step", live_parts.clock(now - state.step_at))


@st.fragment(run_every=live_parts.LECTURER_REFRESH)
def _results(loaded: LoadedCase, session_id: str) -> None:
    """The latest poll and its answers so far."""
    store = live_store()
    try:
        state = store.state(session_id)
        poll = state.poll
        counts = store.results(session_id, poll.poll_id) if poll is not None else {}
    except LiveError as exc:
        st.error(md_escape(str(exc)))
        return
    if poll is None:
        st.caption("No poll yet.")
        return
    asked = poll_of_step(list(loaded.case.steps), poll)
    status = "open" if poll.is_open else "closed"
    st.markdown(f"**Poll {poll.poll_id} ({status}), panel {poll.panel}.** "
                f"{md_escape(poll.question)}")
    st.markdown(live_parts.answers_line(sum(counts.values())))
    live_parts.bar_chart(counts, asked, key=live_parts.accepted(asked, poll.key))
    live_parts.results_table(counts, asked, reveal_key=True, key=poll.key)


def _controls(loaded: LoadedCase, state: SessionState, secret: str) -> None:
    session_id = state.session_id
    panels = [s.panel for s in loaded.case.steps]
    index = panels.index(state.step) if state.step in panels else 0
    layers = len(PRESENTER_LAYERS)
    order = tuple(panels)
    back, reveal, forward = st.columns(3)
    with back:
        st.button(
            "← Previous step", key="live-prev", disabled=index == 0, shortcut="Left",
            on_click=_move, args=(session_id, secret, order, -1, 0), width="stretch",
        )
    with reveal:
        st.button(
            "Reveal next layer", key="live-reveal", disabled=state.layer >= layers,
            shortcut="Space", on_click=_move, args=(session_id, secret, order, 0, 1),
            width="stretch",
        )
    with forward:
        st.button(
            "Next step →", key="live-next", disabled=index + 1 >= len(panels), type="primary",
            shortcut="Right", on_click=_move, args=(session_id, secret, order, 1, 0),
            width="stretch",
        )
    layer_columns = st.columns(layers)
    for n, (column, name) in enumerate(zip(layer_columns, PRESENTER_LAYERS, strict=True), 1):
        with column:
            st.button(
                f"{n} {name}", key=f"live-layer:{n}",
                type="primary" if n == state.layer else "secondary",
                on_click=_set_step, args=(session_id, secret, state.step, n),
                width="stretch",
                help=f"Layer {n}: show the room {', '.join(PRESENTER_LAYERS[:n])}",
            )
    # A button per step (not a select box: a select box's value, set from the session,
    # could race the browser's copy and "change" the step back).
    st.caption("Go to step")
    for column, step in zip(st.columns(len(panels)), loaded.case.steps, strict=True):
        with column:
            st.button(
                step.panel, key=f"live-go:{step.panel}",
                type="primary" if step.panel == state.step else "secondary",
                on_click=_set_step, args=(session_id, secret, step.panel, 1),
                help=f"Panel {step.panel} · {step.date_label} · {step.modality.label}",
                width="stretch",
            )


def _poll_controls(loaded: LoadedCase, state: SessionState, secret: str) -> None:
    session_id = state.session_id
    poll = state.poll
    if poll is not None and poll.is_open:
        st.button(
            "Close poll and show results", key="live-close-poll", type="primary",
            on_click=_close_poll, args=(session_id, secret, poll.poll_id),
            icon=":material/lock:",
        )
        return
    step = next((s for s in loaded.case.steps if s.panel == state.step), None)
    asked = step_poll(step) if step is not None else None
    if asked is None:
        st.caption(f"Panel {state.step} has no quiz question to poll.")
        return
    st.button(
        "Open poll", key="live-open-poll", type="primary",
        on_click=_open_poll, args=(session_id, secret, state.step, asked),
        icon=":material/how_to_vote:",
        help=f"Ask the room: {asked.text}",
    )
    st.caption(f"Asks: {md_escape(asked.text)}")


def _notes(loaded: LoadedCase, state: SessionState) -> None:
    step = next((s for s in loaded.case.steps if s.panel == state.step), None)
    st.markdown("**Presenter notes** (only on this screen)")
    with st.container(border=True):
        if step is not None and step.presenter_notes:
            st.markdown(md_escape(step.presenter_notes))
        else:
            st.caption("No notes for this step.")


def _next_step(loaded: LoadedCase, state: SessionState) -> None:
    steps = list(loaded.case.steps)
    panels = [s.panel for s in steps]
    index = panels.index(state.step) if state.step in panels else 0
    st.markdown("**Next step**")
    if index + 1 >= len(steps):
        st.caption("This is the last step.")
        return
    upcoming = steps[index + 1]
    picture, words = st.columns([1, 2])
    with words:
        st.markdown(
            f"Panel {upcoming.panel} · {md_escape(upcoming.date_label)}  \n"
            f"{md_escape(upcoming.modality.label)}"
        )
    primary = next(
        (i for i, ref in enumerate(upcoming.images) if ref.role is Role.PRIMARY), 0
    )
    image = loaded.images.get((index + 1, primary))
    if image is not None:
        with picture:
            try:
                st.image(cache.image_thumbnail(image), width="stretch")
            except ViewerError as exc:
                st.caption(md_escape(str(exc)))


def _display_link(session_id: str) -> str:
    return live_parts.app_link({"live": session_id, "role": "display"})


def _review(loaded: LoadedCase, session_id: str, secret: str) -> None:
    """Every poll of the session: answers, and how many chose a correct option."""
    try:
        reviewed = live_store().all_results(session_id, secret)
    except LiveError as exc:
        st.error(md_escape(str(exc)))
        return
    if not reviewed:
        st.caption("No polls in this session.")
        return
    steps = list(loaded.case.steps)
    rows = []
    for poll, counts in reviewed:
        asked = poll_of_step(steps, poll)
        right = live_parts.accepted(asked, poll.key)
        total = sum(counts.values())
        correct = sum(n for option, n in counts.items() if option in right)
        rows.append({
            "Poll": poll.poll_id,
            "Panel": poll.panel,
            "Question": md_escape(poll.question),
            "Answers": total,
            "Correct": (f"{correct} ({correct / total:.0%})" if total else "0")
            if right else "—",
            "Key": ", ".join(live_parts.label(asked)(option) for option in right) or "—",
        })
    st.table(rows)


def _ended(loaded: LoadedCase, session_id: str, secret: str) -> None:
    st.title(f"Live session ended · {md_escape(loaded.case.title)}")
    st.info("The session has ended: the join code no longer works.")
    st.subheader("Every poll", anchor=False)
    _review(loaded, session_id, secret)
    st.subheader("The last poll", anchor=False)
    _results(loaded, session_id)
    _csv_button(session_id, secret, loaded.case.id)
    live_parts.home_button()


def render(cases_dir: Path, session_id: str, secret: str) -> bool:
    """The console; ``False`` (and a message) when the link does not work."""
    store = live_store()
    try:
        store.results_csv(session_id, secret)  # the secret is checked by the store
        state = store.state(session_id)
    except Forbidden:
        st.error("This lecturer link does not work: its secret is not this session's.")
        return False
    except LiveError as exc:
        st.error(f"This lecturer link does not work: {md_escape(str(exc))}.")
        return False
    st.html(_COMPACT)
    loaded = live_parts.loaded_case(cases_dir, state.case_id)
    if loaded is None:
        return True
    message = st.session_state.pop(ERROR_KEY, None)
    if isinstance(message, str):
        st.error(md_escape(message))
    if state.ended:
        _ended(loaded, session_id, secret)
        return True
    title, actions = st.columns([3, 2], vertical_alignment="bottom")
    with title:
        st.header(f"Live · {md_escape(loaded.case.title)}", anchor=False)
        st.caption(
            "This is the lecturer's console: keep its address to yourself. Put the audience "
            "display on the projector; trainees join with the code, the link or the QR code."
        )
    with actions:
        st.link_button(
            "Open the audience display ↗", _display_link(session_id), type="primary",
            icon=":material/cast:", help="Opens in a new window: move it to the projector",
        )
    _clock(session_id, state.version)
    now, side = st.columns([3, 2], gap="large")
    with now:
        _controls(loaded, state, secret)
        st.caption("Keys: ← → step, Space reveals the next layer.")
        st.markdown(f"**The room sees: {live_parts.status_line(loaded, state)}**")
        stepper(
            live_parts.live_payload(loaded, state.step, state.layer),
            key="live-lecturer-stepper",
        )
    with side:
        _notes(loaded, state)
        _next_step(loaded, state)
        st.subheader("Poll", anchor=False)
        _poll_controls(loaded, state, secret)
        _results(loaded, session_id)
        with st.expander("Every poll so far"):
            _review(loaded, session_id, secret)
        with st.expander("Join code, link and QR code"):
            live_parts.join_panel(state.join_code, qr_width=200)
        st.divider()
        _csv_button(session_id, secret, loaded.case.id)
        st.button(
            "End session", key="live-end", on_click=_end, args=(session_id, secret),
            icon=":material/stop_circle:",
            help="Trainees see their answers and score; the join code stops working",
        )
    return True
