"""The quiz through the real app in Chromium: answers hidden before submitting, revealed after,
the score shown, the summary per step and descriptor."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import BUNDLED
from tests.ui.conftest import new_page, serving, shot, skip_without_chromium

skip_without_chromium()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(BUNDLED.parent) as url:
        yield url


def test_quiz_flow(server: str, browser: object) -> None:
    from playwright.sync_api import expect

    page, errors = new_page(browser, 1600, 1100)
    page.goto(f"{server}/?case=scar-carcinoma&mode=quiz&step=A")  # type: ignore[attr-defined]
    quiz = page.locator(".cv-quiz")  # type: ignore[attr-defined]
    expect(quiz).to_have_attribute("data-revealed", "false", timeout=30_000)
    # Before submitting: no caption, no findings, no annotations anywhere on the page.
    expect(page.locator(".cv-caption")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page.get_by_text("Assessment: BI-RADS 4A-4B")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page.locator("svg.cv-overlay:visible")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page).to_have_url(re.compile(r"attempt=[A-Za-z0-9_-]+"))  # type: ignore[arg-type]
    shot(page, "quiz-before-submit", full_page=False)
    for label in ("irregular", "circumscribed", "isoechoic", "4B: moderate suspicion (10-50%)"):
        page.get_by_text(label, exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]
    expect(quiz).to_have_attribute("data-revealed", "true", timeout=30_000)
    expect(page.locator(".cv-caption").first).to_contain_text("A sonogram taken in June 2003")  # type: ignore[attr-defined]
    expect(page.get_by_text("3 of 4 correct")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_text("the key: angular")).to_be_visible()  # type: ignore[attr-defined]
    # A reload keeps the answer (the attempt is in the address).
    page.reload()  # type: ignore[attr-defined]
    expect(page.get_by_text("3 of 4 correct")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Next step →").click()  # type: ignore[attr-defined]
    page.get_by_text("Intraductal papilloma", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("1 of 1 correct")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Summary").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Score: 4 of 5 (80%)")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    expect(page.get_by_text("3 / 4", exact=True)).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_text("Multiple choice", exact=True).first).to_be_visible()  # type: ignore[attr-defined]
    shot(page, "quiz-summary")
    assert errors == []
    page.context.close()  # type: ignore[attr-defined]
