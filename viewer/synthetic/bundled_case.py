"""The bundled case's generated images: one per panel, written as DICOM with the manifest
entries (alt text, provenance, annotations) that go with them.

``build`` is what ``viewer build-demo`` runs: it makes every panel's image from the seed,
writes the files into ``images/generated/`` of the case folder, and then puts each image's
entry into ``case.toml`` (keeping the rest of the file as it was). The same seed writes
byte-identical files. Each file is written to a temporary name and moved into place, and
the manifest only after every image succeeded, so a failure leaves no half-written file and
no half-updated manifest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset

from viewer.cases.manifest_edits import set_generated_images
from viewer.files import write_atomic
from viewer.synthetic import dicom_files, histology, mammography, sonograms

DEFAULT_SEED = 2003
CASE_ID = "scar-carcinoma"
IMAGE_DIR = "images/generated"

Progress = Callable[[int, int, str], None]
"""Called as (done, total, message) while building."""


@dataclass(frozen=True)
class PanelImage:
    """A generated image: its DICOM dataset and its manifest entry."""

    panel: str
    file: str
    dataset: Dataset
    entry: dict[str, Any]
    built_to_measure_mm: dict[str, float] = field(default_factory=dict)
    """Calliper label -> the length the geometry was built to (the tests compare)."""


def _provenance(seed: int, what: str) -> dict[str, Any]:
    return {
        "kind": "generated",
        "generator": f"viewer.synthetic (seed {seed})",
        "note": what,
    }


def _entry(
    file: str, alt: str, seed: int, what: str, annotations: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "file": file,
        "role": "primary",
        "alt": alt,
        "hide_burned_in_text": False,
        "provenance": _provenance(seed, what),
        "annotations": [dict(a) for a in annotations],
    }


def arrow_to(
    head_px: tuple[float, float],
    size_px: tuple[int, int],
    style: str = "thin",
    label: str = "",
    length_px: float = 80.0,
    angles_deg: Iterable[float] = (-45.0, -135.0, 45.0, 135.0),
) -> dict[str, Any]:
    """An arrow onto ``head_px`` whose tail stays inside an image of ``size_px`` (w, h):
    the first of ``angles_deg`` (0 = from the right, 90 = from below) that fits."""
    width, height = size_px
    margin = 12.0
    hx, hy = head_px
    candidates = list(angles_deg)
    for angle in candidates:
        a = math.radians(angle)
        tx, ty = hx + length_px * math.cos(a), hy + length_px * math.sin(a)
        if margin <= tx <= width - margin and margin <= ty <= height - margin:
            break
    else:
        a = math.radians(candidates[0])
        tx = min(max(hx + length_px * math.cos(a), margin), width - margin)
        ty = min(max(hy + length_px * math.sin(a), margin), height - margin)
    table: dict[str, Any] = {
        "kind": "arrow",
        "tail_px": [round(tx, 1), round(ty, 1)],
        "head_px": [round(hx, 1), round(hy, 1)],
        "style": style,
    }
    if label:
        table["label"] = label
    return table


def _sonogram_image(sonogram: sonograms.Sonogram, seed: int) -> PanelImage:
    kind = "power_doppler" if sonogram.pixels.ndim == 3 else "sonogram"
    file = f"{IMAGE_DIR}/{sonogram.panel}_{kind}.dcm"
    what = (
        "Simulated B-mode image (scatterers, point-spread function, envelope detection, log "
        "compression, attenuation) built to show what the caption describes; the callipers "
        "and arrows come from the geometry the image was made from."
    )
    if kind == "power_doppler":
        what = "Simulated power Doppler over a " + what[0].lower() + what[1:]
    return PanelImage(
        sonogram.panel,
        file,
        dicom_files.ultrasound_dataset(sonogram, CASE_ID, seed),
        _entry(file, sonogram.description, seed, what, sonogram.annotations),
        dict(sonogram.measured_mm),
    )


def _mammogram_image(panel: str, seed: int) -> PanelImage:
    image = mammography.spot_cc(seed)
    rows, columns = image.pixels.shape
    size = (columns, rows)
    file = f"{IMAGE_DIR}/{panel}_mammogram_spot_cc.dcm"
    # The scar arrow comes from outside the breast (the air beyond the skin) onto the skin.
    nx, ny = image.skin_normal
    scar_head = (image.scar_px[0] + 4.0 * nx, image.scar_px[1] + 4.0 * ny)
    outward_deg = math.degrees(math.atan2(-ny, -nx))
    annotations = [
        arrow_to(_edge_point(image), size, "thin", "mass", angles_deg=(-60.0, -120.0, 60.0)),
        {
            "kind": "caliper",
            "start_px": [round(image.caliper_start_px[0], 2), round(image.caliper_start_px[1], 2)],
            "end_px": [round(image.caliper_end_px[0], 2), round(image.caliper_end_px[1], 2)],
            "label": "mass",
            "lesion": True,
        },
        arrow_to(scar_head, size, "thick", "skin scar", angles_deg=(outward_deg, 90.0)),
    ]
    what = (
        "Simulated spot-compression magnification mammogram (projected fibroglandular "
        "texture, skin, scar, and a 4 mm mass); PixelSpacing is in the breast plane."
    )
    return PanelImage(
        panel,
        file,
        dicom_files.mammography_dataset(image, CASE_ID, panel, seed),
        _entry(file, image.description, seed, what, annotations),
        {"mass": image.mass_diameter_mm},
    )


def _edge_point(image: mammography.Mammogram) -> tuple[float, float]:
    """A point on the mass's edge, above its centre: where the arrow's head goes."""
    cx, cy = image.mass_center_px
    radius_px = image.mass_diameter_mm / image.pixel_spacing_mm / 2.0
    return (cx, cy - radius_px - 4.0)


def _histology_image(panel: str, seed: int) -> PanelImage:
    if panel == "B":
        image = histology.papilloma(seed)
        file = f"{IMAGE_DIR}/B_histology_papilloma.dcm"
        marks = [
            ("frond", "thin", "papillary frond"),
            ("fibrovascular_core", "thick", "fibrovascular core"),
            ("myoepithelial_layer", "thin", "myoepithelial layer"),
        ]
    else:
        image = histology.carcinoma_in_scar(seed)
        file = f"{IMAGE_DIR}/H_histology_carcinoma.dcm"
        marks = [
            ("tumour_nest_1", "thick", "carcinoma"),
            ("tumour_nest_2", "thick", ""),
            ("giant_cell", "thin", "foreign-body giant cell"),
            ("fibrosis", "thin", "fibrosis"),
        ]
    rows, columns = image.pixels.shape[:2]
    size = (columns, rows)
    annotations = [
        arrow_to(image.features[name], size, style, label) for name, style, label in marks
    ]
    what = (
        "An illustration drawn by the generator in H&E colours at x100 (a field about 2 mm "
        "across), not a micrograph."
    )
    return PanelImage(
        panel,
        file,
        dicom_files.histology_dataset(image, CASE_ID, panel, seed),
        _entry(file, _illustration_alt(image.description), seed, what, annotations),
    )


def _illustration_alt(description: str) -> str:
    if description.lower().startswith("illustration"):
        return description
    return f"Illustration, not a micrograph: {description}"


PANELS = ("A", "B", "C", "D", "E", "F", "G", "H")


def make_panel(panel: str, seed: int = DEFAULT_SEED) -> PanelImage:
    if panel in sonograms.SONOGRAMS:
        return _sonogram_image(sonograms.SONOGRAMS[panel](seed), seed)
    if panel == "G":
        return _mammogram_image(panel, seed)
    if panel in ("B", "H"):
        return _histology_image(panel, seed)
    raise KeyError(f"no generator for panel {panel!r}; panels are {', '.join(PANELS)}")


@dataclass(frozen=True)
class BuildReport:
    images: tuple[PanelImage, ...]
    seconds: float


def build(
    case_dir: Path,
    seed: int = DEFAULT_SEED,
    panels: Iterable[str] = PANELS,
    progress: Progress | None = None,
) -> BuildReport:
    """Generate the panels' images into ``case_dir`` and update its ``case.toml``."""
    started = time.perf_counter()
    manifest = case_dir / "case.toml"
    text = manifest.read_text(encoding="utf-8")
    wanted = list(panels)
    total = len(wanted) + 1
    made: list[PanelImage] = []
    encoded: list[bytes] = []
    for done, panel in enumerate(wanted):
        if progress:
            progress(done, total, f"panel {panel}: generating")
        image = make_panel(panel, seed)
        made.append(image)
        encoded.append(dicom_files.to_bytes(image.dataset))
    # Everything is made before anything is written: a failure above changes nothing.
    updated = set_generated_images(text, {image.panel: image.entry for image in made})
    for image, data in zip(made, encoded, strict=True):
        write_atomic(case_dir / image.file, data)
    write_atomic(manifest, updated.encode("utf-8"))
    if progress:
        progress(total, total, f"wrote {len(made)} images and {manifest.name}")
    return BuildReport(tuple(made), time.perf_counter() - started)
