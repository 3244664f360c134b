"""Simulated spot-magnification CC mammogram: format, determinism, geometry, what it shows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from viewer.synthetic.mammography import Mammogram, spot_cc

MARGIN = 80

Point = tuple[float, float]


@pytest.fixture(scope="module")
def image() -> Mammogram:
    return spot_cc()


def pixels_f(m: Mammogram) -> NDArray[np.float64]:
    return m.pixels.astype(np.float64)


def radius_mm(m: Mammogram, centre: Point) -> NDArray[np.float64]:
    rows, cols = m.pixels.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    return np.asarray(
        np.hypot(xx - centre[0], yy - centre[1]) * m.pixel_spacing_mm, dtype=np.float64
    )


def disc_mean(m: Mammogram, centre: Point, r_mm: float) -> float:
    return float(pixels_f(m)[radius_mm(m, centre) <= r_mm].mean())


def along(m: Mammogram, start: Point, direction: Point, mm: float) -> Point:
    step = mm / m.pixel_spacing_mm
    return (start[0] + direction[0] * step, start[1] + direction[1] * step)


def profile(
    m: Mammogram, start: Point, direction: Point, mm: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Mean of a 5-pixel-wide strip sampled along ``direction`` at the given distances (mm)."""
    p = pixels_f(m)
    across = (-direction[1], direction[0])
    values = []
    for d in mm:
        x, y = along(m, start, direction, float(d))
        samples = [p[round(y + k * across[1]), round(x + k * across[0])] for k in range(-2, 3)]
        values.append(float(np.mean(samples)))
    return np.array(values)


def test_format(image: Mammogram) -> None:
    assert image.pixels.dtype == np.uint16
    assert image.pixels.shape == (1000, 1200)
    assert image.bits_stored == 12
    assert int(image.pixels.max()) <= 4095
    assert image.imager_pixel_spacing_mm == pytest.approx(0.085)
    assert image.magnification == pytest.approx(1.8)
    assert image.pixel_spacing_mm == pytest.approx(0.085 / 1.8)
    assert (image.laterality, image.view) == ("L", "CC")
    assert image.window_width > 0
    lo = image.window_center - image.window_width / 2
    hi = image.window_center + image.window_width / 2
    assert 0 <= lo < hi <= 4095
    # The window shows the mass and the breast, not the air.
    assert lo < disc_mean(image, image.mass_center_px, 1.0) < hi
    assert lo > float(np.percentile(image.pixels, 5))


def test_description_is_alt_text(image: Mammogram) -> None:
    text = image.description.lower()
    assert text.count(".") == 1 and text.endswith(".")
    for word in ("simulated", "left", "craniocaudal", "4 mm", "mass", "scar"):
        assert word in text


def test_deterministic() -> None:
    a = spot_cc(11)
    b = spot_cc(11)
    c = spot_cc(12)
    assert a.pixels.tobytes() == b.pixels.tobytes()
    assert (a.window_center, a.window_width, a.caliper_start_px) == (
        b.window_center,
        b.window_width,
        b.caliper_start_px,
    )
    assert not np.array_equal(a.pixels, c.pixels)


def test_points_well_inside(image: Mammogram) -> None:
    rows, cols = image.pixels.shape
    for x, y in (image.mass_center_px, image.caliper_start_px, image.caliper_end_px, image.scar_px):
        assert MARGIN <= x <= cols - 1 - MARGIN
        assert MARGIN <= y <= rows - 1 - MARGIN


def test_caliper_is_four_mm_through_the_mass(image: Mammogram) -> None:
    (x0, y0), (x1, y1) = image.caliper_start_px, image.caliper_end_px
    length_mm = math.hypot(x1 - x0, y1 - y0) * image.pixel_spacing_mm
    assert length_mm == pytest.approx(4.0, abs=0.1)
    assert image.mass_diameter_mm == pytest.approx(length_mm, abs=0.1)
    mid = ((x0 + x1) / 2, (y0 + y1) / 2)
    assert math.dist(mid, image.mass_center_px) * image.pixel_spacing_mm < 0.5


def test_caliper_ends_lie_on_the_mass_edge(image: Mammogram) -> None:
    """Just inside each caliper end is mass (bright); just beyond it is not."""
    for end, other in (
        (image.caliper_start_px, image.caliper_end_px),
        (image.caliper_end_px, image.caliper_start_px),
    ):
        norm = math.dist(end, other)
        outward = ((end[0] - other[0]) / norm, (end[1] - other[1]) / norm)
        inside = profile(image, end, outward, np.array([-0.6, -0.5, -0.4])).mean()
        beyond = profile(image, end, outward, np.array([0.5, 0.6, 0.7])).mean()
        assert inside - beyond > 0.08 * image.window_width


def test_mass_brighter_than_surroundings(image: Mammogram) -> None:
    r = radius_mm(image, image.mass_center_px)
    p = pixels_f(image)
    disc = p[r <= 1.5].mean()
    annulus = p[(r >= 3.0) & (r <= 5.0)].mean()
    assert disc - annulus > 0.15 * image.window_width


def test_mass_just_deep_to_the_scar(image: Mammogram) -> None:
    nx, ny = image.skin_normal
    assert math.hypot(nx, ny) == pytest.approx(1.0)
    (sx, sy), (mx, my) = image.scar_px, image.mass_center_px
    depth_mm = ((mx - sx) * nx + (my - sy) * ny) * image.pixel_spacing_mm
    sideways_mm = abs((mx - sx) * -ny + (my - sy) * nx) * image.pixel_spacing_mm
    assert 2.0 <= depth_mm <= 8.0
    assert sideways_mm < 1.5
    # Medial lesion, lateral at the top of a CC view: scar and mass in the lower half.
    assert sy > image.pixels.shape[0] / 2 and my > image.pixels.shape[0] / 2


def test_scar_is_on_the_skin_between_air_and_breast(image: Mammogram) -> None:
    n = image.skin_normal
    air = disc_mean(image, along(image, image.scar_px, n, -2.5), 1.0)
    breast = disc_mean(image, along(image, image.scar_px, n, 2.5), 1.0)
    assert breast - air > 0.5 * image.window_width
    assert air < image.window_center - image.window_width / 2  # air is black


def test_background_darker_than_breast(image: Mammogram) -> None:
    p = pixels_f(image)
    n = image.skin_normal
    # Well outside the skin (background air) and well inside the breast at the scar.
    air = p[radius_mm(image, along(image, image.scar_px, n, -8.0)) <= 3.0]
    tissue = p[radius_mm(image, along(image, image.scar_px, n, 12.0)) <= 3.0]
    assert air.max() < tissue.min()
    assert air.mean() < 300
    # The bottom-right corner is air for this spot view, the top-left corner is breast.
    assert p[-60:, -60:].mean() < 300 < p[:60, :60].mean()


@pytest.mark.parametrize("offset_mm", [-9.0, 9.0, 14.0])
def test_skin_line(image: Mammogram, offset_mm: float) -> None:
    """Crossing the contour away from the scar: air, a bright skin line, then darker fat."""
    n = image.skin_normal
    tangent = (-n[1], n[0])
    outside = along(image, along(image, image.scar_px, tangent, offset_mm), n, -4.0)
    mm = np.arange(0.0, 8.0, 0.05)
    values = profile(image, outside, n, mm)
    threshold = (values.min() + np.median(values[-40:])) / 2
    edge = int(np.argmax(values > threshold))  # first breast pixel along the profile
    assert 0 < edge < len(mm) - 80
    skin = values[edge : edge + 30].max()  # within 1.5 mm of the edge
    fat = values[edge + 50 : edge + 80].mean()  # 2.5-4 mm inside
    assert values[:edge].max() < fat
    assert skin - fat > 0.05 * image.window_width


def test_skin_thicker_at_the_scar(image: Mammogram) -> None:
    """1-2 mm under the surface is still (thickened, fibrotic) skin at the scar, fat 9 mm away."""
    n = image.skin_normal
    tangent = (-n[1], n[0])

    def contour_point(offset_mm: float) -> Point:
        guess = along(image, image.scar_px, tangent, offset_mm)
        mm = np.arange(-3.0, 3.0, 0.05)
        values = profile(image, guess, n, mm)
        mid = (values.min() + values.max()) / 2
        return along(image, guess, n, float(mm[int(np.argmax(values > mid))]))

    def band(offset_mm: float) -> float:
        return float(profile(image, contour_point(offset_mm), n, np.arange(1.0, 2.0, 0.05)).mean())

    assert math.dist(contour_point(0.0), image.scar_px) * image.pixel_spacing_mm < 0.2
    assert band(0.0) > max(band(-9.0), band(9.0)) + 0.3 * image.window_width


def test_fibroglandular_texture_not_flat(image: Mammogram) -> None:
    """Breast tissue away from the lesion has texture at several scales, not a flat fill."""
    tissue = pixels_f(image)[100:400, 200:1000]
    assert tissue.std() > 0.1 * image.window_width
    coarse = tissue.reshape(30, 10, 80, 10).mean(axis=(1, 3))
    assert coarse.std() > 0.08 * image.window_width
