"""Changes to a ``case.toml`` that keep the author's comments, order and layout (tomlkit).

The text is edited as a document, not re-serialised from the model, so everything the
edit does not touch stays byte for byte as the author wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table, Whitespace

GENERATED_MARK = (
    "Written by `viewer build-demo` from the generator's geometry; do not edit by hand."
)


def _item(value: Any) -> Any:
    """Plain Python values to tomlkit items; lists of tables become arrays of tables."""
    if isinstance(value, Mapping):
        table = tomlkit.table()
        for key, inner in value.items():
            table[key] = _item(inner)
        return table
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
        if items and all(isinstance(v, Mapping) for v in items):
            aot = tomlkit.aot()
            for v in items:
                aot.append(_item(v))
            return aot
        array = tomlkit.array()
        array.extend(items)
        return array
    return value


def image_table(image: Mapping[str, Any], comment: str = "", blank_after: bool = True) -> Table:
    """One ``[[steps.images]]`` table, nested tables and annotations included."""
    table = tomlkit.table()
    if comment:
        table.add(tomlkit.comment(comment))
    for key, value in image.items():
        table[key] = _item(value)
    if blank_after:  # a table that follows stays visually apart
        annotations = table.get("annotations")
        last = annotations[-1] if isinstance(annotations, AoT) and len(annotations) else table
        last.add(tomlkit.nl())
    return table


def _is_generated(image: Table) -> bool:
    provenance = image.get("provenance")
    return isinstance(provenance, Mapping) and provenance.get("kind") == "generated"


def _append_before_trailing_comments(table: Table, key: str, value: Any) -> None:
    """Add ``key`` to ``table`` above the comments and blank lines that end it (they
    introduce whatever follows, such as the next step's separator comment)."""
    body = table.value.body
    trailing: list[Any] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop())
    # The new tables end with a blank line of their own.
    while trailing and isinstance(trailing[0][1], Whitespace):
        trailing.pop(0)
    table[key] = value
    body.extend(trailing)


def set_generated_images(text: str, images: Mapping[str, Mapping[str, Any]]) -> str:
    """Put one generated primary image on each step named in ``images`` (by panel).

    An existing generated image of the step is replaced where it stands; otherwise the new
    one goes first in the step's images. Every other image and key is left as it was.
    Raises KeyError naming a panel the manifest does not have.
    """
    document = tomlkit.parse(text)
    steps = document.get("steps")
    if not isinstance(steps, AoT):
        raise KeyError("the manifest has no [[steps]]")
    by_panel = {str(step.get("panel")): step for step in steps}
    missing = sorted(set(images) - set(by_panel))
    if missing:
        raise KeyError(f"the manifest has no step for panel(s) {', '.join(missing)}")
    for panel, image in images.items():
        step = by_panel[panel]
        table = image_table(image, GENERATED_MARK)
        existing = step.get("images")
        if not isinstance(existing, AoT):
            new = tomlkit.aot()
            new.append(table)
            _append_before_trailing_comments(step, "images", new)
            continue
        for index, current in enumerate(existing):
            if _is_generated(current):
                existing[index] = table
                break
        else:
            existing.insert(0, table)
    return tomlkit.dumps(document)


def add_step_images(
    text: str, panel: str, images: Sequence[Mapping[str, Any]], new_step: Mapping[str, Any] | None
) -> str:
    """Append ``images`` to the step ``panel``; when ``new_step`` is given the step is
    created first (its table, without images) at the place its ``date`` keeps the steps in
    time order. Raises KeyError when the step is missing and no ``new_step`` is given."""
    document = tomlkit.parse(text)
    steps = document.get("steps")
    if steps is None and new_step is not None:
        steps = tomlkit.aot()
        document.append("steps", steps)
    if not isinstance(steps, AoT):
        raise KeyError("the manifest has no [[steps]]")
    step = next((s for s in steps if str(s.get("panel")) == panel), None)
    if step is None:
        if new_step is None:
            raise KeyError(f"the manifest has no step for panel {panel}")
        step = tomlkit.table()
        for key, value in new_step.items():
            step[key] = _item(value)
        dates = [str(s.get("date", "")) for s in steps]
        when = str(new_step.get("date", ""))
        # Partial dates compare by their text: "2005" < "2005-09" < "2005-09-14".
        position = next((i for i, d in enumerate(dates) if d > when), len(dates))
        steps.insert(position, step)
    existing = step.get("images")
    tables = [image_table(image, blank_after=False) for image in images]
    if isinstance(existing, AoT):
        for table in tables:
            existing.append(table)
    else:
        aot = tomlkit.aot()
        for table in tables:
            aot.append(table)
        _append_before_trailing_comments(step, "images", aot)
    return tomlkit.dumps(document)
