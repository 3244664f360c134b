"""Annotation geometry and calliper lengths from the image's own calibration."""

from __future__ import annotations

import pytest

from viewer.cases.model import Arrow, Caliper, Label
from viewer.imaging.calibration import Calibration, UltrasoundRegion
from viewer.overlay import caliper_label, shapes_for


def region(x0: int, x1: int, delta_cm: float = 0.01) -> UltrasoundRegion:
    return UltrasoundRegion(x0, 0, x1, 99, 1, 1, 3, 3, delta_cm, delta_cm)


SPLIT = Calibration(regions=(region(0, 99), region(100, 199, 0.02)))


def caliper(x0: float, x1: float, label: str = "") -> Caliper:
    return Caliper(kind="caliper", start_px=(x0, 50), end_px=(x1, 50), label=label)


def test_caliper_length_uses_its_region() -> None:
    assert caliper_label(caliper(10, 60), SPLIT) == "5.0 mm"
    assert caliper_label(caliper(110, 160, "right"), SPLIT) == "10.0 mm (right)"


def test_caliper_across_regions_says_so() -> None:
    assert caliper_label(caliper(50, 150), SPLIT) == (
        "no length: caliper spans two ultrasound regions; measure within one"
    )


def test_uncalibrated_and_pixel_spacing() -> None:
    assert caliper_label(caliper(0, 30), Calibration()) == "uncalibrated"
    assert caliper_label(caliper(0, 30), Calibration(mm_per_pixel_xy=(0.1, 0.1))) == "3.0 mm"


def test_shapes() -> None:
    arrow = Arrow(kind="arrow", tail_px=(0, 0), head_px=(100, 0), style="thick", label="x")
    label = Label(kind="label", at_px=(5, 5), text="<b>hi</b>")
    shapes = shapes_for((arrow, label), Calibration(), 640, 480)
    assert [s["type"] for s in shapes] == ["line", "polygon", "text", "text"]
    assert shapes[1]["points"][0] == [100, 0]  # the head is at the arrow's tip
    assert shapes[0]["role"] == "thick"
    assert shapes[3]["text"] == "<b>hi</b>"  # text stays data; the front end escapes it


def test_scale_bar_per_region_and_for_spacing() -> None:
    from viewer.overlay import scale_bars

    bars = scale_bars(SPLIT, 200, 100)
    texts = [s["text"] for s in bars if s["type"] == "text"]
    assert texts == ["2 mm", "2 mm"]  # the longest round length within a fifth of each half
    lengths = [s["points"][1][0] - s["points"][0][0] for s in bars if s["type"] == "line"][::3]
    assert lengths == pytest.approx([20.0, 10.0])  # 0.1 and 0.2 mm per pixel
    assert all(s["layer"] == "scale" for s in bars)
    spaced = scale_bars(Calibration(mm_per_pixel_xy=(0.05, 0.05)), 1000, 800)
    assert [s["text"] for s in spaced if s["type"] == "text"] == ["10 mm"]
    assert scale_bars(Calibration(), 640, 480) == []


def test_frame_tied_annotation_shapes_carry_the_range() -> None:
    arrow = Arrow(kind="arrow", tail_px=(0, 0), head_px=(10, 0), frames=(2, 5))
    shapes = shapes_for((arrow,), Calibration(), 640, 480)
    assert {tuple(s["frames"]) for s in shapes} == {(2, 5)}


def test_caliper_label_stays_clear_of_what_it_measures() -> None:
    def label_of(c: Caliper, width_px: int = 640) -> dict[str, object]:
        (text,) = [s for s in shapes_for((c,), Calibration(), width_px, 480) if s["type"] == "text"]
        return text

    # Horizontal: past the right-hand end, whichever way the calliper was drawn.
    for drawn in (caliper(100, 200), caliper(200, 100)):
        text = label_of(drawn)
        assert text["anchor"] == "start" and text["at"][0] > 200
    # Near the right edge: past the left-hand end instead, right-aligned.
    text = label_of(caliper(450, 620))
    assert text["anchor"] == "end" and text["at"][0] < 450
    # Vertical: beside its middle.
    vertical = Caliper(kind="caliper", start_px=(100, 50), end_px=(100, 250))
    text = label_of(vertical)
    assert text["at"][1] == 150 and text["at"][0] > 100


def test_a_region_nested_in_another_shares_its_scale_bar() -> None:
    from viewer.overlay import scale_bars

    tissue = UltrasoundRegion(0, 0, 199, 99, 1, 1, 3, 3, 0.01, 0.01)
    flow = UltrasoundRegion(50, 20, 120, 70, 1, 2, 3, 3, 0.01, 0.01)
    bars = scale_bars(Calibration(regions=(tissue, flow)), 200, 100)
    assert [s["text"] for s in bars if s["type"] == "text"] == ["2 mm"]
    # Side by side (a split screen), each region keeps its own bar.
    assert len([s for s in scale_bars(SPLIT, 200, 100) if s["type"] == "text"]) == 2
