"""The lesion's size over time, for the timeline chart: from each step's ``lesion_size_mm``
or its primary image's lesion calliper (``lesion = true``), measured in mm through the
image's own calibration. Nothing is typed twice: a size shown is a size measured or declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from viewer.cases.loader import LoadedCase
from viewer.cases.model import Caliper, Role

SizeSource = Literal["calliper", "size field"]


@dataclass(frozen=True)
class LesionSize:
    panel: str
    size_mm: float
    source: SizeSource


def lesion_size(loaded: LoadedCase, step_index: int) -> LesionSize | None:
    """The lesion size a step declares or measures, if any."""
    step = loaded.case.steps[step_index]
    if step.lesion_size_mm is not None:
        return LesionSize(step.panel, step.lesion_size_mm, "size field")
    for image_index, image in enumerate(step.images):
        if image.role is not Role.PRIMARY:
            continue
        for annotation in image.annotations:
            if isinstance(annotation, Caliper) and annotation.lesion:
                calibration = loaded.image(step_index, image_index).calibration
                try:
                    length = calibration.distance_mm(annotation.start_px, annotation.end_px)
                except ValueError:
                    return None  # reported by the loader; nothing to chart
                if length is not None:
                    return LesionSize(step.panel, round(length, 1), "calliper")
    return None


def _positions(days: list[date]) -> list[float]:
    """Each step's place on the time axis (0..1): its date's first day, never before the step
    before it (a year-only date after a month-precise one stays after it)."""
    ordinals: list[int] = []
    for day in days:
        ordinals.append(max(day.toordinal(), ordinals[-1]) if ordinals else day.toordinal())
    low, high = ordinals[0], ordinals[-1]
    span = max(high - low, 1)
    return [(o - low) / span for o in ordinals]


def chart_payload(loaded: LoadedCase) -> dict[str, Any] | None:
    """Data for the chart, or None when fewer than two steps have a size."""
    steps = loaded.case.steps
    sizes = [lesion_size(loaded, i) for i in range(len(steps))]
    if sum(size is not None for size in sizes) < 2:
        return None
    positions = _positions([step.date.first_day for step in steps])
    marks = []
    for step, t, size in zip(steps, positions, sizes, strict=True):
        marks.append(
            {
                "panel": step.panel,
                "date": step.date_label,
                "t": round(t, 4),
                "sizeMm": size.size_mm if size else None,
                "source": size.source if size else None,
            }
        )
    largest = max(size.size_mm for size in sizes if size is not None)
    return {"marks": marks, "yMaxMm": float(5 * (int(largest // 5) + 1))}
