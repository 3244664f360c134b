"""Annotation geometry: arrows, callipers (with mm), ellipses and labels as plain shapes.

The shapes are in image pixel coordinates and are drawn by the front end as vector
graphics over the image (crisp at every zoom). Each shape is a dict with a ``type`` of
``line``, ``polygon``, ``ellipse`` or ``text``; colours are left to the front end, which
draws every shape twice (a dark halo, then a bright stroke) so it shows on any
background and does not depend on colour alone.
"""

from __future__ import annotations

import math
from typing import Any

from viewer.cases.model import Annotation, Arrow, Caliper, Ellipse
from viewer.imaging.calibration import Calibration, UltrasoundRegion

Shape = dict[str, Any]


def _scale_px(width_px: int, height_px: int) -> float:
    """A stroke unit that keeps annotations the same apparent size on any image."""
    return max(1.0, max(width_px, height_px) / 640.0)


def _arrow(a: Arrow, unit: float) -> list[Shape]:
    (x0, y0), (x1, y1) = a.tail_px, a.head_px
    angle = math.atan2(y1 - y0, x1 - x0)
    width = (4.0 if a.style == "thick" else 2.0) * unit
    head_len = (16.0 if a.style == "thick" else 12.0) * unit
    spread = math.radians(28)
    left = (x1 - head_len * math.cos(angle - spread), y1 - head_len * math.sin(angle - spread))
    right = (x1 - head_len * math.cos(angle + spread), y1 - head_len * math.sin(angle + spread))
    base = ((left[0] + right[0]) / 2, (left[1] + right[1]) / 2)
    shapes: list[Shape] = [
        {"type": "line", "points": [[x0, y0], list(base)], "width": width, "role": a.style},
        {"type": "polygon", "points": [[x1, y1], list(left), list(right)], "role": a.style},
    ]
    if a.label:
        shapes.append(_text(a.label, x0, y0 - 6 * unit, unit, anchor="middle"))
    return shapes


def caliper_label(c: Caliper, calibration: Calibration) -> str:
    """The text beside a calliper: its length in mm when calibrated, and its label."""
    try:
        length_mm = calibration.distance_mm(c.start_px, c.end_px)
    except ValueError as exc:
        length = f"no length: {exc}"
    else:
        length = f"{length_mm:.1f} mm" if length_mm is not None else "uncalibrated"
    return f"{length} ({c.label})" if c.label else length


def _caliper(c: Caliper, calibration: Calibration, unit: float, width_px: int) -> list[Shape]:
    (x0, y0), (x1, y1) = c.start_px, c.end_px
    angle = math.atan2(y1 - y0, x1 - x0) + math.pi / 2
    tick = 7.0 * unit
    dx, dy = tick * math.cos(angle), tick * math.sin(angle)
    shapes: list[Shape] = [
        {"type": "line", "points": [[x0, y0], [x1, y1]], "width": 1.5 * unit, "dash": True},
    ]
    for x, y in ((x0, y0), (x1, y1)):
        shapes.append(
            {"type": "line", "points": [[x - dx, y - dy], [x + dx, y + dy]], "width": 2 * unit}
        )
    text = caliper_label(c, calibration)
    gap = 10 * unit
    if abs(x1 - x0) >= abs(y1 - y0):
        # Mostly horizontal: the label goes past the right-hand end, clear of what is
        # measured, or past the left-hand end when it would run off the image.
        (lx, ly), (rx, ry) = sorted(((x0, y0), (x1, y1)))
        if rx + gap + _text_width_px(text, unit) <= width_px:
            shapes.append(_text(text, rx + gap, ry + 5 * unit, unit))
        else:
            shapes.append(_text(text, lx - gap, ly + 5 * unit, unit, "end"))
        return shapes
    # Mostly vertical: beside its middle, to the right unless it would run off the image.
    mid_x, mid_y = (x0 + x1) / 2, (y0 + y1) / 2
    if mid_x + gap + _text_width_px(text, unit) > width_px:
        shapes.append(_text(text, mid_x - gap, mid_y, unit, "end"))
    else:
        shapes.append(_text(text, mid_x + gap, mid_y, unit))
    return shapes


def _ellipse(e: Ellipse, unit: float) -> list[Shape]:
    (cx, cy), (rx, ry) = e.center_px, e.radii_px
    shapes: list[Shape] = [
        {"type": "ellipse", "center": [cx, cy], "radii": [rx, ry], "width": 2 * unit}
    ]
    if e.label:
        shapes.append(_text(e.label, cx, cy - ry - 6 * unit, unit, anchor="middle"))
    return shapes


def _text_width_px(text: str, unit: float) -> float:
    """A generous estimate of a label's width at the overlay's font size."""
    return len(text) * 15 * unit * 0.6


def _text(text: str, x: float, y: float, unit: float, anchor: str = "start") -> Shape:
    return {"type": "text", "at": [x, y], "text": text, "size": 15 * unit, "anchor": anchor}


_NICE_MM = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _bar(box: tuple[float, float, float, float], mm_per_px: float, unit: float) -> list[Shape]:
    """A scale bar in the bottom-left corner of ``box`` (x0, y0, x1, y1)."""
    x0, _y0, x1, y1 = box
    width = x1 - x0
    # The longest round length that fits in about a fifth of the box.
    fits = [mm for mm in _NICE_MM if mm / mm_per_px <= width * 0.22]
    if not fits:
        return []
    length_mm = fits[-1]
    length_px = length_mm / mm_per_px
    # Bottom-left: scanners put their own depth scale and its labels on the right.
    left, base = x0 + 12 * unit, y1 - 14 * unit
    right = left + length_px
    tick = 5 * unit
    scale: list[Shape] = [
        {"type": "line", "points": [[left, base], [right, base]], "width": 2 * unit},
        {"type": "line", "points": [[left, base - tick], [left, base + tick]], "width": 2 * unit},
        {"type": "line", "points": [[right, base - tick], [right, base + tick]], "width": 2 * unit},
        {
            "type": "text",
            "at": [(left + right) / 2, base - 12 * unit],
            "text": f"{length_mm:g} mm",
            "size": 13 * unit,
            "anchor": "middle",
        },
    ]
    for shape in scale:
        shape["layer"] = "scale"
    return scale


def _inside(inner: UltrasoundRegion, outer: UltrasoundRegion) -> bool:
    return (
        outer.RegionLocationMinX0 <= inner.RegionLocationMinX0
        and outer.RegionLocationMinY0 <= inner.RegionLocationMinY0
        and inner.RegionLocationMaxX1 <= outer.RegionLocationMaxX1
        and inner.RegionLocationMaxY1 <= outer.RegionLocationMaxY1
        and inner != outer
    )


def scale_bars(calibration: Calibration, width_px: int, height_px: int) -> list[Shape]:
    """A scale bar in each calibrated ultrasound region, or one for a spaced image.

    A region inside another (a colour-flow box on its B-mode image) shares the outer
    region's bar rather than getting its own.
    """
    unit = _scale_px(width_px, height_px)
    regions = calibration.calibrated_regions
    if regions:
        shapes: list[Shape] = []
        for r in regions:
            if any(other is not r and _inside(r, other) for other in regions):
                continue
            assert r.mm_per_pixel is not None
            box = (
                float(r.RegionLocationMinX0),
                float(r.RegionLocationMinY0),
                float(r.RegionLocationMaxX1),
                float(r.RegionLocationMaxY1),
            )
            shapes += _bar(box, r.mm_per_pixel[0], unit)
        return shapes
    if calibration.mm_per_pixel_xy is not None:
        box = (0.0, 0.0, float(width_px), float(height_px))
        return _bar(box, calibration.mm_per_pixel_xy[0], unit)
    return []


def shapes_for(
    annotations: tuple[Annotation, ...], calibration: Calibration, width_px: int, height_px: int
) -> list[Shape]:
    """All shapes of an image's annotations, in manifest order, then its scale bars.

    Shapes of an annotation tied to frames carry ``frames`` = [first, last]; scale bars
    carry ``layer`` = "scale" (shown even when annotations are hidden).
    """
    unit = _scale_px(width_px, height_px)
    shapes: list[Shape] = []
    for annotation in annotations:
        if isinstance(annotation, Arrow):
            drawn = _arrow(annotation, unit)
        elif isinstance(annotation, Caliper):
            drawn = _caliper(annotation, calibration, unit, width_px)
        elif isinstance(annotation, Ellipse):
            drawn = _ellipse(annotation, unit)
        else:
            drawn = [_text(annotation.text, *annotation.at_px, unit)]
        if annotation.frames is not None:
            for shape in drawn:
                shape["frames"] = list(annotation.frames)
        shapes += drawn
    return shapes + scale_bars(calibration, width_px, height_px)
