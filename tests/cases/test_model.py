"""The manifest model on its own: dates, elapsed labels, primary image rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from viewer.case_view import elapsed_label
from viewer.cases.model import PartialDate, Step


@pytest.mark.parametrize(
    ("text", "label", "first", "last"),
    [
        ("2005", "2005", "2005-01-01", "2005-12-31"),
        ("2005-09", "Sep 2005", "2005-09-01", "2005-09-30"),
        ("2004-02-29", "29 Feb 2004", "2004-02-29", "2004-02-29"),
    ],
)
def test_partial_dates(text: str, label: str, first: str, last: str) -> None:
    date = PartialDate.parse(text)
    assert (str(date), date.label(), str(date.first_day), str(date.last_day)) == (
        text, label, first, last,
    )


@pytest.mark.parametrize(
    ("first", "later", "label"),
    [
        ("2003-06", "2003-06", "start"),
        ("2003-06", "2004-03", "+9 mo"),
        ("2003-06", "2005-03", "+1 y 9 mo"),
        ("2003-06", "2004-06", "+1 y"),
        ("2003-06", "2003", "same year"),
        ("2003-06", "2005", "~+2 y"),
    ],
)
def test_elapsed_labels(first: str, later: str, label: str) -> None:
    assert elapsed_label(PartialDate.parse(first), PartialDate.parse(later)) == label


def _step(**extra: object) -> dict[str, object]:
    return {"panel": "A", "date": "2003-06", "modality": "ultrasound", "view": "v", "caption": "c", **extra}


def test_at_most_one_primary_image() -> None:
    image = {"file": "a.png", "alt": "a", "provenance": {"kind": "generated", "generator": "g"}}
    with pytest.raises(ValidationError, match="at most one image may have role 'primary', found 2"):
        Step.model_validate(_step(images=[image, image]))


def test_step_is_frozen() -> None:
    step = Step.model_validate(_step())
    with pytest.raises(ValidationError):
        step.panel = "B"  # type: ignore[misc]
