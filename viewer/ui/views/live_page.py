"""Live lectures: a lecturer leads, trainees' screens follow and answer polls.

Addresses:

- ``?live=<session>&role=lecturer&secret=<lecturer secret>&code=<join code>``: the lecturer's
  page (the secret link; the store refuses every change without the secret; the join code,
  which is no secret, rides along because the store's state does not carry it). The join
  code, link and QR code, step and layer controls, polls with live results, the results
  CSV, "End session".
- ``?join=<code>``: the join form (optional display name).
- ``?live=<session>&trainee=<id>&key=<trainee secret>``: a trainee's page; it polls the
  session's state and shows the lecturer's step and layer, the open poll, then the results;
  after the end, the trainee's own answers and score.

Every session state lives in the live store (:mod:`viewer.ui.live_state`), never in one
Streamlit session, so any server process can serve any of these pages and a reload keeps them.
"""

from __future__ import annotations

import html
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from viewer.case_view import PRESENTER_LAYERS
from viewer.cases.loader import LoadedCase
from viewer.live.store import Forbidden, LiveError, SessionState, normal_join_code
from viewer.ui import cache
from viewer.ui.components.problems import show_problems
from viewer.ui.components.stepper import stepper
from viewer.ui.live_state import StepPoll, live_store, poll_of_step, step_poll
from viewer.ui.text import md_escape
from viewer.ui.views.quiz_page import quiz_payload

LECTURER_REFRESH = 1.0
TRAINEE_REFRESH = 1.0
ERROR_KEY = "live-error"
START_ERROR_KEY = "live-start-error"
NAME_KEY = "live-display-name"


# --- starting and joining ------------------------------------------------------------------------


def start_session(case_id: str, panel: str) -> None:
    """Create a session for ``case_id`` at ``panel`` and go to its lecturer page (a callback)."""
    try:
        created = live_store().create_session(case_id, panel, time.time())
    except LiveError as exc:
        st.session_state[START_ERROR_KEY] = str(exc)
        return
    st.query_params.clear()
    st.query_params["live"] = created.session_id
    st.query_params["role"] = "lecturer"
    st.query_params["secret"] = created.lecturer_secret
    st.query_params["code"] = created.join_code


def start_error() -> str | None:
    """A message left by a failed :func:`start_session` (shown once)."""
    message = st.session_state.pop(START_ERROR_KEY, None)
    return message if isinstance(message, str) else None


def _home() -> None:
    st.query_params.clear()


def _join_page(code: str) -> None:
    st.title("Join a live session")
    with st.form("live-join"):
        typed_code = st.text_input("Join code", value=code, max_chars=12, key="live-join-code")
        name = st.text_input(
            "Display name (optional)", max_chars=40, key="live-join-name",
            help="Shown to the lecturer with your answers; leave empty to stay anonymous",
        )
        joined = st.form_submit_button("Join", type="primary")
    if not joined:
        return
    try:
        trainee = live_store().join(typed_code, name, time.time())
    except LiveError as exc:
        st.error(f"Could not join: {md_escape(str(exc))}.")
        return
    st.session_state[NAME_KEY] = trainee.display_name
    st.query_params.clear()
    st.query_params["live"] = trainee.session_id
    st.query_params["trainee"] = trainee.trainee_id
    st.query_params["key"] = trainee.trainee_secret
    st.rerun()


# --- shared pieces -------------------------------------------------------------------------------


def _loaded(cases_dir: Path, case_id: str) -> LoadedCase | None:
    entries = cache.current_library(cases_dir)
    entry = next((e for e in entries if e.case_id == case_id), None)
    if entry is None:
        st.error(f"This session's case {md_escape(case_id)} is not in this library.")
        return None
    if entry.loaded is None:
        show_problems(entry.problems)
        return None
    return entry.loaded


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


def _status_line(loaded: LoadedCase, state: SessionState) -> str:
    panels = [s.panel for s in loaded.case.steps]
    number = panels.index(state.step) + 1 if state.step in panels else 0
    return (
        f"Panel {state.step} · step {number} of {len(panels)} · "
        f"Layer {state.layer}/{len(PRESENTER_LAYERS)}: {PRESENTER_LAYERS[state.layer - 1]}"
    )


def _plain_label(asked: StepPoll | None) -> Callable[[str], str]:
    def text(option: str) -> str:
        return asked.label(option) if asked is not None else option

    return text


def _label(asked: StepPoll | None) -> Callable[[str], str]:
    """Option labels for markdown (radio labels, tables): escaped."""
    plain = _plain_label(asked)

    def text(option: str) -> str:
        return md_escape(plain(option))

    return text


def _results_table(
    counts: dict[str, int], asked: StepPoll | None, reveal_key: bool, key: str | None
) -> None:
    label = _label(asked)
    accepted = asked.accepted if asked is not None else ((key,) if key else ())
    rows = []
    for option, count in counts.items():
        row: dict[str, Any] = {"Option": label(option), "Answers": count}
        if reveal_key and accepted:
            row["Key"] = "✓ key" if option in accepted else ""
        rows.append(row)
    st.table(rows)


def _bar_chart(counts: dict[str, int], asked: StepPoll | None) -> None:
    label = _plain_label(asked)  # chart labels are plain text
    data = {"option": [label(o) for o in counts], "answers": list(counts.values())}
    st.bar_chart(
        data, x="option", y="answers", x_label="", y_label="answers", horizontal=True,
        sort=False, height=max(160, 36 * len(counts)),
        alt="Answers per option (the same numbers are in the table below)",
    )


def _error_page(message: str) -> None:
    st.title("Live session")
    st.error(message)
    st.button("← All cases", key="live-home", on_click=_home)


# --- the lecturer ---------------------------------------------------------------------------------


def _join_link(code: str) -> str:
    """The join address: the app's own address (as the browser sees it) with ``?join=``."""
    query = urlencode({"join": code})
    base = st.context.url
    if not base:
        return f"?{query}"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG (segno, error correction M, black on white)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def _act(action: Callable[[], object]) -> None:
    """Run a lecturer's action; a store error becomes a message on the page, not a traceback."""
    try:
        action()
    except LiveError as exc:
        st.session_state[ERROR_KEY] = str(exc)


def _set_step(session_id: str, secret: str, panel: str, layer: int) -> None:
    _act(lambda: live_store().set_step(session_id, secret, panel, layer, time.time()))


def _picked_step(session_id: str, secret: str) -> None:
    panel = st.session_state.get(f"live-step-pick:{session_id}")
    if isinstance(panel, str):
        _set_step(session_id, secret, panel, 1)


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
    try:
        data = live_store().results_csv(session_id, secret)
    except LiveError as exc:
        st.error(md_escape(str(exc)))
        return
    st.download_button(
        "Download the results (CSV)",
        data.encode("utf-8"),
        file_name=f"{case_id}-live-results.csv",
        mime="text/csv",
        key="live-csv",
        icon=":material/download:",
    )


def _join_panel(code: str) -> None:
    link = _join_link(code)
    # The code is six characters of the store's own alphabet; escaped all the same.
    st.html(
        '<div style="text-align:center">'
        '<div style="font-size:1.1rem">Join code</div>'
        f'<div data-testid="live-join-code" style="font-size:4.5rem;font-weight:700;'
        f'letter-spacing:0.3rem;font-family:monospace">{html.escape(code)}</div></div>'
    )
    st.image(qr_png(link), caption="Scan to join", width=240)
    st.markdown("**Join link**")
    st.code(link, language=None)


def _controls(loaded: LoadedCase, state: SessionState, secret: str) -> None:
    session_id = state.session_id
    panels = [s.panel for s in loaded.case.steps]
    index = panels.index(state.step) if state.step in panels else 0
    layers = len(PRESENTER_LAYERS)
    pick_key = f"live-step-pick:{session_id}"
    st.session_state[pick_key] = state.step
    st.selectbox(
        "Step",
        panels,
        key=pick_key,
        format_func=lambda p: f"Panel {p} · {loaded.case.steps[panels.index(p)].date_label}",
        on_change=_picked_step,
        args=(session_id, secret),
    )
    back, forward = st.columns(2)
    with back:
        st.button(
            "← Previous step", key="live-prev", disabled=index == 0,
            on_click=_set_step, args=(session_id, secret, panels[max(index - 1, 0)], 1),
            use_container_width=True,
        )
    with forward:
        st.button(
            "Next step →", key="live-next", disabled=index + 1 >= len(panels), type="primary",
            on_click=_set_step,
            args=(session_id, secret, panels[min(index + 1, len(panels) - 1)], 1),
            use_container_width=True,
        )
    layer_columns = st.columns(layers)
    for n, (column, name) in enumerate(zip(layer_columns, PRESENTER_LAYERS, strict=True), 1):
        with column:
            st.button(
                f"{n} {name}", key=f"live-layer:{n}",
                type="primary" if n == state.layer else "secondary",
                on_click=_set_step, args=(session_id, secret, state.step, n),
                use_container_width=True,
                help=f"Layer {n}: show the room {', '.join(PRESENTER_LAYERS[:n])}",
            )


def _poll_controls(loaded: LoadedCase, state: SessionState, secret: str) -> None:
    session_id = state.session_id
    poll = state.poll
    if poll is not None and poll.is_open:
        st.button(
            "Close poll", key="live-close-poll", type="primary",
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


@st.fragment(run_every=LECTURER_REFRESH)
def _lecturer_results(loaded: LoadedCase, session_id: str, secret: str) -> None:
    """The latest poll and its answers so far, refreshed every second."""
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
    else:
        asked = poll_of_step(list(loaded.case.steps), poll)
        total = sum(counts.values())
        status = "open" if poll.is_open else "closed"
        st.markdown(f"**Poll {poll.poll_id} ({status}).** {md_escape(poll.question)}")
        st.markdown(f"**{total} answer{'s' if total != 1 else ''}**")
        _bar_chart(counts, asked)
        _results_table(counts, asked, reveal_key=True, key=poll.key)
    _csv_button(session_id, secret, loaded.case.id)


def _lecturer(cases_dir: Path, session_id: str, secret: str) -> None:
    store = live_store()
    try:
        store.results_csv(session_id, secret)  # the secret is checked by the store
        state = store.state(session_id)
    except Forbidden:
        _error_page("This lecturer link does not work: its secret is not this session's.")
        return
    except LiveError as exc:
        _error_page(f"This lecturer link does not work: {md_escape(str(exc))}.")
        return
    loaded = _loaded(cases_dir, state.case_id)
    if loaded is None:
        return
    message = st.session_state.pop(ERROR_KEY, None)
    if isinstance(message, str):
        st.error(md_escape(message))
    if state.ended:
        st.title(f"Live session ended · {md_escape(loaded.case.title)}")
        st.info("The session has ended: the join code no longer works.")
        _lecturer_results(loaded, session_id, secret)
        st.button("← All cases", key="live-home", on_click=_home)
        return
    st.header(f"Live session · {md_escape(loaded.case.title)}", anchor=False)
    st.caption(
        "Keep this address to yourself: it is the lecturer's link. Trainees join with the "
        "code, the link or the QR code."
    )
    view, side = st.columns([3, 2], gap="large")
    with view:
        st.markdown(f"**{_status_line(loaded, state)}**")
        stepper(live_payload(loaded, state.step, state.layer), key="live-lecturer-stepper")
        step = next((s for s in loaded.case.steps if s.panel == state.step), None)
        if step is not None and step.presenter_notes:
            with st.expander("Presenter notes (not shown to the room)"):
                st.write(md_escape(step.presenter_notes))
    with side:
        code = _join_code()
        if code:
            _join_panel(code)
        else:
            st.warning("The join code is missing from this address: start a new session.")
        _controls(loaded, state, secret)
        st.subheader("Poll", anchor=False)
        _poll_controls(loaded, state, secret)
        _lecturer_results(loaded, session_id, secret)
        st.divider()
        st.button(
            "End session", key="live-end", on_click=_end, args=(session_id, secret),
            icon=":material/stop_circle:",
            help="Trainees see their answers and score; the join code stops working",
        )


def _join_code() -> str | None:
    """The session's join code, from the lecturer's address (``None`` if missing or malformed)."""
    try:
        return normal_join_code(st.query_params.get("code", ""))
    except LiveError:
        return None


# --- the trainee ----------------------------------------------------------------------------------


def _answer(session_id: str, trainee_id: str, secret: str, poll_id: int, pick_key: str) -> None:
    choice = st.session_state.get(pick_key)
    message_key = f"live-answer-message:{poll_id}"
    if not isinstance(choice, str):
        st.session_state[message_key] = "Choose an answer before submitting."
        return
    try:
        live_store().answer(session_id, trainee_id, secret, poll_id, choice, time.time())
    except LiveError as exc:
        st.session_state[message_key] = f"Your answer was not taken: {exc}."
        return
    st.session_state[message_key] = None


def _trainee_poll(
    loaded: LoadedCase, state: SessionState, trainee_id: str, secret: str
) -> None:
    poll = state.poll
    if poll is None or (not poll.is_open and poll.panel != state.step):
        st.caption("The lecturer has not opened a poll on this step.")
        return
    store = live_store()
    asked = poll_of_step(list(loaded.case.steps), poll)
    label = _label(asked)
    mine = {a.poll_id: a for a in store.trainee_answers(state.session_id, trainee_id, secret)}
    st.markdown(f"**Poll {poll.poll_id}.** {md_escape(poll.question)}")
    message = st.session_state.get(f"live-answer-message:{poll.poll_id}")
    if isinstance(message, str):
        st.warning(md_escape(message))
    given = mine.get(poll.poll_id)
    if poll.is_open:
        if given is not None:
            st.success(f"Your answer: {label(given.option)}. Results when the lecturer closes "
                       "the poll.")
        pick_key = f"live-pick:{poll.poll_id}"
        st.radio(
            "Your answer", poll.options, index=None, key=pick_key, format_func=label,
            disabled=given is not None,
        )
        st.button(
            "Submit answer", key=f"live-submit:{poll.poll_id}", type="primary",
            on_click=_answer,
            args=(state.session_id, trainee_id, secret, poll.poll_id, pick_key),
            disabled=given is not None,
        )
        return
    counts = store.results(state.session_id, poll.poll_id)
    st.markdown(f"**Results** ({sum(counts.values())} answers)")
    _results_table(counts, asked, reveal_key=True, key=poll.key)
    if given is None:
        st.caption("You did not answer this poll.")
    else:
        verdict = _verdict(asked, given.option, given.key)
        st.markdown(f"Your answer: **{label(given.option)}**{verdict}")


def _verdict(asked: StepPoll | None, option: str, key: str | None) -> str:
    accepted = asked.accepted if asked is not None else ((key,) if key else ())
    if not accepted:
        return ""
    return " · ✓ correct" if option in accepted else " · ✗ incorrect"


@st.fragment(run_every=TRAINEE_REFRESH)
def _follow(loaded: LoadedCase, session_id: str, trainee_id: str, secret: str) -> None:
    """Follow the lecturer: the state is read every second (one small query)."""
    try:
        state = live_store().state(session_id)
    except LiveError as exc:
        st.error(md_escape(str(exc)))
        return
    if state.ended:
        st.rerun(scope="app")
    view, side = st.columns([3, 2], gap="large")
    with view:
        st.markdown(f"**{_status_line(loaded, state)}**")
        stepper(
            live_payload(loaded, state.step, state.layer),
            key=f"live-trainee-stepper:{state.step}:{state.layer}",
        )
    with side:
        try:
            _trainee_poll(loaded, state, trainee_id, secret)
        except LiveError as exc:
            st.error(md_escape(str(exc)))


def _trainee_end(loaded: LoadedCase, session_id: str, trainee_id: str, secret: str) -> None:
    st.title("The session has ended")
    st.caption(md_escape(loaded.case.title))
    answers = live_store().trainee_answers(session_id, trainee_id, secret)
    if not answers:
        st.info("You did not answer any poll in this session.")
    else:
        steps = list(loaded.case.steps)
        rows = []
        right = judged = 0
        for given in answers:
            step = next((s for s in steps if s.panel == given.panel), None)
            asked = step_poll(step) if step is not None else None
            if asked is not None and asked.text != given.question:
                asked = None  # the case changed since: judge by the stored key alone
            accepted = asked.accepted if asked is not None else ((given.key,) if given.key else ())
            correct = given.option in accepted if accepted else None
            if correct is not None:
                judged += 1
                right += correct
            rows.append({
                "Poll": given.poll_id,
                "Panel": given.panel,
                "Question": md_escape(given.question),
                "Your answer": _label(asked)(given.option),
                "Result": "—" if correct is None else ("✓ correct" if correct else "✗ incorrect"),
            })
        if judged:
            st.markdown(f"**Your score: {right} of {judged}**")
        st.markdown("**Your answers**")
        st.table(rows)
    st.button("← All cases", key="live-home", on_click=_home)


def _trainee(cases_dir: Path, session_id: str, trainee_id: str, secret: str) -> None:
    store = live_store()
    try:
        store.trainee_answers(session_id, trainee_id, secret)  # checks the trainee's secret
        state = store.state(session_id)
    except LiveError as exc:
        _error_page(f"This trainee link does not work: {md_escape(str(exc))}.")
        return
    loaded = _loaded(cases_dir, state.case_id)
    if loaded is None:
        return
    if state.ended:
        _trainee_end(loaded, session_id, trainee_id, secret)
        return
    st.header(f"Live session · {md_escape(loaded.case.title)}", anchor=False)
    name = st.session_state.get(NAME_KEY)
    if isinstance(name, str) and name:
        st.caption(f"You joined as {md_escape(name)}. Your screen follows the lecturer.")
    else:
        st.caption("You joined anonymously. Your screen follows the lecturer.")
    _follow(loaded, session_id, trainee_id, secret)


# --- routing --------------------------------------------------------------------------------------


def render(cases_dir: Path) -> None:
    params = st.query_params
    join = params.get("join")
    session_id = params.get("live")
    if join is not None and not session_id:
        _join_page(join)
    elif session_id and params.get("role") == "lecturer":
        _lecturer(cases_dir, session_id, params.get("secret", ""))
    elif session_id and params.get("trainee"):
        _trainee(cases_dir, session_id, params.get("trainee", ""), params.get("key", ""))
    else:
        _error_page("This live-session link is incomplete: ask the lecturer for the join code.")
