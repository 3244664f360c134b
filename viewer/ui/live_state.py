"""The live-lecture store as the app uses it: which one (from the environment), opened once per
process, and what a step's poll asks.

The settings (``VIEWER_LIVE_STORE``, ``VIEWER_DATA_DIR``, ``VIEWER_LIVE_REFRESH_S``) are
described in :mod:`viewer.live.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from viewer.cases.model import BiRadsQuiz, ChoiceQuiz, Step
from viewer.live import settings
from viewer.live.store import LiveStore, Poll, open_store
from viewer.quiz import Question, option_label, questions


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(setting: str, folder: str) -> LiveStore:
    return open_store(setting or None, Path(folder))


def live_store() -> LiveStore:
    """The process's store for the current setting (opened on first use, then shared)."""
    return _open(settings.store_setting(), str(settings.data_dir()))


@dataclass(frozen=True)
class StepPoll:
    """What a poll on a step asks, from the case's quiz."""

    question: Question
    text: str
    accepted: tuple[str, ...]

    @property
    def key(self) -> str | None:
        """The store's key: the one accepted option (none when the manifest accepts several)."""
        return self.accepted[0] if len(self.accepted) == 1 else None

    def label(self, option: str) -> str:
        return option_label(self.question, option)


def step_poll(step: Step) -> StepPoll | None:
    """The poll for a step: a BI-RADS step's assessment (else its first descriptor), a
    multiple-choice step's question; ``None`` for a step without a quiz."""
    asked = questions(step)
    quiz = step.quiz
    if not asked or quiz is None:
        return None
    if isinstance(quiz, ChoiceQuiz):
        return StepPoll(asked[0], quiz.question, (quiz.answer,))
    assert isinstance(quiz, BiRadsQuiz)
    question = next((q for q in asked if q.id == "assessment"), asked[0])
    text = f"Panel {step.panel}: what is the {question.label.lower()}?"
    return StepPoll(question, text, quiz.accepted(question.id))


def poll_of_step(steps: list[Step], poll: Poll) -> StepPoll | None:
    """The step poll a stored poll was opened from (``None`` if the case has changed since)."""
    step = next((s for s in steps if s.panel == poll.panel), None)
    asked = step_poll(step) if step is not None else None
    if asked is None or asked.question.options != poll.options:
        return None
    return asked
