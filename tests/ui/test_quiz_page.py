"""The quiz page through AppTest: answers hidden until submitted, scoring, reload, summary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import BUNDLED, CaseFactory
from tests.ui.test_app import run_app, stepper_data

A_QUESTIONS = ["Shape", "Margin", "Echo pattern", "Assessment category"]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()  # the attempt store lives there too
    yield
    st.cache_resource.clear()


def quiz(monkeypatch: pytest.MonkeyPatch, step: str = "A", **params: str) -> AppTest:
    return run_app(
        BUNDLED.parent, monkeypatch, case="scar-carcinoma", mode="quiz", step=step, **params
    )


def submit(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.label == "Submit answer"]
    button.click().run()
    assert not at.exception
    return at


def test_question_first_nothing_revealed(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch)
    data = stepper_data(at)
    assert data["mode"] == "quiz" and data["revealed"] is False
    assert [s["panel"] for s in data["steps"]] == ["A"]
    assert [r.label for r in at.radio] == A_QUESTIONS
    assert all(r.value is None for r in at.radio)  # nothing chosen for the trainee
    assert at.radio[0].options == ["oval", "round", "irregular"]
    assert "4B\\: moderate suspicion \\(10\\-50%\\)" in at.radio[3].options  # escaped text
    assert at.query_params["attempt"]  # the attempt token is in the address


def test_missing_answers_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch)
    at.radio[0].set_value("irregular")
    submit(at)
    assert [w.value for w in at.warning] == [
        "Answer every question before submitting; missing: Margin, Echo pattern, "
        "Assessment category."
    ]
    assert stepper_data(at)["revealed"] is False


def test_submit_scores_and_reveals(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch)
    for radio, value in zip(at.radio, ["irregular", "circumscribed", "isoechoic", "4B"], strict=True):
        radio.set_value(value)
    submit(at)
    assert stepper_data(at)["revealed"] is True
    assert [s.value for s in at.subheader] == ["3 of 4 correct"]
    lines = [m.value for m in at.markdown]
    assert "**✓ Correct** · Shape: your answer *irregular*" in lines
    assert "**✗ Incorrect** · Margin: your answer *circumscribed*; the key: *angular*" in lines
    assert any(m.startswith("**Explanation.** An irregular, isoechoic 12 mm mass") for m in lines)
    assert len(at.radio) == 0  # the form is gone once answered
    # The progress row shows the score in words and symbols, not colour only.
    assert at.button(key="quiz-go:A").label == "A ✓ 3/4"
    assert at.button(key="quiz-go:B").label == "B ○"


def test_answers_survive_a_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch, step="B")
    [radio] = at.radio
    assert radio.label == "What does the surgical specimen show?"
    radio.set_value("Fibroadenoma")
    submit(at)
    token = at.query_params["attempt"]
    token = token[0] if isinstance(token, list) else token
    again = quiz(monkeypatch, step="B", attempt=token)  # a new session, same address
    assert [s.value for s in again.subheader] == ["0 of 1 correct"]
    assert stepper_data(again)["revealed"] is True
    # A second submission cannot change a recorded answer.
    fresh = quiz(monkeypatch, step="B", attempt="someone-else-123")
    assert [s.value for s in fresh.subheader] == []


def test_summary_per_step_and_descriptor_and_retake(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch)
    for radio, value in zip(at.radio, ["irregular", "angular", "hypoechoic", "3"], strict=True):
        radio.set_value(value)
    submit(at)
    at.button(key="quiz-next").click().run()
    at.radio[0].set_value("Intraductal papilloma")
    submit(at)
    at.button(key="quiz-go:summary").click().run()
    assert not at.exception
    assert "**Score: 3 of 5 (60%)**" in [m.value for m in at.markdown]
    [per_step, per_descriptor] = at.table
    steps = per_step.value
    assert list(steps["Panel"]) == ["A", "B"] and list(steps["Score"]) == ["2 / 4", "1 / 1"]
    tallies = dict(zip(per_descriptor.value["Descriptor"], per_descriptor.value["Correct"], strict=True))
    assert tallies == {"Shape": "1 / 1", "Margin": "1 / 1", "Echo pattern": "0 / 1",
                       "Assessment category": "0 / 1", "Multiple choice": "1 / 1"}
    assert [i.value for i in at.info] == ["Not answered yet: panels C, D, E, F, G, H."]
    old = at.query_params["attempt"]
    at.button(key="quiz-retake").click().run()
    assert at.query_params["attempt"] != old
    assert at.query_params["step"] in ("A", ["A"])
    assert [s.value for s in at.subheader] == []  # step A unanswered again
    assert len(at.radio) == 4


def test_case_text_in_questions_is_not_markup(
    make_case: CaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_case(
        ('question = "What does the surgical specimen show?"',
         'question = "<b>bold</b> *stars* [link](http://x)"'),
        name="scar-carcinoma",
    )
    at = run_app(folder.parent, monkeypatch, case="scar-carcinoma", mode="quiz", step="B")
    assert at.radio[0].label == r"\<b\>bold\</b\> \*stars\* \[link\]\(http\://x\)"


def test_unknown_step_in_quiz(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch, step="Q")
    assert [w.value for w in at.warning] == [
        "Step Q does not exist in this case (panels A, B, C, D, E, F, G, H); showing step A."
    ]


def test_library_opens_the_quiz_and_presenter_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch)
    at.button(key="quiz:scar-carcinoma").click().run()
    assert at.query_params["mode"] in ("quiz", ["quiz"])
    assert [r.label for r in at.radio] == A_QUESTIONS
    home = run_app(BUNDLED.parent, monkeypatch)
    home.button(key="present:scar-carcinoma").click().run()
    assert home.query_params["mode"] in ("present", ["present"])


def test_library_prepares_and_offers_the_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch)
    at.button(key="prepare:export:scar-carcinoma:pdf").click().run()
    assert not at.exception
    [download] = [d for d in at.get("download_button")]
    assert "Download the handout (PDF)" in download.proto.label
    at.button(key="prepare:export:scar-carcinoma:html").click().run()
    labels = [d.proto.label for d in at.get("download_button")]
    assert any(label.startswith("Download the offline presentation (HTML)") for label in labels)


def test_nothing_that_gives_the_answer_reaches_the_browser_before(monkeypatch: pytest.MonkeyPatch) -> None:
    at = quiz(monkeypatch, step="B")
    [step] = stepper_data(at)["steps"]
    assert step["caption"] == "" and step["findings"] == [] and step["note"] == ""
    assert step["presenterNotes"] == "" and step["teachingPoints"] == []
    assert [image["alt"] for image in step["images"]] == [
        "Pathology image 1 of panel B; described after you answer"
    ]
    assert all("papilloma" not in str(value).lower() for value in step["images"][0].values())
    at.radio[0].set_value("Fibroadenoma")
    submit(at)
    [step] = stepper_data(at)["steps"]
    assert step["caption"].startswith("Hematoxylin and eosin staining")
    assert step["images"][0]["alt"].startswith("Illustration of an intraductal papilloma")
