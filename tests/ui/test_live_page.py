"""Live lectures through AppTest: starting from the library, the lecturer's page and its secret,
trainees joining and following, a poll answered once, results, CSV, the end page."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import BUNDLED
from tests.ui.test_app import _walk, run_app, stepper_data
from viewer.cases.loader import load_case
from viewer.live.sqlite_store import SqliteStore
from viewer.live.store import LecturerSession, LiveStore
from viewer.ui.text import md_escape

CASE = "scar-carcinoma"


def loaded_notes(panel: str) -> str:
    case = load_case(BUNDLED).case
    return next(s.presenter_notes for s in case.steps if s.panel == panel)


@pytest.fixture(autouse=True)
def live_store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "live.sqlite3"
    monkeypatch.setenv("VIEWER_LIVE_STORE", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def lecturer_session(at: AppTest) -> LecturerSession:
    params = at.query_params
    session_id = params["live"]
    code = SqliteStore(os.environ["VIEWER_LIVE_STORE"]).state(session_id).join_code
    return LecturerSession(session_id, code, params["secret"])


def start(monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, LecturerSession]:
    at = run_app(BUNDLED.parent, monkeypatch)
    at.button(key=f"live:{CASE}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at, lecturer_session(at)


def join(monkeypatch: pytest.MonkeyPatch, code: str, name: str = "") -> AppTest:
    at = run_app(BUNDLED.parent, monkeypatch, join=code)
    at.text_input(key="live-join-name").input(name)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    assert "trainee" in at.query_params, [e.value for e in at.error]
    return at


def as_trainee(monkeypatch: pytest.MonkeyPatch, joined: AppTest) -> AppTest:
    """The trainee's page opened afresh from its address (as a reload would)."""
    params = {k: joined.query_params[k] for k in ("live", "trainee", "key")}
    return run_app(BUNDLED.parent, monkeypatch, **params)


def store(path: Path) -> LiveStore:
    return SqliteStore(path)


TEXT_TYPES = ("markdown", "caption", "error", "warning", "success", "info")


def texts(at: AppTest) -> str:
    """Every text element of the page, in columns, containers and fragments too."""
    parts = [n.value for n in _walk(at._tree) if getattr(n, "type", None) in TEXT_TYPES]
    return "\n".join(str(p) for p in parts)


def table_text(at: AppTest) -> str:
    return "\n".join(str(t.value.to_dict()) for t in at.table)


def test_start_from_library_shows_join_code_and_qr(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    at, session = start(monkeypatch)
    assert at.query_params["role"] == "lecturer"
    assert len(session.join_code) == 6
    [code_html] = [n for n in _walk(at._tree) if getattr(n, "type", None) == "html"
                   and "live-join-code" in n.proto.body]
    assert session.join_code in code_html.proto.body
    assert any(f"join={session.join_code}" in c.value for c in at.code)
    assert [n for n in _walk(at._tree) if getattr(n, "type", None) == "image"]  # the QR code
    state = store(live_store_file).state(session.session_id)
    assert (state.case_id, state.step, state.layer) == (CASE, "A", 1)
    data = stepper_data(at)
    assert data["mode"] == "quiz" and data["revealed"] is False
    assert data["steps"][0]["caption"] == "" and data["steps"][0]["presenterNotes"] == ""


def test_wrong_lecturer_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _, session = start(monkeypatch)
    at = run_app(BUNDLED.parent, monkeypatch, live=session.session_id, role="lecturer",
                 secret="not-the-secret")
    [error] = at.error
    assert "This lecturer link does not work" in error.value
    assert "its secret is not this session's" in error.value
    assert not [b for b in at.button if b.key == "live-next"]
    at = run_app(BUNDLED.parent, monkeypatch, live="no-such-session", role="lecturer",
                 secret="x")
    assert "no such session" in at.error[0].value


def test_lecturer_controls_move_the_step(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    at, session = start(monkeypatch)
    at.button(key="live-next").click().run()
    assert store(live_store_file).state(session.session_id).step == "B"
    at.button(key="live-layer:3").click().run()
    state = store(live_store_file).state(session.session_id)
    assert (state.step, state.layer) == ("B", 3)
    data = stepper_data(at)
    assert data["revealed"] is True and data["steps"][0]["caption"]
    assert data["steps"][0]["findings"] == []
    at.button(key="live-go:E").click().run()
    assert store(live_store_file).state(session.session_id).step == "E"


def test_trainee_joins_and_follows(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    _, session = start(monkeypatch)
    joined = join(monkeypatch, session.join_code.lower(), name="*Ann* <b>")
    assert "You joined as \\*Ann\\* \\<b\\>" in texts(joined)
    assert stepper_data(joined)["steps"][0]["panel"] == "A"
    store(live_store_file).set_step(session.session_id, session.lecturer_secret, "C", 4,
                                    time.time())
    trainee = as_trainee(monkeypatch, joined)
    data = stepper_data(trainee)
    assert data["steps"][0]["panel"] == "C" and data["revealed"] is True
    assert data["steps"][0]["findings"] and data["steps"][0]["presenterNotes"] == ""
    assert "Panel C · step 3 of 8 · Layer 4/4: findings" in texts(trainee)


def test_bad_join_code_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch, join="ZZZZZZ")
    at.button[0].click().run()
    [error] = at.error
    assert "is not a live session" in error.value
    at = run_app(BUNDLED.parent, monkeypatch, live="x", trainee="y", key="z")
    assert "This trainee link does not work" in at.error[0].value


def test_poll_answered_once_results_csv_and_end(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    lecturer, session = start(monkeypatch)
    joined = join(monkeypatch, session.join_code, name="=Bob")
    # Two tabs of the same trainee, both showing the poll before either answers.
    lecturer.button(key="live-open-poll").click().run()
    poll = store(live_store_file).state(session.session_id).poll
    assert poll is not None and poll.is_open and "assessment category" in poll.question
    first, second = as_trainee(monkeypatch, joined), as_trainee(monkeypatch, joined)
    assert first.radio(key="live-pick:1").options[4] == "4A\\: low suspicion \\(2\\-10%\\)"
    second.radio(key="live-pick:1").set_value("3")  # chosen in the second tab, not sent yet
    first.radio(key="live-pick:1").set_value("4B").run()
    first.button(key="live-submit:1").click().run()
    assert "Your answer: 4B" in texts(first)
    assert first.radio(key="live-pick:1").disabled
    assert first.button(key="live-submit:1").disabled
    second.button(key="live-submit:1").click().run()
    assert "Your answer was not taken\\: this trainee has already answered poll 1\\." in texts(second)
    # The lecturer's results and CSV.
    lecturer.run()
    assert "**1 answer**" in texts(lecturer)
    assert "'Answers': {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1" in table_text(lecturer)
    csv = store(live_store_file).results_csv(session.session_id, session.lecturer_secret)
    assert "'=Bob,4B" in csv
    assert [n for n in _walk(lecturer._tree) if getattr(n, "type", None) == "download_button"]
    lecturer.button(key="live-close-poll").click().run()
    closed = as_trainee(monkeypatch, joined)
    assert "Your answer: **4B\\: moderate suspicion \\(10\\-50%\\)** · ✓ correct" in texts(closed)
    # The end.
    lecturer.button(key="live-end").click().run()
    assert "Live session ended" in lecturer.title[0].value
    review = table_text(lecturer)
    assert "'Answers': {0: 1}" in review and "'Correct': {0: '1 (100%)'}" in review
    assert ("'Key': {0: '4A\\\\: low suspicion \\\\(2\\\\-10%\\\\), "
            "4B\\\\: moderate suspicion \\\\(10\\\\-50%\\\\)'}") in review  # repr doubles each backslash
    ended = as_trainee(monkeypatch, joined)
    assert [t.value for t in ended.title] == ["The session has ended"]
    assert "**Your score: 1 of 1**" in texts(ended)
    assert "✓ correct" in table_text(ended)
    again = run_app(BUNDLED.parent, monkeypatch, join=session.join_code)
    again.button[0].click().run()
    assert "is not a live session" in again.error[0].value



def charts(at: AppTest) -> list[Any]:
    return [n for n in _walk(at._tree) if getattr(n, "type", None) == "vega_lite_chart"]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_console_shows_notes_next_step_clock_and_room(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    at, session = start(monkeypatch)
    assert stepper_data(at)["steps"][0]["presenterNotes"] == ""  # the room's view, no notes
    shown = metrics(at)
    assert shown["Join code"] == session.join_code and shown["Trainees"] == "0"
    assert shown["Session"].startswith("0:0") and shown["On this step"].startswith("0:0")
    assert "**Next step**\nPanel B · \\(2003\\)  \nPathology" in texts(at)
    assert "Asks: Panel A\\: what is the assessment category?" in texts(at)
    join(monkeypatch, session.join_code)
    at.button(key="live-next").click().run()
    assert metrics(at)["Trainees"] == "1"
    shown_text = texts(at)
    assert "**Presenter notes** (only on this screen)" in shown_text
    notes = loaded_notes("B")
    assert notes and md_escape(notes) in shown_text
    at.button(key="live-reveal").click().run()
    at.button(key="live-reveal").click().run()
    state = store(live_store_file).state(session.session_id)
    assert (state.step, state.layer) == ("B", 3)
    at.button(key="live-layer:4").click().run()
    assert at.button(key="live-reveal").disabled
    # The display link is the console's, without the secret.
    [link] = [n for n in _walk(at._tree) if getattr(n, "type", None) == "link_button"]
    assert f"live={session.session_id}" in link.proto.url and "role=display" in link.proto.url
    assert session.lecturer_secret not in link.proto.url


def test_console_keeps_up_with_another_console(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    at, session = start(monkeypatch)
    store(live_store_file).set_step(session.session_id, session.lecturer_secret, "D", 2,
                                    time.time())
    at.run()  # the clock sees the new version and redraws the page
    at.run()
    assert "The room sees: Panel D · step 4 of 8 · Layer 2/4: annotations" in texts(at)


def test_the_console_after_the_session_ended_elsewhere(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    at, session = start(monkeypatch)
    at.button(key="live-open-poll").click().run()
    store(live_store_file).end_session(session.session_id, session.lecturer_secret, time.time())
    at.button(key="live-close-poll").click().run()  # the page still shows the open poll
    assert at.title[0].value.startswith("Live session ended")


def test_audience_display(monkeypatch: pytest.MonkeyPatch, live_store_file: Path) -> None:
    _, session = start(monkeypatch)
    live = store(live_store_file)
    display = run_app(BUNDLED.parent, monkeypatch, live=session.session_id, role="display")
    [code_html] = [n for n in _walk(display._tree) if getattr(n, "type", None) == "html"
                   and "live-join-code" in n.proto.body]
    assert session.join_code in code_html.proto.body
    assert [n for n in _walk(display._tree) if getattr(n, "type", None) == "image"]  # the QR
    assert stepper_data(display)["steps"][0]["presenterNotes"] == ""
    assert not [b for b in display.button if b.key and b.key.startswith("live-")]
    # A poll: the question and how many answered, not how they answered, until it closes.
    joined = join(monkeypatch, session.join_code, "<script>x</script>")
    as_trainee(monkeypatch, joined)
    live.set_step(session.session_id, session.lecturer_secret, "B", 1, time.time())
    poll = live.open_poll(session.session_id, session.lecturer_secret, "B", "Most likely <i>?",
                          ["Fat necrosis", "Recurrence"], time.time(), key="Fat necrosis")
    params = {k: joined.query_params[k] for k in ("live", "trainee", "key")}
    live.answer(params["live"], params["trainee"], params["key"], poll.poll_id, "Recurrence",
                time.time())
    display.run()
    shown = texts(display)
    assert "Most likely \\<i\\>?" in shown and "**1 answer** so far" in shown
    assert "1. Fat necrosis\n2. Recurrence" in shown
    assert not charts(display)  # no split of the answers yet
    assert "**1 joined**" in shown
    live.close_poll(session.session_id, session.lecturer_secret, poll.poll_id, time.time())
    display.run()
    assert "**Key:** Fat necrosis" in texts(display)
    [chart] = charts(display)
    assert '"sort": ["Fat necrosis (key)", "Recurrence"]' in chart.proto.spec
    live.end_session(session.session_id, session.lecturer_secret, time.time())
    display.run()
    assert [t.value for t in display.title] == ["The session has ended"]
    bad = run_app(BUNDLED.parent, monkeypatch, live="nope", role="display")
    assert bad.error[0].value == "This display link does not work: no such session."


def test_a_trainees_name_survives_a_reload(
    monkeypatch: pytest.MonkeyPatch, live_store_file: Path
) -> None:
    _, session = start(monkeypatch)
    joined = join(monkeypatch, session.join_code, name="Dr *Ann*")
    reloaded = as_trainee(monkeypatch, joined)
    assert "You joined as Dr \\*Ann\\*." in texts(reloaded)
    anonymous = as_trainee(monkeypatch, join(monkeypatch, session.join_code))
    assert "You joined anonymously." in texts(anonymous)
