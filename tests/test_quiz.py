"""Quiz questions, scores and summaries (plain data, no app)."""

from __future__ import annotations

import pytest

from tests.conftest import BUNDLED
from viewer.cases.loader import load_case
from viewer.quiz import CHOICE_ID, option_label, questions, score, summarize

CASE = load_case(BUNDLED).case
A, B = CASE.steps[0], CASE.steps[1]


def test_every_bundled_step_has_a_quiz() -> None:
    assert [s.panel for s in CASE.steps if s.quiz is None] == []


def test_questions_follow_the_lexicon_order() -> None:
    assert [q.id for q in questions(A)] == ["shape", "margin", "echo_pattern", "assessment"]
    assert questions(A)[0].options == ("oval", "round", "irregular")
    [choice] = questions(B)
    assert choice.id == CHOICE_ID and choice.label == "What does the surgical specimen show?"


def test_score_accepts_any_listed_term_and_counts_blanks_wrong() -> None:
    result = score(A, {"shape": "irregular", "margin": "circumscribed", "assessment": "4B"})
    assert (result.correct, result.total) == (2, 4)
    marks = {m.id: m for m in result.marks}
    assert marks["margin"].accepted == ("angular",) and not marks["margin"].correct
    assert marks["echo_pattern"].answer is None and not marks["echo_pattern"].correct
    assert marks["assessment"].correct  # 4A or 4B both count
    assert marks["margin"].why.startswith("Angular: part of the margin")


def test_choice_score() -> None:
    assert score(B, {CHOICE_ID: "Intraductal papilloma"}).correct == 1
    assert score(B, {CHOICE_ID: "Fibroadenoma"}).correct == 0


def test_summary_per_step_and_descriptor() -> None:
    submitted = {
        "A": {"shape": "irregular", "margin": "angular", "echo_pattern": "hypoechoic",
              "assessment": "3"},
        "B": {CHOICE_ID: "Intraductal papilloma"},
        "D": {"shape": "oval", "assessment": "2"},
    }
    summary = summarize(CASE, submitted)
    assert [(s.panel, s.correct, s.total) for s in summary.steps] == [
        ("A", 2, 4), ("B", 1, 1), ("D", 1, 2)
    ]
    assert (summary.correct, summary.total) == (4, 7)
    tallies = {t.label: (t.correct, t.total) for t in summary.descriptors}
    assert tallies == {
        "Shape": (1, 2), "Margin": (1, 1), "Echo pattern": (0, 1),
        "Assessment category": (1, 2), "Multiple choice": (1, 1),
    }
    assert summary.unanswered == ("C", "E", "F", "G", "H")


def test_assessment_options_carry_their_meaning() -> None:
    assessment = questions(A)[-1]
    assert option_label(assessment, "4B") == "4B: moderate suspicion (10-50%)"
    assert option_label(questions(A)[0], "oval") == "oval"


def test_step_without_quiz() -> None:
    plain = A.model_copy(update={"quiz": None})
    assert questions(plain) == ()
    with pytest.raises(ValueError, match=r"^step A has no quiz$"):
        score(plain, {})
