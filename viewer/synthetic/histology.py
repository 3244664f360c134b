"""H&E-style histology illustrations at x100 for the teaching case (panels B and H).

These are drawn illustrations, not micrographs: shapes are generated from a seed and painted
with haematoxylin and eosin colours so that a trainee can recognise the architecture. They
show no real patient tissue.

Colour is built the way stains absorb light (Beer-Lambert): every structure adds optical
density along an eosin vector (pink stroma and cytoplasm) and a haematoxylin vector
(blue-purple nuclei); the transmitted light is ``255 * exp(-density)``. Shapes are drawn
with Pillow on a supersampled canvas and reduced for anti-aliasing; texture and optical
blur come from ``scipy.ndimage``. All randomness comes from ``np.random.default_rng(seed)``,
so the same seed gives byte-identical pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from scipy import ndimage
from scipy.spatial import cKDTree

ROWS = 768
COLUMNS = 1024
UM_PER_PIXEL = 2.0
"""x100 objective: the 1024-pixel-wide field is about 2 mm across."""
EDGE_MARGIN_PX = 80
"""Feature points stay at least this far from every edge so that arrows fit."""

_SS = 3
"""Supersampling factor of the drawing canvas."""

_F = NDArray[np.float32]
_Points = NDArray[np.float64]
_Mask = NDArray[np.bool_]
_Rng = np.random.Generator
_Range = tuple[float, float]

# Optical density (R, G, B) per unit of stain.
_EOSIN = np.array([0.082, 0.466, 0.294], np.float32)
"""One unit is dense collagen, about RGB (235, 160, 190)."""
_HAEMATOXYLIN = np.array([1.27, 1.71, 0.67], np.float32)
"""One unit plus 0.3 eosin is a nucleus, about RGB (70, 40, 120)."""
_ERYTHROCYTE = np.array([0.16, 1.25, 1.02], np.float32)
"""Red blood cells, about RGB (218, 73, 92)."""
_GLASS = np.array([0.016, 0.026, 0.012], np.float32)
"""Empty slide (lumens, fat), about RGB (251, 248, 252)."""
_SUTURE = np.array([0.30, 0.34, 0.13], np.float32)
"""Glassy pale lilac-grey suture filament."""
_NUCLEUS_EOSIN = 0.3
_NUCLEUS_SCALE = 2.0 / 255.0
"""Nucleus values are drawn as 0-255 and mean 0-2 units of haematoxylin."""


@dataclass(frozen=True)
class HistologyImage:
    """One illustration, its scale, named points for arrows, and alt text."""

    pixels: NDArray[np.uint8]
    """(rows, columns, 3) RGB."""
    um_per_pixel: float
    features: Mapping[str, tuple[float, float]]
    """Named (x_px, y_px) points on the image."""
    description: str
    """One sentence saying what the illustration shows."""


# --------------------------------------------------------------------------------------------
# Drawing helpers


def _stain(eosin: float | _F, haematoxylin: float | _F = 0.0) -> _F:
    """Optical density of a stain mixture: (3,) for scalars, (rows, columns, 3) for maps."""
    e = np.asarray(eosin, np.float32)[..., None]
    h = np.asarray(haematoxylin, np.float32)[..., None]
    return np.asarray(e * _EOSIN + h * _HAEMATOXYLIN, np.float32)


def _smoothstep(edge0: float, edge1: float, x: NDArray[np.floating[Any]]) -> _F:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return np.asarray(t * t * (3.0 - 2.0 * t), np.float32)


def _noise(rng: _Rng, sigma: float) -> _F:
    """Gaussian-filtered white noise with unit standard deviation.

    Large sigmas are filtered on a coarse grid and enlarged, which is much faster and looks
    the same.
    """
    factor = max(1, int(sigma // 2.5))
    rows, columns = ROWS // factor + 3, COLUMNS // factor + 3
    small = ndimage.gaussian_filter(rng.standard_normal((rows, columns)), sigma / factor)
    small = (small - small.mean()) / max(float(small.std()), 1e-9)
    if factor > 1:
        image = Image.fromarray(small.astype(np.float32)).resize(
            (columns * factor, rows * factor), Image.Resampling.BICUBIC
        )
        small = np.asarray(image)
    return np.ascontiguousarray(small[:ROWS, :COLUMNS], dtype=np.float32)


def _sample(field: _F, points: _Points) -> _F:
    """Nearest-pixel values of ``field`` at (x, y) points."""
    ix = np.clip(np.rint(points[:, 0]).astype(np.intp), 0, field.shape[1] - 1)
    iy = np.clip(np.rint(points[:, 1]).astype(np.intp), 0, field.shape[0] - 1)
    return np.asarray(field[iy, ix], np.float32)


def _thin(points: _Points, spacing: float, rng: _Rng) -> _Points:
    """Greedy Poisson-disc thinning in random order: no two kept points closer than spacing."""
    if len(points) == 0:
        return points
    shuffled = points[rng.permutation(len(points))]
    pairs = cKDTree(shuffled).query_pairs(spacing, output_type="ndarray")
    keep = np.ones(len(shuffled), bool)
    if len(pairs):
        pairs = np.sort(pairs, axis=1)
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        starts = np.searchsorted(pairs[:, 0], np.arange(len(shuffled) + 1))
        for i in range(len(shuffled)):
            if keep[i] and starts[i + 1] > starts[i]:
                keep[pairs[starts[i] : starts[i + 1], 1]] = False
    return shuffled[keep]


def _scatter(mask: _Mask, spacing: float, rng: _Rng, fill: float = 1.0) -> _Points:
    """Poisson-disc points (x, y) inside ``mask``; ``fill`` < 1 leaves gaps."""
    index = np.flatnonzero(mask)
    if len(index) == 0:
        return np.zeros((0, 2))
    wanted = int(len(index) / (spacing * spacing * 0.75) * fill) + 1
    chosen = index[rng.integers(0, len(index), size=wanted * 4)]
    points = np.stack([chosen % mask.shape[1], chosen // mask.shape[1]], axis=1).astype(
        np.float64
    ) + rng.uniform(-0.5, 0.5, size=(len(chosen), 2))
    thinned = _thin(points, spacing, rng)
    if fill < 1.0:
        thinned = thinned[: max(1, int(len(thinned) * fill))]
    return thinned


def _blobs(
    centres: _Points,
    half_long: NDArray[np.float64],
    half_short: NDArray[np.float64],
    angle: NDArray[np.float64],
    rng: _Rng,
    irregular: float = 0.06,
    vertices: int = 16,
) -> NDArray[np.float64]:
    """Outlines (n, vertices, 2) of ellipses with wobbly edges, long axis along ``angle``."""
    n = len(centres)
    t = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)[None, :]
    wobble = np.ones((n, vertices))
    for harmonic in (2, 3):
        amplitude = rng.normal(0.0, irregular, size=(n, 1))
        phase = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1))
        wobble += amplitude * np.cos(harmonic * t + phase)
    x = half_long[:, None] * np.cos(t) * wobble
    y = half_short[:, None] * np.sin(t) * wobble
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return np.stack([centres[:, :1] + c * x - s * y, centres[:, 1:] + s * x + c * y], axis=2)


class _Sketch:
    """Shapes drawn on a supersampled canvas, read back as anti-aliased maps at image size.

    Each shape has a coverage and, optionally, a value (0-255) such as a nucleus's darkness;
    ``value()`` is the coverage-weighted value, so edges keep the shape's own value.
    """

    def __init__(self, values: bool = False) -> None:
        size = (COLUMNS * _SS, ROWS * _SS)
        self._cover = Image.new("L", size, 0)
        self._draw = ImageDraw.Draw(self._cover)
        self._value = Image.new("L", size, 0) if values else None
        self._value_draw = ImageDraw.Draw(self._value) if self._value is not None else None

    @staticmethod
    def _xy(points: NDArray[np.float64]) -> list[float]:
        return [float(v) for v in ((np.asarray(points) + 0.5) * _SS - 0.5).ravel()]

    def polygon(self, points: NDArray[np.float64], value: int = 255, cover: int = 255) -> None:
        xy = self._xy(points)
        self._draw.polygon(xy, fill=cover)
        if self._value_draw is not None:
            self._value_draw.polygon(xy, fill=value)

    def circle(self, x: float, y: float, radius: float, value: int = 255, cover: int = 255) -> None:
        cx, cy = (x + 0.5) * _SS - 0.5, (y + 0.5) * _SS - 0.5
        r = radius * _SS
        box = (cx - r, cy - r, cx + r, cy + r)
        self._draw.ellipse(box, fill=cover)
        if self._value_draw is not None:
            self._value_draw.ellipse(box, fill=value)

    def line(
        self,
        points: NDArray[np.float64],
        width: float,
        value: int = 255,
        round_joints: bool = False,
    ) -> None:
        """A polyline with round caps; round joints (slow) for wide, sharply bent lines."""
        xy = self._xy(points)
        pixels = max(1, round(width * _SS))
        joint = "curve" if round_joints else None
        self._draw.line(xy, fill=255, width=pixels, joint=joint)
        if self._value_draw is not None:
            self._value_draw.line(xy, fill=value, width=pixels, joint=joint)
        if width * _SS >= 3:
            for x, y in (points[0], points[-1]):
                self.circle(float(x), float(y), width / 2, value)

    def alpha(self) -> _F:
        return np.asarray(self._cover.reduce(_SS), np.float32) / 255.0

    def value(self) -> _F:
        """Mean value (0-255) of the shapes covering each pixel; 0 where none does."""
        if self._value is None:
            raise ValueError("this sketch has no values")
        cover = np.asarray(self._cover.reduce(_SS), np.float32)
        value = np.asarray(self._value.reduce(_SS), np.float32)
        return np.asarray(
            np.where(cover > 0, value * 255.0 / np.maximum(cover, 1.0), 0.0), np.float32
        )


class _Slide:
    """Optical density of the illustration, painted layer over layer."""

    def __init__(self) -> None:
        self.od = np.empty((ROWS, COLUMNS, 3), np.float32)
        self.od[:] = _GLASS

    def paint(self, alpha: NDArray[np.floating[Any]], od: _F) -> None:
        """Cover with ``od`` where ``alpha`` is 1, blend at partial coverage."""
        rows = np.flatnonzero(alpha.max(axis=1) > 0)
        if len(rows) == 0:
            return
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        a = alpha[top:bottom, :, None]
        layer = od[top:bottom] if od.ndim == 3 else od
        self.od[top:bottom] += a * (layer - self.od[top:bottom])

    def finish(self, rng: _Rng) -> NDArray[np.uint8]:
        """Transmitted light, with optical blur and a little sensor noise."""
        rgb = 255.0 * np.exp(-self.od)
        rgb = ndimage.gaussian_filter(rgb, sigma=(0.7, 0.7, 0.0))
        rgb += rng.normal(0.0, 1.3, size=rgb.shape).astype(np.float32)
        return np.asarray(np.clip(np.rint(rgb), 0, 255), dtype=np.uint8)


def _streamlines(
    angle: _F, starts: _Points, steps: int, step: float, rng: _Rng, crimp: float, wavelength: float
) -> NDArray[np.float64]:
    """Fibre paths (n, steps + 1, 2) following the direction field, with a wavy crimp."""
    n = len(starts)
    out = np.empty((n, steps + 1, 2))
    out[:, 0] = starts
    position = starts.astype(np.float64).copy()
    phase = rng.uniform(0.0, 2.0 * np.pi, n)
    wave = rng.uniform(0.75, 1.3, n) * wavelength
    for k in range(steps):
        direction = _sample(angle, position) + crimp * np.sin(2.0 * np.pi * k * step / wave + phase)
        position += step * np.stack([np.cos(direction), np.sin(direction)], axis=1)
        out[:, k + 1] = position
    return out


def _collagen(
    rng: _Rng, angle: _F, bundles: int, clefts: int, width: tuple[float, float], crimp: float
) -> tuple[_F, _F]:
    """Coverage of collagen bundles and of the thin clear clefts between them."""
    bundle = _Sketch()
    starts = rng.uniform((-40, -40), (COLUMNS + 40, ROWS + 40), size=(bundles, 2))
    paths = _streamlines(angle, starts, 34, 2.5, rng, crimp, 30.0)
    widths = rng.uniform(*width, size=bundles)
    for path, w in zip(paths, widths, strict=True):
        bundle.line(path, float(w))
    cleft = _Sketch()
    starts = rng.uniform((-40, -40), (COLUMNS + 40, ROWS + 40), size=(clefts, 2))
    paths = _streamlines(angle, starts, 30, 2.5, rng, crimp, 30.0)
    for path in paths:
        cleft.line(path, float(rng.uniform(0.6, 1.3)))
    return bundle.alpha(), cleft.alpha()


def _angle_of(vx: _F, vy: _F) -> _F:
    return np.asarray(np.arctan2(vy, vx), np.float32)


def _nuclei(
    sketch: _Sketch,
    centres: _Points,
    half_long: NDArray[np.float64],
    half_short: NDArray[np.float64],
    angle: NDArray[np.float64],
    darkness: NDArray[np.float64],
    rng: _Rng,
    irregular: float = 0.06,
) -> NDArray[np.float64]:
    """Draw nuclei (darkness in units of haematoxylin); returns their outlines."""
    outlines = _blobs(centres, half_long, half_short, angle, rng, irregular)
    values = np.clip(np.rint(darkness / _NUCLEUS_SCALE), 1, 255).astype(int)
    for outline, value in zip(outlines, values, strict=True):
        sketch.polygon(outline, int(value))
    return outlines


def _paint_nuclei(slide: _Slide, sketch: _Sketch, rng: _Rng) -> None:
    alpha = sketch.alpha()
    darkness = sketch.value() * _NUCLEUS_SCALE
    chromatin = 1.0 + 0.16 * _noise(rng, 0.7)
    slide.paint(alpha, _stain(np.full_like(darkness, _NUCLEUS_EOSIN), darkness * chromatin))


def _cell_nuclei(
    sketch: _Sketch,
    centres: _Points,
    rng: _Rng,
    half_long: _Range,
    half_short: _Range,
    darkness: _Range,
    angle: NDArray[np.float64] | None = None,
    angle_jitter: float = 0.0,
    irregular: float = 0.06,
) -> None:
    """Draw nuclei whose half-axes and darkness are uniform draws from the given ranges.

    The long axis lies along ``angle`` (plus normal jitter if ``angle_jitter`` is set), or
    in a random direction if no angle is given. The draws are made in the order long axis,
    short axis, angle, darkness, then the outlines' wobble.
    """
    n = len(centres)
    long_axis = rng.uniform(*half_long, n)
    short_axis = rng.uniform(*half_short, n)
    if angle is None:
        angle = rng.uniform(0, np.pi, n)
    elif angle_jitter:
        angle = angle + rng.normal(0, angle_jitter, n)
    dark = rng.uniform(*darkness, n)
    _nuclei(sketch, centres, long_axis, short_axis, angle, dark, rng, irregular)


def _lymphocytes(sketch: _Sketch, centres: _Points, rng: _Rng, darkness: _Range) -> None:
    """Small round dark lymphocyte nuclei."""
    _cell_nuclei(sketch, centres, rng, (2.2, 2.7), (2.0, 2.4), darkness, irregular=0.04)


def _blob(
    centre: _Points,
    half_long: float,
    half_short: float,
    angle: float,
    rng: _Rng,
    irregular: float = 0.06,
    vertices: int = 16,
) -> NDArray[np.float64]:
    """The outline (vertices, 2) of one wobbly ellipse centred on the point ``centre``."""
    outline: NDArray[np.float64] = _blobs(
        centre[None, :],
        np.array([half_long]),
        np.array([half_short]),
        np.array([angle]),
        rng,
        irregular,
        vertices,
    )[0]
    return outline


class _Vessels:
    """Small vessels drawn into wall, lumen and red-cell sketches, painted together."""

    def __init__(self, nuclei: _Sketch) -> None:
        self.walls, self.lumens, self.blood = _Sketch(), _Sketch(), _Sketch()
        self.nuclei = nuclei
        """Shared nuclei sketch that receives the endothelial nuclei."""

    def add(
        self, at: _Points, rx: float, ry: float, angle: float, rng: _Rng, packed: bool = False
    ) -> None:
        """A small vessel: pink wall, lumen with red cells (``packed`` fills it), endothelium."""
        x, y = float(at[0]), float(at[1])
        one = np.array([x, y])
        self.walls.polygon(_blob(one, rx + 2.5, ry + 2.5, angle, rng, 0.03))
        self.lumens.polygon(_blob(one, rx, ry, angle, rng, 0.03))
        c, s = math.cos(angle), math.sin(angle)
        fill = rng.uniform(1.0, 1.4) if packed else rng.uniform(0.2, 0.8)
        count = max(1, int(rx * ry * fill / 6.0))
        for _ in range(count):
            a, r = rng.uniform(0.0, 2.0 * np.pi), math.sqrt(rng.uniform()) * 0.8
            p, q = r * rx * math.cos(a), r * ry * math.sin(a)
            self.blood.circle(x + c * p - s * q, y + s * p + c * q, 2.5)
        count = max(2, int((rx + ry) / 5))
        t = rng.uniform(0.0, 2.0 * np.pi) + np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
        u, v = (rx + 1.0) * np.cos(t), (ry + 1.0) * np.sin(t)
        centres = np.stack([x + c * u - s * v, y + s * u + c * v], axis=1)
        du, dv = -rx * np.sin(t), ry * np.cos(t)
        tangent = np.arctan2(s * du + c * dv, c * du - s * dv)
        _nuclei(
            self.nuclei,
            centres,
            np.full(count, 4.0),
            np.full(count, 1.3),
            tangent,
            np.full(count, 1.0),
            rng,
        )

    def paint(self, slide: _Slide, wall_eosin: float) -> None:
        """Paint walls, then lumens, then red cells."""
        slide.paint(self.walls.alpha(), _stain(wall_eosin, 0.06))
        slide.paint(self.lumens.alpha(), _stain(0.4, 0.02))
        slide.paint(self.blood.alpha(), _ERYTHROCYTE)


# --------------------------------------------------------------------------------------------
# Panel B: intraductal papilloma


@dataclass(frozen=True)
class _Branch:
    skeleton: _Points
    """(n, 2) points along the fibrovascular core's axis."""
    radius: float
    """Half-width of the core."""
    depth: int


def _branch_path(start: _Points, angle: float, length: float, rng: _Rng) -> _Points:
    steps = max(4, int(length / 8.0))
    bend = rng.normal(0.0, 0.45)
    angles = angle + bend * np.linspace(0.0, 1.0, steps) + np.cumsum(rng.normal(0, 0.06, steps))
    moves = (length / steps) * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return np.asarray(np.vstack([start[None, :], start[None, :] + np.cumsum(moves, axis=0)]))


class _Pool:
    """Skeleton points and core radii of the fronds placed so far, for overlap checks."""

    def __init__(self) -> None:
        self.points = np.zeros((0, 2))
        self.radii = np.zeros(0)

    def add(self, branch: _Branch) -> None:
        self.points = np.vstack([self.points, branch.skeleton])
        self.radii = np.concatenate([self.radii, np.full(len(branch.skeleton), branch.radius)])


def _fits(path: _Points, radius: float, pool: _Pool, clearance: _F, exempt: float) -> bool:
    """Whether a core fits in the lumen, its lining clear of the wall and of other fronds."""
    lining = 16.0
    if np.any(_sample(clearance, path) < radius + lining + 3.0):
        return False
    start = path[0]
    mine = path[np.hypot(*(path - start).T) > exempt]
    keep = np.hypot(*(pool.points - start).T) > exempt
    if len(mine) == 0 or not keep.any():
        return True
    theirs, their_r = pool.points[keep], pool.radii[keep]
    gap = np.hypot(mine[:, None, 0] - theirs[None, :, 0], mine[:, None, 1] - theirs[None, :, 1])
    return bool(np.all(gap >= radius + their_r[None, :] + 2 * lining + 3.0))


_RADII = (22.0, 15.0, 11.5, 9.5, 8.0, 7.0)
_LENGTHS = (150.0, 120.0, 100.0, 85.0, 70.0, 60.0)


def _grow_fronds(
    rng: _Rng, clearance: _F, roots: list[tuple[_Points, float, int]]
) -> list[_Branch]:
    """Branching papillary trees from stalks on the duct wall, then fronds cut across."""
    branches: list[_Branch] = []
    pool = _Pool()

    def grow(queue: list[_Branch]) -> None:
        while queue:
            parent = queue.pop(0)
            depth = parent.depth + 1
            if depth >= len(_RADII):
                continue
            heading = math.atan2(*(parent.skeleton[-1] - parent.skeleton[-2])[::-1])
            children = 3 if rng.uniform() < 0.45 else 2
            spread = np.linspace(-1.0, 1.0, children) * rng.uniform(0.5, 0.85)
            for offset in spread:
                for attempt in range(6):
                    shrink = 1.0 - 0.12 * attempt
                    at = int(len(parent.skeleton) * rng.uniform(0.45, 1.0)) - 1
                    start = parent.skeleton[max(at, 1)]
                    length = _LENGTHS[depth] * rng.uniform(0.8, 1.25) * shrink
                    turn = heading + offset * (1.0 + 0.15 * attempt) + rng.normal(0.0, 0.25)
                    path = _branch_path(start, float(turn), length, rng)
                    radius = _RADII[depth] * rng.uniform(0.9, 1.1)
                    exempt = parent.radius + radius + 24.0
                    if _fits(path, radius, pool, clearance, exempt):
                        child = _Branch(path, radius, depth)
                        branches.append(child)
                        pool.add(child)
                        queue.append(child)
                        break

    for root, angle, depth in roots:
        stalk = _branch_path(root, angle, _LENGTHS[depth] + 40.0, rng)
        branches.append(_Branch(stalk, _RADII[depth], depth))
        pool.add(branches[-1])
        grow([branches[-1]])
    # Fronds cut across, lying free in the lumen: small branched pieces.
    islands = 0
    for _ in range(400):
        if islands >= 4:
            break
        centre = rng.uniform((0, 0), (COLUMNS, ROWS))
        depth = int(rng.integers(3, 5))
        path = _branch_path(
            centre, float(rng.uniform(0, 2 * np.pi)), _LENGTHS[depth] * rng.uniform(0.6, 1.0), rng
        )
        radius = _RADII[depth] * rng.uniform(0.95, 1.15)
        if _fits(path, radius, pool, clearance, 0.0):
            branches.append(_Branch(path, radius, depth))
            pool.add(branches[-1])
            grow([branches[-1]])
            islands += 1
    return branches


def papilloma(seed: int = 2003) -> HistologyImage:
    """Panel B: intraductal papilloma of the breast, H&E x100."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:ROWS, 0:COLUMNS].astype(np.float32)

    # The dilated duct: an irregular ellipse.
    cx, cy = 540.0 + rng.uniform(-10, 10), 392.0 + rng.uniform(-8, 8)
    ax, ay = 375.0, 280.0
    theta = np.arctan2((yy - cy) / ay, (xx - cx) / ax)
    wobble = 1.0 + sum(
        rng.uniform(0.01, 0.035) * np.sin(k * theta + rng.uniform(0, 2 * np.pi)) for k in (2, 3, 5)
    )
    rho = np.hypot((xx - cx) / ax, (yy - cy) / ay) / wobble
    duct = rho < 1.0
    # Distance from the duct outline, to first order: (rho - 1) / |grad rho|.
    rho_gy, rho_gx = np.gradient(rho)
    from_outline = (rho - 1.0) / np.maximum(np.hypot(rho_gx, rho_gy), 1e-6)
    clearance = np.asarray(np.maximum(-from_outline, 0.0), np.float32)
    outside = np.asarray(np.maximum(from_outline, 0.0), np.float32)

    # Papillary trees: the main stalk on the lower-left wall, a smaller one on the right.
    roots: list[tuple[_Points, float, int]] = []
    for phi_deg, depth in ((150.0, 0), (5.0, 1)):
        phi = math.radians(phi_deg + rng.uniform(-6, 6))
        root = np.array([cx + 1.05 * ax * math.cos(phi), cy + 1.05 * ay * math.sin(phi)])
        heading = math.atan2(cy - root[1], cx - root[0]) + rng.uniform(-0.15, 0.15)
        roots.append((root, heading, depth))
    branches = _grow_fronds(rng, clearance, roots)
    cores = _Sketch()
    for branch in branches:
        cores.line(branch.skeleton, 2.0 * branch.radius, round_joints=True)
    core_mask = cores.alpha() > 0.5

    # Signed distance from the stroma (duct wall and cores) into the lumen, with a gently
    # undulating surface.
    stroma_mask = ~duct | core_mask
    signed = np.asarray(
        ndimage.distance_transform_edt(~stroma_mask) - ndimage.distance_transform_edt(stroma_mask),
        np.float32,
    )
    surface = ndimage.gaussian_filter(signed, 1.3) + 1.1 * _noise(rng, 5.0)
    broad = ndimage.gaussian_filter(signed, 4.0)
    gy, gx = np.gradient(broad)
    normal = _angle_of(gx, gy)

    # Fibre direction: along the surfaces near the duct, wandering further out.
    wander = 0.9 * _noise(rng, 110.0)
    far = _smoothstep(40.0, 130.0, outside)
    vx = (1 - far) * -np.sin(normal) + far * np.cos(wander)
    vy = (1 - far) * np.cos(normal) + far * np.sin(wander)
    fibre_angle = _angle_of(vx, vy)
    bundle, cleft = _collagen(rng, fibre_angle, 2600, 900, (1.5, 4.0), 0.3)

    # Stroma: dense collagen in the duct wall, loose pale stroma in the cores and around.
    wall_width = 36.0 + 8.0 * _noise(rng, 40.0)
    wall = 1.0 - _smoothstep(0.0, 1.0, (outside - wall_width) / 14.0 + 0.5)
    wall = np.where(duct, 0.0, wall)
    loose = 0.58 + 0.08 * _noise(rng, 50.0)
    density = np.where(duct, 0.52, loose + (1.15 - loose) * wall)
    density = ndimage.gaussian_filter(density, 3.0)
    contrast = np.where(duct, 0.18, 0.3 + 0.35 * (1.0 - wall))
    grain = _noise(rng, 0.9)
    mottle = _noise(rng, 6.0)
    eosin = (
        density
        * (1.0 + contrast * (bundle - 0.5))
        * (1.0 - np.where(duct, 0.25, 0.5) * cleft)
        * (1.0 + 0.06 * grain + 0.08 * mottle)
    )
    slide = _Slide()
    slide.paint(_smoothstep(0.6, -0.6, surface), _stain(eosin, 0.02))

    # Fat lobules: empty polygonal adipocytes with thin pink membranes.
    seeds = _scatter(np.ones((ROWS, COLUMNS), bool), 21.0, rng)
    seeds = seeds[rng.uniform(size=len(seeds)) < 0.6]
    label_image = np.zeros((ROWS, COLUMNS), np.int32)
    ix = np.clip(np.rint(seeds[:, 0]).astype(int), 0, COLUMNS - 1)
    iy = np.clip(np.rint(seeds[:, 1]).astype(int), 0, ROWS - 1)
    label_image[iy, ix] = np.arange(1, len(seeds) + 1)
    nearest = ndimage.distance_transform_edt(
        label_image == 0, return_distances=False, return_indices=True
    )
    cells = label_image[nearest[0], nearest[1]]
    fatness = _noise(rng, 90.0) + 0.008 * (outside - 120.0)
    fat_cell = np.zeros(len(seeds) + 1, bool)
    fat_cell[1:] = (_sample(fatness, seeds) > 0.75) & (_sample(outside, seeds) > 80.0)
    fat = fat_cell[cells]
    edge = np.zeros((ROWS, COLUMNS), bool)
    edge[:, 1:] |= cells[:, 1:] != cells[:, :-1]
    edge[1:, :] |= cells[1:, :] != cells[:-1, :]
    membrane = np.clip(ndimage.gaussian_filter(edge.astype(np.float32), 0.6) * 2.4, 0, 1)
    fat_alpha = ndimage.gaussian_filter(fat.astype(np.float32), 0.8) * (1.0 - membrane)
    slide.paint(np.asarray(fat_alpha, np.float32), _GLASS)
    fat_zone = ndimage.binary_dilation(fat, iterations=2)
    slide.paint(np.asarray(membrane * fat_zone * 0.8, np.float32), _stain(0.8, 0.02))

    # Feature points chosen from the geometry; nothing else is drawn over them.
    def tip_score(branch: _Branch) -> float:
        tip = branch.skeleton[-1:]
        return float(_sample(clearance, tip)[0]) - 0.5 * float(np.hypot(*(tip[0] - (cx, cy))))

    frond_point: _Points | None = None
    starts = np.array([b.skeleton[0] for b in branches])
    for frond_branch in sorted(
        (b for b in branches if 2 <= b.depth < len(_RADII)), key=tip_score, reverse=True
    ):
        tip, before = frond_branch.skeleton[-1], frond_branch.skeleton[-2]
        if np.any(np.hypot(*(starts - tip).T) < frond_branch.radius + 12.0):
            continue  # another frond grows on from this tip
        tip_dir = (tip - before) / max(float(np.hypot(*(tip - before))), 1e-6)
        # From the tip of the core outwards, to the middle of the epithelium.
        reach = np.arange(0.0, frond_branch.radius + 30.0, 0.5)[:, None]
        steps = tip[None, :] + tip_dir[None, :] * reach
        along = _sample(surface, steps)
        in_epithelium = np.flatnonzero(along >= 7.5)
        # ... and on into open lumen just beyond, so the tip is free, not against a neighbour.
        if len(in_epithelium) and np.any(along[in_epithelium[0] : in_epithelium[0] + 30] > 22.0):
            frond_point = steps[in_epithelium[0]]
            break
    if frond_point is None:
        raise RuntimeError("no free frond tip for the arrow")
    # The core arrow: deep in a main frond, where the loose stroma is pinkest.
    axis_points = np.vstack([b.skeleton for b in branches if 1 <= b.depth <= 3])
    deep = (
        (np.abs(_sample(surface, axis_points) + 14.0) < 5.0)
        & (_sample(clearance, axis_points) > 40.0)
        & np.all(
            (axis_points > EDGE_MARGIN_PX + 10)
            & (axis_points < (COLUMNS - EDGE_MARGIN_PX - 10, ROWS - EDGE_MARGIN_PX - 10)),
            axis=1,
        )
    )
    axis_points = axis_points[deep]
    core_point = axis_points[np.argmax(_sample(ndimage.uniform_filter(eosin, 9), axis_points))]
    wall_angles = np.radians(np.arange(-80.0, 10.0, 1.5))
    wall_candidates = np.stack(
        [cx + (ax + 18) * np.cos(wall_angles), cy + (ay + 18) * np.sin(wall_angles)], axis=1
    )
    inside_margin = np.all(
        (wall_candidates > EDGE_MARGIN_PX + 4)
        & (wall_candidates < (COLUMNS - EDGE_MARGIN_PX - 4, ROWS - EDGE_MARGIN_PX - 4)),
        axis=1,
    )
    wall_candidates = wall_candidates[inside_margin]
    wall_candidates = wall_candidates[np.abs(_sample(outside, wall_candidates) - 17.0) < 5.0]
    wall_point = wall_candidates[
        np.argmax(_sample(ndimage.uniform_filter(eosin, 7), wall_candidates))
    ]
    reserved = np.array([core_point, wall_point])

    def clear_of_features(points: _Points, distance: float) -> _Mask:
        gaps = np.hypot(*(points[:, None, :] - reserved[None, :, :]).transpose(2, 0, 1))
        return np.asarray(np.all(gaps > distance, axis=1))

    # Capillaries along the fibrovascular cores, and a few vessels in the stroma.
    nuclei = _Sketch(values=True)
    vessels = _Vessels(nuclei)
    for branch in branches:
        skeleton = branch.skeleton
        if len(skeleton) < 4 or rng.uniform() < 0.62:
            continue
        i = int(rng.integers(1, len(skeleton) - 2))
        heading_i = math.atan2(*(skeleton[i + 1] - skeleton[i - 1])[::-1])
        side = rng.uniform(-0.3, 0.3) * branch.radius
        at = skeleton[i] + side * np.array([-math.sin(heading_i), math.cos(heading_i)])
        if not clear_of_features(at[None, :], 18.0)[0]:
            continue
        rx = rng.uniform(6.0, 12.0)
        ry = min(rng.uniform(2.8, 4.5), branch.radius * 0.3)
        vessels.add(at, rx, ry, heading_i, rng, packed=True)
    for _ in range(14):
        at = rng.uniform((20, 20), (COLUMNS - 20, ROWS - 20))
        if _sample(outside, at[None, :])[0] > 60 and not fat[int(at[1]), int(at[0])]:
            rx = rng.uniform(5.0, 11.0)
            vessels.add(at, rx, rx * rng.uniform(0.5, 0.9), rng.uniform(0, np.pi), rng)
    vessels.paint(slide, 1.1)

    # The two-cell lining on a thin basement membrane: myoepithelial cells with clear
    # cytoplasm on the stroma, then the luminal epithelium, on fronds and duct wall alike.
    height = 14.5 + 2.2 * _noise(rng, 12.0)
    lining = _smoothstep(-0.6, 0.6, surface) * (1.0 - _smoothstep(-0.7, 0.7, surface - height))
    cytoplasm = 0.8 + 0.1 * _noise(rng, 1.2)
    slide.paint(lining, _stain(cytoplasm, 0.12 + 0.03 * grain))
    myo_band = _smoothstep(-0.6, 0.4, surface) * (1.0 - _smoothstep(3.6, 5.0, surface))
    slide.paint(myo_band * 0.9, _stain(0.34, 0.08))
    basement = np.exp(-((surface + 0.3) ** 2) / 0.5) * 0.8
    slide.paint(np.asarray(basement, np.float32), _stain(1.25, 0.05))

    # Nuclei: stromal spindle cells, myoepithelial cells, luminal cells, a few lymphocytes.
    stroma_here = (surface < -3.0) & ~fat
    spindle = _scatter(stroma_here, 18.0, rng)
    keep = rng.uniform(size=len(spindle)) < np.where(_sample(wall, spindle) > 0.5, 0.75, 0.45)
    spindle = spindle[keep & clear_of_features(spindle, 8.0)]
    spindle_angle = _sample(fibre_angle, spindle).astype(np.float64)
    _cell_nuclei(nuclei, spindle, rng, (3.5, 5.5), (1.0, 1.5), (0.9, 1.1), spindle_angle)
    fat_nuclei = _scatter(edge & fat, 60.0, rng, fill=0.5)
    _cell_nuclei(nuclei, fat_nuclei, rng, (3.0, 4.0), (1.0, 1.3), (0.9, 1.1))
    lymph = _scatter((outside > 30) & (outside < 140) & ~fat, 30.0, rng, fill=0.2)
    _lymphocytes(nuclei, lymph, rng, (1.2, 1.4))
    myo = _scatter(np.abs(surface - 2.1) < 0.7, 7.5, rng, fill=0.85)
    myo_angle = _sample(normal, myo).astype(np.float64) + np.pi / 2
    _cell_nuclei(nuclei, myo, rng, (3.8, 4.8), (1.4, 1.7), (1.15, 1.3), myo_angle, irregular=0.04)
    luminal = _scatter(np.abs(surface - 8.0) < 0.7, 4.6, rng)
    upper = _scatter(np.abs(surface - 11.8) < 0.6, 5.5, rng, fill=0.35)
    luminal = np.vstack([luminal, upper[_sample(height, upper) > 14.5]])
    luminal_angle = _sample(normal, luminal).astype(np.float64)
    _cell_nuclei(nuclei, luminal, rng, (3.1, 3.8), (1.9, 2.4), (0.85, 1.05), luminal_angle, 0.15)
    _paint_nuclei(slide, nuclei, rng)
    pixels = slide.finish(rng)

    # The myoepithelial arrow points at a clear, dark myoepithelial nucleus on a frond.
    apart, _ = cKDTree(luminal).query(myo)
    outwards = myo_angle - np.pi / 2
    beyond = myo + 22.0 * np.stack([np.cos(outwards), np.sin(outwards)], axis=1)
    candidates = myo[
        (_sample(rho, myo) < 0.8)
        & (apart > 6.0)
        & (_sample(surface, beyond) > 19.0)
        & np.all(
            (myo > EDGE_MARGIN_PX) & (myo < (COLUMNS - EDGE_MARGIN_PX, ROWS - EDGE_MARGIN_PX)),
            axis=1,
        )
    ]
    lum = pixels.astype(np.float32).mean(axis=2)
    darkness = ndimage.uniform_filter(lum, 3)
    myo_point = candidates[np.argmin(_sample(darkness, candidates))]
    features = {
        "frond": (float(frond_point[0]), float(frond_point[1])),
        "fibrovascular_core": (float(core_point[0]), float(core_point[1])),
        "myoepithelial_layer": (float(myo_point[0]), float(myo_point[1])),
        "duct_wall": (float(wall_point[0]), float(wall_point[1])),
    }
    return HistologyImage(
        pixels=pixels,
        um_per_pixel=UM_PER_PIXEL,
        features=MappingProxyType(features),
        description=(
            "Illustration of an intraductal papilloma (H&E, x100): branching papillary fronds "
            "with pale fibrovascular cores, lined by epithelium over a preserved myoepithelial "
            "layer, fill a dilated duct with a dense pink collagen wall, set in breast stroma "
            "with fat."
        ),
    )


def _nest_outline(
    centre: _Points, radius: float, stretch: float, angle: float, rng: _Rng
) -> NDArray[np.float64]:
    """An angular, irregular tumour-nest outline, elongated along ``angle``."""
    vertices = int(rng.integers(9, 15))
    t = np.sort(rng.uniform(0.0, 2.0 * np.pi, vertices))
    r = np.ones(vertices)
    for harmonic in (2, 3, 5):
        r += rng.normal(0.0, 0.12) * np.cos(harmonic * t + rng.uniform(0, 2 * np.pi))
    r *= radius * rng.uniform(0.82, 1.15, vertices)
    x, y = r * np.cos(t) * stretch, r * np.sin(t) / math.sqrt(stretch)
    c, s = math.cos(angle), math.sin(angle)
    return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], axis=1)


class _Discs:
    """Discs (x, y, r) already taken by nests, cords and vessels, for overlap checks."""

    def __init__(self) -> None:
        self.xyr = np.zeros((0, 3))

    def add(self, points: _Points, radius: float) -> None:
        rows = np.column_stack([points, np.full(len(points), radius)])
        self.xyr = np.vstack([self.xyr, rows])

    def free(self, points: _Points, radius: float, gap: float) -> bool:
        d = self.xyr
        dist = np.hypot(points[:, None, 0] - d[None, :, 0], points[:, None, 1] - d[None, :, 1])
        return bool(np.all(dist >= radius + d[None, :, 2] + gap))


def carcinoma_in_scar(seed: int = 2005) -> HistologyImage:
    """Panel H: a 4 mm invasive ductal carcinoma in an excision scar, H&E x100."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:ROWS, 0:COLUMNS].astype(np.float32)

    # Scar collagen: broad sweeping bundles.
    fibre_angle = np.asarray(0.3 + 0.55 * _noise(rng, 140.0) + 0.2 * _noise(rng, 45.0), np.float32)
    bundle, cleft = _collagen(rng, fibre_angle, 2600, 1400, (2.5, 6.0), 0.28)

    # Where things go: the foreign-body reaction upper right, pure scar lower right, tumour
    # infiltrating the rest.
    reaction = np.array([800.0, 255.0]) + rng.uniform(-10, 10, 2)
    scar_centre = np.array([835.0, 615.0]) + rng.uniform(-10, 10, 2)
    tumour_bias = _noise(rng, 90.0) + 1.4 * (1.0 - xx / COLUMNS)
    excluded = (np.hypot(xx - reaction[0], yy - reaction[1]) < 175) | (
        np.hypot(xx - scar_centre[0], yy - scar_centre[1]) < 105
    )

    discs = _Discs()
    nests = _Sketch()
    nest_list: list[tuple[_Points, float]] = []
    featured = [
        np.array([255.0, 290.0]) + rng.uniform(-15, 15, 2),
        np.array([505.0, 560.0]) + rng.uniform(-15, 15, 2),
    ]
    for centre, radius in zip(featured, (44.0, 38.0), strict=True):
        outline = _nest_outline(
            centre,
            radius,
            rng.uniform(1.1, 1.4),
            float(_sample(fibre_angle, centre[None, :])[0]),
            rng,
        )
        nests.polygon(outline)
        nest_list.append((centre, radius))
        discs.add(centre[None, :], radius * 1.3)
    attempts = 0
    while attempts < 3000 and len(nest_list) < 110:
        attempts += 1
        centre = rng.uniform((10, 10), (COLUMNS - 10, ROWS - 10))
        iy, ix = int(centre[1]), int(centre[0])
        if excluded[iy, ix] or tumour_bias[iy, ix] < rng.uniform(-0.8, 1.0):
            continue
        radius = float(
            rng.choice(
                [rng.uniform(8, 14), rng.uniform(14, 30), rng.uniform(30, 50)], p=[0.25, 0.45, 0.3]
            )
        )
        stretch = rng.uniform(1.0, 2.0)
        if not discs.free(centre[None, :], radius * math.sqrt(stretch), 8.0):
            continue
        outline = _nest_outline(
            centre, radius, stretch, float(_sample(fibre_angle, centre[None, :])[0]), rng
        )
        nests.polygon(outline)
        nest_list.append((centre, radius))
        discs.add(centre[None, :], radius * math.sqrt(stretch))
    # Cords and single files squeezed between the collagen bundles.
    cords = 0
    for _ in range(400):
        if cords >= 70:
            break
        start = rng.uniform((0, 0), (COLUMNS, ROWS))
        iy, ix = int(start[1]), int(start[0])
        if excluded[iy, ix] or tumour_bias[iy, ix] < rng.uniform(-0.6, 1.2):
            continue
        steps = int(rng.integers(10, 30))
        path = _streamlines(fibre_angle, start[None, :], steps, 5.0, rng, 0.15, 60.0)[0]
        width = float(rng.choice([rng.uniform(7.0, 9.0), rng.uniform(10.0, 15.0)]))
        on_image = (path[:, 0] > -20) & (path[:, 0] < COLUMNS + 20)
        if not on_image.all() or np.any(_sample(excluded.astype(np.float32), path) > 0):
            continue
        if not discs.free(path, width / 2, 9.0):
            continue
        nests.line(path, width, round_joints=True)
        discs.add(path[::2], width / 2)
        cords += 1
    nest_alpha = _smoothstep(0.25, 0.75, ndimage.gaussian_filter(nests.alpha(), 1.8))
    nest_mask = nest_alpha > 0.5
    depth_in = np.asarray(ndimage.distance_transform_edt(nest_mask), np.float32)
    depth_out = np.asarray(ndimage.distance_transform_edt(~nest_mask), np.float32)

    # The foreign-body reaction: a bundle of suture filaments cut across, giant cells on and
    # around it, histiocytes and lymphocytes.
    bundle_centre = reaction + np.array([35.0, 15.0])
    filaments = _thin(bundle_centre + rng.normal(0.0, 14.0, size=(150, 2)), 14.5, rng)[:15]
    filament_r = rng.uniform(5.0, 7.0, len(filaments))
    granuloma = _Sketch()
    granuloma.polygon(_blob(bundle_centre, 62.0, 52.0, rng.uniform(0, np.pi), rng, 0.12, 40))
    giant_specs = [(reaction + np.array([-95.0, -20.0]) + rng.uniform(-6, 6, 2), 46.0, 32.0, 0.0)]
    outward = filaments - bundle_centre
    order = np.argsort(-np.hypot(*outward.T))
    chosen: list[int] = []
    for i in order:
        ang = math.atan2(outward[i, 1], outward[i, 0])
        taken = [math.atan2(outward[j, 1], outward[j, 0]) for j in chosen]
        if all(abs((ang - t + np.pi) % (2 * np.pi) - np.pi) > 1.0 for t in taken):
            chosen.append(int(i))
        if len(chosen) == 4:
            break
    for i in chosen:
        direction = outward[i] / max(float(np.hypot(*outward[i])), 1e-6)
        centre = filaments[i] + direction * (filament_r[i] + rng.uniform(4.0, 9.0))
        tangent = math.atan2(direction[1], direction[0]) + np.pi / 2
        giant_specs.append(
            (centre, float(rng.uniform(24, 31)), float(rng.uniform(15, 19)), tangent)
        )
    giants = _Sketch()
    nuclei = _Sketch(values=True)
    giant_outlines = []
    for k, (centre, half_long, half_short, angle) in enumerate(giant_specs):
        if k == 0:
            angle = float(rng.uniform(-0.5, 0.5))
        outline = _blob(centre, half_long, half_short, angle, rng, 0.08, 32)
        giants.polygon(outline)
        giant_outlines.append(outline)
    first = giant_specs[0]
    # A fragment of suture taken up at the edge of the largest giant cell.
    swallowed_at = (float(first[0][0] + 0.6 * first[1]), float(first[0][1] + 0.1 * first[2]))
    swallowed_r = float(rng.uniform(4.5, 5.5))
    reaction_ring = np.hypot(xx - bundle_centre[0], yy - bundle_centre[1])

    # Paint: stroma, vessels, clefts round the nests, nests, reaction.
    slide = _Slide()
    grain = _noise(rng, 0.9)
    mottle = _noise(rng, 8.0)
    density = 0.98 + 0.06 * _noise(rng, 60.0)
    eosin = (
        density
        * (1.0 + 0.32 * (bundle - 0.5))
        * (1.0 - 0.6 * cleft)
        * (1.0 + 0.05 * grain + 0.06 * mottle)
    )
    slide.paint(np.ones((ROWS, COLUMNS), np.float32), _stain(eosin, 0.02))
    vessels = _Vessels(nuclei)
    vessel_count = 0
    for _ in range(200):
        at = rng.uniform((20, 20), (COLUMNS - 20, ROWS - 20))
        rx = float(rng.uniform(5.0, 12.0))
        if vessel_count < 9 and discs.free(at[None, :], rx + 4, 6.0):
            ry = rx * rng.uniform(0.4, 0.8)
            along = float(_sample(fibre_angle, at[None, :])[0])
            vessels.add(at, rx, ry, along, rng, rng.uniform() < 0.5)
            discs.add(at[None, :], rx + 4)
            vessel_count += 1
    vessels.paint(slide, 1.15)
    retraction = (1.0 - _smoothstep(1.0, 3.0, depth_out)) * _smoothstep(-0.3, 0.3, _noise(rng, 9.0))
    slide.paint(np.asarray(retraction, np.float32), _GLASS)
    tumour_cytoplasm = 0.82 + 0.1 * _noise(rng, 1.5)
    slide.paint(nest_alpha, _stain(tumour_cytoplasm, 0.2 + 0.03 * grain))
    slide.paint(granuloma.alpha() * 0.95, _stain(0.62 + 0.08 * _noise(rng, 2.0), 0.1))
    giant_alpha = giants.alpha()
    slide.paint(giant_alpha, _stain(1.15 + 0.08 * _noise(rng, 2.0), 0.17))
    suture = _Sketch()
    rim = _Sketch()
    for (x, y), r in zip(filaments, filament_r, strict=True):
        rim.circle(float(x), float(y), float(r) + 1.0)
        suture.circle(float(x), float(y), float(r))
    rim.circle(*swallowed_at, swallowed_r + 1.0)
    suture.circle(*swallowed_at, swallowed_r)
    slide.paint(rim.alpha(), _stain(0.7, 0.45))
    suture_alpha = suture.alpha()
    slide.paint(suture_alpha, _SUTURE)
    histio = granuloma

    # Nuclei. Fibroblasts first, where no cell nest or giant cell covers them.
    tissue_free = ~nest_mask & (depth_out > 4) & (giant_alpha < 0.1)
    free = tissue_free & (suture_alpha < 0.1) & (histio.alpha() < 0.1)
    fibro = _scatter(free, 24.0, rng, fill=0.75)
    fibro_angle = _sample(fibre_angle, fibro).astype(np.float64)
    _cell_nuclei(nuclei, fibro, rng, (3.2, 6.5), (0.9, 1.5), (0.9, 1.15), fibro_angle)
    # Lymphocytes: crowded in the reaction, sparse at the tumour edge.
    ring = (
        (reaction_ring > 45)
        & (reaction_ring < 120)
        & (np.hypot(xx - giant_specs[0][0][0], yy - giant_specs[0][0][1]) > 40)
    )
    lymph = np.vstack(
        [
            _scatter(free & ring, 10.0, rng, fill=0.35),
            _scatter(free & (depth_out < 30), 12.0, rng, fill=0.05),
        ]
    )
    _lymphocytes(nuclei, lymph, rng, (1.25, 1.45))
    # Histiocytes between the filaments: oval, bean-shaped, pale.
    hist = _scatter(
        (histio.alpha() > 0.5) & (suture_alpha < 0.05) & (giant_alpha < 0.1), 9.0, rng, fill=0.8
    )
    _cell_nuclei(nuclei, hist, rng, (3.0, 3.8), (1.9, 2.4), (0.65, 0.8), irregular=0.1)
    # Giant-cell nuclei: many, bland, scattered through the cytoplasm.
    gc_centre = giant_specs[0][0]
    for k, outline in enumerate(giant_outlines):
        inside = _Sketch()
        centre = outline.mean(axis=0)
        shrink = 1.0 - 4.0 / max(float(np.hypot(*(outline - centre).T).min()), 8.0)
        inside.polygon(centre + shrink * (outline - centre))
        region = inside.alpha() > 0.5
        spots = _scatter(region & (suture_alpha < 0.05), 7.0, rng, fill=0.9)
        if k == 0:
            spots = spots[np.hypot(*(spots - gc_centre).T) > 7.0]
        _cell_nuclei(nuclei, spots, rng, (3.0, 3.6), (2.1, 2.6), (0.85, 1.0), irregular=0.05)
    # Tumour nuclei: large, crowded, hyperchromatic and pleomorphic; some vesicular with a
    # nucleolus.
    tumour = _scatter(depth_in > 2.0, 7.8, rng)
    picks = []
    for centre, _ in nest_list[:2]:
        near = tumour[np.argmin(np.hypot(*(tumour - centre).T))]
        picks.append(near)
    n = len(tumour)
    long_axis = rng.uniform(3.9, 6.6, n) * np.where(rng.uniform(size=n) < 0.08, 1.35, 1.0)
    for near in picks:
        long_axis[np.all(tumour == near, axis=1)] = 5.6
    short_axis = long_axis * rng.uniform(0.65, 0.95, n)
    turn = rng.uniform(0, np.pi, n)
    dark = rng.uniform(1.1, 1.5, n)
    outlines = _nuclei(nuclei, tumour, long_axis, short_axis, turn, dark, rng, 0.12)
    vesicular = rng.uniform(size=n) < 0.35
    for near in picks:
        vesicular[np.all(tumour == near, axis=1)] = False
    nucleoli = _Sketch()
    for outline, centre, is_vesicular in zip(outlines, tumour, vesicular, strict=True):
        if is_vesicular:
            inner = centre + 0.68 * (outline - centre)
            nuclei.polygon(inner, int(0.55 / _NUCLEUS_SCALE))
            nucleoli.circle(
                float(centre[0]) + rng.uniform(-1, 1),
                float(centre[1]) + rng.uniform(-1, 1),
                float(rng.uniform(1.1, 1.6)),
            )
    _paint_nuclei(slide, nuclei, rng)
    slide.paint(nucleoli.alpha(), _stain(1.5, 0.95))
    pixels = slide.finish(rng)

    # Fibrosis arrow: the pinkest dense collagen in the pure scar, away from nuclei.
    lum = pixels.astype(np.float32)
    red_minus_green = ndimage.uniform_filter(lum[..., 0] - lum[..., 1], 7)
    darkest = ndimage.minimum_filter(lum.mean(axis=2), 11)
    score = np.where(
        (np.hypot(xx - scar_centre[0], yy - scar_centre[1]) < 70) & (darkest > 140),
        red_minus_green,
        -1e9,
    )
    fy, fx = np.unravel_index(int(np.argmax(score)), score.shape)
    features = {
        "tumour_nest_1": (float(picks[0][0]), float(picks[0][1])),
        "tumour_nest_2": (float(picks[1][0]), float(picks[1][1])),
        "giant_cell": (float(gc_centre[0]), float(gc_centre[1])),
        "fibrosis": (float(fx), float(fy)),
    }
    return HistologyImage(
        pixels=pixels,
        um_per_pixel=UM_PER_PIXEL,
        features=MappingProxyType(features),
        description=(
            "Illustration of invasive ductal carcinoma in an excision scar (H&E, x100): "
            "irregular nests and cords of atypical cells with large dark pleomorphic nuclei "
            "infiltrate dense pink fibrous stroma, beside multinucleated foreign-body giant "
            "cells around suture remnants."
        ),
    )
