"""Kill the app server in the middle of a poll and start it again: the session, its step and
every answer submitted before the kill are still there, and the open pages carry on.

On both stores: SQLite (the default, a file beside the app) and Redis. The server is killed with
SIGKILL (no clean shutdown); Streamlit's pages reconnect by themselves, and every page is
drawn from its address and the store, so nothing lived only in the dead process.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED
from tests.live.conftest import RedisServer
from tests.ui.conftest import AppServer, new_page, shot, skip_without_chromium
from viewer.live.store import LiveStore, open_store

skip_without_chromium()

WAIT_MS = 30_000
"""How long a page may take to come back after the restart (it retries on its own)."""


@pytest.fixture(params=["sqlite", "redis"])
def setting(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "redis":
        server = RedisServer(tmp_path)
        server.start()
        try:
            yield server.url
        finally:
            server.stop()
    else:
        yield str(tmp_path / "live.sqlite3")


def _join(browser: object, url: str, code: str, name: str) -> object:
    from playwright.sync_api import expect

    page, _ = new_page(browser, 1280, 900)
    page.goto(f"{url}/?join={code}")  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Display name (optional)").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Join").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(f"You joined as {name}.", exact=False)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]
    return page


def _answer(page: object, choice: str) -> None:
    from playwright.sync_api import expect

    page.get_by_text(choice, exact=True).click(timeout=WAIT_MS)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(f"Your answer: {choice}.", exact=False)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]


def until(page: object, act: Callable[[], object], done: Callable[[], bool],
          seconds: float = 30) -> None:
    """Do ``act`` until ``done`` (checked for 2 s after each try), for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        act()
        settle = time.monotonic() + 2
        while time.monotonic() < settle:
            if done():
                return
            page.wait_for_timeout(100)  # type: ignore[attr-defined]
    raise AssertionError(f"not done after {seconds} s")


def test_a_killed_server_loses_nothing(setting: str, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server = AppServer(BUNDLED.parent, env={"VIEWER_LIVE_STORE": setting})
    server.start()
    try:
        lecturer, _ = new_page(browser, 1600, 1000)
        lecturer.goto(server.url)  # type: ignore[attr-defined]
        lecturer.get_by_role("button", name="Start a live session").click()  # type: ignore[attr-defined]
        expect(lecturer).to_have_url(re.compile(r"role=lecturer"), timeout=WAIT_MS)  # type: ignore[arg-type]
        room = lecturer.get_by_text("The room sees:", exact=False)  # type: ignore[attr-defined]
        expect(room).to_contain_text("Panel A", timeout=WAIT_MS)
        code = lecturer.get_by_test_id("stMetricValue").first.inner_text()  # type: ignore[attr-defined]
        session_id = re.search(r"live=([^&]+)", lecturer.url).group(1)  # type: ignore[attr-defined, union-attr]
        ann = _join(browser, server.url, code, "Ann")
        bob = _join(browser, server.url, code, "Bob")
        cat = _join(browser, server.url, code, "Cat")
        for _ in range(2):  # to panel C, then a poll on it
            lecturer.get_by_role("button", name="Next step →").click()  # type: ignore[attr-defined]
        expect(room).to_contain_text("Panel C", timeout=WAIT_MS)
        lecturer.get_by_role("button", name="Open poll").click()  # type: ignore[attr-defined]
        _answer(ann, "4A: low suspicion (2-10%)")
        _answer(bob, "4B: moderate suspicion (10-50%)")
        expect(lecturer.get_by_text("2 answers", exact=True)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]

        pages = {"lecturer": lecturer, "ann": ann, "bob": bob, "cat": cat}
        reconnected: set[str] = set()
        for name, page in pages.items():
            # A frame from the new server on a new websocket: this page is talking to it.
            def watch(ws: object, name: str = name) -> None:
                ws.on("framereceived", lambda _: reconnected.add(name))  # type: ignore[attr-defined]

            page.on("websocket", watch)  # type: ignore[attr-defined]
        server.kill()  # mid-poll, SIGKILL
        server.start()
        for name, page in pages.items():
            for _ in range(WAIT_MS // 250):
                if name in reconnected:
                    break
                page.wait_for_timeout(250)  # type: ignore[attr-defined]
            assert name in reconnected, f"{name}'s page did not reconnect"

        # The store holds the session, its step and both answers.
        store: LiveStore = open_store(setting, tmp_path)
        state = store.state(session_id)
        assert (state.step, state.ended, state.trainees) == ("C", False, 3)
        assert state.poll is not None and state.poll.is_open
        counts = store.results(session_id, state.poll.poll_id)
        assert counts["4A"] == 1 and counts["4B"] == 1 and sum(counts.values()) == 2
        store.close()

        # The open pages came back by themselves and carry on from the store. (A click that
        # lands before the new server has drawn the page once is not acted on: Streamlit
        # calls back only widgets it has drawn in that session. So each first action after
        # the restart is one that may be repeated, repeated until it shows.)
        until(lecturer, lambda: lecturer.get_by_role("button", name="2 annotations").click(),  # type: ignore[attr-defined]
              lambda: "Layer 2/4" in room.inner_text())  # type: ignore[attr-defined]
        expect(lecturer.get_by_text("2 answers", exact=True)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]
        expect(ann.get_by_text("Your answer: 4A", exact=False)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]
        expect(ann.get_by_role("button", name="Submit answer")).to_be_disabled()  # type: ignore[attr-defined]
        choice = "3: probably benign (malignancy at most 2%)"
        given = cat.get_by_text(f"Your answer: {choice}.", exact=False)  # type: ignore[attr-defined]

        def cat_answers() -> None:
            cat.get_by_text(choice, exact=True).click()  # type: ignore[attr-defined]
            cat.wait_for_timeout(300)  # type: ignore[attr-defined]
            cat.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]

        until(cat, cat_answers, given.is_visible)  # the poll is still open after the restart
        expect(lecturer.get_by_text("3 answers", exact=True)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]
        backend = "redis" if setting.startswith("redis") else "sqlite"
        shot(lecturer, f"live-restart-{backend}-console", full_page=False)
        for page in (lecturer, ann, bob, cat):
            page.context.close()  # type: ignore[attr-defined]
    finally:
        server.stop()
