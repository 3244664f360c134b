"""Power Doppler on a sonogram: a vessel's signal inside a colour box, and its colour scale.

Power Doppler shows the strength of the moving blood's echo, not its direction, with a
dark-red to yellow map. The signal follows the vessel's centreline, falls off across its
width, and is blotchy (its own speckle); weak signal under the scanner's threshold is not
painted, so the grey image shows through.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from scipy import ndimage

from viewer.synthetic.bmode import FloatMap

PointPx = tuple[float, float]

POWER_MAP_RGB: tuple[tuple[int, int, int], ...] = (
    (60, 0, 0),
    (150, 20, 0),
    (215, 80, 0),
    (250, 160, 20),
    (255, 235, 140),
)
"""Power Doppler colour scale, weakest to strongest."""


@dataclass(frozen=True)
class Vessel:
    """A vessel as polylines of pixel points (a trunk and its branches) and a radius."""

    branches: tuple[tuple[PointPx, ...], ...]
    radius_px: float


def power_colour(level: FloatMap) -> NDArray[np.uint8]:
    """0..1 power to RGB along :data:`POWER_MAP_RGB`."""
    stops = np.linspace(0.0, 1.0, len(POWER_MAP_RGB))
    table = np.asarray(POWER_MAP_RGB, dtype=np.float64)
    channels = [np.interp(level, stops, table[:, c]) for c in range(3)]
    rgb: NDArray[np.uint8] = np.rint(np.stack(channels, axis=-1)).astype(np.uint8)
    return rgb


def vessel_power(
    shape: tuple[int, int], vessel: Vessel, rng: np.random.Generator
) -> FloatMap:
    """Doppler power (0..1) of the vessel on an image of ``shape`` (rows, columns)."""
    rows, columns = shape
    canvas = Image.new("F", (columns, rows), 0.0)
    draw = ImageDraw.Draw(canvas)
    for branch in vessel.branches:
        for (x0, y0), (x1, y1) in itertools.pairwise(branch):
            draw.line([(x0, y0), (x1, y1)], fill=1.0, width=max(1, round(2 * vessel.radius_px)))
    core = np.asarray(canvas, dtype=np.float64)
    smooth = ndimage.gaussian_filter(core, vessel.radius_px * 0.6)
    blotches = ndimage.gaussian_filter(rng.standard_normal(shape), 1.5)
    blotches /= float(blotches.std()) or 1.0
    power: FloatMap = np.clip(smooth * (0.85 + 0.25 * blotches), 0.0, 1.0)
    return power


def paint_power(
    grey: NDArray[np.uint8],
    power: FloatMap,
    box: tuple[int, int, int, int],
    threshold: float = 0.22,
) -> NDArray[np.uint8]:
    """RGB image: the grey sonogram, with power above ``threshold`` painted inside ``box``
    (x0, y0, x1, y1 inclusive), and the box outlined as scanners draw it."""
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    x0, y0, x1, y1 = box
    inside = np.zeros(grey.shape, dtype=bool)
    inside[y0 : y1 + 1, x0 : x1 + 1] = True
    painted = inside & (power > threshold)
    level = np.clip((power - threshold) / (1.0 - threshold), 0.0, 1.0)
    rgb[painted] = power_colour(level[painted])
    outline = (150, 150, 150)
    rgb[y0, x0 : x1 + 1] = outline
    rgb[y1, x0 : x1 + 1] = outline
    rgb[y0 : y1 + 1, x0] = outline
    rgb[y0 : y1 + 1, x1] = outline
    return rgb


def colour_bar(height_px: int, width_px: int) -> NDArray[np.uint8]:
    """The power scale as scanners show it beside the image: strongest at the top."""
    level = np.linspace(1.0, 0.0, height_px)[:, None] * np.ones((1, width_px))
    return power_colour(level)


def branching_vessel(
    entry_px: PointPx, fork_px: PointPx, tips_px: Sequence[PointPx], radius_px: float
) -> Vessel:
    """A trunk from ``entry_px`` (outside the lesion) to ``fork_px``, branching to each tip,
    each path gently curved."""

    def curve(a: PointPx, b: PointPx, bend: float) -> tuple[PointPx, ...]:
        t = np.linspace(0.0, 1.0, 16)
        ax, ay = a
        bx, by = b
        nx, ny = -(by - ay), bx - ax  # normal, scaled by the segment's length
        offset = bend * np.sin(np.pi * t)
        xs = ax + (bx - ax) * t + nx * offset
        ys = ay + (by - ay) * t + ny * offset
        return tuple((float(x), float(y)) for x, y in zip(xs, ys, strict=True))

    trunk = curve(entry_px, fork_px, 0.08)
    branches = tuple(curve(fork_px, tip, 0.12 * (-1) ** i) for i, tip in enumerate(tips_px))
    return Vessel((trunk, *branches), radius_px)
