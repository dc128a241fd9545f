"""Reading a rendered report back: its text and the fonts it embeds (pypdf)."""

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The PDF's text, whitespace collapsed (lines wrap wherever the layout wraps them)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def page_texts(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def embedded_fonts(data: bytes) -> set[str]:
    """The /BaseFont names of every font the pages use (subset prefixes included)."""
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            names.add(str(font.get("/BaseFont", "")))
            for descendant in font.get("/DescendantFonts") or []:
                names.add(str(descendant.get_object().get("/BaseFont", "")))
    return names
