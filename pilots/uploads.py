"""Checks on uploaded files: the type comes from the bytes, the name must be harmless.

A handful of signatures is all the default types need; OOXML files are ZIPs whose member
names tell a Word document from a workbook, which generic sniffers often get wrong.
"""

import hashlib
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _
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
    if "/" in name or "\\" in name or name.strip(". ") == "":
        raise ValidationError(_("The file name must not contain folders (/ or \\)."))
    if any(unicodedata.category(char) in _BIDI_AND_INVISIBLE for char in name):
        # Control, bidirectional-override and invisible characters hide a file's real type.
        raise ValidationError(_("The file name contains control or invisible characters."))
    if unicodedata.normalize("NFC", name) != name:
        raise ValidationError(_("The file name uses an unusual Unicode form; rename it."))
    return name.strip()


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
