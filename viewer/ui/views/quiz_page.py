"""The quiz: a trainee answers each step before its annotations and caption are revealed.

Address: ``?case=<id>&mode=quiz&step=<panel or "summary">&attempt=<token>``. Submitted
answers live in the server's attempt store under the token, so a reload (same address)
keeps them. Scoring is :mod:`viewer.quiz`; this page only asks, shows and navigates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from viewer.case_view import step_payload
from viewer.cases.loader import LoadedCase
from viewer.cases.model import BiRadsQuiz, Case, Step
from viewer.quiz import (
    Question,
    StepScore,
    option_label,
    questions,
    quiz_panels,
    score,
    summarize,
)
from viewer.ui import cache
from viewer.ui.components.problems import case_or_explain
from viewer.ui.components.stepper import stepper
from viewer.ui.media import serve_images
from viewer.ui.quiz_state import new_token, store, valid_token
from viewer.ui.text import md_escape

SUMMARY = "summary"


def _go(step: str) -> None:
    st.query_params["step"] = step


def _leave(panel: str) -> None:
    st.query_params.pop("mode", None)
    st.query_params.pop("attempt", None)
    st.query_params["step"] = panel


def _home() -> None:
    st.query_params.clear()


def withheld(step: dict[str, Any], modality: str, panel: str) -> dict[str, Any]:
    """A step's payload with everything that tells the answer removed."""
    out = dict(step, caption="", note="", findings=[], teachingPoints=[], presenterNotes="")
    images = []
    for n, image in enumerate(step["images"], 1):
        images.append(
            dict(
                image,
                alt=f"{modality} image {n} of panel {panel}; described after you answer",
                provenanceDetail="",
                shapes=[s for s in image["shapes"] if s.get("layer") == "scale"],
            )
        )
    out["images"] = images
    return out


def quiz_payload(loaded: LoadedCase, step_index: int, revealed: bool) -> dict[str, Any]:
    """The stepper's data for one quiz step: no annotations or text until ``revealed``."""
    served = serve_images(loaded, "quiz", step_index)
    for message in served.errors.values():
        st.warning(md_escape(message))
    step = loaded.case.steps[step_index]
    one = step_payload(
        loaded, step_index, step, lambda s, i: served.urls.get((s, i), ""),
        lambda s, i: served.frames.get((s, i), []),
    )
    if not revealed:
        # Nothing that gives the answer away reaches the browser before the answer is in:
        # no caption, note, findings, notes, annotations; the alt text and provenance detail
        # (which describe the findings) are held back too.
        one = withheld(one, step.modality.label, step.panel)
    return {
        "caseId": loaded.case.id,
        "title": loaded.case.title,
        "mode": "quiz",
        "revealed": revealed,
        "steps": [one],
        "chart": None,
        "initialPanel": step.panel,
    }


def _status(case: Case, submitted: dict[str, dict[str, str]], panel: str) -> str:
    step = next(s for s in case.steps if s.panel == panel)
    if step.quiz is None:
        return f"{panel} ·"
    if panel not in submitted:
        return f"{panel} ○"
    result = score(step, submitted[panel])
    return f"{panel} ✓ {result.correct}/{result.total}"


def _progress(case: Case, submitted: dict[str, dict[str, str]], current: str) -> None:
    """A button per step (with its state in symbols and words, not colour) and the summary."""
    panels = [s.panel for s in case.steps]
    columns = st.columns(len(panels) + 1)
    for column, panel in zip(columns, panels, strict=False):
        with column:
            st.button(
                _status(case, submitted, panel),
                key=f"quiz-go:{panel}",
                on_click=_go,
                args=(panel,),
                type="primary" if panel == current else "secondary",
                help=f"Panel {panel}: ✓ answered (score), ○ not answered, · no question",
                use_container_width=True,
            )
    with columns[-1]:
        st.button(
            "Summary",
            key="quiz-go:summary",
            on_click=_go,
            args=(SUMMARY,),
            type="primary" if current == SUMMARY else "secondary",
            use_container_width=True,
        )


def _radio_key(token: str, panel: str, question: Question) -> str:
    return f"quiz-answer:{token}:{panel}:{question.id}"


def _option_text(question: Question) -> Callable[[str], str]:
    def text(option: str) -> str:
        return md_escape(option_label(question, option))

    return text


def _form(loaded: LoadedCase, step: Step, token: str) -> None:
    asked = questions(step)
    quiz = step.quiz
    assert quiz is not None
    with st.form(f"quiz-form:{step.panel}"):
        # A multiple-choice question is the radio's own label; a BI-RADS one introduces them.
        if isinstance(quiz, BiRadsQuiz) and quiz.question:
            st.markdown(f"**{md_escape(quiz.question)}**")
        for question in asked:
            st.radio(
                md_escape(question.label),
                question.options,
                index=None,
                key=_radio_key(token, step.panel, question),
                format_func=_option_text(question),
            )
        sent = st.form_submit_button("Submit answer", type="primary")
    if not sent:
        return
    chosen = {q.id: st.session_state.get(_radio_key(token, step.panel, q)) for q in asked}
    missing = [q.label for q in asked if chosen[q.id] is None]
    if missing:
        names = md_escape(", ".join(missing))
        st.warning(f"Answer every question before submitting; missing: {names}.")
        return
    store().submit(token, loaded.case.id, step.panel, {k: str(v) for k, v in chosen.items()})
    st.rerun()


def _feedback(result: StepScore) -> None:
    st.subheader(f"{result.correct} of {result.total} correct", anchor=False)
    for mark in result.marks:
        verdict = "✓ Correct" if mark.correct else "✗ Incorrect"
        given = md_escape(mark.answer) if mark.answer else "no answer"
        line = f"**{verdict}** · {md_escape(mark.label)}: your answer *{given}*"
        if not mark.correct:
            line += f"; the key: *{md_escape(' or '.join(mark.accepted))}*"
        st.markdown(line)
        if mark.why:
            st.caption(md_escape(mark.why))
    st.markdown(f"**Explanation.** {md_escape(result.explanation)}")


def _navigation(case: Case, panel: str) -> None:
    panels = [s.panel for s in case.steps]
    index = panels.index(panel)
    back, forward = st.columns(2)
    with back:
        if index > 0:
            st.button("← Previous step", key="quiz-prev", on_click=_go, args=(panels[index - 1],))
    with forward:
        if index + 1 < len(panels):
            st.button(
                "Next step →", key="quiz-next", on_click=_go, args=(panels[index + 1],),
                type="primary",
            )
        else:
            st.button("See the summary →", key="quiz-next", on_click=_go, args=(SUMMARY,),
                      type="primary")


def _step(loaded: LoadedCase, panel: str, token: str, submitted: dict[str, dict[str, str]]) -> None:
    case = loaded.case
    index = [s.panel for s in case.steps].index(panel)
    step = case.steps[index]
    answers = submitted.get(panel)
    revealed = step.quiz is None or answers is not None
    image_side, answer_side = st.columns([3, 2], gap="large")
    with image_side:
        stepper(quiz_payload(loaded, index, revealed), key=f"quiz:{case.id}:{panel}")
    with answer_side:
        if step.quiz is None:
            st.info("This step has no question: study it, then go on.")
        elif answers is None:
            _form(loaded, step, token)
        else:
            _feedback(score(step, answers))
        _navigation(case, panel)


def _retake(case_id: str, token: str) -> None:
    store().forget(token, case_id)
    for key in [k for k in st.session_state if str(k).startswith(f"quiz-answer:{token}:")]:
        del st.session_state[key]
    st.query_params["attempt"] = new_token()
    st.query_params["step"] = st.session_state.get("quiz-first-panel", "A")


def _summary(case: Case, token: str, submitted: dict[str, dict[str, str]]) -> None:
    result = summarize(case, submitted)
    st.subheader("Summary", anchor=False)
    if result.total:
        percent = round(100 * result.correct / result.total)
        st.markdown(f"**Score: {result.correct} of {result.total} ({percent}%)**")
    if result.unanswered:
        st.info(f"Not answered yet: panels {md_escape(', '.join(result.unanswered))}.")
    by_panel = {s.panel: s for s in case.steps}
    if result.steps:
        st.markdown("**Per step**")
        st.table(
            [
                {
                    "Panel": s.panel,
                    "Date": by_panel[s.panel].date_label,
                    "Question": "BI-RADS"
                    if isinstance(by_panel[s.panel].quiz, BiRadsQuiz)
                    else "Multiple choice",
                    "Score": f"{s.correct} / {s.total}",
                }
                for s in result.steps
            ]
        )
        st.markdown("**Per descriptor**")
        st.table(
            [
                {
                    "Descriptor": t.label,
                    "Correct": f"{t.correct} / {t.total}",
                    "Percent": f"{round(100 * t.correct / t.total)}%",
                }
                for t in result.descriptors
            ]
        )
    st.session_state["quiz-first-panel"] = case.steps[0].panel
    st.button("Retake the quiz", key="quiz-retake", on_click=_retake, args=(case.id, token))


def render(cases_dir: Path, case_id: str) -> None:
    loaded = case_or_explain(cache.current_library(cases_dir), case_id)
    if loaded is None:
        return
    case = loaded.case
    token = st.query_params.get("attempt")
    if not valid_token(token):
        token = new_token()
        st.query_params["attempt"] = token
    assert token is not None
    panels = [s.panel for s in case.steps]
    asked = st.query_params.get("step", panels[0])
    if asked not in (*panels, SUMMARY):
        st.warning(
            f"Step {md_escape(asked)} does not exist in this case (panels "
            f"{md_escape(', '.join(panels))}); showing step {panels[0]}."
        )
        asked = panels[0]
    top = st.columns([1, 1, 6])
    with top[0]:
        st.button("← All cases", key="quiz-home", on_click=_home)
    with top[1]:
        leave_at = asked if asked in panels else panels[0]
        st.button("Leave quiz", key="quiz-leave", on_click=_leave, args=(leave_at,))
    st.header(f"Quiz · {md_escape(case.title)}", anchor=False)
    if not quiz_panels(case):
        st.info("This case has no quiz questions yet.")
    submitted = store().submitted(token, case.id)
    _progress(case, submitted, asked)
    if asked == SUMMARY:
        _summary(case, token, submitted)
    else:
        _step(loaded, asked, token, submitted)
