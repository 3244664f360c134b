"""Presenter mode, the lesion size chart and the quiz rendering of the stepper.

The page's side through AppTest; the stepper itself in real Chromium (those tests are skipped
with a reason when no Chromium is found, and required, failing instead, when CI=true).
Screenshots go to ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
import tomlkit

from tests.conftest import BUNDLED, make_cine_case
from tests.ui.conftest import (
    CHROMIUM,
    NO_CHROMIUM,
    new_page,
    open_case,
    serving,
    shot,
    visible_step,
)
from tests.ui.test_app import run_app, stepper_data
from viewer.case_view import PRESENTER_LAYERS, presenter_layer
from viewer.cases.loader import load_case

browser_test = pytest.mark.browser
if CHROMIUM is None and os.environ.get("CI") != "true":
    browser_test = pytest.mark.skip(reason=NO_CHROMIUM)

NOTES_C = "Ask the room for the echo pattern first. <b>Not bold</b>"
EVIL = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> & more'
CAPTION_C = "C. Ultrasound imaging performed in March 2004 as part of a follow-up procedure"
CAPTION_D = "D. The third follow-up sonogram, taken in March 2005"
TITLE = "Carcinoma in the excision scar of an intraductal papilloma"


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_presenter_layer_parsing() -> None:
    assert PRESENTER_LAYERS == ("image", "annotations", "caption", "findings")
    assert [presenter_layer(v) for v in (None, "", "x", "-1", "0", "1", "3", " 4 ", "9")] == [
        1, 1, 1, 1, 1, 1, 3, 4, 4
    ]


def test_present_mode_page(fresh_caches: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", mode="present", step="C",
                 layer="3")
    data = stepper_data(at)
    assert (data["mode"], data["initialPanel"], data["initialLayer"]) == ("present", "C", 3)
    assert data["chart"] is not None
    # Only the stepper: no back button, title, sources or warnings.
    assert [b.key for b in at.button] == []
    assert not at.header and not at.expander and not at.warning
    assert at.query_params["mode"] in ("present", ["present"])
    at = run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", mode="present", layer="x")
    assert stepper_data(at)["initialLayer"] == 1 and stepper_data(at)["initialPanel"] == "A"
    # Browse (the default, and any other mode name the case page gets) keeps its page.
    at = run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", step="C")
    data = stepper_data(at)
    assert data["mode"] == "browse" and "initialLayer" not in data
    assert [b.key for b in at.button] == ["back"]
    assert [h.value for h in at.header] == [TITLE]


def _with_notes(folder: Path, notes: dict[int, str | None]) -> None:
    """Set (or, for None, remove) the presenter notes of steps by index."""
    manifest = folder / "case.toml"
    doc = tomlkit.parse(manifest.read_text(encoding="utf-8"))
    steps = doc["steps"]
    for index, text in notes.items():
        step = steps[index]  # type: ignore[index]
        if text is None:
            step.pop("presenter_notes", None)
        else:
            step["presenter_notes"] = text
    manifest.write_text(tomlkit.dumps(doc), encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cases = tmp_path_factory.mktemp("cases")
    shutil.copytree(BUNDLED, cases / "scar-carcinoma")
    # Known notes on C, none on D, markup on E (it must stay text).
    _with_notes(cases / "scar-carcinoma", {2: NOTES_C, 3: None, 4: EVIL})
    make_cine_case(cases / "cine")  # one step: no chart
    with serving(cases) as url:
        yield url


@pytest.fixture
def big(browser: object) -> Iterator[object]:
    """A page the size of a projector's screen."""
    page, errors = new_page(browser, 1920, 1080)
    yield page
    page.context.close()  # type: ignore[attr-defined]
    assert errors == [], f"page errors: {errors}"


def _root(page: object) -> object:
    return page.locator(".cv")  # type: ignore[attr-defined]


def _status(page: object) -> object:
    return page.locator(".cv-pbar .cv-status")  # type: ignore[attr-defined]


@browser_test
def test_presenter_reveals_a_step_layer_by_layer(server: str, big: object) -> None:
    from playwright.sync_api import expect

    page = big
    open_case(page, f"{server}/?case=scar-carcinoma&mode=present&step=C")
    root = _root(page)
    expect(root).to_have_attribute("data-mode", "present")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-step", "C")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-layer", "1")  # type: ignore[arg-type]
    step = visible_step(page)
    overlay = step.locator("svg.cv-overlay").first  # type: ignore[attr-defined]
    caption = step.locator(".cv-caption")  # type: ignore[attr-defined]
    findings = step.locator(".cv-findings")  # type: ignore[attr-defined]
    # Layer 1: the image alone (with what it is), the heading; no annotations, no text.
    expect(step.locator("img.cv-img").first).to_be_visible()  # type: ignore[attr-defined]
    expect(step.locator(".cv-badge").first).to_have_text(  # type: ignore[attr-defined]
        "Generated teaching image, not this patient"
    )
    expect(step.locator(".cv-heading")).to_have_text("Panel C · Mar 2004 · Ultrasound")  # type: ignore[attr-defined]
    expect(overlay).to_be_hidden()
    expect(caption).to_be_hidden()
    expect(findings).to_be_hidden()
    expect(_status(page)).to_have_text("Panel C · step 3 of 8 · Layer 1/4: image")
    # No page chrome: Streamlit's header, the back button, the title and the sources are gone.
    expect(page.locator('header[data-testid="stHeader"]')).to_be_hidden()  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="← All cases")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page.get_by_text("Case summary and sources")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name=TITLE)).to_have_count(0)  # type: ignore[attr-defined]
    # The image as large as the screen allows.
    stage = step.locator(".cv-stage").first  # type: ignore[attr-defined]
    box = stage.bounding_box()
    assert box is not None and box["height"] >= 0.75 * 1080, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 1080
    shot(page, "presenter-C-layer1", full_page=False)

    page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-layer", "2")  # type: ignore[arg-type]
    expect(overlay).to_be_visible()
    expect(step.locator("svg.cv-overlay text.cv-ink").first).to_be_visible()  # type: ignore[attr-defined]
    expect(caption).to_be_hidden()
    expect(_status(page)).to_contain_text("Layer 2/4: annotations")
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(caption).to_be_visible()
    expect(caption).to_contain_text(CAPTION_C)
    expect(findings).to_be_hidden()
    size = caption.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")  # type: ignore[attr-defined]
    assert size >= 28, size
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-layer", "4")  # type: ignore[arg-type]
    expect(findings).to_be_visible()
    expect(findings).to_contain_text("Shape: irregular")
    expect(step.locator(".cv-note")).to_be_visible()  # type: ignore[attr-defined]
    expect(step.locator(".cv-points")).to_contain_text("Fat necrosis evolves")  # type: ignore[attr-defined]
    expect(_status(page)).to_contain_text("Layer 4/4: findings")

    # N: the notes, in a panel of their own; they stay shown from step to step.
    notes = page.locator("aside.cv-notes")  # type: ignore[attr-defined]
    expect(notes).to_be_hidden()
    page.keyboard.press("n")  # type: ignore[attr-defined]
    expect(notes).to_be_visible()
    expect(notes.locator(".cv-notes-text")).to_have_text(NOTES_C)  # markup stays text
    expect(page.get_by_role("button", name="Hide notes (N)")).to_have_attribute(  # type: ignore[attr-defined]
        "aria-pressed", "true"
    )
    # Everything fits: the last teaching point is inside its column, which does not scroll.
    column = step.locator("div.cv-text")  # type: ignore[attr-defined]
    assert column.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    shot(page, "presenter-C-layer4-notes", full_page=False)

    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-layer", "1")  # type: ignore[arg-type]
    step_d = visible_step(page)
    expect(step_d.locator("svg.cv-overlay").first).to_be_hidden()  # type: ignore[attr-defined]
    expect(step_d.locator(".cv-caption")).to_be_hidden()  # type: ignore[attr-defined]
    expect(notes).to_be_visible()
    expect(notes.locator(".cv-notes-text")).to_have_text("No notes for this step.")
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&mode=present&step=D$"))  # type: ignore[arg-type]
    page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "C")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-layer", "1")  # type: ignore[arg-type]
    expect(caption).to_be_hidden()
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&mode=present&step=C$"))  # type: ignore[arg-type]
    page.keyboard.press("n")  # type: ignore[attr-defined]
    expect(notes).to_be_hidden()
    # Space past the last layer opens the next step at its first layer.
    for _ in range(4):
        page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-layer", "1")  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&mode=present&step=D$"))  # type: ignore[arg-type]
    page.reload()  # type: ignore[attr-defined]  # the address holds mode and step
    page.locator(".cv[data-ready]").wait_for()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-mode", "present")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]


@browser_test
def test_presenter_layer_deep_link(server: str, big: object) -> None:
    from playwright.sync_api import expect

    page = big
    open_case(page, f"{server}/?case=scar-carcinoma&mode=present&step=C&layer=3")
    step = visible_step(page)
    expect(_root(page)).to_have_attribute("data-layer", "3")  # type: ignore[arg-type]
    expect(step.locator(".cv-caption")).to_contain_text(CAPTION_C)  # type: ignore[attr-defined]
    expect(step.locator("svg.cv-overlay").first).to_be_visible()  # type: ignore[attr-defined]
    expect(step.locator(".cv-findings")).to_be_hidden()  # type: ignore[attr-defined]
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    # The layer belonged to the step the link opened: it leaves the address with it.
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&mode=present&step=D$"))  # type: ignore[arg-type]
    expect(_root(page)).to_have_attribute("data-layer", "1")  # type: ignore[arg-type]


@browser_test
def test_presenter_by_buttons_and_exit_to_browse(server: str, big: object) -> None:
    from playwright.sync_api import expect

    page = big
    open_case(page, f"{server}/?case=scar-carcinoma&mode=present&step=C")
    root = _root(page)
    page.get_by_role("button", name="Reveal annotations (Space)").click()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-layer", "2")  # type: ignore[arg-type]
    page.get_by_role("button", name="Reveal caption (Space)").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Reveal findings (Space)").click()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-layer", "4")  # type: ignore[arg-type]
    # The second image of the step, then back to the first.
    images = visible_step(page).locator(".cv-imageblock")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Image 1 of 2 (I)").click()  # type: ignore[attr-defined]
    expect(images.nth(1)).to_be_visible()
    expect(images.nth(0)).to_be_hidden()
    page.keyboard.press("i")  # type: ignore[attr-defined]
    expect(images.nth(0)).to_be_visible()
    # Keyboard only: Tab to a control and Space activates it, not the reveal.
    notes_button = page.get_by_role("button", name="Notes (N)")  # type: ignore[attr-defined]
    notes_button.focus()
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(page.locator("aside.cv-notes")).to_be_visible()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-layer", "4")  # type: ignore[arg-type]
    expect(root).to_have_attribute("data-step", "C")  # type: ignore[arg-type]
    page.get_by_role("button", name="Next →").click()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    page.get_by_role("button", name="← Previous").click()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "C")  # type: ignore[arg-type]
    # The chart strip (G) marks this step.
    page.get_by_role("button", name="Chart (G)").click()  # type: ignore[attr-defined]
    strip = page.locator("section.cv-pchart")  # type: ignore[attr-defined]
    expect(strip).to_be_visible()
    expect(strip.locator(".cv-point[aria-current=step]:visible")).to_have_attribute(  # type: ignore[attr-defined]
        "data-panel", "C"
    )

    page.get_by_role("button", name="Exit presenter (Esc)").click()  # type: ignore[attr-defined]
    page.locator(".cv[data-mode=browse][data-ready]").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "C")  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&step=C$"))  # type: ignore[arg-type]
    expect(page.get_by_role("button", name="← All cases")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()  # type: ignore[attr-defined]
    expect(visible_step(page).locator(".cv-caption")).to_contain_text(CAPTION_C)  # type: ignore[attr-defined]

    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    page.get_by_role("button", name="Present (P)").click()  # type: ignore[attr-defined]
    page.locator(".cv[data-mode=present][data-ready]").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"mode=present"))  # type: ignore[arg-type]
    expect(page.get_by_role("button", name="← All cases")).to_have_count(0)  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    page.locator(".cv[data-mode=browse][data-ready]").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&step=D$"))  # type: ignore[arg-type]


@browser_test
def test_presenter_notes_are_text(server: str, big: object) -> None:
    from playwright.sync_api import expect

    page = big
    open_case(page, f"{server}/?case=scar-carcinoma&mode=present&step=E")
    page.keyboard.press("n")  # type: ignore[attr-defined]
    expect(page.locator("aside.cv-notes .cv-notes-text")).to_have_text(EVIL)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert page.evaluate("window.__xss") is None  # type: ignore[attr-defined]


@browser_test
def test_chart_point_opens_its_step(server: str, page: object) -> None:
    from playwright.sync_api import expect

    open_case(page, f"{server}/?case=scar-carcinoma&step=A")
    chart = visible_step(page).locator(".cv-chart")  # type: ignore[attr-defined]
    expect(chart).to_be_visible()
    svg = chart.locator("svg")
    expect(svg).to_have_attribute("aria-label", re.compile(
        r"^Lesion size over time: Panel A, Jun 2003, 12 mm; Panel B, \(2003\), not measured; "
        r"Panel C, Mar 2004, 15 mm; Panel D, Mar 2005, 10 mm;"
    ))
    expect(chart.locator(".cv-chart-date")).to_have_text(
        ["A Jun 2003", "B (2003)", "C Mar 2004", "D Mar 2005", "E Sep 2005", "F (Sep 2005)",
         "G (2005)", "H (2005)"]
    )  # every step has its place on the axis, measured or not
    expect(chart.locator(".cv-point-label")).to_have_text(["12 mm", "15 mm", "10 mm", "4 mm"])
    current = chart.locator(".cv-point[aria-current=step]")
    expect(current).to_have_attribute("aria-label", "Panel A, Jun 2003, 12 mm: this step")
    expect(chart.locator(".cv-chart-here-text")).to_have_text("▼ this step")
    chart.scroll_into_view_if_needed()
    shot(page, "browse-chart", full_page=False)

    point_d = chart.get_by_role("button", name="Panel D, Mar 2005, 10 mm: open step")
    point_d.locator(".cv-point-mark").click()  # the dot itself
    expect(_root(page)).to_have_attribute("data-step", "D")  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&step=D$"))  # type: ignore[arg-type]
    expect(visible_step(page).locator(".cv-caption")).to_contain_text(CAPTION_D)  # type: ignore[attr-defined]
    expect(page.locator(".cv-tab[aria-current=step]")).to_contain_text("D")  # type: ignore[attr-defined]

    # From the keyboard: Enter on a focused point; the focus follows to the step opened.
    chart_d = visible_step(page).locator(".cv-chart")  # type: ignore[attr-defined]
    point_c = chart_d.get_by_role("button", name="Panel C, Mar 2004, 15 mm: open step")
    point_c.focus()
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(_root(page)).to_have_attribute("data-step", "C")  # type: ignore[arg-type]
    expect(page).to_have_url(re.compile(r"\?case=scar-carcinoma&step=C$"))  # type: ignore[arg-type]
    focused = visible_step(page).locator(".cv-point[data-panel=C]")  # type: ignore[attr-defined]
    expect(focused).to_be_focused()
    expect(focused).to_have_attribute("aria-current", "step")


@browser_test
def test_no_chart_without_sizes(server: str, page: object) -> None:
    from playwright.sync_api import expect

    open_case(page, f"{server}/?case=cine&step=A")
    expect(page.locator(".cv-chart")).to_have_count(0)  # type: ignore[attr-defined]
    open_case(page, f"{server}/?case=cine&mode=present&step=A")
    expect(page.get_by_role("button", name="Chart (G)")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible()  # type: ignore[attr-defined]


# A page that mounts the stepper in quiz mode, as the quiz page does: C of the bundled case and
# the one-step cine case, revealed or not by a button of the page.
QUIZ_APP = '''
import os
from pathlib import Path

import streamlit as st

from viewer.case_view import step_payload
from viewer.cases.loader import load_case
from viewer.paths import CASES_DIR_ENV
from viewer.ui import cache
from viewer.ui.components.stepper import stepper

st.set_page_config(layout="wide")
cases = Path(os.environ[CASES_DIR_ENV])
st.session_state.setdefault("revealed", False)


def flip():
    st.session_state["revealed"] = not st.session_state["revealed"]


st.button("Toggle reveal", on_click=flip, key="flip")
for case_id, index in (("scar-carcinoma", 2), ("cine", 0)):
    loaded = load_case(cases / case_id)
    step = loaded.case.steps[index]

    def url(s, i, loaded=loaded):
        image = loaded.image(s, i)
        if image.header.frames > 1:
            return frames(s, i)[0]
        return cache.media_url(cache.image_png(image), f"quiz:{loaded.case.id}:{s}:{i}")

    def frames(s, i, loaded=loaded):
        image = loaded.image(s, i)
        if image.header.frames == 1:
            return []
        cine = cache.image_cine(image)
        return [cache.media_url(d, f"quiz:{loaded.case.id}:{s}:{i}:{n}", cine.mimetype)
                for n, d in enumerate(cine.frames)]

    payload = {
        "caseId": loaded.case.id,
        "title": loaded.case.title,
        "mode": "quiz",
        "revealed": st.session_state["revealed"],
        "steps": [step_payload(loaded, index, step, url, frames)],
        "chart": None,
        "initialPanel": step.panel,
    }
    with st.container(key=f"holder-{case_id}"):
        stepper(payload, key=f"quiz:{case_id}")
'''


@pytest.fixture(scope="module")
def quiz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("quiz")
    cases = folder / "cases"
    shutil.copytree(BUNDLED, cases / "scar-carcinoma")
    make_cine_case(cases / "cine")
    app = folder / "quiz_app.py"
    app.write_text(QUIZ_APP, encoding="utf-8")
    with serving(cases, app) as url:
        yield url


@browser_test
def test_quiz_rendering(quiz_server: str, browser: object) -> None:
    from playwright.sync_api import expect

    page, errors = new_page(browser, 1600, 1900)  # tall enough to see the whole step
    page.goto(quiz_server)  # type: ignore[attr-defined]
    holder = page.locator(".st-key-holder-scar-carcinoma")  # type: ignore[attr-defined]
    holder.locator(".cv[data-ready]").wait_for(timeout=30_000)
    root = holder.locator(".cv")
    expect(root).to_have_attribute("data-mode", "quiz")
    expect(root).to_have_attribute("data-revealed", "false")
    # Before the answer: the image without annotations, what it is, its heading; no text.
    alts = root.locator("img.cv-img").evaluate_all("imgs => imgs.map(i => i.alt)")
    assert alts == [image.alt for image in load_case(BUNDLED).case.steps[2].images]
    expect(root.locator(".cv-badge").first).to_have_text("Generated teaching image, not this patient")
    expect(root.locator(".cv-heading")).to_have_text("Panel C · Mar 2004 · Ultrasound")
    expect(root.locator(".cv-view")).to_have_text("Left breast, excision site; linear-array sonogram")
    for absent in ("svg.cv-overlay", ".cv-caption", ".cv-note", ".cv-findings", ".cv-points",
                   ".cv-timeline", ".cv-prev", ".cv-next", ".cv-chart", ".cv-toggle"):
        expect(root.locator(absent)).to_have_count(0)
    expect(root.locator("svg.cv-scalebar").first).to_be_attached()  # calibration stays
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]  # no stepping
    page.keyboard.press("a")  # type: ignore[attr-defined]
    page.wait_for_timeout(200)  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-step", "C")
    expect(root.locator("svg.cv-overlay")).to_have_count(0)
    # The cine loop keeps its controls.
    cine = page.locator(".st-key-holder-cine .cv")  # type: ignore[attr-defined]
    expect(cine.get_by_role("button", name="▶ Play")).to_be_visible()
    cine.get_by_role("button", name="Next frame").click()
    expect(cine.locator(".cv-stage")).to_have_attribute("data-frame", "1")
    holder.scroll_into_view_if_needed()
    shot(page, "quiz-hidden", full_page=False)

    page.get_by_role("button", name="Toggle reveal").click()  # type: ignore[attr-defined]
    expect(root).to_have_attribute("data-revealed", "true")
    expect(root.locator(".cv-caption")).to_contain_text(CAPTION_C)
    expect(root.locator("svg.cv-overlay").first).to_be_visible()
    expect(root.locator(".cv-findings")).to_contain_text("Shape: irregular")
    expect(root.locator(".cv-note")).to_be_visible()
    expect(root.locator(".cv-timeline")).to_have_count(0)
    expect(root.locator(".cv-chart")).to_have_count(0)
    holder.scroll_into_view_if_needed()
    shot(page, "quiz-revealed", full_page=False)
    page.context.close()  # type: ignore[attr-defined]
    assert errors == [], f"page errors: {errors}"
