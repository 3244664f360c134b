"""The Streamlit app through AppTest: library, case page, deep links, broken cases, caching."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import BUNDLED, CaseFactory, make_cine_case
from viewer.ui import cache

APP = str(Path(__file__).resolve().parents[2] / "viewer" / "ui" / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def run_app(cases_dir: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("VIEWER_CASES_DIR", str(cases_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def stepper_data(at: AppTest) -> dict[str, Any]:
    [node] = [n for n in _walk(at._tree) if getattr(n, "type", None) == "bidi_component"]
    data: dict[str, Any] = json.loads(node.proto.json)
    return data


def test_library_lists_the_bundled_case(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch)
    assert [t.value for t in at.title] == ["Ultrasound case library"]
    assert [s.value for s in at.subheader] == [
        "Carcinoma in the excision scar of an intraductal papilloma"
    ]
    assert any("**8 steps** · 2003\\-2005" in m.value for m in at.markdown)
    at.button(key="open:scar-carcinoma").click().run()
    assert at.query_params["case"] == "scar-carcinoma"
    assert at.query_params["step"] == "A"
    assert stepper_data(at)["initialPanel"] == "A"


def test_case_page_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", step="E")
    data = stepper_data(at)
    assert data["initialPanel"] == "E"
    assert [s["panel"] for s in data["steps"]] == list("ABCDEFGH")
    step_a = data["steps"][0]
    assert step_a["caption"].startswith("A. A sonogram taken in June 2003")
    assert step_a["date"] == "Jun 2003" and step_a["elapsed"] == "start"
    generated, sample = step_a["images"]
    assert generated["provenance"] == "Generated teaching image, not this patient"
    assert "/media/" in generated["url"] and generated["url"].endswith(".png")
    texts = [s["text"] for s in generated["shapes"] if s["type"] == "text" and "layer" not in s]
    assert texts == ["12.0 mm (mass)", "angular margin"]
    assert sample["provenance"] == "Public sample image, not this patient"
    assert "Licence: MIT" in sample["provenanceDetail"]
    texts = [s["text"] for s in sample["shapes"] if s["type"] == "text" and "layer" not in s]
    assert texts == ["40.0 mm (depth scale, 0 to 4 cm)"]
    scale = [s["text"] for s in sample["shapes"] if s.get("layer") == "scale" and s["type"] == "text"]
    assert scale == ["10 mm"]
    [histology] = data["steps"][1]["images"]
    assert histology["alt"].startswith("Illustration of an intraductal papilloma")
    assert at.query_params["step"] == "E"


def test_unknown_step_falls_back_to_first(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", step="Z")
    assert [w.value for w in at.warning] == [
        "Step Z does not exist in this case (panels A, B, C, D, E, F, G, H); showing step A."
    ]
    assert stepper_data(at)["initialPanel"] == "A"


def test_unknown_case(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(BUNDLED.parent, monkeypatch, case="nope")
    assert [e.value for e in at.error] == [
        "No case nope in this library. Known cases: scar\\-carcinoma."
    ]


def test_broken_case_shows_errors_and_others_keep_working(
    make_case: CaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_case(name="good")
    broken = make_case(
        ('id = "scar-carcinoma"', 'id = "broken"'),
        ("images/pydicom-data_US1_UNCR.dcm", "images/a.dcm"),
        name="broken",
    )
    at = run_app(broken.parent, monkeypatch)
    [error] = at.error
    assert "This case cannot be opened: 1 problem(s)." in error.value
    assert "images\\[1\\]\\.file\\: 'images/a\\.dcm' not found" in error.value
    assert at.button(key="open:scar-carcinoma")  # the good case is still offered
    at = run_app(broken.parent, monkeypatch, case="broken")
    [error] = at.error
    assert "not found in" in error.value
    at = run_app(broken.parent, monkeypatch, case="scar-carcinoma", step="C")
    assert stepper_data(at)["initialPanel"] == "C"


def test_case_text_is_data(make_case: CaseFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    evil = "<script>alert(1)</script> **bold** <img src=x onerror=alert(2)>"
    folder = make_case(
        ('title = "Carcinoma in the excision scar of an intraductal papilloma"', f'title = "{evil}"'),
        ('caption = "Doppler ultrasound demonstrated perforating vasculature (arrow) at point F."', f'caption = "{evil}"'),
    )
    at = run_app(folder.parent, monkeypatch, case="scar-carcinoma", step="F")
    [title] = at.header
    assert "<script>" not in title.value and "\\<script\\>" in title.value
    assert "\\*\\*bold\\*\\*" in title.value
    assert stepper_data(at)["steps"][5]["caption"] == evil  # rendered with textContent


def test_stepping_does_not_decode_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = cache.decode_frame

    def counting(path: str, frame: int = 0) -> Any:
        calls.append(Path(path).name)
        return real(path, frame)

    monkeypatch.setattr(cache, "decode_frame", counting)
    run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", step="A")
    generated = sorted(p.name for p in (BUNDLED / "images" / "generated").glob("*.dcm"))
    assert len(generated) == 8
    assert sorted(calls) == sorted(
        [
            *generated,
            "deid-data_GREYSCALE_IMAGE.dcm",
            "pydicom-data_US1_UNCR.dcm",
            "pydicom-data_gdcm-US-ALOKA-16.dcm",
        ]
    )  # each file once, though A, C and D share the sample
    calls.clear()
    for panel in "BCDEFGH":
        run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", step=panel)
    assert calls == []


def test_step_reported_by_the_stepper_moves_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser's rerun carries the stepper's state and the previous query string.
    at = run_app(BUNDLED.parent, monkeypatch, case="scar-carcinoma", step="A")
    assert at.session_state["stepper:scar-carcinoma"]["step"] == "A"
    at.session_state["stepper:scar-carcinoma"] = {"step": "D"}
    at.run()
    assert not at.exception
    assert at.query_params["step"] == "D"
    assert stepper_data(at)["initialPanel"] == "D"
    at.session_state["stepper:scar-carcinoma"] = {"step": "Q"}  # not a panel: the address wins
    at.run()
    assert at.query_params["step"] == "D"


def test_cine_payload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_cine_case(tmp_path / "cine")
    at = run_app(tmp_path, monkeypatch, case="cine", step="A")
    [image] = stepper_data(at)["steps"][0]["images"]
    cine = image["cine"]
    assert len(cine["urls"]) == 120 and cine["urls"][0] == image["url"]
    assert all(url.endswith(".jpg") for url in cine["urls"])  # stored JPEG frames, as stored
    assert cine["durationsMs"] == pytest.approx([1000 / 30] * 120, rel=1e-3)
