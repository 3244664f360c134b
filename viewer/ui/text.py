"""Showing case text in Streamlit as text: escaped so it is never markdown or HTML."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")


def md_escape(text: str) -> str:
    """Escape markdown and HTML punctuation so Streamlit shows ``text`` literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
