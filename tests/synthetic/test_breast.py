"""Breast anatomy maps and lesion outlines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from viewer.synthetic.bmode import Grid
from viewer.synthetic.breast import (
    FAT,
    GLAND,
    Lesion,
    Scene,
    ellipse_outline,
    irregular_outline,
    skin_thickness_mm,
    tissue_maps,
)


@pytest.mark.parametrize("width_mm", [4.0, 10.0, 12.0, 15.0])
def test_irregular_outline_chord_is_exactly_the_width(width_mm: float) -> None:
    outline = irregular_outline(
        (20.0, 12.0), width_mm, 0.6 * width_mm, np.random.default_rng(7),
        angular_at_deg=(200, 330), angular_length_mm=2.0,
    )
    assert outline.chord_mm == pytest.approx(width_mm, abs=1e-9)
    assert outline.chord_start_mm[1] == outline.chord_end_mm[1] == 12.0


def test_angular_projections_stick_out_as_corners() -> None:
    outline = irregular_outline(
        (20.0, 12.0), 12.0, 8.0, np.random.default_rng(7), angular_at_deg=(330,),
        angular_length_mm=2.5,
    )
    (tip,) = outline.angular_tips_mm
    distances = [math.dist(p, (20.0, 12.0)) for p in outline.points_mm]
    # The tip is the outline's farthest point and its neighbours fall away on both sides.
    assert math.dist(tip, (20.0, 12.0)) == pytest.approx(max(distances))
    index = outline.points_mm.index(tip)
    n = len(outline.points_mm)
    assert distances[(index - 1) % n] < distances[index] > distances[(index + 1) % n]


def test_ellipse_outline_chord() -> None:
    assert ellipse_outline((5.0, 5.0), (2.0, 1.0)).chord_mm == pytest.approx(4.0)


def test_skin_thickens_over_the_scar_only() -> None:
    scene = Scene(width_mm=40.0, depth_mm=40.0, skin_mm=1.6, scar_x_mm=20.0, scar_skin_mm=3.8)
    thickness = skin_thickness_mm(scene, np.array([0.0, 20.0, 40.0]))
    assert thickness[1] == pytest.approx(3.8)
    assert thickness[0] == pytest.approx(1.6, abs=0.05)
    assert thickness[2] == pytest.approx(1.6, abs=0.05)


def test_layers_and_lesion_in_the_maps() -> None:
    grid = Grid(width_mm=40.0, depth_mm=40.0, dx_mm=0.1, dz_mm=0.05)
    cyst = ellipse_outline((30.0, 18.0), (2.0, 2.0))
    scene = Scene(width_mm=40.0, depth_mm=40.0, lesions=(Lesion(cyst.points_mm, 0.01, 0.02),))
    backscatter, attenuation = tissue_maps(scene, grid, np.random.default_rng(1))
    row = lambda z_mm: round(z_mm / grid.dz_mm)  # noqa: E731
    fat = np.median(backscatter[row(4.0)])  # subcutaneous fat, between the ligaments
    gland = np.median(backscatter[row(18.0), : round(20.0 / grid.dx_mm)])
    assert fat == pytest.approx(FAT, rel=0.2)
    assert gland > 3 * FAT and gland < 2 * GLAND
    # The skin's entry line is the brightest thing at the top.
    assert backscatter[: row(0.5)].max() > 10 * FAT
    # Inside the cyst: almost no echo and almost no attenuation.
    assert backscatter[row(18.0), round(30.0 / grid.dx_mm)] < 0.05
    assert attenuation[row(18.0), round(30.0 / grid.dx_mm)] < 0.05
