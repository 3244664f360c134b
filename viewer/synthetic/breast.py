"""Breast anatomy for simulated sonograms: tissue maps of backscatter and attenuation.

Depth runs down from the skin at the transducer face. The layers, from the source's
physical parameters: skin as a bright double line (0.5-2 mm, thicker over a surgical
scar), subcutaneous fat (the mid-grey reference), echogenic Cooper ligaments, hyperechoic
fibroglandular tissue with fat lobules, retromammary fat, and the pectoralis muscle under
its bright fascia. Lesions are polygons in millimetres drawn into those maps with their own
backscatter, texture and attenuation (for shadowing or enhancement).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from scipy import ndimage

from viewer.synthetic.bmode import FloatMap, Grid

PointMm = tuple[float, float]

# Backscatter relative to subcutaneous fat (power ratio; 10 = +10 dB brighter).
FAT = 1.0
GLAND = 7.0
DERMIS = 6.0
SKIN_LINE = 30.0
LIGAMENT = 18.0
FASCIA = 22.0
MUSCLE = 0.45
# Attenuation in dB/cm/MHz (source: fat 0.60, parenchyma 0.75, carcinoma 0.57, cyst ~0).
ATT_FAT = 0.60
ATT_GLAND = 0.75
ATT_SKIN = 0.8
ATT_MUSCLE = 1.0
ATT_CARCINOMA = 0.57
ATT_CYST = 0.02
ATT_FIBROSIS = 2.6
"""Dense scar or desmoplastic collagen: the cause of posterior shadowing."""


@dataclass(frozen=True)
class Lesion:
    """A region drawn into the tissue maps.

    ``backscatter`` is its mean echo strength; ``texture`` the contrast (in dB, standard
    deviation) of a smooth random pattern that makes it heterogeneous; ``attenuation``
    drives posterior shadowing (high) or enhancement (near zero).
    """

    outline_mm: tuple[PointMm, ...]
    backscatter: float
    attenuation_db_cm_mhz: float
    texture_db: float = 0.0
    texture_scale_mm: float = 1.0
    edge_mm: float = 0.15
    """Partial-volume blur of the boundary."""


@dataclass(frozen=True)
class Scene:
    """One sonogram's anatomy: layer depths and lesions (all in millimetres)."""

    width_mm: float
    depth_mm: float
    skin_mm: float = 1.6
    scar_x_mm: float | None = None
    """Where a surgical scar thickens the skin (centre, across the image)."""
    scar_skin_mm: float = 1.6
    scar_halfwidth_mm: float = 6.0
    scar_tract_to_mm: PointMm | None = None
    """A hypoechoic scar tract from the skin at ``scar_x_mm`` down to this point."""
    fat_bottom_mm: float = 8.0
    gland_bottom_mm: float = 27.0
    fascia_mm: float = 30.5
    lesions: tuple[Lesion, ...] = ()
    orientation_phase: float = 0.0
    """Varies the anatomy between views (longitudinal/transverse) of one breast."""
    extra_ligaments: int = 0


def skin_thickness_mm(scene: Scene, x_mm: NDArray[np.float64]) -> NDArray[np.float64]:
    """Skin thickness across the image: normal, rising smoothly to the scar's."""
    base = np.full_like(x_mm, scene.skin_mm)
    if scene.scar_x_mm is None:
        return base
    bump = np.exp(-0.5 * ((x_mm - scene.scar_x_mm) / (scene.scar_halfwidth_mm / 2.0)) ** 2)
    thickness: NDArray[np.float64] = base + (scene.scar_skin_mm - scene.skin_mm) * bump
    return thickness


def _smooth_noise(
    shape: tuple[int, int], scale_px: tuple[float, float], rng: np.random.Generator
) -> FloatMap:
    """Zero-mean, unit-variance smooth random field with the given correlation lengths."""
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), scale_px, mode="wrap")
    std = float(noise.std()) or 1.0
    out: FloatMap = (noise - noise.mean()) / std
    return out


def _polygon_mask(outline_mm: Sequence[PointMm], grid: Grid) -> FloatMap:
    """Polygon coverage on the grid, drawn at 2x and averaged (anti-aliased)."""
    scale = 2
    image = Image.new("L", (grid.columns * scale, grid.rows * scale), 0)
    points = [(x / grid.dx_mm * scale, z / grid.dz_mm * scale) for x, z in outline_mm]
    ImageDraw.Draw(image).polygon(points, fill=255)
    big = np.asarray(image, dtype=np.float64) / 255.0
    mask: FloatMap = big.reshape(grid.rows, scale, grid.columns, scale).mean(axis=(1, 3))
    return mask


def _polyline_mask(
    x_mm: NDArray[np.float64], z_mm: NDArray[np.float64], grid: Grid, sigma_mm: float
) -> FloatMap:
    """A thin line along the points, with a Gaussian profile of ``sigma_mm``, peak 1."""
    image = Image.new("F", (grid.columns, grid.rows), 0.0)
    points = [(x / grid.dx_mm, z / grid.dz_mm) for x, z in zip(x_mm, z_mm, strict=True)]
    ImageDraw.Draw(image).line(points, fill=1.0, width=1)
    line = np.asarray(image, dtype=np.float64)
    blurred = ndimage.gaussian_filter(line, (sigma_mm / grid.dz_mm, sigma_mm / grid.dx_mm))
    peak = float(blurred.max()) or 1.0
    out: FloatMap = blurred / peak
    return out


def _line_mask(
    xx: FloatMap, zz: FloatMap, centre_z: FloatMap, half_thickness_mm: float
) -> FloatMap:
    """A soft line following ``centre_z(x)`` (Gaussian profile across it)."""
    out: FloatMap = np.exp(-0.5 * ((zz - centre_z) / max(half_thickness_mm, 1e-3)) ** 2)
    return out


def tissue_maps(
    scene: Scene, grid: Grid, rng: np.random.Generator
) -> tuple[FloatMap, FloatMap]:
    """(backscatter, attenuation in dB/cm/MHz) on ``grid`` for the scene."""
    xx, zz = grid.coordinates_mm()
    x = xx[0]
    phase = scene.orientation_phase
    skin = skin_thickness_mm(scene, x)[None, :]
    fat_bottom = (
        scene.fat_bottom_mm
        + 1.6 * np.sin(2 * np.pi * x / 17.0 + phase)
        + 0.8 * np.sin(2 * np.pi * x / 7.3 + 2 * phase)
    )[None, :]
    fat_bottom = np.maximum(fat_bottom, skin + 2.5)
    gland_bottom = (scene.gland_bottom_mm + 1.5 * np.sin(2 * np.pi * x / 23.0 + phase))[None, :]
    fascia = (scene.fascia_mm + 0.5 * np.sin(2 * np.pi * x / 31.0 + phase))[None, :]

    backscatter = np.full(zz.shape, FAT)
    attenuation = np.full(zz.shape, ATT_FAT)

    # Fibroglandular tissue, with small fat lobules elongated along the skin.
    gland = ((zz >= fat_bottom) & (zz < gland_bottom)).astype(np.float64)
    lobules = _smooth_noise(zz.shape, (0.7 / grid.dz_mm, 1.8 / grid.dx_mm), rng) > 1.1
    near_lesion = np.zeros(zz.shape, dtype=bool)
    for lesion in scene.lesions:
        near_lesion |= _polygon_mask(_grown(lesion.outline_mm, 2.5), grid) > 0
    gland *= ~(lobules & ~near_lesion)
    gland = ndimage.gaussian_filter(gland, (0.2 / grid.dz_mm, 0.3 / grid.dx_mm))
    texture = np.exp(0.35 * _smooth_noise(zz.shape, (0.3 / grid.dz_mm, 0.9 / grid.dx_mm), rng))
    backscatter = backscatter * (1.0 - gland) + GLAND * texture * gland
    attenuation = attenuation * (1.0 - gland) + ATT_GLAND * gland

    # Cooper ligaments: thin echogenic strands rising obliquely from peaks of the gland's
    # surface through the fat towards the skin, each a little wavy and of its own strength.
    count = 5 + scene.extra_ligaments
    for i in range(count):
        foot_x = (i + 0.5) * scene.width_mm / count + rng.uniform(-2.0, 2.0)
        foot_z = float(np.interp(foot_x, x, fat_bottom[0])) + 0.3
        top_x = foot_x + rng.uniform(-5.0, 5.0)
        top_z = float(np.interp(top_x, x, skin[0])) + rng.uniform(0.3, 1.5)
        t = np.linspace(0.0, 1.0, 60)
        wobble = 0.4 * np.sin(2 * np.pi * (t * rng.uniform(1.0, 2.0)) + rng.uniform(0, 6.3))
        path_x = foot_x + (top_x - foot_x) * t + wobble
        path_z = foot_z + (top_z - foot_z) * t
        strength = LIGAMENT * rng.uniform(0.4, 1.0)
        backscatter = backscatter + strength * _polyline_mask(path_x, path_z, grid, 0.08)

    # Retromammary fat is the default; the pectoral fascia and the muscle below it.
    muscle = zz >= fascia
    striation = 1.0 + 3.0 * (
        np.sin(2 * np.pi * (zz * 0.9 + xx * 0.25) / 1.8 + phase) > 0.85
    )
    backscatter = np.where(muscle, MUSCLE * striation, backscatter)
    attenuation = np.where(muscle, ATT_MUSCLE, attenuation)
    backscatter = backscatter + FASCIA * _line_mask(xx, zz, fascia, 0.12)
    deep_fascia = _line_mask(xx, zz, fascia + 6.5, 0.12) * (zz > fascia)
    backscatter = backscatter + 0.6 * FASCIA * deep_fascia

    # Skin: bright entry line, dermis, bright inner line (the "double line").
    in_skin = zz < skin
    backscatter = np.where(in_skin, DERMIS, backscatter)
    attenuation = np.where(in_skin, ATT_SKIN, attenuation)
    backscatter = backscatter + SKIN_LINE * _line_mask(xx, zz, np.full_like(skin, 0.15), 0.1)
    backscatter = backscatter + SKIN_LINE * 0.7 * _line_mask(xx, zz, skin - 0.15, 0.1)

    if scene.scar_x_mm is not None and scene.scar_tract_to_mm is not None:
        # A scar tract: a hypoechoic, shadowing band from the skin down to the lesion.
        tx, tz = scene.scar_tract_to_mm
        start = (scene.scar_x_mm, float(np.interp(scene.scar_x_mm, x, skin[0])))
        wobble = 0.35 * _smooth_noise(zz.shape, (1.0 / grid.dz_mm, 1.0 / grid.dx_mm), rng)
        tract = _segment_distance(xx + wobble, zz, start, (tx, tz)) < 0.5
        tract &= zz > start[1]
        soft = ndimage.gaussian_filter(tract.astype(np.float64), (6, 3))
        backscatter = backscatter * (1.0 - 0.55 * soft)
        attenuation = attenuation + 0.6 * soft

    for lesion in scene.lesions:
        mask = _polygon_mask(lesion.outline_mm, grid)
        edge = (lesion.edge_mm / grid.dz_mm, lesion.edge_mm / grid.dx_mm)
        mask = ndimage.gaussian_filter(mask, edge)
        level = np.full(zz.shape, lesion.backscatter)
        if lesion.texture_db > 0:
            scale = (lesion.texture_scale_mm / grid.dz_mm, lesion.texture_scale_mm / grid.dx_mm)
            level = level * 10.0 ** (lesion.texture_db * _smooth_noise(zz.shape, scale, rng) / 10)
        backscatter = backscatter * (1.0 - mask) + level * mask
        attenuation = attenuation * (1.0 - mask) + lesion.attenuation_db_cm_mhz * mask
    return backscatter, attenuation


def _grown(outline_mm: Sequence[PointMm], margin_mm: float) -> tuple[PointMm, ...]:
    """The outline pushed out from its centroid by ``margin_mm``."""
    cx = sum(p[0] for p in outline_mm) / len(outline_mm)
    cz = sum(p[1] for p in outline_mm) / len(outline_mm)
    out: list[PointMm] = []
    for px, pz in outline_mm:
        r = math.hypot(px - cx, pz - cz) or 1.0
        out.append((px + (px - cx) / r * margin_mm, pz + (pz - cz) / r * margin_mm))
    return tuple(out)


def _segment_distance(xx: FloatMap, zz: FloatMap, a: PointMm, b: PointMm) -> FloatMap:
    ax, az = a
    bx, bz = b
    dx, dz = bx - ax, bz - az
    length2 = dx * dx + dz * dz or 1e-9
    t = np.clip(((xx - ax) * dx + (zz - az) * dz) / length2, 0.0, 1.0)
    out: FloatMap = np.hypot(xx - (ax + t * dx), zz - (az + t * dz))
    return out


# --- lesion outlines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """A lesion outline and the horizontal chord through its centre (the caliper)."""

    points_mm: tuple[PointMm, ...]
    chord_start_mm: PointMm
    chord_end_mm: PointMm
    angular_tips_mm: tuple[PointMm, ...] = field(default=())

    @property
    def chord_mm(self) -> float:
        return math.dist(self.chord_start_mm, self.chord_end_mm)


def _horizontal_chord(points: Sequence[PointMm], z: float) -> tuple[float, float]:
    """Leftmost and rightmost crossings of the closed polygon with the line at depth ``z``."""
    crossings: list[float] = []
    for (x0, z0), (x1, z1) in zip(points, [*points[1:], points[0]], strict=True):
        if (z0 - z) * (z1 - z) < 0 or (z0 == z and z1 != z):
            crossings.append(x0 + (z - z0) * (x1 - x0) / (z1 - z0))
    if len(crossings) < 2:
        raise ValueError("outline does not cross its centre line")
    return min(crossings), max(crossings)


def irregular_outline(
    centre_mm: PointMm,
    width_mm: float,
    height_mm: float,
    rng: np.random.Generator,
    *,
    lobulation: float = 0.12,
    angular_at_deg: Sequence[float] = (),
    angular_length_mm: float = 2.0,
    points: int = 72,
) -> Outline:
    """An irregular mass: an ellipse with random low-order lobulation, plus sharp angular
    projections at the given angles (0 deg = to the right, 90 = down, in image terms).

    The outline is scaled so its horizontal chord through ``centre_mm`` is exactly
    ``width_mm``: that chord is where the caliper goes.
    """
    cx, cz = centre_mm
    theta = np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)
    radius = np.ones(points)
    for order in (2, 3, 5):
        amplitude = lobulation * rng.uniform(0.4, 1.0) / (order / 2.0)
        radius += amplitude * np.cos(order * theta + rng.uniform(0.0, 2.0 * np.pi))
    # Keep the horizontal extremes unlobulated so the chord is well defined.
    radius[0] = radius[points // 2] = 1.0
    outline = [
        (cx + 0.5 * width_mm * r * math.cos(t), cz + 0.5 * height_mm * r * math.sin(t))
        for r, t in zip(radius, theta, strict=True)
    ]
    tips: list[PointMm] = []
    half_base = max(2, points // 18)  # the projection's flanks span +-20 degrees
    for angle in angular_at_deg:
        a = math.radians(angle)
        index = round(a / (2 * math.pi) * points) % points
        # A triangular push outward: straight flanks meeting at a sharp corner.
        for offset in range(-half_base, half_base + 1):
            j = (index + offset) % points
            px, pz = outline[j]
            r = math.hypot(px - cx, pz - cz) or 1.0
            push = angular_length_mm * (1.0 - abs(offset) / (half_base + 1))
            outline[j] = (px + (px - cx) / r * push, pz + (pz - cz) / r * push)
        tips.append(outline[index])
    left, right = _horizontal_chord(outline, cz)
    scale = width_mm / (right - left)
    scaled = tuple((cx + (px - cx) * scale, cz + (pz - cz) * scale) for px, pz in outline)
    left, right = _horizontal_chord(scaled, cz)
    scaled_tips = tuple((cx + (px - cx) * scale, cz + (pz - cz) * scale) for px, pz in tips)
    return Outline(scaled, (left, cz), (right, cz), scaled_tips)


def ellipse_outline(centre_mm: PointMm, radii_mm: tuple[float, float], points: int = 48) -> Outline:
    """A smooth ellipse (a cyst, an oil cyst)."""
    cx, cz = centre_mm
    rx, rz = radii_mm
    theta = np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)
    pts = tuple((cx + rx * math.cos(t), cz + rz * math.sin(t)) for t in theta)
    return Outline(pts, (cx - rx, cz), (cx + rx, cz))
