"""Quiz attempts kept on the server, keyed by a random token in the address (``attempt=``),
so submitted answers survive a page reload (a reload starts a new Streamlit session but
keeps the address). Shared by the server's sessions; bounded, oldest dropped first.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping

import streamlit as st

MAX_ATTEMPTS = 10_000
TOKEN_BYTES = 12

Answers = dict[str, str]


class AttemptStore:
    """``{token: {case_id: {panel: answers}}}`` behind a lock."""

    def __init__(self, limit: int = MAX_ATTEMPTS) -> None:
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, dict[str, dict[str, Answers]]] = OrderedDict()
        self._limit = limit

    def submitted(self, token: str, case_id: str) -> dict[str, Answers]:
        """A copy of the answers submitted so far, by panel."""
        with self._lock:
            cases = self._attempts.get(token, {})
            return {panel: dict(a) for panel, a in cases.get(case_id, {}).items()}

    def submit(self, token: str, case_id: str, panel: str, answers: Mapping[str, str]) -> None:
        """Record a step's answers once; a second submission of the step is ignored."""
        with self._lock:
            cases = self._attempts.setdefault(token, {})
            self._attempts.move_to_end(token)
            cases.setdefault(case_id, {}).setdefault(panel, dict(answers))
            while len(self._attempts) > self._limit:
                self._attempts.popitem(last=False)

    def forget(self, token: str, case_id: str) -> None:
        with self._lock:
            self._attempts.get(token, {}).pop(case_id, None)


@st.cache_resource
def store() -> AttemptStore:
    return AttemptStore()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def valid_token(value: str | None) -> bool:
    return (
        value is not None
        and 8 <= len(value) <= 64
        and all(c.isalnum() or c in "-_" for c in value)
    )
