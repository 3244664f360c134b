"""Live lectures: a lecturer leads, the room's screens follow and answer polls.

Addresses (each page in its own module):

- ``?live=<session>&role=lecturer&secret=<lecturer secret>``: the lecturer's console
  (:mod:`~viewer.ui.views.live_console`); the secret link is what grants control.
- ``?live=<session>&role=display``: the audience display for the projector
  (:mod:`~viewer.ui.views.live_display`).
- ``?join=<code>``: the join form (optional display name), here.
- ``?live=<session>&trainee=<id>&key=<trainee secret>``: a trainee's page
  (:mod:`~viewer.ui.views.live_trainee`).

Every session's state lives in the live store (:mod:`viewer.ui.live_state`), never in one
Streamlit session, so any server process can serve any of these pages and a reload keeps them.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from viewer.live.store import LiveError
from viewer.ui.components import live_parts
from viewer.ui.live_state import live_store
from viewer.ui.text import md_escape
from viewer.ui.views import live_console, live_display, live_trainee

START_ERROR_KEY = "live-start-error"


def start_session(case_id: str, panel: str, layer: int = 1) -> None:
    """Create a session for ``case_id`` at ``panel`` (and ``layer``) and go to its console (a
    callback, or followed by a rerun)."""
    store = live_store()
    try:
        created = store.create_session(case_id, panel, time.time())
        if layer != 1:
            store.set_step(created.session_id, created.lecturer_secret, panel, layer, time.time())
    except LiveError as exc:
        st.session_state[START_ERROR_KEY] = str(exc)
        return
    st.query_params.clear()
    st.query_params["live"] = created.session_id
    st.query_params["role"] = "lecturer"
    st.query_params["secret"] = created.lecturer_secret


def start_error() -> str | None:
    """A message left by a failed :func:`start_session` (shown once)."""
    message = st.session_state.pop(START_ERROR_KEY, None)
    return message if isinstance(message, str) else None


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
    st.query_params.clear()
    st.query_params["live"] = trainee.session_id
    st.query_params["trainee"] = trainee.trainee_id
    st.query_params["key"] = trainee.trainee_secret
    st.rerun()


def render(cases_dir: Path) -> None:
    params = st.query_params
    join = params.get("join")
    session_id = params.get("live")
    role = params.get("role")
    if join is not None and not session_id:
        _join_page(join)
        return
    if session_id and role == "lecturer":
        shown = live_console.render(cases_dir, session_id, params.get("secret", ""))
    elif session_id and role == "display":
        shown = live_display.render(cases_dir, session_id)
    elif session_id and params.get("trainee"):
        shown = live_trainee.render(
            cases_dir, session_id, params.get("trainee", ""), params.get("key", "")
        )
    else:
        st.title("Live session")
        st.error("This live-session link is incomplete: ask the lecturer for the join code.")
        shown = False
    if not shown:
        live_parts.home_button()
