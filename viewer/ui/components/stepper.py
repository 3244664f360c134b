"""The stepper component: the whole case in the browser, stepping without a round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

_HERE = Path(__file__).parent

_stepper = st.components.v2.component(
    "viewer_stepper",
    js=(_HERE / "stepper.js").read_text(encoding="utf-8"),
    css=(_HERE / "stepper.css").read_text(encoding="utf-8"),
)


def _ignore() -> None:
    """Changes need no callback: the page reads the result after mounting."""


def stepper(payload: dict[str, Any], *, key: str) -> Any:
    """Mount the stepper in ``payload["mode"]`` (``browse``, ``present`` or ``quiz``).

    The result's state ``step`` holds the panel the user is on; its trigger ``mode`` is set,
    for one run, to the mode the user asked to switch to (``present`` or ``browse``).
    """
    return _stepper(
        data=payload,
        key=key,
        default={"step": payload.get("initialPanel")},
        on_step_change=_ignore,
        on_mode_change=_ignore,
    )
