"""Showing a case's problems in place, one line per problem, as text."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from viewer.errors import Problem
from viewer.ui.text import md_escape


def show_problems(problems: Sequence[Problem]) -> None:
    st.error(
        f"This case cannot be opened: {len(problems)} problem(s).\n\n"
        + "\n".join(f"- {md_escape(str(p))}" for p in problems)
    )
