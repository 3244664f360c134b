"""Showing a case's problems in place, one line per problem, as text; and the case a page
asks for, or why it cannot be shown."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from viewer.cases.library import LibraryEntry
from viewer.cases.loader import LoadedCase
from viewer.errors import Problem
from viewer.ui.text import md_escape


def show_problems(problems: Sequence[Problem]) -> None:
    st.error(
        f"This case cannot be opened: {len(problems)} problem(s).\n\n"
        + "\n".join(f"- {md_escape(str(p))}" for p in problems)
    )


def case_or_explain(entries: Sequence[LibraryEntry], case_id: str) -> LoadedCase | None:
    """The loaded case ``case_id``; else shows why not (unknown case, or its problems)."""
    entry = next((e for e in entries if e.case_id == case_id), None)
    if entry is None:
        known = ", ".join(e.case_id for e in entries) or "none"
        st.error(f"No case {md_escape(case_id)} in this library. Known cases: {md_escape(known)}.")
        return None
    if entry.loaded is None:
        st.title(md_escape(entry.folder.name))
        show_problems(entry.problems)
        return None
    return entry.loaded
