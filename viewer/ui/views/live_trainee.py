"""A trainee's page of a live session (``?live=<session>&trainee=<id>&key=<trainee secret>``).

It shows the lecturer's step and layer, the open poll (answered once), then its results; after
the end, the trainee's own answers and score. The address is all the page needs, so a reload,
another tab or another server process shows the same.

The step and the poll are a fragment that reads the session every
:data:`~viewer.ui.components.live_parts.FOLLOW_REFRESH` seconds and redraws itself (one small
read, the step's payload from the shared caches, no tables: ``python -m
tests.benchmarks.bench_live`` measures what a room of them costs). A full redraw of the page on
each change instead (a watcher fragment that draws nothing) was measured slower: 60 pages
redrawn at once queue behind each other.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from viewer.cases.loader import LoadedCase
from viewer.live.store import LiveError, SessionState
from viewer.ui.components import live_parts
from viewer.ui.components.stepper import stepper
from viewer.ui.live_state import live_store, poll_of_step, step_poll
from viewer.ui.text import md_escape


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


def _poll(loaded: LoadedCase, state: SessionState, trainee_id: str, secret: str) -> None:
    poll = state.poll
    if poll is None or (not poll.is_open and poll.panel != state.step):
        st.caption("The lecturer has not opened a poll on this step.")
        return
    store = live_store()
    asked = poll_of_step(list(loaded.case.steps), poll)
    label = live_parts.label(asked)
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
    st.markdown(live_parts.results_list(counts, asked, poll.key))
    if given is None:
        st.caption("You did not answer this poll.")
    else:
        verdict = live_parts.verdict(asked, given.option, given.key)
        st.markdown(f"Your answer: **{label(given.option)}**{verdict}")


@st.fragment(run_every=live_parts.FOLLOW_REFRESH)
def _follow(loaded: LoadedCase, session_id: str, trainee_id: str, secret: str) -> None:
    """Follow the lecturer: one small read of the session's state per look."""
    state = live_parts.followed_state(session_id)
    if state is None:
        return
    # Always drawn, so what follows keeps its place (and the picture is never drawn twice).
    notice = st.container()
    if state.poll is not None and state.poll.is_open:
        with notice:  # on a phone the columns stack: the poll is below the picture
            st.info("A poll is open: the question is beside the picture (below it on a phone).",
                    icon=":material/how_to_vote:")
    view, side = st.columns([3, 2], gap="large")
    with view:
        st.markdown(f"**{live_parts.status_line(loaded, state)}**")
        stepper(
            live_parts.live_payload(loaded, state.step, state.layer),
            key="live-trainee-stepper",  # one picture, rebuilt when its version changes
        )
    with side:
        try:
            _poll(loaded, state, trainee_id, secret)
        except LiveError as exc:
            st.error(md_escape(str(exc)))


def _ended(loaded: LoadedCase, session_id: str, trainee_id: str, secret: str) -> None:
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
            keys = live_parts.accepted(asked, given.key)
            correct = given.option in keys if keys else None
            if correct is not None:
                judged += 1
                right += correct
            rows.append({
                "Poll": given.poll_id,
                "Panel": given.panel,
                "Question": md_escape(given.question),
                "Your answer": live_parts.label(asked)(given.option),
                "Result": "—" if correct is None else ("✓ correct" if correct else "✗ incorrect"),
            })
        if judged:
            st.markdown(f"**Your score: {right} of {judged}**")
        st.markdown("**Your answers**")
        st.table(rows)
    st.caption("Keep this page's address to come back to your answers.")
    live_parts.home_button()


def render(cases_dir: Path, session_id: str, trainee_id: str, secret: str) -> bool:
    """The trainee's page; ``False`` (and a message) when the link does not work."""
    store = live_store()
    try:
        name = store.display_name(session_id, trainee_id, secret)  # checks the secret
        state = store.state(session_id)
    except LiveError as exc:
        st.error(f"This trainee link does not work: {md_escape(str(exc))}.")
        return False
    loaded = live_parts.loaded_case(cases_dir, state.case_id)
    if loaded is None:
        return True
    if state.ended:
        _ended(loaded, session_id, trainee_id, secret)
        return True
    st.header(f"Live session · {md_escape(loaded.case.title)}", anchor=False)
    if name:
        st.caption(f"You joined as {md_escape(name)}. Your screen follows the lecturer.")
    else:
        st.caption("You joined anonymously. Your screen follows the lecturer.")
    _follow(loaded, session_id, trainee_id, secret)
    return True
