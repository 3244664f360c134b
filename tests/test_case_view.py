"""The case as the viewer shows it: plain data every front end shares."""

from __future__ import annotations

from tests.conftest import BUNDLED
from viewer.case_view import case_payload, date_span, provenance_detail
from viewer.cases.loader import load_case


def test_payload_for_every_step() -> None:
    loaded = load_case(BUNDLED)
    payload = case_payload(loaded, lambda s, i: f"/img/{s}/{i}.png")
    assert payload["caseId"] == "scar-carcinoma"
    assert [(s["panel"], s["date"], s["elapsed"]) for s in payload["steps"]] == [
        ("A", "Jun 2003", "start"),
        ("B", "(2003)", "same year"),
        ("C", "Mar 2004", "+9 mo"),
        ("D", "Mar 2005", "+1 y 9 mo"),
        ("E", "Sep 2005", "+2 y 3 mo"),
        ("F", "(Sep 2005)", "+2 y 3 mo"),
        ("G", "(2005)", "~+2 y"),
        ("H", "(2005)", "~+2 y"),
    ]
    step_e = payload["steps"][4]
    assert step_e["modality"] == "Ultrasound" and step_e["imageOrder"] == [0, 1]
    generated, sample = step_e["images"]
    assert generated["url"] == "/img/4/0.png"
    assert (generated["width"], generated["height"]) == (880, 480)
    assert generated["calibration"] == "0.100 x 0.100 mm per pixel"
    assert generated["provenance"] == "Generated teaching image, not this patient"
    assert (sample["width"], sample["height"]) == (640, 480)
    assert sample["calibration"] == "0.383 x 0.383 mm per pixel"
    assert sample["provenance"] == "Public sample image, not this patient"


def test_primary_image_comes_first(make_case) -> None:  # type: ignore[no-untyped-def]
    # Step F listed with its public sample first and the generated primary second.
    folder = make_case(
        (
            'file = "images/generated/F_power_doppler.dcm"\nrole = "primary"',
            'file = "images/generated/F_power_doppler.dcm"\nrole = "reference"',
        ),
        (
            'file = "images/pydicom-data_US1_UNCR.dcm"\nrole = "reference"',
            'file = "images/pydicom-data_US1_UNCR.dcm"\nrole = "primary"',
        ),
    )
    loaded = load_case(folder)
    step_f = case_payload(loaded, lambda s, i: f"{s}/{i}")["steps"][5]
    assert step_f["imageOrder"] == [1, 0]
    assert [image["url"] for image in step_f["images"]] == ["5/1", "5/0"]
    assert [image["provenance"] for image in step_f["images"]] == [
        "Public sample image, not this patient",
        "Generated teaching image, not this patient",
    ]


def test_provenance_detail_and_date_span() -> None:
    loaded = load_case(BUNDLED)
    assert provenance_detail(loaded.image(5, 1)).startswith(
        "pydicom-data: data_store/data/US1_UNCR.dcm. Credit: pydicom-data, pydicom project "
        "(GE Medical Systems sample). Licence: MIT."
    )
    assert date_span(loaded) == "2003-2005"
