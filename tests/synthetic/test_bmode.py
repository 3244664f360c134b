"""The B-mode chain: speckle statistics, pulse, beam, attenuation, TGC, shadowing and
enhancement. Every random field is seeded."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.synthetic.bmode import (
    Grid,
    Probe,
    axial_pulse,
    envelope,
    lateral_sigma_mm,
    rf_image,
    simulate,
    tgc_gain,
    two_way_attenuation,
)

GRID = Grid(width_mm=20.0, depth_mm=20.0)


def _uniform(value: float) -> np.ndarray:
    return np.full((GRID.rows, GRID.columns), value)


def test_fully_developed_speckle_has_rayleigh_statistics() -> None:
    # Rayleigh-distributed envelope: mean / std = sqrt(pi / (4 - pi)) = 1.91.
    rf = rf_image(_uniform(1.0), _uniform(0.0), GRID, Probe(), np.random.default_rng(1))
    env = envelope(rf)[GRID.rows // 4 : -GRID.rows // 4, GRID.columns // 4 : -GRID.columns // 4]
    assert env.mean() / env.std() == pytest.approx(1.91, rel=0.08)


def test_pulse_is_centred_on_the_probe_frequency() -> None:
    probe = Probe(frequency_mhz=10.0)
    pulse = axial_pulse(probe, 0.005)
    spectrum = np.abs(np.fft.rfft(pulse, 8192))
    cycles_per_mm = np.fft.rfftfreq(8192, d=0.005)[int(np.argmax(spectrum))]
    # Two-way: the carrier repeats every half wavelength (0.077 mm at 10 MHz).
    assert cycles_per_mm == pytest.approx(2.0 / probe.wavelength_mm, rel=0.03)


def test_beam_is_narrowest_at_the_focus() -> None:
    probe = Probe(focus_mm=15.0)
    depth = np.array([5.0, 15.0, 30.0])
    sigma = lateral_sigma_mm(probe, depth)
    fwhm = sigma * 2.0 * np.sqrt(2.0 * np.log(2.0))
    assert fwhm[1] == pytest.approx(probe.lateral_fwhm_at_focus_mm)
    assert fwhm[0] > fwhm[1] and fwhm[2] > fwhm[1]


def test_two_way_attenuation_in_decibels() -> None:
    # 0.5 dB/cm/MHz at 10 MHz is 5 dB/cm one way: 10 dB at 1 cm there and back.
    grid = Grid(width_mm=1.0, depth_mm=20.0, dx_mm=0.5, dz_mm=0.1)
    factor = two_way_attenuation(np.full((grid.rows, grid.columns), 0.5), grid.dz_mm, 10.0)
    at_10_mm = factor[100, 0]
    assert 20 * np.log10(at_10_mm) == pytest.approx(-10.0, abs=0.1)


def test_tgc_makes_up_for_the_reference_attenuation() -> None:
    probe = Probe(rayleigh_length_mm=1e6)  # no focal gain: only attenuation and TGC vary
    rf = rf_image(_uniform(1.0), _uniform(probe.tgc_db_cm_mhz), GRID, probe, np.random.default_rng(2))
    env = envelope(rf * tgc_gain(GRID, probe))
    shallow = env[GRID.rows // 8 : GRID.rows // 4].mean()
    deep = env[-GRID.rows // 4 : -GRID.rows // 8].mean()
    assert deep / shallow == pytest.approx(1.0, abs=0.12)


def _behind(attenuation_inside: float, backscatter_inside: float) -> float:
    """Brightness under a 4 mm block of tissue over brightness beside it."""
    backscatter, attenuation = _uniform(1.0), _uniform(0.6)
    xx, zz = GRID.coordinates_mm()
    block = (np.abs(xx - 10.0) < 3.0) & (np.abs(zz - 6.0) < 2.0)
    backscatter[block] = backscatter_inside
    attenuation[block] = attenuation_inside
    image = simulate(
        backscatter, attenuation, GRID, Probe(), np.random.default_rng(3), out_shape=(250, 250)
    )
    # 12-18 mm deep; under the block (x 8.5-11.5 mm) and beside it (x 1-4 and 16-19 mm).
    rows = slice(150, 225)
    under = image[rows, 106:144].mean()
    beside = np.concatenate([image[rows, 12:50], image[rows, 200:238]], axis=1).mean()
    return float(under / beside)


def test_fluid_gives_posterior_enhancement() -> None:
    assert _behind(attenuation_inside=0.02, backscatter_inside=0.01) > 1.08


def test_fibrosis_casts_a_posterior_shadow() -> None:
    assert _behind(attenuation_inside=3.0, backscatter_inside=0.3) < 0.85


def test_same_seed_same_image() -> None:
    def make(seed: int) -> np.ndarray:
        return simulate(
            _uniform(1.0), _uniform(0.6), GRID, Probe(), np.random.default_rng(seed),
            out_shape=(100, 100),
        )

    assert np.array_equal(make(5), make(5))
    assert not np.array_equal(make(5), make(6))
