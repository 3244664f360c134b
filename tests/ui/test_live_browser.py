"""A live lecture in Chromium: a lecturer's console and audience display, two trainees.

The lecturer goes live from presenter mode (the L key), opens the audience display from the
console, steps with the keyboard; both trainees join, follow, answer a poll; the display shows
how many answered, then the results; the end shows each trainee their score. It runs on both
stores: SQLite with one app server, and Redis with two app servers (the lecturer on one, the
trainees on the other, as behind a load balancer).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import BUNDLED
from tests.live.conftest import RedisServer
from tests.ui.conftest import AppServer, new_page, shot, skip_without_chromium

skip_without_chromium()

FOLLOW_MS = 5_000
"""How long a follower may take to show the lecturer's change (it looks twice a second, so
usually well under 1 s; the bound leaves room for a loaded test machine)."""


@dataclass(frozen=True)
class Lecture:
    backend: str
    setting: str
    lecturer_url: str
    trainee_url: str


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def lecture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lecture]:
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    redis_server: RedisServer | None = None
    if request.param == "redis":
        redis_server = RedisServer(folder)
        redis_server.start()
        setting = redis_server.url
    else:
        setting = str(folder / "live.sqlite3")
    env = {"VIEWER_LIVE_STORE": setting}
    servers = [AppServer(BUNDLED.parent, env=env)]
    if request.param == "redis":
        servers.append(AppServer(BUNDLED.parent, env=env))  # a second app server
    try:
        for server in servers:
            server.start()
        yield Lecture(request.param, setting, servers[0].url, servers[-1].url)
    finally:
        for server in servers:
            server.stop()
        if redis_server is not None:
            redis_server.stop()


def _room_view(page: object) -> object:
    return page.locator(".cv-quiz")  # type: ignore[attr-defined]


def _join(browser: object, url: str, code: str, name: str, phone: bool = False
          ) -> tuple[object, list[str]]:
    from playwright.sync_api import expect

    page, errors = new_page(browser, *((390, 844) if phone else (1280, 900)))
    page.goto(f"{url}/?join={code}")  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Display name (optional)").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Join").click()  # type: ignore[attr-defined]
    expect(_room_view(page)).to_have_attribute("data-step", "A", timeout=30_000)  # type: ignore[arg-type]
    expect(page.get_by_text(f"You joined as {name}.", exact=False)).to_be_visible()  # type: ignore[attr-defined]
    return page, errors


def test_live_lecture(lecture: Lecture, browser: object) -> None:
    from playwright.sync_api import expect

    tag = lecture.backend
    # Presenter mode, then live: this window becomes the lecturer's console.
    lecturer, lecturer_errors = new_page(browser, 1600, 1000)
    lecturer.goto(f"{lecture.lecturer_url}/?case=scar-carcinoma&mode=present&step=A")  # type: ignore[attr-defined]
    lecturer.locator(".cv[data-mode=present][data-ready]").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    expect(lecturer.get_by_role("button", name="Go live (L)")).to_be_visible()  # type: ignore[attr-defined]
    lecturer.keyboard.press("Space")  # type: ignore[attr-defined]  # the annotations are up
    expect(lecturer.locator(".cv-pbar .cv-status")).to_contain_text("Layer 2/4")  # type: ignore[attr-defined]
    lecturer.keyboard.press("l")  # type: ignore[attr-defined]
    expect(lecturer).to_have_url(re.compile(r"role=lecturer&secret=[A-Za-z0-9_-]+"), timeout=30_000)  # type: ignore[arg-type]
    # The room starts where the presenter was: panel A, layer 2.
    expect(lecturer.get_by_text("The room sees: Panel A · step 1 of 8 · Layer 2/4", exact=False)).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    expect(lecturer.get_by_text("Presenter notes", exact=True)).to_be_visible()  # type: ignore[attr-defined]

    # The audience display, opened from the console in a window of its own.
    with lecturer.context.expect_page() as opened:  # type: ignore[attr-defined]
        lecturer.get_by_role("link", name="Open the audience display ↗").click()  # type: ignore[attr-defined]
    display = opened.value
    display_errors: list[str] = []
    display.on("pageerror", lambda exc: display_errors.append(str(exc)))
    display.set_viewport_size({"width": 1600, "height": 900})
    code_box = display.get_by_test_id("live-join-code")
    expect(code_box).to_have_text(re.compile(r"^[A-Z0-9]{6}$"), timeout=30_000)
    code = code_box.inner_text()
    assert "secret" not in display.url
    expect(_room_view(display)).to_have_attribute("data-step", "A", timeout=30_000)

    ann, ann_errors = _join(browser, lecture.trainee_url, code, "Ann")
    bob, bob_errors = _join(browser, lecture.trainee_url, code, "Bob", phone=True)
    expect(display.get_by_text("2 joined", exact=False)).to_be_visible(timeout=FOLLOW_MS)

    # The lecturer steps with the keyboard; the room follows.
    started = time.monotonic()
    lecturer.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    for follower in (ann, bob, display):
        expect(_room_view(follower)).to_have_attribute("data-step", "B", timeout=FOLLOW_MS)  # type: ignore[arg-type]
    print(f"[{tag}] the room followed the lecturer in {time.monotonic() - started:.2f} s")

    # A poll: both answer; the display counts them without showing how they split.
    lecturer.get_by_role("button", name="Open poll").click()  # type: ignore[attr-defined]
    expect(display.get_by_text("0 answers", exact=False)).to_be_visible(timeout=FOLLOW_MS)
    expect(bob.get_by_text("A poll is open", exact=False)).to_be_visible(timeout=FOLLOW_MS)  # type: ignore[attr-defined]
    shot(bob, f"live-{tag}-phone-poll-open", full_page=False)
    for trainee, choice in ((ann, "Intraductal papilloma"), (bob, "Fibroadenoma")):
        trainee.get_by_text(choice, exact=True).click(timeout=FOLLOW_MS + 5_000)  # type: ignore[attr-defined]
        trainee.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]
        expect(trainee.get_by_text(f"Your answer: {choice}.", exact=False)).to_be_visible(  # type: ignore[attr-defined]
            timeout=10_000
        )
    shot(bob, f"live-{tag}-phone-answered", full_page=True)
    expect(display.get_by_text("2 answers", exact=False)).to_be_visible(timeout=FOLLOW_MS)
    shot(display, f"live-{tag}-display-poll", full_page=False)
    expect(lecturer.get_by_text("2 answers", exact=True)).to_be_visible(timeout=5_000)  # type: ignore[attr-defined]
    shot(lecturer, f"live-{tag}-console", full_page=False)
    lecturer.get_by_role("button", name="Close poll and show results").click()  # type: ignore[attr-defined]
    expect(ann.get_by_text("✓ correct", exact=False)).to_be_visible(timeout=FOLLOW_MS)  # type: ignore[attr-defined]
    expect(bob.get_by_text("✗ incorrect", exact=False)).to_be_visible(timeout=FOLLOW_MS)  # type: ignore[attr-defined]
    expect(display.get_by_text("Key:", exact=False)).to_be_visible(timeout=FOLLOW_MS)
    display.wait_for_timeout(800)  # the chart paints
    shot(display, f"live-{tag}-display-results", full_page=False)

    # The end: trainees see their answers and score.
    lecturer.get_by_role("button", name="End session").click()  # type: ignore[attr-defined]
    expect(lecturer.get_by_text("The session has ended: the join code no longer works.")).to_be_visible(  # type: ignore[attr-defined]
        timeout=10_000
    )
    expect(lecturer.get_by_text("1 (50%)", exact=True)).to_be_visible()  # type: ignore[attr-defined]  # every poll
    shot(lecturer, f"live-{tag}-console-ended", full_page=False)
    for trainee, score in ((ann, "Your score: 1 of 1"), (bob, "Your score: 0 of 1")):
        expect(trainee.get_by_text("The session has ended", exact=True)).to_be_visible(  # type: ignore[attr-defined]
            timeout=FOLLOW_MS
        )
        expect(trainee.get_by_text(score)).to_be_visible()  # type: ignore[attr-defined]
    expect(display.get_by_text("The session has ended", exact=True)).to_be_visible(timeout=FOLLOW_MS)
    shot(ann, f"live-{tag}-trainee-ended", full_page=False)

    for page in (lecturer, ann, bob):
        page.context.close()  # type: ignore[attr-defined]
    assert lecturer_errors == [] and display_errors == []
    assert ann_errors == [] and bob_errors == []


def test_the_lecture_went_through_the_configured_store(lecture: Lecture) -> None:
    """Runs after the lecture: its session, two trainees and their answers are in the backend
    the servers were given (not in some other store, nor in a server's memory)."""
    if lecture.backend == "redis":
        import redis

        with redis.Redis.from_url(lecture.setting, decode_responses=True) as client:
            sessions = [k for k in client.keys("live:s:*") if k.count(":") == 2]
            assert len(sessions) == 1
            assert client.hlen(f"{sessions[0]}:trainees") == 2
            assert client.hlen(f"{sessions[0]}:answers:1") == 2
    else:
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(lecture.setting)) as db:
            assert db.execute("SELECT count(*) FROM sessions").fetchone() == (1,)
            assert db.execute("SELECT count(*) FROM trainees").fetchone() == (2,)
            assert db.execute("SELECT count(*) FROM answers").fetchone() == (2,)
