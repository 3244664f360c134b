"""A live lecture in Chromium: one lecturer and two trainees on one server. Both trainees join,
follow the lecturer's step, answer a poll; the lecturer sees both answers and ends the session."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import BUNDLED
from tests.ui.conftest import new_page, serving, shot, skip_without_chromium

skip_without_chromium()

FOLLOW_MS = 5_000
"""How long a trainee's page may take to follow the lecturer (it polls every second, so
usually well under 2 s; the bound leaves room for a loaded test machine)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("live") / "live.sqlite3"
    before = os.environ.get("VIEWER_LIVE_STORE")
    os.environ["VIEWER_LIVE_STORE"] = str(store)
    try:
        with serving(BUNDLED.parent) as url:
            yield url
    finally:
        if before is None:
            os.environ.pop("VIEWER_LIVE_STORE", None)
        else:
            os.environ["VIEWER_LIVE_STORE"] = before


def _step_of(page: object) -> object:
    return page.locator(".cv-quiz")  # type: ignore[attr-defined]


def _join(browser: object, server: str, code: str, name: str) -> tuple[object, list[str]]:
    from playwright.sync_api import expect

    page, errors = new_page(browser, 1280, 900)
    page.goto(f"{server}/?join={code}")  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Display name (optional)").fill(name)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Join").click()  # type: ignore[attr-defined]
    expect(_step_of(page)).to_have_attribute("data-step", "A", timeout=30_000)  # type: ignore[arg-type]
    expect(page.get_by_text(f"You joined as {name}.", exact=False)).to_be_visible()  # type: ignore[attr-defined]
    return page, errors


def test_live_lecture(server: str, browser: object) -> None:
    from playwright.sync_api import expect

    lecturer, lecturer_errors = new_page(browser, 1600, 1000)
    lecturer.goto(server)  # type: ignore[attr-defined]
    lecturer.get_by_role("button", name="Start a live session").click()  # type: ignore[attr-defined]
    expect(lecturer).to_have_url(re_secret(), timeout=30_000)  # type: ignore[arg-type]
    expect(_step_of(lecturer)).to_have_attribute("data-step", "A", timeout=30_000)  # type: ignore[arg-type]
    params = parse_qs(urlsplit(lecturer.url).query)  # type: ignore[attr-defined]
    code = params["code"][0]
    expect(lecturer.get_by_text(code, exact=True)).to_be_visible()  # type: ignore[attr-defined]
    expect(lecturer.get_by_role("img").filter(has_text="")).not_to_have_count(0)  # type: ignore[attr-defined]
    lecturer.wait_for_timeout(500)  # type: ignore[attr-defined]  # the QR image paints
    shot(lecturer, "live-lecturer", full_page=False)

    ann, ann_errors = _join(browser, server, code, "Ann")
    bob, bob_errors = _join(browser, server, code, "Bob")

    # The lecturer moves on; both trainees follow.
    started = time.monotonic()
    lecturer.get_by_role("button", name="Next step →").click()  # type: ignore[attr-defined]
    for trainee in (ann, bob):
        expect(_step_of(trainee)).to_have_attribute("data-step", "B", timeout=FOLLOW_MS)  # type: ignore[arg-type]
    followed = time.monotonic() - started
    print(f"both trainees followed the lecturer in {followed:.2f} s")

    # A poll: both answer, the lecturer sees two answers.
    lecturer.get_by_role("button", name="Open poll").click()  # type: ignore[attr-defined]
    for trainee, choice in ((ann, "Intraductal papilloma"), (bob, "Fibroadenoma")):
        trainee.get_by_text(choice, exact=True).click(timeout=FOLLOW_MS + 5_000)  # type: ignore[attr-defined]
        trainee.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]
        expect(trainee.get_by_text(f"Your answer: {choice}.", exact=False)).to_be_visible(  # type: ignore[attr-defined]
            timeout=10_000
        )
    shot(bob, "live-trainee-answered", full_page=False)
    expect(lecturer.get_by_text("2 answers", exact=True)).to_be_visible(timeout=5_000)  # type: ignore[attr-defined]
    lecturer.get_by_role("button", name="Close poll").click()  # type: ignore[attr-defined]
    expect(ann.get_by_text("✓ correct", exact=False)).to_be_visible(timeout=FOLLOW_MS)  # type: ignore[attr-defined]
    expect(bob.get_by_text("✗ incorrect", exact=False)).to_be_visible(timeout=FOLLOW_MS)  # type: ignore[attr-defined]
    shot(lecturer, "live-lecturer-results", full_page=True)

    # The end: trainees see their answers and score.
    lecturer.get_by_role("button", name="End session").click()  # type: ignore[attr-defined]
    expect(lecturer.get_by_text("The session has ended: the join code no longer works.")).to_be_visible(  # type: ignore[attr-defined]
        timeout=10_000
    )
    for trainee, score in ((ann, "Your score: 1 of 1"), (bob, "Your score: 0 of 1")):
        expect(trainee.get_by_text("The session has ended", exact=True)).to_be_visible(  # type: ignore[attr-defined]
            timeout=FOLLOW_MS
        )
        expect(trainee.get_by_text(score)).to_be_visible()  # type: ignore[attr-defined]
    shot(ann, "live-trainee-ended", full_page=False)

    for page in (lecturer, ann, bob):
        page.context.close()  # type: ignore[attr-defined]
    assert lecturer_errors == [] and ann_errors == [] and bob_errors == []


def re_secret() -> object:
    import re

    return re.compile(r"role=lecturer&secret=[A-Za-z0-9_-]+")


def test_store_file_is_used(server: str) -> None:
    assert Path(os.environ["VIEWER_LIVE_STORE"]).exists()
