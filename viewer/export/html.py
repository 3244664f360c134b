"""The case as one self-contained HTML file that runs offline from ``file://``.

It is the viewer's own stepper (``viewer/ui/components/stepper.js`` and its CSS, the same code
the app mounts) with a small boot script in place of Streamlit: the case travels as JSON in a
``<script type="application/json">`` block (every ``<`` escaped, so no case text can close it),
images as ``data:`` URLs (PNG where it is not much larger than a JPEG, else JPEG quality 90;
cine frames as the app sends them). A Content-Security-Policy allows no network at all and only
this file's own two scripts, by hash: nothing in the case can load or run anything.

Modes, as in the app, by the address: ``?mode=present`` (Space reveals layers, N notes) and
``?mode=quiz`` (each step's question before the reveal, scored in the page; nothing is sent
anywhere), ``&step=<panel>`` for a deep link.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from viewer.case_view import case_payload
from viewer.cases.loader import LoadedCase, ResolvedImage
from viewer.cases.model import BiRadsQuiz
from viewer.export.pdf import Progress
from viewer.imaging.cine import web_frames
from viewer.imaging.display import hide_outside_regions
from viewer.imaging.frames import decode_frame
from viewer.quiz import option_label, questions

COMPONENTS = Path(__file__).resolve().parent.parent / "ui" / "components"
PNG_SLACK = 1.3
"""PNG is kept unless it is more than this much larger than the JPEG."""


def _data_url(mimetype: str, data: bytes) -> str:
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


def image_data_url(image: ResolvedImage) -> str:
    """Frame 0 as the viewer shows it, compressed sensibly."""
    header, frame = decode_frame(image.path, 0)
    if image.ref.hide_burned_in_text:
        frame = hide_outside_regions(frame, header.regions)
    picture = Image.fromarray(np.ascontiguousarray(frame))
    png, jpeg = io.BytesIO(), io.BytesIO()
    picture.save(png, format="PNG", optimize=True)
    picture.convert("RGB" if picture.mode != "L" else "L").save(jpeg, format="JPEG", quality=90)
    if len(png.getvalue()) <= PNG_SLACK * len(jpeg.getvalue()):
        return _data_url("image/png", png.getvalue())
    return _data_url("image/jpeg", jpeg.getvalue())


def _quizzes(loaded: LoadedCase) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in loaded.case.steps:
        quiz = step.quiz
        if quiz is None:
            continue
        asked = questions(step)
        out[step.panel] = {
            "question": quiz.question if isinstance(quiz, BiRadsQuiz) else "",
            "questions": [
                {
                    "id": q.id,
                    "label": q.label,
                    "options": [{"value": o, "label": option_label(q, o)} for o in q.options],
                }
                for q in asked
            ],
            "accepted": {
                q.id: list(quiz.accepted(q.id)) if isinstance(quiz, BiRadsQuiz) else [quiz.answer]
                for q in asked
            },
            "why": dict(quiz.why) if isinstance(quiz, BiRadsQuiz) else {},
            "explanation": quiz.explanation,
        }
    return out


def export_payload(loaded: LoadedCase, progress: Progress | None = None) -> dict[str, Any]:
    """The stepper's data with every image inline."""
    urls: dict[tuple[int, int], str] = {}
    frames: dict[tuple[int, int], list[str]] = {}
    keys = sorted(loaded.images)
    for done, key in enumerate(keys):
        image = loaded.images[key]
        if progress:
            progress(done, len(keys) + 1, f"image {image.ref.file}")
        if image.header.frames > 1:
            web = web_frames(image.path, image.ref.hide_burned_in_text)
            frames[key] = [_data_url(web.mimetype, data) for data in web.frames]
            urls[key] = frames[key][0]
        else:
            urls[key] = image_data_url(image)
    payload = case_payload(
        loaded, lambda s, i: urls.get((s, i), ""), lambda s, i: frames.get((s, i), [])
    )
    payload["initialPanel"] = loaded.case.steps[0].panel
    payload["version"] = 0
    payload["quizzes"] = _quizzes(loaded)
    payload["exported"] = date.today().isoformat()
    return payload


def _json_for_script(payload: dict[str, Any]) -> str:
    """JSON that cannot end its <script> block: every "<" is written as \\u003c."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _module_script() -> str:
    stepper = (COMPONENTS / "stepper.js").read_text(encoding="utf-8")
    marker = "export default function"
    if stepper.count(marker) != 1:
        raise RuntimeError("stepper.js must have exactly one default export to be embedded")
    stepper = stepper.replace(marker, "const mountViewer = function", 1)
    boot = (Path(__file__).resolve().parent / "offline.js").read_text(encoding="utf-8")
    return f"{stepper}\n{boot}"


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def offline_html(loaded: LoadedCase, progress: Progress | None = None) -> bytes:
    payload = export_payload(loaded, progress)
    css = (COMPONENTS / "stepper.css").read_text(encoding="utf-8")
    page_css = (Path(__file__).resolve().parent / "offline.css").read_text(encoding="utf-8")
    script = _module_script()
    policy = (
        "default-src 'none'; img-src data:; media-src data:; font-src 'none'; "
        f"style-src 'unsafe-inline'; script-src 'sha256-{_sha256(script)}'; "
        "connect-src 'none'; form-action 'none'; base-uri 'none'"
    )
    title = loaded.case.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    document = (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        f"<title>{title}</title>\n<style>\n{css}\n{page_css}\n</style>\n</head>\n<body>\n"
        "<div id=\"app\"></div>\n"
        f"<script type=\"application/json\" id=\"case-data\">{_json_for_script(payload)}</script>\n"
        f"<script type=\"module\">{script}</script>\n</body>\n</html>\n"
    )
    if progress:
        progress(1, 1, "offline HTML written")
    return document.encode("utf-8")
