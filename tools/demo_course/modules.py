"""The modules: a tiny markup in ``sources/modules/`` rendered to HTML (the default build)
and to PDF (``--make-media``).

  # Title            ## Heading          - list item (indented lines continue it)
  > note box         **bold**            blank line: end of paragraph/list/note
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tools.demo_course.sources import DISCLAIMER, MODULES_DIR, load_sources

# The committed PDF's metadata names its maker. Changing this string changes the PDF's bytes,
# so its SHA-256 in package.json: keep the old path until the PDF is regenerated anyway.
PDF_CREATOR = "resources/build_demo_course.py"


@dataclass(frozen=True)
class Block:
    kind: Literal["h1", "h2", "p", "ul", "note"]
    texts: tuple[str, ...]


def parse_module(text: str) -> list[Block]:
    blocks: list[Block] = []
    kind: Literal["p", "ul", "note"] | None = None
    lines: list[str] = []

    def flush() -> None:
        nonlocal kind, lines
        if kind is not None and lines:
            texts = tuple(lines) if kind == "ul" else (" ".join(lines),)
            blocks.append(Block(kind, texts))
        kind, lines = None, []

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(Block("h2", (line[3:].strip(),)))
        elif line.startswith("# "):
            flush()
            blocks.append(Block("h1", (line[2:].strip(),)))
        elif line.startswith("- "):
            if kind != "ul":
                flush()
                kind = "ul"
            lines.append(line[2:].strip())
        elif line.startswith(">"):
            if kind != "note":
                flush()
                kind = "note"
            lines.append(line[1:].strip())
        elif kind == "ul" and raw.startswith("  "):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            if kind != "p":
                flush()
                kind = "p"
            lines.append(line.strip())
    flush()
    return blocks


def _inline(text: str, bold: str) -> str:
    escaped = html.escape(text, quote=False)
    return re.sub(r"\*\*(.+?)\*\*", rf"<{bold}>\1</{bold}>", escaped)


def module_source(sub_id: str) -> list[Block]:
    return parse_module((MODULES_DIR / f"{sub_id}.txt").read_text(encoding="utf-8"))


_HTML_STYLE = (
    "body { font-family: sans-serif; line-height: 1.5; margin: 1em 2em; color: #202124; }\n"
    "h1 { font-size: 1.5em; color: #0b3d91; }\n"
    "h2 { font-size: 1.15em; color: #0b3d91; margin-top: 1.2em; }\n"
    ".agenda { color: #5f6368; font-size: 0.9em; margin-bottom: 0; }\n"
    ".catatan { background: #e8f0fe; border-left: 4px solid #0b3d91; padding: 0.5em 1em; }\n"
    ".kaki { color: #5f6368; font-size: 0.8em; }\n"
)


def render_module_html(blocks: Iterable[Block], material_title: str) -> str:
    blocks = list(blocks)
    title = next(b.texts[0] for b in blocks if b.kind == "h1")
    out = [
        "<!DOCTYPE html>",
        '<html lang="id">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{_HTML_STYLE}</style>",
        "</head>",
        "<body>",
        f'<p class="agenda">{html.escape(material_title)}</p>',
    ]
    for block in blocks:
        if block.kind in ("h1", "h2", "p"):
            out.append(f"<{block.kind}>{_inline(block.texts[0], 'strong')}</{block.kind}>")
        elif block.kind == "note":
            out.append(f'<p class="catatan">{_inline(block.texts[0], "strong")}</p>')
        else:
            out.append("<ul>")
            out.extend(f"<li>{_inline(text, 'strong')}</li>" for text in block.texts)
            out.append("</ul>")
    out += ["<hr>", f'<p class="kaki">{html.escape(DISCLAIMER)}</p>', "</body>", "</html>", ""]
    return "\n".join(out)


def render_module_pdf(blocks: Iterable[Block], material_title: str) -> bytes:
    """The module as an A4 PDF; byte-stable for one reportlab version (invariant=1)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    blocks = list(blocks)
    title = next(b.texts[0] for b in blocks if b.kind == "h1")
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=15)
    agenda = ParagraphStyle("agenda", parent=body, textColor=colors.HexColor("#5f6368"))
    h1 = ParagraphStyle("h1", parent=styles["Title"], alignment=0, fontSize=18, leading=22)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], textColor=colors.HexColor("#0b3d91"))
    note = ParagraphStyle(
        "note",
        parent=body,
        backColor=colors.HexColor("#e8f0fe"),
        borderColor=colors.HexColor("#0b3d91"),
        borderWidth=0.5,
        borderPadding=6,
        spaceBefore=8,
        spaceAfter=8,
    )
    story: list[Any] = [Paragraph(html.escape(material_title), agenda)]
    for block in blocks:
        if block.kind == "h1":
            story.append(Paragraph(_inline(block.texts[0], "b"), h1))
        elif block.kind == "h2":
            story.append(Paragraph(_inline(block.texts[0], "b"), h2))
        elif block.kind == "p":
            story.append(Paragraph(_inline(block.texts[0], "b"), body))
        elif block.kind == "note":
            story += [Spacer(1, 4), Paragraph(_inline(block.texts[0], "b"), note)]
        else:
            items = [ListItem(Paragraph(_inline(t, "b"), body)) for t in block.texts]
            story.append(ListFlowable(items, bulletType="bullet", start="\u2022", leftIndent=14))

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#5f6368"))
        canvas.drawString(20 * mm, 12 * mm, DISCLAIMER)
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Halaman {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author="Latsar Desktop (kursus demo)",
        subject=material_title,
        creator=PDF_CREATOR,
        invariant=1,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def modules() -> list[tuple[str, str, str]]:
    """(sub-material id, module file name, material title) for every sub-material."""
    return [
        (sub["id"], sub["module"], material["title"])
        for material in load_sources()["materials"]
        for sub in material["sub_materials"]
    ]


def rendered_html_modules() -> dict[str, str]:
    """File name → HTML text of every HTML module, as the default build writes them."""
    out = {}
    for sub_id, name, material_title in modules():
        if name.endswith(".html"):
            out[name] = render_module_html(module_source(sub_id), material_title)
    return out


def rendered_pdf_modules() -> dict[str, bytes]:
    out = {}
    for sub_id, name, material_title in modules():
        if name.endswith(".pdf"):
            out[name] = render_module_pdf(module_source(sub_id), material_title)
    return out
