"""The Streamlit app: routes the address to the library, a case page (``?case=<id>&step=<panel>``,
``&mode=present`` for presenting to a room), the quiz (``&mode=quiz``), authoring
(``?mode=author``, when the server allows it) or a live lecture (``?live=...``, ``?join=...``)."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from viewer.paths import CASES_DIR_ENV, bundled_cases_dir
from viewer.ui.views import author_page, case_page, library_page, live_page, quiz_page

st.set_page_config(
    page_title="Ultrasound case viewer",
    page_icon="🩻",
    layout="wide",
    initial_sidebar_state="collapsed",
)

cases_dir = Path(os.environ.get(CASES_DIR_ENV) or bundled_cases_dir())
case_id = st.query_params.get("case")
mode = st.query_params.get("mode")
if "live" in st.query_params or "join" in st.query_params:  # live lectures
    live_page.render(cases_dir)
elif mode == "author":
    author_page.render(cases_dir)
elif case_id and mode == "quiz":
    quiz_page.render(cases_dir, case_id)
elif case_id:
    case_page.render(cases_dir, case_id)
else:
    library_page.render(cases_dir)
