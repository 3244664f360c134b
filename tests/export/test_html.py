"""The offline HTML export: one file, opened from file:// in Chromium with every network
request refused and recorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, CaseFactory, make_cine_case
from tests.ui.conftest import CHROMIUM, new_page, shot, skip_without_chromium
from viewer.cases.loader import load_case
from viewer.cli import main
from viewer.export.files import html_bytes

SIZE_BUDGET_BYTES = 10_000_000
EVIL = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> **bold** & done'


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "case.html"
    out.write_bytes(html_bytes(load_case(BUNDLED)))
    return out


def test_one_file_within_the_size_budget(exported: Path) -> None:
    text = exported.read_text(encoding="utf-8")
    assert exported.stat().st_size < SIZE_BUDGET_BYTES
    # Nothing refers to anything outside the file.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "http-equiv=\"Content-Security-Policy\"" in text
    assert "default-src 'none'" in text and "connect-src 'none'" in text
    # The case data cannot end its script block.
    data = text.split('<script type="application/json" id="case-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data


def _open(browser: object, url: str, width: int = 1600, height: int = 1000) -> tuple[object, list[str], list[str]]:
    page, errors = new_page(browser, width, height)
    requests: list[str] = []

    def refuse(route: object) -> None:
        requests.append(route.request.url)  # type: ignore[attr-defined]
        route.abort()  # type: ignore[attr-defined]

    page.route(re.compile(r"^(?!file:|data:).*"), refuse)  # type: ignore[attr-defined]
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)  # type: ignore[attr-defined]
    page.goto(url)  # type: ignore[attr-defined]
    page.locator(".cv[data-ready], .off-quiz, .off-summary").first.wait_for(timeout=20_000)  # type: ignore[attr-defined]
    return page, errors, requests


@pytest.fixture
def chromium_needed() -> Iterator[None]:
    skip_without_chromium()
    assert CHROMIUM is not None
    yield


def test_steps_annotations_presenter_and_quiz_offline(
    chromium_needed: None, browser: object, exported: Path
) -> None:
    from playwright.sync_api import expect

    page, errors, requests = _open(browser, exported.as_uri())
    step = page.locator("article.cv-step:visible")  # type: ignore[attr-defined]
    expect(step.locator(".cv-caption")).to_contain_text("A sonogram taken in June 2003")
    shot(page, "export-browse-A", full_page=False)
    for panel in "BCDEFGH":
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
        expect(page.locator(".cv")).to_have_attribute("data-step", panel)  # type: ignore[attr-defined]
    expect(page).to_have_url(re.compile(r"step=H$"))  # type: ignore[arg-type]
    for _panel in "GFEDCBA":
        page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]
    expect(page.locator(".cv")).to_have_attribute("data-step", "A")  # type: ignore[attr-defined]
    overlay = page.locator("article.cv-step:visible svg.cv-overlay").first  # type: ignore[attr-defined]
    expect(overlay).to_be_visible()
    page.keyboard.press("a")  # type: ignore[attr-defined]
    expect(overlay).to_be_hidden()
    page.keyboard.press("a")  # type: ignore[attr-defined]
    expect(overlay).to_be_visible()
    # Presenter mode: P, then Space reveals the layers, Escape leaves.
    page.keyboard.press("p")  # type: ignore[attr-defined]
    expect(page.locator(".cv")).to_have_attribute("data-mode", "present")  # type: ignore[attr-defined]
    caption = page.locator("article.cv-step:visible .cv-caption")  # type: ignore[attr-defined]
    expect(caption).to_be_hidden()
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(caption).to_be_visible()
    shot(page, "export-present-A", full_page=False)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    expect(page.locator(".cv")).to_have_attribute("data-mode", "browse")  # type: ignore[attr-defined]
    # The quiz: answer hidden until submitted.
    page.get_by_role("button", name="Quiz").click()  # type: ignore[attr-defined]
    expect(page.locator(".cv-quiz")).to_have_attribute("data-revealed", "false")  # type: ignore[attr-defined]
    for name in ("irregular", "angular", "isoechoic", "4B: moderate suspicion (10-50%)"):
        page.get_by_label(name, exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit answer").click()  # type: ignore[attr-defined]
    expect(page.locator(".cv-quiz")).to_have_attribute("data-revealed", "true")  # type: ignore[attr-defined]
    expect(page.locator(".off-feedback h3")).to_have_text("4 of 4 correct")  # type: ignore[attr-defined]
    shot(page, "export-quiz-A", full_page=False)
    assert requests == []
    assert errors == []
    page.context.close()  # type: ignore[attr-defined]


def test_a_loop_plays_offline(chromium_needed: None, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    case = tmp_path / "cine"
    make_cine_case(case)
    out = tmp_path / "cine.html"
    out.write_bytes(html_bytes(load_case(case)))
    page, errors, requests = _open(browser, out.as_uri())
    counter = page.locator(".cv-frame-counter").first  # type: ignore[attr-defined]
    expect(counter).to_contain_text("1 /")
    page.keyboard.press("k")  # type: ignore[attr-defined]
    page.wait_for_timeout(1200)  # type: ignore[attr-defined]
    frame = int(counter.inner_text().split("/")[0].split()[-1])
    assert frame > 10  # 33 ms per frame: it played
    assert requests == [] and errors == []
    page.context.close()  # type: ignore[attr-defined]


def test_case_text_never_runs_offline(
    chromium_needed: None, browser: object, make_case: CaseFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    folder = make_case(
        ('caption = "A. A sonogram taken in June 2003 reveals a left breast mass, measuring 12 mm irregularly."',
         f"caption = '{EVIL}'"),
        ('title = "Carcinoma in the excision scar of an intraductal papilloma"',
         "title = '</title><script>window.__xss = 3</script>'"),
    )
    out = tmp_path / "evil.html"
    out.write_bytes(html_bytes(load_case(folder)))
    page, errors, requests = _open(browser, out.as_uri())
    expect(page.locator("article.cv-step:visible .cv-caption")).to_have_text(EVIL)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert page.evaluate("window.__xss") is None  # type: ignore[attr-defined]
    assert page.title() == "</title><script>window.__xss = 3</script>"  # type: ignore[attr-defined]
    assert requests == [] and errors == []
    page.context.close()  # type: ignore[attr-defined]


def test_cli_export_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "case.html"
    pdf = tmp_path / "case.pdf"
    assert main(["export", str(BUNDLED), "--html", str(out), "--pdf", str(pdf)]) == 0
    assert out.stat().st_size > 100_000 and pdf.stat().st_size > 100_000
    assert "offline HTML written" in capsys.readouterr().err
