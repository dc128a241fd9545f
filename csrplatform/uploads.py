"""Checks on uploaded files: the type comes from the bytes, the name must be harmless, and
nothing in the file may run when someone opens it.

A handful of signatures is all the default types need; OOXML files are ZIPs whose member
names tell a Word document from a workbook, which generic sniffers often get wrong.

`check_upload` is the one check every upload goes through, from the pages and from the API
alike. The pages see the names as the client sent them thanks to `RawUploadNamesMiddleware`
(Django would otherwise clean them quietly before any view runs); the API's multipart parser
is `RawNameDRFMultiPartParser`.
"""

import base64
import binascii
import hashlib
import html
import re
import unicodedata
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS = {
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg"},
    DOCX: {".docx"},
    XLSX: {".xlsx"},
}
TYPE_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "Word (DOCX)", XLSX: "Excel (XLSX)"}
MAX_NAME_LENGTH = 150


def allowed_types() -> set[str]:
    return set(getattr(settings, "DOCUMENT_ALLOWED_TYPES", EXTENSIONS))


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))


def sniff_content_type(upload) -> str | None:
    """The content type the file's bytes show, or None when it is none of the known ones."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    return None


_BIDI_AND_INVISIBLE = {"Cf", "Cc", "Co", "Cs", "Zl", "Zp"}


def clean_filename(name: str) -> str:
    """The name as given, if it is safe to show and send back; otherwise a ValidationError."""
    if not name or not name.strip():
        raise ValidationError(_("The file has no name."))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("The file name is too long (%(length)d characters; at most %(limit)d).")
            % {"length": len(name), "limit": MAX_NAME_LENGTH}
        )
    # Django's own parser unescapes HTML entities in names (“..&#x2F;”): judge that form too.
    unescaped = html.unescape(name)
    if any("/" in form or "\\" in form for form in (name, unescaped)) or name.strip(". ") == "":
        raise ValidationError(_("The file name must not contain folders (/ or \\)."))
    if any(unicodedata.category(char) in _BIDI_AND_INVISIBLE for char in name + unescaped):
        # Control, bidirectional-override and invisible characters hide a file's real type.
        raise ValidationError(_("The file name contains control or invisible characters."))
    if unicodedata.normalize("NFC", name) != name:
        raise ValidationError(_("The file name uses an unusual Unicode form; rename it."))
    return name.strip()


# --- active content ------------------------------------------------------------------------------
#
# Documents are downloaded and opened on other people's computers. A PDF may carry things a
# PDF reader runs (JavaScript, automatic actions, program launches, embedded files), and any
# file may also be an HTML page in disguise (a "polyglot") that a browser sniffing the bytes
# would render. Both are refused at upload with a message saying what to do instead; downloads
# are also sent as attachments with `nosniff` and a sandboxing CSP (pilots.views).

# Up to this many bytes of compressed PDF object streams are unpacked to look inside them.
MAX_PDF_UNPACKED_BYTES = 64 * 1024 * 1024

# PDF names that make a document do something by itself, and what a person calls them.
PDF_ACTIVE_NAMES = {
    "JS": gettext_lazy("JavaScript"),
    "JavaScript": gettext_lazy("JavaScript"),
    "AA": gettext_lazy("actions that run by themselves when it is opened or used"),
    "Launch": gettext_lazy("an action that starts another program"),
    # Links that open other files (a share on another computer leaks the reader's login),
    # and forms that send or import data.
    "GoToR": gettext_lazy("a link that opens another file"),
    "GoToE": gettext_lazy("a link that opens another file"),
    "SubmitForm": gettext_lazy("a form that sends data elsewhere"),
    "ImportData": gettext_lazy("a form that imports data from another file"),
    "EmbeddedFile": gettext_lazy("files hidden inside it"),
    "EmbeddedFiles": gettext_lazy("files hidden inside it"),
    "RichMedia": gettext_lazy("embedded multimedia that can run code"),
    "XFA": gettext_lazy("an XFA form, which can run scripts"),
}
# What a browser takes for a web page, wherever it appears in a PDF or an image.
_HTML_MARKUP = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe|embed|object)[\s/>]", re.IGNORECASE
)
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_PDF_OBJECT_HEADER = re.compile(rb"\d+\s+\d+\s+obj\b")
_PDF_FILTERS = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)?")
_PDF_PREDICTOR = re.compile(rb"/Predictor\s+(\d+)")


class _Unreadable(Exception):
    """A part of the PDF that could hide active content cannot be looked into."""


def _pdf_unescape(text: bytes) -> bytes:
    """Names may spell letters as #xx (/J#61vaScript is /JavaScript)."""
    return _PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), text)


def _pdf_active_names(text: bytes) -> set[str]:
    found = set()
    for match in _PDF_NAME.finditer(text):
        name = _pdf_unescape(match.group(1)).decode("latin-1")
        if name == "Encrypt":
            raise _Unreadable  # encrypted object streams cannot be looked into
        if name in PDF_ACTIVE_NAMES:
            found.add(name)
    return found


def _pdf_decode(body: bytes, header: bytes, budget: list[int]) -> bytes:
    """An object stream's content, through the filters object streams use in practice."""
    filters_match = _PDF_FILTERS.search(header)
    filters = []
    if filters_match:
        if not filters_match.group(1):
            raise _Unreadable  # the filter is named elsewhere (an indirect reference)
        filters = [name.decode("latin-1") for name in _PDF_NAME.findall(filters_match.group(1))]
    if any(int(value) > 1 for value in _PDF_PREDICTOR.findall(header)) or re.search(
        rb"/DecodeParms\s*\d", header
    ):
        raise _Unreadable
    data = body
    for name in filters:
        try:
            if name in ("FlateDecode", "Fl"):
                if budget[0] <= 0:
                    raise _Unreadable
                inflater = zlib.decompressobj()
                data = inflater.decompress(data, budget[0] + 1)
                if len(data) > budget[0]:
                    raise _Unreadable
            elif name in ("ASCIIHexDecode", "AHx"):
                hexa = re.sub(rb"\s", b"", data.split(b">", 1)[0])
                data = binascii.unhexlify(hexa + b"0" * (len(hexa) % 2))
            elif name in ("ASCII85Decode", "A85"):
                data = base64.a85decode(data.strip().removesuffix(b"~>"))
            else:
                raise _Unreadable
        except (zlib.error, binascii.Error, ValueError) as exc:
            raise _Unreadable from exc
        budget[0] -= len(data)
    return data


def _pdf_scan(data: bytes, budget: list[int], depth: int = 0) -> set[str]:
    """The active-content names in a PDF's dictionaries, including those packed into object
    streams. Stream contents (page drawings, fonts, images) are skipped: their bytes are
    not PDF syntax, and random bytes would match a short name now and then."""
    if depth > 3:
        raise _Unreadable
    found, position = set(), 0
    while True:
        start = _PDF_STREAM_START.search(data, position)
        end_of_structure = start.end() if start else len(data)
        found |= _pdf_active_names(data[position:end_of_structure])
        if start is None:
            return found
        header_start = data.rfind(b"obj", position, start.start())
        header = _pdf_unescape(data[max(header_start, position) : start.start() + 2])
        end = data.find(b"endstream", start.end())
        end = len(data) if end < 0 else end
        body = data[start.end() : end]
        names = {name.decode("latin-1") for name in _PDF_NAME.findall(header)}
        if "ObjStm" in names or {"N", "First"} <= names:
            found |= _pdf_scan(_pdf_decode(body, header, budget), budget, depth + 1)
        hidden = _pdf_object_header(body)
        if hidden >= 0:
            # An object the cross-reference table may point at, inside another's stream.
            found |= _pdf_scan(body[hidden:], budget, depth + 1)
        position = end


def _pdf_object_header(data: bytes) -> int:
    """Where the first “12 0 obj” in `data` starts, or -1 (finding “obj” first is far faster
    than a regular expression over megabytes of image bytes)."""
    position = data.find(b"obj")
    while position >= 0:
        match = _PDF_OBJECT_HEADER.search(data, max(0, position - 40), position + 4)
        if match:
            return match.start()
        position = data.find(b"obj", position + 3)
    return -1


def check_active_content(upload, content_type: str) -> None:
    """Refuse a file that could run something when opened: a PDF with JavaScript, automatic
    actions, program launches or embedded files, and any PDF or image that is also a web page.
    Word and Excel files are ZIP archives whose parts a browser never reads as a page."""
    if content_type not in (PDF, PNG, JPEG):
        return
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    markup = _HTML_MARKUP.search(data)
    if markup:
        raise ValidationError(
            _(
                "This file also contains web-page code (%(code)s) that a browser could run, so "
                "it is not accepted. Open it and save or export it again as a new file, then "
                "upload that copy."
            )
            % {"code": "<" + markup.group(1).decode("latin-1").lower() + ">"}
        )
    if content_type != PDF:
        return
    redo = _("Print it to a new PDF (Print, then “Save as PDF”) and upload that copy instead.")
    try:
        found = _pdf_scan(data, [MAX_PDF_UNPACKED_BYTES])
    except _Unreadable:
        raise ValidationError(
            _(
                "This PDF is encrypted or built in a way that cannot be checked for active "
                "content. %(redo)s"
            )
            % {"redo": redo}
        ) from None
    if found:
        what = sorted({str(PDF_ACTIVE_NAMES[name]) for name in found})
        raise ValidationError(
            _(
                "This PDF contains active content (%(what)s) that could run on the computer of "
                "whoever opens it. %(redo)s"
            )
            % {"what": "; ".join(what), "redo": redo}
        )


def check_upload(upload) -> dict:
    """Validate an uploaded file; returns its name, type, size and SHA-256."""
    name = clean_filename(getattr(upload, "raw_name", None) or upload.name or "")
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size).1f MB; at most %(limit).0f MB).")
            % {"size": upload.size / 1_048_576, "limit": limit / 1_048_576}
        )
    content_type = sniff_content_type(upload)
    accepted = ", ".join(TYPE_NAMES[kind] for kind in sorted(allowed_types()))
    if content_type is None or content_type not in allowed_types():
        raise ValidationError(
            _("This file is not one of the accepted types (%(types)s), whatever its name says.")
            % {"types": accepted}
        )
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS[content_type]:
        raise ValidationError(
            _(
                "The file's name says %(extension)s but its content is %(kind)s; "
                "it is not what it claims to be."
            )
            % {"extension": extension or _("no type"), "kind": TYPE_NAMES[content_type]}
        )
    check_active_content(upload, content_type)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {
        "original_name": name,
        "content_type": content_type,
        "size": upload.size,
        "sha256": digest.hexdigest(),
    }


class RawNameMultiPartParser(MultiPartParser):
    """Django's parser, remembering each file's name as the client sent it.

    Django quietly strips folders and invisible characters from upload names; we want to
    refuse such names with a message instead, so the raw name is kept for `check_upload`.
    """

    def sanitize_file_name(self, file_name):
        sanitized = super().sanitize_file_name(file_name)
        if sanitized is not None:
            self.raw_names = {**getattr(self, "raw_names", {}), sanitized: file_name}
        return sanitized

    def parse(self):
        post, files = super().parse()
        raw_names = getattr(self, "raw_names", {})
        for upload in files.values():
            upload.raw_name = raw_names.get(upload.name, upload.name)
        return post, files


def keep_raw_upload_names(request):
    """Make `request.FILES` carry the names as sent (call before touching request.FILES)."""

    def parse_file_upload(meta, post_data):
        parser = RawNameMultiPartParser(meta, post_data, request.upload_handlers, request.encoding)
        return parser.parse()

    request.parse_file_upload = parse_file_upload


class RawUploadNamesMiddleware:
    """Every page's uploads keep their names as sent, for `check_upload` to refuse a hostile
    one with the same message as the API.

    A view cannot do this itself: CsrfViewMiddleware reads request.POST for every POST before
    any view runs, and that parses the body with Django's parser, which quietly drops folders
    and invisible characters from names. So this comes before CsrfViewMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        keep_raw_upload_names(request)
        return self.get_response(request)


class RawNameDRFMultiPartParser(DRFMultiPartParser):
    """DRF's multipart parser on top of `RawNameMultiPartParser` (same steps as DRF's own)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            data, files = RawNameMultiPartParser(
                meta, stream, request.upload_handlers, encoding
            ).parse()
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc
        return DataAndFiles(data, files)
