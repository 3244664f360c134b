"""H&E-style histology illustrations: size, determinism, feature points, stain colours."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import ndimage

from viewer.synthetic import histology
from viewer.synthetic.histology import HistologyImage, carcinoma_in_scar, papilloma

PAPILLOMA_FEATURES = {"frond", "fibrovascular_core", "myoepithelial_layer", "duct_wall"}
CARCINOMA_FEATURES = {"tumour_nest_1", "tumour_nest_2", "giant_cell", "fibrosis"}
MARGIN = 80

Rgb = NDArray[np.float64]


@pytest.fixture(scope="module")
def panel_b() -> HistologyImage:
    return papilloma()


@pytest.fixture(scope="module")
def panel_h() -> HistologyImage:
    return carcinoma_in_scar()


# Colour classes. Haematoxylin nuclei are dark blue-purple, eosin stroma and cytoplasm pink,
# lumens and fat (empty glass) white.


def channels(pixels: NDArray[np.uint8]) -> tuple[Rgb, Rgb, Rgb]:
    rgb = pixels.astype(np.float64)
    return rgb[..., 0], rgb[..., 1], rgb[..., 2]


def nuclear_mask(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    r, g, b = channels(pixels)
    return (b > g + 15) & (g < 120) & (r < 170)


def white_mask(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    return np.asarray(pixels.min(axis=2) > 215)


def pink_mask(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    r, g, _ = channels(pixels)
    return (r > g + 40) & (r > 170)


def patch(image: HistologyImage, name: str, half: int = 2) -> Rgb:
    """Mean RGB over the (2 * half + 1)-square patch at a feature point."""
    x, y = image.features[name]
    col, row = round(x), round(y)
    block = image.pixels[row - half : row + half + 1, col - half : col + half + 1]
    return np.asarray(block.reshape(-1, 3).mean(axis=0), dtype=np.float64)


def is_nuclear(rgb: Rgb) -> bool:
    r, g, b = rgb
    return bool(b > g + 15 and g < 120 and r < 170)


def is_pink(rgb: Rgb) -> bool:
    r, g, _ = rgb
    return bool(r > g + 40 and r > 170)


def is_white(rgb: Rgb) -> bool:
    return bool(rgb.min() > 215)


def distance_to(image: HistologyImage, name: str, mask: NDArray[np.bool_]) -> float:
    """Distance in pixels from a feature point to the nearest pixel of ``mask``."""
    x, y = image.features[name]
    rows, cols = np.nonzero(mask)
    return float(np.hypot(cols - x, rows - y).min())


def window(image: HistologyImage, name: str, mask: NDArray[np.bool_], half: int) -> float:
    """Fraction of ``mask`` in the square window around a feature point."""
    x, y = image.features[name]
    col, row = round(x), round(y)
    return float(mask[row - half : row + half + 1, col - half : col + half + 1].mean())


# Size, scale, determinism.


@pytest.mark.parametrize("name", ["panel_b", "panel_h"])
def test_shape_dtype_and_scale(name: str, request: pytest.FixtureRequest) -> None:
    image: HistologyImage = request.getfixturevalue(name)
    assert image.pixels.shape == (768, 1024, 3)
    assert image.pixels.dtype == np.uint8
    assert image.um_per_pixel == 2.0
    # x100: the field is about 2 mm across.
    assert image.pixels.shape[1] * image.um_per_pixel / 1000 == pytest.approx(2.05, abs=0.01)


@pytest.mark.parametrize("name", ["panel_b", "panel_h"])
def test_textured_and_anti_aliased(name: str, request: pytest.FixtureRequest) -> None:
    """Not flat fills: many distinct colours, and edges softened rather than stepped."""
    image: HistologyImage = request.getfixturevalue(name)
    colours = np.unique(image.pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 20_000
    step = np.abs(np.diff(image.pixels.astype(np.int16), axis=1)).max(axis=2)
    assert np.percentile(step, 99.9) < 160


def test_same_seed_same_pixels(panel_b: HistologyImage, panel_h: HistologyImage) -> None:
    again_b, again_h = papilloma(), carcinoma_in_scar()
    assert np.array_equal(again_b.pixels, panel_b.pixels)
    assert np.array_equal(again_h.pixels, panel_h.pixels)
    assert dict(again_b.features) == dict(panel_b.features)
    assert dict(again_h.features) == dict(panel_h.features)


def test_other_seed_other_pixels(panel_b: HistologyImage, panel_h: HistologyImage) -> None:
    other_b, other_h = papilloma(seed=7), carcinoma_in_scar(seed=7)
    for one, other in ((panel_b, other_b), (panel_h, other_h)):
        difference = np.abs(one.pixels.astype(np.int16) - other.pixels.astype(np.int16))
        assert (difference.max(axis=2) > 30).mean() > 0.2


def test_default_seeds() -> None:
    assert inspect.signature(papilloma).parameters["seed"].default == 2003
    assert inspect.signature(carcinoma_in_scar).parameters["seed"].default == 2005


# Feature points.


@pytest.mark.parametrize(
    ("name", "keys"), [("panel_b", PAPILLOMA_FEATURES), ("panel_h", CARCINOMA_FEATURES)]
)
def test_features_named_and_clear_of_edges(
    name: str, keys: set[str], request: pytest.FixtureRequest
) -> None:
    image: HistologyImage = request.getfixturevalue(name)
    assert set(image.features) == keys
    rows, cols = image.pixels.shape[:2]
    for key, (x, y) in image.features.items():
        assert isinstance(x, float) and isinstance(y, float), key
        assert MARGIN <= x <= cols - MARGIN, (key, x)
        assert MARGIN <= y <= rows - MARGIN, (key, y)


def test_papilloma_core_is_loose_pink_stroma(panel_b: HistologyImage) -> None:
    core = patch(panel_b, "fibrovascular_core")
    assert is_pink(core) and not is_nuclear(core) and not is_white(core), core
    # Inside a frond: the lining and the lumen are close by.
    assert distance_to(panel_b, "fibrovascular_core", nuclear_mask(panel_b.pixels)) < 30
    assert distance_to(panel_b, "fibrovascular_core", white_mask(panel_b.pixels)) < 100


def test_papilloma_duct_wall_is_dense_collagen(panel_b: HistologyImage) -> None:
    wall, core = patch(panel_b, "duct_wall"), patch(panel_b, "fibrovascular_core")
    assert is_pink(wall) and not is_nuclear(wall), wall
    # Denser eosin than the loose core: less green light gets through.
    assert wall[1] < core[1] - 20, (wall, core)


def test_papilloma_frond_is_lined_tissue_in_the_lumen(panel_b: HistologyImage) -> None:
    frond = patch(panel_b, "frond")
    assert not is_white(frond), frond
    pixels = panel_b.pixels
    assert distance_to(panel_b, "frond", white_mask(pixels)) < 30  # projects into the lumen
    assert distance_to(panel_b, "frond", nuclear_mask(pixels)) < 6  # lined by epithelium
    assert distance_to(panel_b, "frond", pink_mask(pixels) & ~nuclear_mask(pixels)) < 40


def test_papilloma_myoepithelial_point_is_a_nucleus_on_the_stroma(
    panel_b: HistologyImage,
) -> None:
    assert is_nuclear(patch(panel_b, "myoepithelial_layer", half=1))
    pixels = panel_b.pixels
    stroma = pink_mask(pixels) & ~nuclear_mask(pixels)
    # Between the stroma (a few pixels away) and the lumen (past the epithelium).
    assert distance_to(panel_b, "myoepithelial_layer", stroma) < 8
    assert distance_to(panel_b, "myoepithelial_layer", white_mask(pixels)) < 40
    # A thin layer, not a solid sheet of nuclei.
    assert window(panel_b, "myoepithelial_layer", nuclear_mask(pixels), 12) < 0.5


def test_carcinoma_nests_are_dark_nuclear_tissue(panel_h: HistologyImage) -> None:
    nuclear = nuclear_mask(panel_h.pixels)
    for key in ("tumour_nest_1", "tumour_nest_2"):
        rgb = patch(panel_h, key)
        assert is_nuclear(rgb) and rgb.mean() < 110, (key, rgb)
        assert window(panel_h, key, nuclear, 10) > 0.45, key  # crowded nuclei


def test_carcinoma_arrows_point_at_two_different_nests(panel_h: HistologyImage) -> None:
    (x1, y1), (x2, y2) = panel_h.features["tumour_nest_1"], panel_h.features["tumour_nest_2"]
    assert np.hypot(x2 - x1, y2 - y1) > 150
    # Stroma lies between them: the nests are separate.
    t = np.linspace(0.0, 1.0, 400)
    cols = np.rint(x1 + t * (x2 - x1)).astype(int)
    rows = np.rint(y1 + t * (y2 - y1)).astype(int)
    between = pink_mask(panel_h.pixels)[rows, cols] & ~nuclear_mask(panel_h.pixels)[rows, cols]
    assert between.mean() > 0.3


def test_carcinoma_giant_cell_is_multinucleated(panel_h: HistologyImage) -> None:
    centre = patch(panel_h, "giant_cell")
    # The point is in the giant cell's eosinophilic cytoplasm.
    assert is_pink(centre) and not is_nuclear(centre) and not is_white(centre), centre
    x, y = panel_h.features["giant_cell"]
    rows, cols = np.ogrid[: panel_h.pixels.shape[0], : panel_h.pixels.shape[1]]
    near = np.hypot(cols - x, rows - y) < 30
    nuclei = nuclear_mask(panel_h.pixels) & near
    _, count = ndimage.label(nuclei)
    assert count >= 8
    # Not a tumour nest: cytoplasm-rich, with far fewer nuclear pixels around the centre.
    assert nuclei.sum() / near.sum() < 0.65
    # One cell: its cytoplasm is continuous from the centre out to the nuclei.
    cytoplasm = ~nuclear_mask(panel_h.pixels) & ~white_mask(panel_h.pixels) & near
    _, green, _ = channels(panel_h.pixels)
    cytoplasm &= green < 150  # deeper than pale stroma
    labels, _ = ndimage.label(cytoplasm)
    assert labels[round(y), round(x)] != 0
    assert (labels == labels[round(y), round(x)]).sum() > 600


def test_carcinoma_fibrosis_is_dense_pink_collagen(panel_h: HistologyImage) -> None:
    rgb = patch(panel_h, "fibrosis")
    assert is_pink(rgb) and rgb[0] > rgb[1] + 60, rgb
    assert window(panel_h, "fibrosis", nuclear_mask(panel_h.pixels), 2) == 0.0


# Whole-image composition.


def test_papilloma_has_a_large_white_lumen(panel_b: HistologyImage) -> None:
    pixels = panel_b.pixels
    assert 0.15 < white_mask(pixels).mean() < 0.5
    assert 0.02 < nuclear_mask(pixels).mean() < 0.11
    assert pink_mask(pixels).mean() > 0.3
    # Most of the white is open lumen between the fronds: spaces far larger than any fat
    # cell (up to about 0.1 mm across, 2,500 pixels) or vessel.
    labels, _ = ndimage.label(white_mask(pixels))
    sizes = np.bincount(labels.ravel())[1:]
    assert sizes[sizes > 4000].sum() > 0.08 * pixels.shape[0] * pixels.shape[1]


def test_carcinoma_is_cellular_and_fibrotic(
    panel_b: HistologyImage, panel_h: HistologyImage
) -> None:
    pixels = panel_h.pixels
    assert white_mask(pixels).mean() < 0.08  # no lumen, no fat
    assert pink_mask(pixels).mean() > 0.5  # dense fibrous stroma
    nuclear_h, nuclear_b = nuclear_mask(pixels).mean(), nuclear_mask(panel_b.pixels).mean()
    assert nuclear_h > 0.12
    assert nuclear_h > 1.8 * nuclear_b


def test_stain_colours_are_h_and_e(panel_b: HistologyImage, panel_h: HistologyImage) -> None:
    """Nuclei average blue-purple, stroma average pink-magenta (not grey, not orange)."""
    for image in (panel_b, panel_h):
        rgb = image.pixels.reshape(-1, 3).astype(np.float64)
        nuclear = nuclear_mask(image.pixels).ravel()
        pink = (pink_mask(image.pixels) & ~nuclear_mask(image.pixels)).ravel()
        assert nuclear.sum() > 5000 and pink.sum() > 50_000
        nuclei, stroma = rgb[nuclear].mean(axis=0), rgb[pink].mean(axis=0)
        assert nuclei[2] > nuclei[0] > nuclei[1], nuclei
        assert stroma[0] > stroma[2] > stroma[1], stroma


# Text and module hygiene.


@pytest.mark.parametrize("name", ["panel_b", "panel_h"])
def test_description_is_one_sentence(name: str, request: pytest.FixtureRequest) -> None:
    image: HistologyImage = request.getfixturevalue(name)
    text = image.description
    assert text.endswith(".") and text.count(". ") == 0
    assert "H&E" in text and "x100" in text
    assert 40 < len(text) < 400


def test_features_are_read_only(panel_b: HistologyImage) -> None:
    with pytest.raises(TypeError):
        panel_b.features["frond"] = (0.0, 0.0)  # type: ignore[index]


def test_module_says_these_are_illustrations() -> None:
    # (tests/test_boundary.py keeps streamlit out of the whole core, this module included)
    assert histology.__doc__ and "not micrographs" in histology.__doc__
