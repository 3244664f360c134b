"""The case as a PDF handout: one page per step, text as real text (searchable, selectable).

Each page has the panel letter, date and modality, the primary image at its stored resolution
with the annotations drawn over it as vector graphics (the same shapes the viewer draws, in
the same colours, halo first), the image's label ("Generated teaching image, not this
patient" ...) and provenance, then the verbatim caption, the editorial note, findings and
teaching points. The first page starts with the title, summary and the case's source
citation. Built with reportlab; case text is escaped for its paragraph markup.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from viewer.case_view import provenance_detail
from viewer.cases.loader import LoadedCase, ResolvedImage
from viewer.cases.model import Role, provenance_label
from viewer.overlay import shapes_for

Progress = Callable[[int, int, str], None]
PngOf = Callable[[ResolvedImage], bytes]
"""Returns the display rendering (PNG) of an image, frame 0."""

INK = colors.HexColor("#ffd84d")
THICK = colors.HexColor("#7fdcff")
HALO = colors.black
PAGE_MARGIN = 16 * mm
IMAGE_MAX_HEIGHT = 112 * mm
FIRST_IMAGE_MAX_HEIGHT = 80 * mm
"""The first page also carries the title, summary and citation."""


class AnnotatedImage(Flowable):  # type: ignore[misc]
    """A raster image with the overlay's shapes drawn over it as vector graphics."""

    def __init__(
        self, png: bytes, width_px: int, height_px: int, shapes: Sequence[dict[str, Any]],
        max_width: float, max_height: float,
    ) -> None:
        super().__init__()
        self.png = png
        self.width_px, self.height_px = width_px, height_px
        self.shapes = shapes
        scale = min(max_width / width_px, max_height / height_px)
        self.scale = scale
        self.width, self.height = width_px * scale, height_px * scale

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.drawImage(ImageReader(io.BytesIO(self.png)), 0, 0, self.width, self.height)
        c.saveState()
        # Image pixels: origin top-left, y down.
        c.translate(0, self.height)
        c.scale(self.scale, -self.scale)
        for layer in ("halo", "ink"):
            for shape in self.shapes:
                self._shape(shape, layer)
        c.restoreState()

    def _shape(self, shape: dict[str, Any], layer: str) -> None:
        c = self.canv
        colour = HALO if layer == "halo" else (THICK if shape.get("role") == "thick" else INK)
        if shape.get("layer") == "scale" and layer == "ink":
            colour = colors.white
        extra = 3.0 if layer == "halo" else 0.0
        c.setStrokeColor(colour)
        c.setFillColor(colour)
        c.setLineCap(1)
        c.setLineJoin(1)
        kind = shape["type"]
        if kind == "line":
            (x1, y1), (x2, y2) = shape["points"]
            c.setLineWidth(float(shape["width"]) + extra)
            dashed = shape.get("dash") and layer == "ink"
            c.setDash([shape["width"] * 4, shape["width"] * 3] if dashed else [])
            c.line(x1, y1, x2, y2)
            c.setDash([])
        elif kind == "polygon":
            path = c.beginPath()
            (x0, y0), *rest = shape["points"]
            path.moveTo(x0, y0)
            for x, y in rest:
                path.lineTo(x, y)
            path.close()
            c.setLineWidth(1.0 + extra)
            c.drawPath(path, stroke=1, fill=1)
        elif kind == "ellipse":
            (cx, cy), (rx, ry) = shape["center"], shape["radii"]
            c.setLineWidth(float(shape["width"]) + extra)
            c.ellipse(cx - rx, cy - ry, cx + rx, cy + ry, stroke=1, fill=0)
        elif kind == "text":
            self._text(shape, layer, colour)

    def _text(self, shape: dict[str, Any], layer: str, colour: colors.Color) -> None:
        c = self.canv
        x, y = shape["at"]
        size = float(shape["size"])
        c.saveState()
        c.translate(x, y)
        c.scale(1, -1)  # text upright again in the flipped frame
        text = c.beginText()
        text.setFont("Helvetica-Bold", size)
        width = c.stringWidth(shape["text"], "Helvetica-Bold", size)
        anchor = shape.get("anchor", "start")
        dx = -width / 2 if anchor == "middle" else (-width if anchor == "end" else 0.0)
        text.setTextOrigin(dx, -size * 0.35)  # vertically centred, like the viewer
        if layer == "halo":
            text.setTextRenderMode(1)  # stroke only: the halo
            c.setLineWidth(size / 4)
            c.setStrokeColor(HALO)
        else:
            text.setTextRenderMode(0)
            c.setFillColor(colour)
        text.textOut(shape["text"])
        c.drawText(text)
        c.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=10.5, leading=14)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=20, leading=24,
                                alignment=TA_LEFT, spaceAfter=4),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontSize=15, leading=19,
                                  spaceBefore=2, spaceAfter=2),
        "sub": ParagraphStyle("sub", parent=body, textColor=colors.HexColor("#444444")),
        "caption": ParagraphStyle("caption", parent=body, fontSize=12, leading=16,
                                  borderPadding=(6, 6, 6, 8), leftIndent=8,
                                  borderColor=colors.HexColor("#e0b400"), borderWidth=0,
                                  backColor=colors.HexColor("#fff8dc"), spaceBefore=6,
                                  spaceAfter=8),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11,
                                textColor=colors.HexColor("#444444")),
        "label": ParagraphStyle("label", parent=body, fontSize=9, leading=12,
                                textColor=colors.HexColor("#6b5200")),
        "section": ParagraphStyle("section", parent=body, fontName="Helvetica-Bold",
                                  spaceBefore=6, spaceAfter=2),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of case text, escaped: no markup from the case reaches reportlab."""
    return Paragraph(escape(text), style)


def _bullets(items: Sequence[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable(
        [ListItem(_p(item, style), leftIndent=12) for item in items],
        bulletType="bullet", start="•", leftIndent=12,
    )


def _citation(loaded: LoadedCase, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    case = loaded.case
    source = case.source
    out: list[Flowable] = [
        _p(case.title, s["title"]),
        _p(case.summary, s["body"]),
        Spacer(1, 3 * mm),
        Paragraph(f"<b>Caption source.</b> {escape(source.caption_source)}", s["small"]),
        Paragraph(f"<b>Original publication.</b> {escape(source.publication)}", s["small"]),
    ]
    if source.doi:
        out.append(Paragraph(f"<b>DOI.</b> {escape(source.doi)}", s["small"]))
    out.append(
        _p(
            "Captions are quoted verbatim from the caption source; corrections are in each "
            "step's editorial note. Every image is labelled for what it is.",
            s["small"],
        )
    )
    out.append(Spacer(1, 5 * mm))
    return out


def _image(
    loaded: LoadedCase, step_index: int, png_of: PngOf, width: float, s: dict[str, ParagraphStyle],
    max_height: float,
) -> list[Flowable]:
    step = loaded.case.steps[step_index]
    order = sorted(range(len(step.images)), key=lambda i: step.images[i].role is not Role.PRIMARY)
    if not order:
        return [_p("No image for this step yet.", s["sub"])]
    image = loaded.image(step_index, order[0])
    header = image.header
    shapes = shapes_for(image.ref.annotations, image.calibration, header.columns, header.rows)
    if header.frames > 1:
        shapes = [sh for sh in shapes if not sh.get("frames") or sh["frames"][0] == 0]
    label = provenance_label(image.ref.provenance)
    return [
        _p(label, s["label"]),
        AnnotatedImage(png_of(image), header.columns, header.rows, shapes, width, max_height),
        Spacer(1, 1.5 * mm),
        _p(f"Image: {image.ref.alt}", s["small"]),
        _p(f"Provenance: {provenance_detail(image)}", s["small"]),
    ]


def handout_pdf(loaded: LoadedCase, png_of: PngOf, progress: Progress | None = None) -> bytes:
    """The whole handout as PDF bytes."""
    buffer = io.BytesIO()
    case = loaded.case
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN, bottomMargin=PAGE_MARGIN, title=case.title,
        author="Ultrasound case viewer", subject=case.source.publication,
    )
    s = _styles()
    width = A4[0] - 2 * PAGE_MARGIN
    height = A4[1] - 2 * PAGE_MARGIN - 6 * mm  # the frame, less reportlab's own padding
    story: list[Flowable] = []
    total = len(case.steps)
    for index, step in enumerate(case.steps):
        if progress:
            progress(index, total, f"panel {step.panel}")
        page: list[Flowable] = _citation(loaded, s) if index == 0 else []
        page.append(_p(f"Panel {step.panel} · {step.date_label} · {step.modality.label}",
                       s["heading"]))
        page.append(_p(step.view, s["sub"]))
        page.append(Spacer(1, 2 * mm))
        max_height = FIRST_IMAGE_MAX_HEIGHT if index == 0 else IMAGE_MAX_HEIGHT
        page.extend(_image(loaded, index, png_of, width, s, max_height))
        page.append(_p(step.caption, s["caption"]))
        if step.note:
            page.append(Paragraph(f"<b>Editorial note.</b> {escape(step.note)}", s["body"]))
        if step.findings:
            page += [_p("Findings", s["section"]), _bullets(step.findings, s["body"])]
        if step.teaching_points:
            page += [_p("Teaching points", s["section"]), _bullets(step.teaching_points, s["body"])]
        # One page per step: a step that would not fit is scaled down as a whole (its text
        # stays text), never split across pages.
        story.append(KeepInFrame(width, height, page, mode="shrink"))
        if index + 1 < total:
            story.append(PageBreak())
    doc.build(story, onFirstPage=_footer(case.title), onLaterPages=_footer(case.title))
    if progress:
        progress(total, total, "handout written")
    return buffer.getvalue()


def _footer(title: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(PAGE_MARGIN, 9 * mm, title[:110])
        canvas.drawRightString(A4[0] - PAGE_MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw
