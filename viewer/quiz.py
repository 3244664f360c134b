"""Quiz questions and scores: what a step asks, how an answer scores, a case's summary.

Plain data in, plain data out: the app keeps the answers, this module judges them.
Answers are ``{descriptor id: term}`` for BI-RADS questions and ``{"answer": option}``
for multiple choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from viewer.cases.lexicon import ASSESSMENT_MEANING, LEXICONS, LexiconName, descriptor
from viewer.cases.model import BiRadsQuiz, Case, ChoiceQuiz, Step

CHOICE_ID = "answer"
"""The answer key of a multiple-choice question."""

Answers = Mapping[str, str]


@dataclass(frozen=True)
class Question:
    """One thing a step asks: a descriptor of the lexicon, or the multiple-choice question."""

    id: str
    label: str
    options: tuple[str, ...]


def questions(step: Step) -> tuple[Question, ...]:
    """What the step asks, in lexicon order (empty for a step without a quiz)."""
    quiz = step.quiz
    if quiz is None:
        return ()
    if isinstance(quiz, ChoiceQuiz):
        return (Question(CHOICE_ID, quiz.question, quiz.options),)
    asked: list[Question] = []
    for descriptor_id in _lexicon_order(quiz):
        found = descriptor(quiz.lexicon, descriptor_id)
        assert found is not None  # the model checked the key against the lexicon
        asked.append(Question(found.id, found.label, found.terms))
    return tuple(asked)


def _lexicon_order(quiz: BiRadsQuiz) -> list[str]:
    return [d.id for d in LEXICONS[quiz.lexicon] if d.id in quiz.key]


def option_label(question: Question, option: str) -> str:
    """How an option reads: assessment categories carry their meaning."""
    if question.id == "assessment" and option in ASSESSMENT_MEANING:
        return f"{option}: {ASSESSMENT_MEANING[option]}"
    return option


@dataclass(frozen=True)
class Mark:
    """One question's result."""

    id: str
    label: str
    answer: str | None
    accepted: tuple[str, ...]
    correct: bool
    why: str = ""


@dataclass(frozen=True)
class StepScore:
    panel: str
    marks: tuple[Mark, ...]
    explanation: str

    @property
    def correct(self) -> int:
        return sum(mark.correct for mark in self.marks)

    @property
    def total(self) -> int:
        return len(self.marks)


def score(step: Step, answers: Answers) -> StepScore:
    """Judge a step's answers against the author's key (unanswered counts as wrong)."""
    quiz = step.quiz
    if quiz is None:
        raise ValueError(f"step {step.panel} has no quiz")
    if isinstance(quiz, ChoiceQuiz):
        given = answers.get(CHOICE_ID)
        mark = Mark(CHOICE_ID, quiz.question, given, (quiz.answer,), given == quiz.answer)
        return StepScore(step.panel, (mark,), quiz.explanation)
    marks = []
    for question in questions(step):
        accepted = quiz.accepted(question.id)
        given = answers.get(question.id)
        marks.append(
            Mark(
                question.id,
                question.label,
                given,
                accepted,
                given in accepted,
                quiz.why.get(question.id, ""),
            )
        )
    return StepScore(step.panel, tuple(marks), quiz.explanation)


@dataclass(frozen=True)
class Tally:
    label: str
    correct: int
    total: int


@dataclass(frozen=True)
class Summary:
    """A whole attempt: per step (answered steps only) and per descriptor."""

    steps: tuple[StepScore, ...]
    descriptors: tuple[Tally, ...]
    unanswered: tuple[str, ...]
    """Panels with a quiz the trainee has not answered yet."""

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.steps)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.steps)


def summarize(case: Case, submitted: Mapping[str, Answers]) -> Summary:
    """Scores of the submitted steps (``{panel: answers}``) and tallies per descriptor."""
    scores: list[StepScore] = []
    unanswered: list[str] = []
    tallies: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for step in case.steps:
        if step.quiz is None:
            continue
        if step.panel not in submitted:
            unanswered.append(step.panel)
            continue
        result = score(step, submitted[step.panel])
        scores.append(result)
        for mark in result.marks:
            key = "multiple choice" if mark.id == CHOICE_ID else mark.id
            labels.setdefault(key, "Multiple choice" if mark.id == CHOICE_ID else mark.label)
            tally = tallies.setdefault(key, [0, 0])
            tally[0] += mark.correct
            tally[1] += 1
    return Summary(
        tuple(scores),
        tuple(Tally(labels[k], c, t) for k, (c, t) in tallies.items()),
        tuple(unanswered),
    )


def quiz_panels(case: Case) -> Sequence[str]:
    return [step.panel for step in case.steps if step.quiz is not None]


def lexicon_of(step: Step) -> LexiconName | None:
    return step.quiz.lexicon if isinstance(step.quiz, BiRadsQuiz) else None
