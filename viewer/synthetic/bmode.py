"""How a B-mode image forms, from tissue maps to display grey levels.

A linear-array sonogram is simulated the way a scanner makes one, on a grid that resolves
the radio-frequency (RF) carrier:

1. **Scatterers.** Every grid cell holds a random scatterer amplitude (seeded Gaussian)
   scaled by the square root of the tissue's backscatter: diffuse scattering that gives
   speckle its Rayleigh statistics.
2. **Attenuation.** The pulse loses ``attenuation_db_cm_mhz * frequency_mhz`` dB per cm
   on the way down and again on the way back, integrated column by column through the
   tissues above each point; strongly attenuating tissue (fibrosis, scar) casts a
   posterior shadow and a fluid cyst, attenuating almost nothing, gives posterior
   enhancement.
3. **Point-spread function.** Axially a Gaussian-windowed pulse at the centre frequency
   (RF), laterally a Gaussian beam whose width grows away from the transmit focus.
4. **Envelope detection** of the RF lines (magnitude of the analytic signal, scipy's
   Hilbert transform), **time-gain compensation** for a reference tissue's attenuation,
   and **log compression** to the display's dynamic range.

Speed-of-sound differences between tissues (refraction, edge shadows, misregistration)
are not modelled: the scanner's 1540 m/s is assumed everywhere, as scanners do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, signal

FloatMap = NDArray[np.float64]

SPEED_OF_SOUND_M_S = 1540.0
"""What every scanner assumes for beamforming and depth."""


@dataclass(frozen=True)
class Probe:
    """A linear array and its settings (defaults: a 2003-05 breast transducer)."""

    frequency_mhz: float = 10.0
    fractional_bandwidth: float = 0.6
    focus_mm: float = 15.0
    lateral_fwhm_at_focus_mm: float = 0.35
    rayleigh_length_mm: float = 9.0
    """Depth over which the beam widens by sqrt(2) either side of the focus."""
    tgc_db_cm_mhz: float = 0.65
    """The attenuation the time-gain compensation makes up for (between fat and gland)."""
    dynamic_range_db: float = 60.0

    @property
    def wavelength_mm(self) -> float:
        return SPEED_OF_SOUND_M_S / (self.frequency_mhz * 1e6) * 1e3


@dataclass(frozen=True)
class Grid:
    """The simulation grid: ``width_mm`` by ``depth_mm`` at ``dx_mm`` x ``dz_mm``."""

    width_mm: float
    depth_mm: float
    dx_mm: float = 0.05
    dz_mm: float = 0.025

    @property
    def columns(self) -> int:
        return round(self.width_mm / self.dx_mm)

    @property
    def rows(self) -> int:
        return round(self.depth_mm / self.dz_mm)

    def coordinates_mm(self) -> tuple[FloatMap, FloatMap]:
        """(x, z) of every cell centre, each of shape (rows, columns)."""
        x = (np.arange(self.columns) + 0.5) * self.dx_mm
        z = (np.arange(self.rows) + 0.5) * self.dz_mm
        zz, xx = np.meshgrid(z, x, indexing="ij")
        return xx, zz


def two_way_attenuation(
    attenuation_db_cm_mhz: FloatMap, dz_mm: float, frequency_mhz: float
) -> FloatMap:
    """Amplitude factor at every cell for the round trip through the tissue above it."""
    db_per_cell = attenuation_db_cm_mhz * frequency_mhz * (dz_mm / 10.0)
    above_db = np.cumsum(db_per_cell, axis=0) - db_per_cell / 2.0
    factor: FloatMap = 10.0 ** (-2.0 * above_db / 20.0)
    return factor


def axial_pulse(probe: Probe, dz_mm: float) -> FloatMap:
    """The RF pulse along depth (two-way, so the carrier has period half a wavelength)."""
    bandwidth_mhz = probe.fractional_bandwidth * probe.frequency_mhz
    # Gaussian envelope whose -6 dB bandwidth is ``bandwidth_mhz``: sigma in time, then depth.
    sigma_us = np.sqrt(2.0 * np.log(2.0)) / (np.pi * bandwidth_mhz)
    sigma_mm = sigma_us * SPEED_OF_SOUND_M_S * 1e-3 / 2.0
    half = int(np.ceil(4.0 * sigma_mm / dz_mm))
    z = np.arange(-half, half + 1) * dz_mm
    carrier = np.cos(2.0 * np.pi * z / (probe.wavelength_mm / 2.0))
    pulse: FloatMap = np.exp(-(z**2) / (2.0 * sigma_mm**2)) * carrier
    return pulse


def lateral_sigma_mm(probe: Probe, depth_mm: FloatMap) -> FloatMap:
    """Beam width (Gaussian sigma) at each depth: narrowest at the focus."""
    sigma0 = probe.lateral_fwhm_at_focus_mm / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    widening = np.sqrt(1.0 + ((depth_mm - probe.focus_mm) / probe.rayleigh_length_mm) ** 2)
    sigma: FloatMap = sigma0 * widening
    return sigma


def rf_image(
    backscatter: FloatMap,
    attenuation_db_cm_mhz: FloatMap,
    grid: Grid,
    probe: Probe,
    rng: np.random.Generator,
) -> FloatMap:
    """RF lines (rows = depth samples, columns = scan lines) for the tissue maps."""
    scatterers = rng.standard_normal(backscatter.shape) * np.sqrt(backscatter)
    scatterers *= two_way_attenuation(attenuation_db_cm_mhz, grid.dz_mm, probe.frequency_mhz)
    rf = ndimage.convolve1d(scatterers, axial_pulse(probe, grid.dz_mm), axis=0, mode="constant")
    # Depth-dependent lateral blur: blur at a few beam widths, then blend row by row.
    depth: FloatMap = (np.arange(grid.rows, dtype=np.float64) + 0.5) * grid.dz_mm
    sigma_px = lateral_sigma_mm(probe, depth) / grid.dx_mm
    levels = np.geomspace(sigma_px.min(), sigma_px.max(), num=6)
    blurred = np.stack(
        [ndimage.gaussian_filter1d(rf, s, axis=1, mode="reflect", truncate=3.0) for s in levels]
    )
    position = np.interp(np.log(sigma_px), np.log(levels), np.arange(len(levels)))
    low = np.floor(position).astype(int).clip(0, len(levels) - 2)
    weight = (position - low)[:, None]
    rows = np.arange(grid.rows)
    out: FloatMap = blurred[low, rows] * (1.0 - weight) + blurred[low + 1, rows] * weight
    return out


def envelope(rf: FloatMap) -> FloatMap:
    """Envelope of each RF line: the magnitude of its analytic signal."""
    env: FloatMap = np.abs(signal.hilbert(rf, axis=0))
    return env


def tgc_gain(grid: Grid, probe: Probe) -> FloatMap:
    """Amplitude gain per depth that makes up for the reference tissue's attenuation."""
    depth_cm = (np.arange(grid.rows, dtype=np.float64) + 0.5) * grid.dz_mm / 10.0
    exponent = 2.0 * probe.tgc_db_cm_mhz * probe.frequency_mhz * depth_cm / 20.0
    gain: FloatMap = np.power(10.0, exponent)
    return gain[:, None]


def log_compress(env: FloatMap, reference: float, dynamic_range_db: float) -> FloatMap:
    """Envelope to 0..1: ``reference`` amplitude shows at 0 dB (white), the floor at -range."""
    db = 20.0 * np.log10(np.maximum(env, 1e-12) / reference)
    out: FloatMap = np.clip((db + dynamic_range_db) / dynamic_range_db, 0.0, 1.0)
    return out


def simulate(
    backscatter: FloatMap,
    attenuation_db_cm_mhz: FloatMap,
    grid: Grid,
    probe: Probe,
    rng: np.random.Generator,
    *,
    out_shape: tuple[int, int],
    reference_backscatter: float = 1.0,
    reference_level: float = 0.42,
) -> FloatMap:
    """The whole chain, resampled to ``out_shape`` (rows, columns) display pixels in 0..1.

    Gain is set so that tissue of ``reference_backscatter`` (subcutaneous fat, the
    mid-grey reference) shows at about ``reference_level`` of full brightness.
    """
    # Gain before detection, as in a scanner's receive chain: the Hilbert transform's long
    # tails would otherwise carry the strong near field into the faint far field.
    rf = rf_image(backscatter, attenuation_db_cm_mhz, grid, probe, rng) * tgc_gain(grid, probe)
    env = envelope(rf)
    # The expected envelope of unit backscatter, measured on the same PSF (no attenuation).
    calibration = np.random.default_rng(0)
    patch = Grid(width_mm=8.0, depth_mm=4.0, dx_mm=grid.dx_mm, dz_mm=grid.dz_mm)
    unit = np.full((patch.rows, patch.columns), reference_backscatter)
    flat_probe = Probe(
        frequency_mhz=probe.frequency_mhz,
        fractional_bandwidth=probe.fractional_bandwidth,
        focus_mm=probe.focus_mm,
        lateral_fwhm_at_focus_mm=probe.lateral_fwhm_at_focus_mm,
        rayleigh_length_mm=1e6,
    )
    unit_env = envelope(rf_image(unit, np.zeros_like(unit), patch, flat_probe, calibration))
    mean_unit = float(np.mean(unit_env[patch.rows // 4 : -patch.rows // 4]))
    # Put the reference tissue's mean at ``reference_level`` of the dynamic range.
    reference = mean_unit * 10.0 ** ((1.0 - reference_level) * probe.dynamic_range_db / 20.0)
    # Display sampling: average the envelope over each display pixel (as scan conversion
    # with anti-alias filtering does), then compress.
    rows, columns = out_shape
    zoom = (rows / env.shape[0], columns / env.shape[1])
    sigma = tuple(0.5 / z if z < 1.0 else 0.0 for z in zoom)
    smooth = ndimage.gaussian_filter(env, sigma)
    resampled = ndimage.zoom(smooth, zoom, order=1, grid_mode=True, mode="nearest")
    return log_compress(resampled, reference, probe.dynamic_range_db)
