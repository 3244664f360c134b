"""The ACR BI-RADS lexicon (5th edition) as answer choices for structured quiz answers.

Each descriptor has an id (used as a key in ``case.toml``), a label and its terms. A step's
quiz asks only the descriptors its key names ("as they apply").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LexiconName(StrEnum):
    ULTRASOUND = "ultrasound"
    MAMMOGRAPHY = "mammography"


@dataclass(frozen=True)
class Descriptor:
    id: str
    label: str
    terms: tuple[str, ...]


ASSESSMENT = Descriptor(
    "assessment",
    "Assessment category",
    ("0", "1", "2", "3", "4A", "4B", "4C", "5", "6"),
)

ULTRASOUND: tuple[Descriptor, ...] = (
    Descriptor("shape", "Shape", ("oval", "round", "irregular")),
    Descriptor("orientation", "Orientation", ("parallel", "not parallel")),
    Descriptor(
        "margin",
        "Margin",
        ("circumscribed", "indistinct", "angular", "microlobulated", "spiculated"),
    ),
    Descriptor(
        "echo_pattern",
        "Echo pattern",
        (
            "anechoic",
            "hyperechoic",
            "complex cystic and solid",
            "hypoechoic",
            "isoechoic",
            "heterogeneous",
        ),
    ),
    Descriptor(
        "posterior_features",
        "Posterior features",
        ("no posterior features", "enhancement", "shadowing", "combined pattern"),
    ),
    Descriptor(
        "calcifications",
        "Calcifications",
        ("none", "in a mass", "outside a mass", "intraductal"),
    ),
    Descriptor(
        "vascularity", "Vascularity", ("absent", "internal vascularity", "vessels in rim")
    ),
    ASSESSMENT,
)

MAMMOGRAPHY: tuple[Descriptor, ...] = (
    Descriptor("shape", "Mass shape", ("oval", "round", "irregular")),
    Descriptor(
        "margin",
        "Mass margin",
        ("circumscribed", "obscured", "microlobulated", "indistinct", "spiculated"),
    ),
    Descriptor(
        "density",
        "Mass density",
        ("high density", "equal density", "low density", "fat-containing"),
    ),
    Descriptor(
        "calcifications",
        "Calcifications",
        ("none", "typically benign", "suspicious morphology"),
    ),
    Descriptor(
        "associated_features",
        "Associated features",
        (
            "none",
            "skin retraction",
            "skin thickening",
            "architectural distortion",
            "nipple retraction",
            "axillary adenopathy",
        ),
    ),
    ASSESSMENT,
)

LEXICONS: dict[LexiconName, tuple[Descriptor, ...]] = {
    LexiconName.ULTRASOUND: ULTRASOUND,
    LexiconName.MAMMOGRAPHY: MAMMOGRAPHY,
}


def descriptor(lexicon: LexiconName, descriptor_id: str) -> Descriptor | None:
    return next((d for d in LEXICONS[lexicon] if d.id == descriptor_id), None)


ASSESSMENT_MEANING = {
    "0": "incomplete: needs additional imaging",
    "1": "negative",
    "2": "benign",
    "3": "probably benign (malignancy at most 2%)",
    "4A": "low suspicion (2-10%)",
    "4B": "moderate suspicion (10-50%)",
    "4C": "high suspicion (50-95%)",
    "5": "highly suggestive of malignancy (at least 95%)",
    "6": "known biopsy-proven malignancy",
}
