"""The bundled case's sonograms (panels A, C, D, E) and power Doppler (F), as display pixels
with their ultrasound regions and the annotations that point at what the captions describe.

Geometry is in millimetres inside each image region (x across, z down from the skin) and
becomes pixels only at the end, so callipers measure exactly what the lesions were built to
measure: A 12 mm; C 15 mm (the size D's caption says the mass shrank from); D 10 mm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from viewer.synthetic.bmode import Grid, Probe, simulate
from viewer.synthetic.breast import (
    ATT_CYST,
    ATT_FIBROSIS,
    Lesion,
    Outline,
    PointMm,
    Scene,
    ellipse_outline,
    irregular_outline,
    tissue_maps,
)
from viewer.synthetic.doppler import branching_vessel, colour_bar, paint_power, vessel_power

FIELD_MM = 40.0
"""Width and depth of each view: a 40 mm linear array imaging to 4 cm."""


@dataclass(frozen=True)
class Region:
    """An image region of the output and its calibration (RegionDataType 1 tissue, 2 flow)."""

    x0_px: int
    y0_px: int
    columns: int
    rows: int
    mm_per_px: float
    data_type: int = 1

    @property
    def x1_px(self) -> int:
        return self.x0_px + self.columns - 1

    @property
    def y1_px(self) -> int:
        return self.y0_px + self.rows - 1

    def to_px(self, point_mm: PointMm) -> tuple[float, float]:
        """Millimetres in the region (x across, z down) to image pixel coordinates."""
        x_mm, z_mm = point_mm
        return (
            round(self.x0_px + x_mm / self.mm_per_px, 2),
            round(self.y0_px + z_mm / self.mm_per_px, 2),
        )


@dataclass(frozen=True)
class Sonogram:
    """One generated ultrasound image, ready to be written as DICOM."""

    panel: str
    pixels: NDArray[np.uint8]
    """(rows, columns) MONOCHROME2 or (rows, columns, 3) RGB."""
    regions: tuple[Region, ...]
    annotations: tuple[dict[str, Any], ...]
    """Manifest annotation tables, pixel positions from the geometry that made the image."""
    description: str
    probe: Probe
    measured_mm: dict[str, float] = field(default_factory=dict)
    """What each calliper was built to measure, by label (checked by the tests)."""


def _rng(panel: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, ord(panel)])


def _view(
    scene: Scene, probe: Probe, region: Region, rng: np.random.Generator
) -> NDArray[np.uint8]:
    grid = Grid(width_mm=scene.width_mm, depth_mm=scene.depth_mm)
    backscatter, attenuation = tissue_maps(scene, grid, rng)
    image = simulate(
        backscatter, attenuation, grid, probe, rng, out_shape=(region.rows, region.columns)
    )
    grey: NDArray[np.uint8] = np.rint(image * 255.0).astype(np.uint8)
    return grey


def _canvas(columns: int, rows: int) -> NDArray[np.uint8]:
    return np.zeros((rows, columns), dtype=np.uint8)


def _depth_marks(canvas: NDArray[np.uint8], region: Region, x_px: int, probe: Probe) -> None:
    """Scanner-style graphics beside a view (no text): depth dots every 5 mm, larger every
    10 mm, and the transmit focus as a small triangle."""
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    for depth_mm in range(0, int(FIELD_MM) + 1, 5):
        y = region.y0_px + depth_mm / region.mm_per_px
        r = 2.5 if depth_mm % 10 == 0 else 1.5
        draw.ellipse([x_px - r, y - r, x_px + r, y + r], fill=200)
    y = region.y0_px + probe.focus_mm / region.mm_per_px
    draw.polygon([(x_px + 6, y), (x_px + 13, y - 5), (x_px + 13, y + 5)], fill=200)
    canvas[...] = np.asarray(image)


def _arrow(
    head_px: tuple[float, float], angle_deg: float, length_px: float, style: str, label: str = ""
) -> dict[str, Any]:
    """An arrow whose tail lies ``length_px`` away from the head in direction ``angle_deg``
    (0 = right, 90 = down)."""
    a = math.radians(angle_deg)
    tail = (
        round(head_px[0] + length_px * math.cos(a), 1),
        round(head_px[1] + length_px * math.sin(a), 1),
    )
    table: dict[str, Any] = {
        "kind": "arrow",
        "tail_px": [float(tail[0]), float(tail[1])],
        "head_px": [float(head_px[0]), float(head_px[1])],
        "style": style,
    }
    if label:
        table["label"] = label
    return table


def _caliper(region: Region, outline: Outline, label: str) -> dict[str, Any]:
    start = region.to_px(outline.chord_start_mm)
    end = region.to_px(outline.chord_end_mm)
    return {
        "kind": "caliper",
        "start_px": [float(start[0]), float(start[1])],
        "end_px": [float(end[0]), float(end[1])],
        "label": label,
        "lesion": True,
    }


def _label(at_px: tuple[float, float], text: str) -> dict[str, Any]:
    return {"kind": "label", "at_px": [float(at_px[0]), float(at_px[1])], "text": text}


# --- single views: 640 x 560, a 500 x 500 px region of 40 x 40 mm (0.08 mm per pixel) ---------

SINGLE_COLUMNS, SINGLE_ROWS = 640, 560
SINGLE_REGION = Region(x0_px=70, y0_px=30, columns=500, rows=500, mm_per_px=FIELD_MM / 500)


def _single(panel: str, scene: Scene, probe: Probe, rng: np.random.Generator) -> NDArray[np.uint8]:
    canvas = _canvas(SINGLE_COLUMNS, SINGLE_ROWS)
    r = SINGLE_REGION
    canvas[r.y0_px : r.y1_px + 1, r.x0_px : r.x1_px + 1] = _view(scene, probe, r, rng)
    _depth_marks(canvas, r, r.x1_px + 14, probe)
    return canvas


def panel_a(seed: int) -> Sonogram:
    """June 2003: a 12 mm irregular isoechoic mass with an angular margin."""
    rng = _rng("A", seed)
    probe = Probe()
    mass = irregular_outline(
        (20.0, 13.5), 12.0, 8.0, rng, angular_at_deg=(200, 325, 110), angular_length_mm=2.2
    )
    scene = Scene(
        width_mm=FIELD_MM,
        depth_mm=FIELD_MM,
        lesions=(Lesion(mass.points_mm, 0.75, 0.70, texture_db=1.5),),
    )
    pixels = _single("A", scene, probe, rng)
    r = SINGLE_REGION
    tip = r.to_px(mass.angular_tips_mm[1])
    annotations = (
        _caliper(r, mass, "mass"),
        _arrow(tip, -40, 70, "thin", "angular margin"),
    )
    return Sonogram(
        "A",
        pixels,
        (r,),
        annotations,
        "Generated sonogram of the left breast: an irregular isoechoic mass 12 mm wide with "
        "angular margins in the fibroglandular tissue, under normal skin and subcutaneous fat.",
        probe,
        {"mass": mass.chord_mm},
    )


def panel_c(seed: int) -> Sonogram:
    """March 2004: heterogeneous hyperechoic mass with an anechoic portion under thick skin."""
    rng = _rng("C", seed)
    probe = Probe()
    mass = irregular_outline((20.0, 9.2), 15.0, 7.0, rng, lobulation=0.15)
    cyst = ellipse_outline((23.5, 9.8), (2.2, 1.5))
    scene = Scene(
        width_mm=FIELD_MM,
        depth_mm=FIELD_MM,
        scar_x_mm=18.0,
        scar_skin_mm=3.8,
        scar_halfwidth_mm=14.0,
        fat_bottom_mm=14.0,
        gland_bottom_mm=28.0,
        lesions=(
            Lesion(mass.points_mm, 8.0, 0.9, texture_db=3.5, texture_scale_mm=0.9),
            Lesion(cyst.points_mm, 0.01, ATT_CYST, edge_mm=0.12),
        ),
        orientation_phase=1.1,
    )
    pixels = _single("C", scene, probe, rng)
    r = SINGLE_REGION
    skin_point = r.to_px((12.0, 2.2))
    edge_angle = math.radians(40)
    cyst_edge = r.to_px((23.5 + 2.2 * math.cos(edge_angle), 9.8 + 1.5 * math.sin(edge_angle)))
    annotations = (
        _arrow(skin_point, 150, 75, "thin", "thickened skin"),
        _arrow(cyst_edge, 40, 80, "thick", "anechoic portion"),
        _caliper(r, mass, "mass"),
    )
    return Sonogram(
        "C",
        pixels,
        (r,),
        annotations,
        "Generated sonogram of the excision site: skin thickened to about 4 mm over an irregular "
        "heterogeneous hyperechoic mass 15 mm wide with an anechoic portion and posterior "
        "enhancement behind it.",
        probe,
        {"mass": mass.chord_mm},
    )


def panel_d(seed: int) -> Sonogram:
    """March 2005: the scar mass, now 10 mm, hypoechoic with a scar tract to the skin."""
    rng = _rng("D", seed)
    probe = Probe()
    mass = irregular_outline((20.0, 10.5), 10.0, 6.0, rng, lobulation=0.14)
    scene = Scene(
        width_mm=FIELD_MM,
        depth_mm=FIELD_MM,
        scar_x_mm=18.5,
        scar_skin_mm=2.6,
        scar_halfwidth_mm=10.0,
        scar_tract_to_mm=(19.5, 8.0),
        fat_bottom_mm=13.0,
        lesions=(Lesion(mass.points_mm, 0.35, 1.6, texture_db=2.0),),
        orientation_phase=2.3,
    )
    pixels = _single("D", scene, probe, rng)
    r = SINGLE_REGION
    annotations = (_caliper(r, mass, "mass"),)
    return Sonogram(
        "D",
        pixels,
        (r,),
        annotations,
        "Generated sonogram of the excision scar: an irregular hypoechoic mass 10 mm wide joined "
        "to the skin by a scar tract, with faint posterior shadowing.",
        probe,
        {"mass": mass.chord_mm},
    )


# --- split screen: 880 x 480, two 400 x 400 px regions of 40 x 40 mm (0.1 mm per pixel) --------

SPLIT_COLUMNS, SPLIT_ROWS = 880, 480
SPLIT_LEFT = Region(x0_px=15, y0_px=50, columns=400, rows=400, mm_per_px=FIELD_MM / 400)
SPLIT_RIGHT = Region(x0_px=450, y0_px=50, columns=400, rows=400, mm_per_px=FIELD_MM / 400)


def _carcinoma_scene(outline: Outline, phase: float) -> Scene:
    return Scene(
        width_mm=FIELD_MM,
        depth_mm=FIELD_MM,
        scar_x_mm=19.0,
        scar_skin_mm=2.4,
        scar_halfwidth_mm=9.0,
        scar_tract_to_mm=(19.5, 7.5),
        fat_bottom_mm=12.5,
        lesions=(Lesion(outline.points_mm, 0.28, ATT_FIBROSIS * 0.55, texture_db=2.0),),
        orientation_phase=phase,
    )


def panel_e(seed: int) -> Sonogram:
    """September 2005: split screen, longitudinal left and transverse right: a new angular
    margin on the scar mass."""
    rng = _rng("E", seed)
    probe = Probe()
    longitudinal = irregular_outline(
        (20.0, 10.5), 10.0, 6.5, rng, angular_at_deg=(330, 160), angular_length_mm=3.4
    )
    transverse = irregular_outline(
        (20.0, 10.8), 8.0, 6.5, rng, angular_at_deg=(215,), angular_length_mm=3.4
    )
    canvas = _canvas(SPLIT_COLUMNS, SPLIT_ROWS)
    for region, outline, phase in (
        (SPLIT_LEFT, longitudinal, 0.4),
        (SPLIT_RIGHT, transverse, 2.9),
    ):
        view = _view(_carcinoma_scene(outline, phase), probe, region, rng)
        canvas[region.y0_px : region.y1_px + 1, region.x0_px : region.x1_px + 1] = view
        _depth_marks(canvas, region, region.x1_px + 12, probe)
    annotations = (
        _label((SPLIT_LEFT.x0_px + 8.0, SPLIT_LEFT.y0_px - 30.0), "Longitudinal"),
        _label((SPLIT_RIGHT.x0_px + 8.0, SPLIT_RIGHT.y0_px - 30.0), "Transverse"),
        _arrow(SPLIT_LEFT.to_px(longitudinal.angular_tips_mm[0]), -35, 60, "thin"),
        _arrow(SPLIT_RIGHT.to_px(transverse.angular_tips_mm[0]), 215, 60, "thin"),
    )
    return Sonogram(
        "E",
        canvas,
        (SPLIT_LEFT, SPLIT_RIGHT),
        annotations,
        "Generated split-screen sonogram, longitudinal view on the left and transverse on the "
        "right, each 40 mm wide: the hypoechoic scar mass now has a new angular margin.",
        probe,
    )


# --- power Doppler: the single-view layout in RGB, with a colour box and scale ----------------

DOPPLER_BOX_MM = ((11.0, 3.5), (29.0, 17.5))


def panel_f(seed: int) -> Sonogram:
    """September 2005: power Doppler, one vessel penetrating the lesion and branching."""
    rng = _rng("F", seed)
    probe = Probe(frequency_mhz=10.0)
    mass = irregular_outline(
        (20.0, 10.5), 9.0, 6.5, rng, angular_at_deg=(215,), angular_length_mm=2.4
    )
    scene = _carcinoma_scene(mass, 2.9)
    grey = _single("F", scene, probe, rng)
    r = SINGLE_REGION
    (bx0, bz0), (bx1, bz1) = DOPPLER_BOX_MM
    box_x0, box_y0 = (int(v) for v in r.to_px((bx0, bz0)))
    box_x1, box_y1 = (int(v) for v in r.to_px((bx1, bz1)))
    # The vessel enters from deep and lateral, crosses the margin, and branches inward.
    entry_mm, margin_mm, fork_mm = (28.0, 16.5), (24.0, 13.2), (21.5, 11.2)
    vessel = branching_vessel(
        r.to_px(entry_mm),
        r.to_px(fork_mm),
        (r.to_px((18.0, 9.0)), r.to_px((19.5, 12.8))),
        radius_px=4.5,
    )
    power = vessel_power(grey.shape, vessel, rng)
    rgb = paint_power(grey, power, (box_x0, box_y0, box_x1, box_y1))
    bar = colour_bar(160, 10)
    rgb[60:220, 600:610] = bar
    doppler_region = Region(
        x0_px=box_x0,
        y0_px=box_y0,
        columns=box_x1 - box_x0 + 1,
        rows=box_y1 - box_y0 + 1,
        mm_per_px=r.mm_per_px,
        data_type=2,
    )
    annotations = (_arrow(r.to_px(margin_mm), 50, 75, "thin", "penetrating vessel"),)
    return Sonogram(
        "F",
        rgb,
        (r, doppler_region),
        annotations,
        "Generated power Doppler sonogram: inside the colour box one vessel enters the "
        "hypoechoic scar mass from outside and branches within it; power scale at the right.",
        probe,
    )


SONOGRAMS: dict[str, Callable[[int], Sonogram]] = {
    "A": panel_a,
    "C": panel_c,
    "D": panel_d,
    "E": panel_e,
    "F": panel_f,
}


def all_sonograms(seed: int, panels: Sequence[str] = tuple(SONOGRAMS)) -> list[Sonogram]:
    return [SONOGRAMS[p](seed) for p in panels]
