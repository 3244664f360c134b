"""Editing case.toml in place: comments and layout survive, entries land where they should."""

from __future__ import annotations

import tomllib

import pytest

from tests.conftest import BUNDLED
from viewer.cases.manifest_edits import GENERATED_MARK, set_generated_images

IMAGE = {
    "file": "images/generated/x.dcm",
    "role": "primary",
    "alt": "An image",
    "hide_burned_in_text": False,
    "provenance": {"kind": "generated", "generator": "test", "note": ""},
    "annotations": [{"kind": "arrow", "tail_px": [1.0, 2.0], "head_px": [3.0, 4.0]}],
}

TEXT = '''# A comment the author wrote
id = "t"  # trailing comment

[[steps]]
panel = "A"

[[steps.images]]
file = "images/a.png"  # the author's image
role = "reference"

# ---- next step
[[steps]]
panel = "B"
'''


def test_adds_first_and_keeps_every_comment() -> None:
    out = set_generated_images(TEXT, {"A": IMAGE, "B": IMAGE})
    for line in TEXT.splitlines():
        assert line in out.splitlines()
    data = tomllib.loads(out)
    a_images = data["steps"][0]["images"]
    assert [im["file"] for im in a_images] == ["images/generated/x.dcm", "images/a.png"]
    assert data["steps"][1]["images"][0]["annotations"][0]["head_px"] == [3.0, 4.0]
    assert out.count(GENERATED_MARK) == 2
    # The separator comment still introduces step B, not B's new image.
    assert "# ---- next step\n[[steps]]\npanel = \"B\"" in out


def test_replaces_a_generated_image_in_place() -> None:
    once = set_generated_images(TEXT, {"A": IMAGE})
    changed = dict(IMAGE, alt="Changed")
    twice = set_generated_images(once, {"A": changed})
    images = tomllib.loads(twice)["steps"][0]["images"]
    assert [im["alt"] for im in images if im["role"] == "primary"] == ["Changed"]
    assert len(images) == 2
    assert set_generated_images(twice, {"A": changed}) == twice  # idempotent


def test_unknown_panel_is_named() -> None:
    with pytest.raises(KeyError, match=r"the manifest has no step for panel\(s\) Q, Z"):
        set_generated_images(TEXT, {"Z": IMAGE, "Q": IMAGE})


def test_no_steps() -> None:
    with pytest.raises(KeyError, match=r"the manifest has no \[\[steps\]\]"):
        set_generated_images('id = "t"\n', {"A": IMAGE})


def test_bundled_manifest_round_trip_is_lossless() -> None:
    text = (BUNDLED / "case.toml").read_text(encoding="utf-8")
    assert set_generated_images(text, {}) == text
