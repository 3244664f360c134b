"""Case text shown by Streamlit is escaped, so markdown and HTML in a manifest stay text."""

from __future__ import annotations

from viewer.ui.text import md_escape


def test_markdown_and_html_are_escaped() -> None:
    assert md_escape("**bold** <b>x</b> [a](javascript:x) $x$") == (
        "\\*\\*bold\\*\\* \\<b\\>x\\</b\\> \\[a\\]\\(javascript\\:x\\) \\$x\\$"
    )


def test_plain_text_unchanged() -> None:
    assert md_escape("Intraductal papilloma 12 mm") == "Intraductal papilloma 12 mm"
