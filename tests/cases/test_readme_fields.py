"""Every manifest field is documented in the README's "Case format" section."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from viewer.cases import model

README = Path(__file__).resolve().parents[2] / "README.md"
MODELS: list[type[BaseModel]] = [
    model.Case, model.Source, model.Step, model.ImageRef,
    model.GeneratedProvenance, model.PublicSampleProvenance, model.AuthorProvenance,
    model.Arrow, model.Caliper, model.Ellipse, model.Label,
    model.BiRadsQuiz, model.ChoiceQuiz,
]


def case_format_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Case format")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_field_is_documented() -> None:
    section = case_format_section()
    missing = [
        f"{m.__name__}.{name}"
        for m in MODELS
        for name in m.model_fields
        if f"`{name}`" not in section
    ]
    assert missing == []


def test_every_kind_is_documented() -> None:
    section = case_format_section()
    kinds = ["generated", "public-sample", "author-supplied", "arrow", "caliper", "ellipse", "label",
             "bi-rads", "choice"]
    assert [k for k in kinds if f"| `{k}` |" not in section] == []


def test_the_check_can_fail() -> None:
    assert "`no_such_field`" not in case_format_section()


def test_the_lexicon_table_matches_the_lexicon() -> None:
    from viewer.cases.lexicon import ASSESSMENT, LEXICONS

    section = case_format_section()
    for name, descriptors in LEXICONS.items():
        for d in descriptors:
            if d is ASSESSMENT:
                continue
            assert f"| {name} | `{d.id}` | {', '.join(d.terms)} |" in section
    assert f"| both | `assessment` | {', '.join(ASSESSMENT.terms)} |" in section
