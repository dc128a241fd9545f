"""HTML to PDF with WeasyPrint, fetching nothing but the project's own static files.

A report's HTML holds text that users typed (a pilot's story, a finding, a document's title).
Django's templates escape it, but the renderer is the last line of defence: whatever a
document asks for (an image, a stylesheet, an `@import`, a font, an attachment, an SVG
`<image>`), WeasyPrint asks `StaticOnlyURLFetcher` for it, and the fetcher serves only files
found by the staticfiles finders (or under STATIC_ROOT) below REPORT_STATIC_URL. Everything
else is refused by raising: http, https to anywhere else, ftp, file:, data: URLs, paths that
climb out of the static folders with `..`, and anything that is not a stylesheet, an image or
a font. WeasyPrint then leaves the resource out and carries on.

The document's base URL is REPORT_BASE_URL, a host under the reserved `.invalid` domain that
never resolves: a relative URL in the HTML joins onto it, never onto the server's file system
(WeasyPrint's default for a string of HTML) and never onto a real host. Fonts come from the
system's fontconfig (Debian's fonts-noto-cjk for Chinese), not from URLs.
"""

import functools
import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join

REPORT_HOST = "report.invalid"
REPORT_BASE_URL = f"https://{REPORT_HOST}/"
STATIC_PATH = "/static/"
#: where report templates link static files: `{{ report_static }}reports/report.css`
REPORT_STATIC_URL = f"https://{REPORT_HOST}{STATIC_PATH}"

# Only what a printed page draws: stylesheets, images and fonts.
SERVED_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
# A stylesheet or image of ours is small; a font file is a few megabytes at most.
MAX_BYTES = 20 * 1024 * 1024


class _SvgStyleNoise(logging.Filter):
    """matplotlib writes SVG presentation properties (fill, stroke...) in style attributes;
    WeasyPrint's HTML stylesheet parser reads them too and warns that it does not know them,
    dozens of lines per chart. The SVG renderer draws them all the same: drop the noise."""

    def filter(self, record):
        message = record.getMessage()
        return not (message.startswith("Ignored `") and message.endswith("unknown property."))


logging.getLogger("weasyprint").addFilter(_SvgStyleNoise())


class URLRefused(ValueError):
    """A URL the report renderer will not fetch. WeasyPrint catches it, logs it and leaves the
    resource out."""


def static_name(url: str) -> str:
    """The static file name (`reports/report.css`) that `url` names, or URLRefused."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise URLRefused(f"Malformed URL refused: {url[:200]!r}") from exc
    if parts.scheme.lower() != "https" or parts.netloc.lower() != REPORT_HOST:
        raise URLRefused(f"Only the project's static files are fetched: {url[:200]!r}")
    if parts.query or parts.username or parts.password or parts.port:
        raise URLRefused(f"Static file URLs take no query or credentials: {url[:200]!r}")
    if not parts.path.startswith(STATIC_PATH):
        raise URLRefused(f"Not a static file: {url[:200]!r}")
    name = unquote(parts.path[len(STATIC_PATH) :])
    segments = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or any(segment in ("", ".", "..") for segment in segments)
        or posixpath.normpath(name) != name
    ):
        raise URLRefused(f"Unsafe static path refused: {url[:200]!r}")
    if Path(name).suffix.lower() not in SERVED_TYPES:
        raise URLRefused(f"Only stylesheets, images and fonts are fetched: {url[:200]!r}")
    return name


def static_file(name: str) -> Path:
    """The file of static name `name`: found by the staticfiles finders (the source tree's
    static/ and the apps' static folders), else collected under STATIC_ROOT."""
    try:
        found = finders.find(name)
    except SuspiciousFileOperation as exc:
        raise URLRefused(f"Unsafe static path refused: {name!r}") from exc
    if not found and settings.STATIC_ROOT:
        try:
            candidate = safe_join(str(settings.STATIC_ROOT), name)
        except SuspiciousFileOperation as exc:
            raise URLRefused(f"Unsafe static path refused: {name!r}") from exc
        found = candidate if Path(candidate).is_file() else None
    if not found:
        raise URLRefused(f"No such static file: {name!r}")
    path = Path(found)
    if not path.is_file() or path.stat().st_size > MAX_BYTES:
        raise URLRefused(f"Not a servable static file: {name!r}")
    return path


@functools.cache
def _fetcher_class():
    # WeasyPrint is imported on first use: importing it parses its stylesheets (about a
    # second), which every web process and management command would pay otherwise.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """WeasyPrint's URL fetcher (a `URLFetcher` in WeasyPrint 70+), narrowed to the
        project's static files. It never opens a connection: `fetch` is all of it."""

        def __init__(self):
            # No protocol is allowed to the parent's opener: should anything reach it, it
            # refuses.
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)

        def fetch(self, url, headers=None):
            path = static_file(static_name(url))
            content_type = SERVED_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path)[0]
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyURLFetcher


def __getattr__(name):
    if name == "StaticOnlyURLFetcher":
        return _fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_document(html: str):
    """The WeasyPrint document of `html` (laid out, not yet written), with the static-only
    fetcher."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _fetcher_class()()
    return HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=fetcher).render(
        font_config=FontConfiguration()
    )


def render_pdf(html: str, *, on_progress=None) -> bytes:
    """The PDF of `html`, laid out by WeasyPrint with the static-only fetcher."""
    document = render_document(html)
    if on_progress is not None:
        on_progress(90)
    return document.write_pdf()


def page_numbers_pdf(count: int, language: str = "en") -> bytes:
    """`count` pages with nothing but the report stylesheet's footer "N / M", the first a
    cover (no number): stamped onto a report joined from parts laid out apart."""
    pages = '<div class="stamp"></div>' * (count - 1)
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f'<link rel="stylesheet" href="{REPORT_STATIC_URL}reports/report.css">'
        "<style>.stamp + .stamp { break-before: page; }</style></head>"
        f'<body><section class="cover"></section>{pages}</body></html>'
    )
    return render_pdf(html)


def join_pdfs(parts: list[bytes], language: str = "en") -> bytes:
    """The PDFs `parts` joined in order, each page stamped with "N / M" (the parts leave
    their page numbers out), keeping the first part's metadata and every part's outline."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for index, part in enumerate(parts):
        reader = PdfReader(io.BytesIO(part))
        if index == 0 and reader.metadata:
            writer.add_metadata(dict(reader.metadata))
        writer.append(reader)
    numbers = PdfReader(io.BytesIO(page_numbers_pdf(len(writer.pages), language)))
    for page, stamp in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(stamp)
    writer.compress_identical_objects()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
