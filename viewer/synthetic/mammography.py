"""Simulated (not patient) spot-compression magnification CC mammogram for the teaching case.

The image is generated, not acquired: a physics-lite model of the left breast seen craniocaudally
through a round spot-compression paddle at 1.8x magnification, lateral side at the top of the
image, chest wall off the left edge, nipple off the right edge and the medial skin crossing the
lower part. It shows a post-excision skin scar (focal skin thickening, retraction, tethering
strands) with a 4 mm dense, slightly irregular mass just deep to it.

Model: projected path lengths through skin, fat and fibroglandular tissue (thresholded power-law
anatomical noise, a trabecular network, a vessel, architectural distortion) -> transmitted photon
counts exp(-mu t) with Poisson noise and focal-spot/detector blur -> log transform, peripheral
thickness equalisation and multi-scale contrast processing as in a "for presentation" image ->
12-bit MONOCHROME2 (more attenuation is brighter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

__all__ = ["Mammogram", "spot_cc"]

Float = NDArray[np.float64]

ROWS = 1000
COLUMNS = 1200
BITS_STORED = 12
DETECTOR_PIXEL_MM = 0.085
MAGNIFICATION = 1.8
PIXEL_MM = DETECTOR_PIXEL_MM / MAGNIFICATION
MASS_DIAMETER_MM = 4.0

# Linear attenuation coefficients (1/mm) near 20 keV (after Johns & Yaffe 1987, rounded).
MU_FAT = 0.0456
MU_GLAND = 0.0802
MU_TUMOUR = 0.0844
MU_SKIN = 0.0580

# Geometry (x = column, y = row, pixels unless named _MM).
_SKIN_ELLIPSE = (-500.0, -900.0, 3000.0, 1700.0)  # centre x, centre y, semi-axis x, semi-axis y
_SCAR_X = 575.0
_RETRACTION_MM = 0.9
_RETRACTION_WIDTH_MM = 1.5
_SKIN_MM = 0.9
_SCAR_SKIN_MM = 2.7
_SCAR_SKIN_EXTENT_MM = 3.0
_MASS_DEPTH_MM = 5.5  # mass centre below the skin surface at the scar
_PADDLE_RADIUS_MM = 33.0
_COMPRESSED_MM = 28.0
_BULGE_MM = 3.5

# Acquisition and processing.
_PHOTONS_AIR = 4000.0
_EQUALISATION = 0.9
_OFFSET = 60.0
_GAIN = 2100.0
_REFERENCE = 1.45  # log-signal level kept fixed by the dynamic-range compression


@dataclass(frozen=True)
class Mammogram:
    """A simulated mammogram with the ground truth a teaching overlay needs."""

    pixels: NDArray[np.uint16]  # (rows, columns), MONOCHROME2, values 0..4095
    bits_stored: int  # 12
    pixel_spacing_mm: float  # in the breast plane (0.085 / 1.8)
    imager_pixel_spacing_mm: float  # at the detector, 0.085
    magnification: float  # 1.8
    window_center: float
    window_width: float
    mass_center_px: tuple[float, float]  # (x_px, y_px)
    mass_diameter_mm: float  # 4.0, the width along the caliper below
    caliper_start_px: tuple[float, float]  # two points on the mass edge 4.0 mm apart
    caliper_end_px: tuple[float, float]
    scar_px: tuple[float, float]  # a point on the skin at the scar
    skin_normal: tuple[float, float]  # unit vector from the skin INTO the breast at the scar
    laterality: str  # "L"
    view: str  # "CC"
    description: str  # one sentence saying what the image shows (alt text)


def _skin_y(x: Float, phases: Float) -> Float:
    """Row of the skin surface at column ``x`` (the breast lies above, at smaller rows)."""
    cx, cy, ax, ay = _SKIN_ELLIPSE
    u = np.clip((x - cx) / ax, -0.999, 0.999)
    near_scar = np.exp(-0.5 * ((x - _SCAR_X) * PIXEL_MM / _RETRACTION_WIDTH_MM) ** 2)
    wobble = np.zeros_like(x)
    for k, (period, amplitude) in enumerate(((900.0, 3.0), (420.0, 1.6), (190.0, 0.8))):
        wobble += amplitude * np.sin(2.0 * np.pi * x / period + phases[k])
    # The waviness fades out at the scar so the scar point and its normal stay exact.
    wobble *= 1.0 - near_scar**0.16
    return cy + ay * np.sqrt(1.0 - u * u) + wobble - _RETRACTION_MM / PIXEL_MM * near_scar


def _upsample(a: Float, k: int) -> Float:
    """Linear interpolation to full size of a grid sampled at the centres of k x k blocks."""

    def taps(n_out: int, n_in: int) -> tuple[NDArray[np.intp], NDArray[np.intp], Float]:
        pos = (np.arange(n_out) + 0.5) / k - 0.5
        lower = np.floor(pos)
        i0 = np.clip(lower, 0, n_in - 1).astype(np.intp)
        i1 = np.clip(lower + 1, 0, n_in - 1).astype(np.intp)
        return i0, i1, pos - lower

    r0, r1, wr = taps(ROWS, a.shape[0])
    c0, c1, wc = taps(COLUMNS, a.shape[1])
    rows = a[r0] * (1.0 - wr[:, None]) + a[r1] * wr[:, None]
    return np.asarray(rows[:, c0] * (1.0 - wc) + rows[:, c1] * wc, dtype=np.float64)


def _field_pair(
    rng: np.random.Generator,
    beta: float,
    low_cut: float,
    stretch: float = 1.0,
    high_cut: float | None = None,
    step: int = 1,
) -> tuple[Float, Float]:
    """Two independent Gaussian random fields with power spectrum ~ 1/f**beta, unit variance.

    ``stretch`` > 1 elongates structures along x (trabeculae running towards the nipple);
    frequencies are in cycles per full-resolution pixel. Smooth fields may be drawn on a grid
    ``step`` times coarser and interpolated.
    """
    rows, cols = ROWS // step, COLUMNS // step
    fy = scipy.fft.fftfreq(rows, d=step).astype(np.float32)[:, None]
    fx = scipy.fft.fftfreq(cols, d=step).astype(np.float32)[None, :]
    f = np.sqrt((fx * stretch) ** 2 + fy**2)
    amplitude = np.maximum(f, low_cut) ** np.float32(-beta / 2.0)
    if high_cut is not None:
        amplitude *= np.exp(-((f / np.float32(high_cut)) ** 2))
    amplitude[0, 0] = 0.0
    white = rng.standard_normal((2, rows, cols), dtype=np.float32)
    field = scipy.fft.ifft2((white[0] + 1j * white[1]) * amplitude)
    out = []
    for part in (field.real, field.imag):
        part = part.astype(np.float64)
        part -= part.mean()
        part /= part.std()
        out.append(part if step == 1 else _upsample(part, step))
    return out[0], out[1]


def _splat(xs: Float, ys: Float, weights: Float) -> Float:
    """Bilinear deposit of weighted points into an image (thin curvilinear structures)."""
    x0 = np.floor(xs)
    y0 = np.floor(ys)
    fx = xs - x0
    fy = ys - y0
    out = np.zeros(ROWS * COLUMNS)
    for dx, dy, w in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        xi = x0.astype(np.int64) + dx
        yi = y0.astype(np.int64) + dy
        ok = (xi >= 0) & (xi < COLUMNS) & (yi >= 0) & (yi < ROWS)
        out += np.bincount(
            yi[ok] * COLUMNS + xi[ok], weights=(weights * w)[ok], minlength=ROWS * COLUMNS
        )
    return out.reshape(ROWS, COLUMNS)


def _curves(
    rng: np.random.Generator,
    starts: Float,
    angles: Float,
    lengths: Float,
    wiggle: float,
    taper: float = 0.7,
    step: float = 0.6,
) -> tuple[Float, Float, Float]:
    """Points along smooth random curves; weights (per unit length) taper towards the far end."""
    n = len(angles)
    steps = int(lengths.max() / step) + 1
    turn = ndimage.gaussian_filter1d(rng.normal(0.0, wiggle, (n, steps)), 8.0, axis=1)
    theta = angles[:, None] + np.cumsum(turn, axis=1)
    xs = starts[:, 0, None] + np.cumsum(step * np.cos(theta), axis=1)
    ys = starts[:, 1, None] + np.cumsum(step * np.sin(theta), axis=1)
    along = np.minimum(np.arange(steps)[None, :] * step / lengths[:, None], 1.0)
    weights = (1.0 - along) ** taper * step
    keep = weights > 0
    return xs[keep], ys[keep], weights[keep]


def _cells(
    rng: np.random.Generator,
    spacing_px: float,
    stretch: float,
    warp: tuple[Float, Float],
) -> tuple[Float, Float, Float]:
    """Voronoi (Worley) cells standing in for fat lobules bounded by fibrous septa.

    The sample grid is displaced by ``warp`` (px) so the septa curve. Returns the distance (px)
    to the nearest cell border, the (stretched) distance to the cell's seed and a random value
    per cell, all at full resolution; cells are elongated by ``stretch`` along x.
    """
    margin = 3.0 * spacing_px
    n = int((COLUMNS + 2 * margin) * (ROWS + 2 * margin) / spacing_px**2)
    seeds = rng.uniform(0.0, 1.0, (n, 2)) * [COLUMNS + 2 * margin, ROWS + 2 * margin] - margin
    seeds[:, 0] /= stretch
    yy, xx = np.mgrid[0:ROWS:2, 0:COLUMNS:2].astype(np.float64)
    qx = (xx + 0.5 + warp[0][::2, ::2]) / stretch
    qy = yy + 0.5 + warp[1][::2, ::2]
    dist, index = cKDTree(seeds).query(np.stack([qx.ravel(), qy.ravel()], axis=1), k=2, workers=2)
    a = seeds[index[:, 0]]
    b = seeds[index[:, 1]]
    # Distance to the perpendicular bisector of the two nearest seeds.
    border = (dist[:, 1] ** 2 - dist[:, 0] ** 2) / (2.0 * np.hypot(*(b - a).T))
    value = rng.uniform(0.0, 1.0, n)[index[:, 0]]
    shape = (ROWS // 2, COLUMNS // 2)
    up = [_upsample(f.reshape(shape), 2) for f in (border, dist[:, 0], value)]
    return up[0], up[1], up[2]


def _thickness(d_mm: Float, field_mm: Float, inset_mm: Float | float) -> Float:
    """Projected path through the compressed breast shrunk by ``inset_mm``.

    The compressed breast is modelled as a slab of thickness ``field_mm`` whose free edge is a
    half-cylinder; ``d_mm`` is the distance from the skin surface in the image plane.
    """
    rho = field_mm / 2.0 - inset_mm
    depth = np.minimum(np.clip(d_mm - inset_mm, 0.0, None), rho)
    return np.asarray(2.0 * np.sqrt(np.clip(depth * (2.0 * rho - depth), 0.0, None)))


def _mass_radius(theta: Float, base: float, axis: float, bumps: Float, phases: Float) -> Float:
    """Radius (px) of the slightly irregular mass; its longest chord lies along ``axis``.

    The lobulation is weighted by sin^2(theta - axis), so it vanishes (with its slope) at the two
    caliper ends, and the 4 % elongation keeps those ends the extreme points along the axis.
    """
    phi = theta - axis
    lobes = np.zeros_like(theta)
    for k, (a, p) in enumerate(zip(bumps, phases, strict=True), start=3):
        lobes += a * np.cos(k * phi + p)
    return np.asarray(base * (1.0 + 0.04 * np.cos(2.0 * phi) + np.sin(phi) ** 2 * lobes))


def _smooth_inside(values: Float, weight: Float, sigma_px: float) -> Float:
    """Gaussian low-pass of ``values`` over the breast only (normalised convolution), fast."""
    k = 4
    blocks = (ROWS // k, k, COLUMNS // k, k)
    w = weight.reshape(blocks).mean(axis=(1, 3))
    small = (values * weight).reshape(blocks).mean(axis=(1, 3))
    norm = ndimage.gaussian_filter(w, sigma_px / k, mode="nearest")
    low = ndimage.gaussian_filter(small, sigma_px / k, mode="nearest") / np.maximum(norm, 1e-3)
    return _upsample(low, k)


def spot_cc(seed: int = 2005) -> Mammogram:
    """Simulated spot-compression magnification CC view of the left breast (panel G)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:ROWS, 0:COLUMNS].astype(np.float64)
    cols = np.arange(COLUMNS, dtype=np.float64)
    px_per_mm = 1.0 / PIXEL_MM

    # --- Skin contour, scar point and inward normal ------------------------------------------
    phases = rng.uniform(0.0, 2.0 * np.pi, 3)
    skin = _skin_y(cols, phases)
    slope_all = np.gradient(skin)
    scar_x = _SCAR_X
    scar_y = float(skin[int(scar_x)])
    slope = float(slope_all[int(scar_x)])
    normal = np.array([slope, -1.0]) / np.hypot(slope, 1.0)  # into the breast (upwards)
    tangent = np.array([-normal[1], normal[0]])  # along the skin
    centre = np.array([scar_x, scar_y]) + normal * (_MASS_DEPTH_MM * px_per_mm)  # the mass

    # Distance from the skin (px, positive inside): analytic near the contour (anti-aliased),
    # a half-resolution distance transform deeper in so the retraction casts no channel.
    d_near = (skin[None, :] - yy) / np.sqrt(1.0 + slope_all[None, :] ** 2)
    pad = 180
    xs_half = np.arange(-pad, COLUMNS // 2 + pad, dtype=np.float64) * 2.0 + 0.5
    ys_half = np.arange(-pad, ROWS // 2, dtype=np.float64)[:, None] * 2.0 + 0.5
    edt = ndimage.distance_transform_edt(ys_half < _skin_y(xs_half, phases)[None, :]) * 2.0
    d_far = _upsample(edt[pad:, pad:-pad], 2) - 1.0
    blend = np.clip((d_near - 4.0) / 30.0, 0.0, 1.0)
    d_px = d_near + blend * (np.maximum(d_far, 4.0) - d_near)
    d_mm = np.clip(d_px, 0.0, None) * PIXEL_MM
    coverage = np.clip(d_px + 0.5, 0.0, 1.0)

    # --- Spot paddle: uniform compressed field, tissue bulging thicker outside it --------------
    paddle_c = np.array([scar_x - 15.0, scar_y - 90.0])
    r_paddle = np.hypot(xx - paddle_c[0], yy - paddle_c[1]) * PIXEL_MM - _PADDLE_RADIUS_MM
    outside = np.clip(r_paddle, 0.0, None)
    field_mm = _COMPRESSED_MM + _BULGE_MM * (1.0 - np.exp(-outside / 0.3))
    paddle_rim = np.exp(-0.5 * (r_paddle / 0.08) ** 2)
    outside_paddle = np.clip(r_paddle / 2.0 + 0.5, 0.0, 1.0)

    # --- Random fields ------------------------------------------------------------------------
    lobes_a, lobes_b = _field_pair(rng, 3.0, low_cut=0.011, stretch=1.8, high_cut=0.12, step=2)
    streaks, _ = _field_pair(rng, 3.0, low_cut=0.02, stretch=3.0, high_cut=0.15, step=2)
    regional, boundary = _field_pair(rng, 3.0, low_cut=0.0035, step=2)
    warp_x, warp_y = _field_pair(rng, 3.0, low_cut=0.008, high_cut=0.025, step=2)
    grain, _ = _field_pair(rng, 3.0, low_cut=0.03, stretch=1.2)

    # --- Skin: normal thickness, thickened at the scar ----------------------------------------
    r_scar_mm = np.hypot(xx - scar_x, yy - scar_y) * PIXEL_MM
    at_scar = np.exp(-0.5 * (r_scar_mm / _SCAR_SKIN_EXTENT_MM) ** 2)
    skin_mm = _SKIN_MM * (1.0 + 0.06 * warp_x) + (_SCAR_SKIN_MM - _SKIN_MM) * at_scar * (
        1.0 + 0.12 * grain
    )
    skin_mu = MU_SKIN + 0.008 * at_scar  # dermal fibrosis: the scarred skin is denser
    total = _thickness(d_mm, field_mm, 0.0)
    interior = _thickness(d_mm, field_mm, skin_mm)
    skin_path = total - interior

    # --- Fibroglandular tissue (projected glandular fraction of the interior path) ------------
    # Fat lobules bounded by fibrous septa (Cooper's ligaments in the subcutaneous fat).
    border, centre_dist, lobule = _cells(rng, 4.0 * px_per_mm, 1.7, (14.0 * warp_x, 14.0 * warp_y))
    septa = np.exp(-0.5 * (border / 1.3) ** 2) * np.clip(0.35 + 0.5 * lobes_b, 0.0, 1.0)
    # Overlapping slabs of thresholded power-law noise: glandular tissue with fat between.
    slab_a = 1.0 / (1.0 + np.exp(-(lobes_a + 0.5 * regional - 0.1) / 0.45))
    slab_b = 1.0 / (1.0 + np.exp(-(lobes_b + 0.5 * regional + 0.4) / 0.5))
    fibres = np.clip(streaks - 0.3, 0.0, None) * slab_b
    lobule_r = (0.5 + 0.7 * lobule) * 1.3 * px_per_mm  # round fat lobules around the seeds
    cell_fat = (
        np.clip((lobule - 0.4) * 2.5, 0.0, 1.0)
        * np.clip((1.0 - centre_dist / lobule_r) * 1.6, 0.0, 1.0)
        * np.clip(border / 12.0, 0.0, 1.0)  # fading out before the cell border
    )
    density = (0.03 + 0.19 * slab_a + 0.10 * slab_b + 0.05 * fibres) * (1.0 - 0.5 * cell_fat)
    # Parenchyma begins ~9 mm under the skin with a scalloped margin; subcutaneous fat above.
    envelope = np.clip((d_mm - (9.5 + 2.6 * boundary)) / 3.0 + 0.5, 0.0, 1.0)
    gland = envelope * density * (1.0 + 0.15 * outside_paddle)
    gland += septa * (0.08 - 0.03 * envelope) * np.clip(d_mm / 3.0, 0.0, 1.0)
    # A vessel crossing the subcutaneous fat, roughly parallel to the skin.
    v_start = np.array([[-20.0, skin[0] - 8.0 * px_per_mm]])
    v_angle = np.arctan2(skin[-1] - skin[0], COLUMNS) - 0.02
    vx, vy, vw = _curves(
        rng, v_start, np.array([v_angle]), np.array([COLUMNS * 1.3]), wiggle=0.0006, taper=0.0
    )
    vessel_radius_mm = 0.55
    vessel_half = _splat(vx, vy, vw).reshape(ROWS // 2, 2, COLUMNS // 2, 2).sum(axis=(1, 3))
    vessel_half = ndimage.gaussian_filter(vessel_half, vessel_radius_mm * px_per_mm / 2.6)
    # Path integral of a cylinder: its cross-section area spread across the Gaussian profile.
    vessel_mm = _upsample(vessel_half, 2) * (np.pi * vessel_radius_mm**2 * px_per_mm / 4.0)

    # Architectural distortion: tissue pulled towards the scar, with fine tethering strands.
    pull_c = np.array([scar_x, scar_y]) + normal * (1.2 * px_per_mm)
    reach = int(22.0 * px_per_mm)  # the pull is negligible (< 0.1 px) beyond this
    near = (
        slice(max(int(pull_c[1]) - reach, 0), min(int(pull_c[1]) + reach, ROWS)),
        slice(max(int(pull_c[0]) - reach, 0), min(int(pull_c[0]) + reach, COLUMNS)),
    )
    ddx = xx[near] - pull_c[0]
    ddy = yy[near] - pull_c[1]
    pull = 0.45 * np.exp(-0.5 * (np.hypot(ddx, ddy) * PIXEL_MM / 5.0) ** 2)
    twist = 0.15 * np.sin(3.0 * np.arctan2(ddy, ddx) + rng.uniform(0.0, 2.0 * np.pi)) * pull
    coords = np.stack([yy[near] + pull * ddy + twist * ddx, xx[near] + pull * ddx - twist * ddy])
    gland[near] = ndimage.map_coordinates(gland, coords, order=1, mode="nearest")
    # The mass sits in subcutaneous fat: little glandular tissue overlies it in projection.
    r_mass_mm = np.hypot(xx[near] - centre[0], yy[near] - centre[1]) * PIXEL_MM
    gland[near] *= 1.0 - 0.8 * np.exp(-0.5 * (r_mass_mm / 3.5) ** 2)

    n_strands = 18
    into = float(np.arctan2(normal[1], normal[0]))
    # Mostly fanning out beside the mass (which subtends about +-0.5 rad from here).
    spread = rng.uniform(0.5, 1.5, n_strands) * rng.choice([-1.0, 1.0], n_strands)
    angles = into + spread
    starts = pull_c[None, :] + rng.normal(0.0, 0.5 * px_per_mm, (n_strands, 2))
    lengths = rng.uniform(3.0, 11.0, n_strands) * px_per_mm
    sx, sy, sw = _curves(rng, starts, angles, lengths, wiggle=0.02, taper=1.6)
    strands = ndimage.gaussian_filter(_splat(sx, sy, sw), 1.0)
    gland += 0.6 * strands
    # The scar's fibrotic bed: an ill-defined band just under the thickened dermis.
    along = (xx[near] - scar_x) * tangent[0] + (yy[near] - scar_y) * tangent[1]
    depth = (xx[near] - scar_x) * normal[0] + (yy[near] - scar_y) * normal[1]
    scar_bed = np.exp(
        -0.5 * ((along * PIXEL_MM / 1.8) ** 2 + ((depth * PIXEL_MM - 3.0) / 0.6) ** 2)
    )
    gland[near] += 0.16 * scar_bed * (1.0 + 0.5 * grain[near])
    gland = np.clip(gland, 0.0, 1.0)

    # --- The mass: 4 mm, slightly irregular, dense, just deep to the scar ----------------------
    axis = float(np.arctan2(tangent[1], tangent[0]) + rng.uniform(0.25, 0.55))
    bumps = rng.uniform(0.025, 0.05, 4) / np.arange(3, 7) ** 0.5
    lobe_phases = rng.uniform(0.0, 2.0 * np.pi, 4)
    half_px = MASS_DIAMETER_MM / 2.0 * px_per_mm
    base = half_px / 1.04  # r(axis) = r(axis + pi) = 1.04 * base: the caliper ends
    box = int(half_px * 1.6)
    bx0, by0 = int(centre[0]) - box, int(centre[1]) - box
    window = (slice(by0, by0 + 2 * box), slice(bx0, bx0 + 2 * box))
    mdx = xx[window] - centre[0]
    mdy = yy[window] - centre[1]
    rho = np.hypot(mdx, mdy)
    phi = np.arctan2(mdy, mdx)
    r_edge = _mass_radius(phi, base, axis, bumps, lobe_phases)
    # Fine margin irregularity, also fading out at the caliper ends.
    r_edge *= 1.0 + 0.09 * np.sin(phi - axis) ** 2 * grain[window]
    u = np.clip(rho / r_edge, 0.0, 1.0)
    mass_mm = np.zeros((ROWS, COLUMNS))
    mass_mm[window] = ndimage.gaussian_filter(
        2.6 * r_edge * PIXEL_MM * np.sqrt(1.0 - u * u) ** 0.8, 1.5
    )
    # A few short, faint spicules, kept off the caliper axis and short enough that nothing of
    # the lesion reaches beyond the caliper ends along it.
    spic_angles = axis + np.pi / 2 + rng.uniform(-0.5, 0.5, 7) + np.pi * np.arange(7)
    spic_r = _mass_radius(spic_angles, base, axis, bumps, lobe_phases) * 0.85
    spic_starts = centre[None, :] + spic_r[:, None] * np.stack(
        [np.cos(spic_angles), np.sin(spic_angles)], axis=1
    )
    qx, qy, qw = _curves(
        rng, spic_starts, spic_angles, rng.uniform(1.0, 2.3, 7) * px_per_mm, wiggle=0.01
    )
    spicules_mm = ndimage.gaussian_filter(_splat(qx, qy, qw), 1.0) * 3.0

    # --- Attenuation and acquisition ---------------------------------------------------------
    attenuation = (
        skin_mu * skin_path
        + interior * (MU_FAT + gland * (MU_GLAND - MU_FAT))
        + (mass_mm + spicules_mm) * (MU_TUMOUR - MU_FAT)
        + vessel_mm * (MU_GLAND - MU_FAT) * (d_mm > 1.0)
        + 0.10 * paddle_rim * (d_mm > 0.0)
    )
    # Focal-spot unsharpness at 1.8x (about one detector pixel), then quantum noise and MTF.
    expected = _PHOTONS_AIR * np.exp(-ndimage.gaussian_filter(attenuation, 0.9))
    counts = ndimage.gaussian_filter(rng.poisson(expected).astype(np.float64), 0.5)
    log_signal = -np.log(np.maximum(counts, 1.0) / _PHOTONS_AIR)

    # --- Processing "for presentation" --------------------------------------------------------
    # Peripheral equalisation: add back the thickness lost towards the skin line.
    lost = (field_mm - ndimage.gaussian_filter(total, 2.0)) * (MU_FAT + 0.1 * (MU_GLAND - MU_FAT))
    equalised = log_signal + _EQUALISATION * lost * coverage
    # Multi-scale contrast: compress the broad density range, lift 1-5 mm detail.
    broad = _smooth_inside(equalised, coverage, 6.0 * px_per_mm)
    middle = _smooth_inside(equalised, coverage, 0.8 * px_per_mm)
    processed = (
        _REFERENCE
        + 0.45 * (broad - _REFERENCE)
        + 1.5 * (middle - broad)
        + 1.3 * (equalised - middle)
    )
    processed = coverage * processed + (1.0 - coverage) * equalised

    values = np.clip(np.rint(_OFFSET + _GAIN * processed), 0, 2**BITS_STORED - 1)
    pixels = values.astype(np.uint16)

    under_paddle = pixels[(d_px > 25.0) & (r_paddle < -1.0)]
    low_v, high_v = np.percentile(under_paddle, [0.3, 99.9])
    low_v -= 0.05 * (high_v - low_v)  # keep the fat dark grey, clear of the black air
    high_v += 0.05 * (high_v - low_v)  # and the densest tissue short of white
    window_width = float(round(high_v - low_v))
    window_center = float(round((high_v + low_v) / 2.0))

    axis_u = np.array([np.cos(axis), np.sin(axis)])
    start = centre + axis_u * half_px
    end = centre - axis_u * half_px
    return Mammogram(
        pixels=pixels,
        bits_stored=BITS_STORED,
        pixel_spacing_mm=PIXEL_MM,
        imager_pixel_spacing_mm=DETECTOR_PIXEL_MM,
        magnification=MAGNIFICATION,
        window_center=window_center,
        window_width=window_width,
        mass_center_px=(float(centre[0]), float(centre[1])),
        mass_diameter_mm=MASS_DIAMETER_MM,
        caliper_start_px=(float(start[0]), float(start[1])),
        caliper_end_px=(float(end[0]), float(end[1])),
        scar_px=(scar_x, scar_y),
        skin_normal=(float(normal[0]), float(normal[1])),
        laterality="L",
        view="CC",
        description=(
            "Simulated spot-compression magnification craniocaudal mammogram of the left breast "
            "(lateral side at the top) showing a 4 mm dense, slightly irregular mass just deep "
            "to a post-excision skin scar with focal skin thickening, retraction and fine "
            "tethering strands."
        ),
    )
