"""Checks every uploaded file passes before anything of it is stored.

The real type comes from the file's first bytes (magic numbers), never from its name or the browser's
content type. Executables and scripts are refused whatever they are called. The name's extension must be
one the component accepts and must agree with the detected type; the size must be within the component's
limit. Refusals are ``ValidationFailed`` with the reason in Vietnamese.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed

HEAD_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    name: str  # short identifier
    content_type: str
    extensions: frozenset[str]


PDF = FileKind("pdf", "application/pdf", frozenset({"pdf"}))
JPEG = FileKind("jpeg", "image/jpeg", frozenset({"jpg", "jpeg"}))
PNG = FileKind("png", "image/png", frozenset({"png"}))
GIF = FileKind("gif", "image/gif", frozenset({"gif"}))
TIFF = FileKind("tiff", "image/tiff", frozenset({"tif", "tiff"}))
WEBP = FileKind("webp", "image/webp", frozenset({"webp"}))
OLE = FileKind("ole", "application/msword", frozenset({"doc", "xls", "ppt"}))
DOCX = FileKind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", frozenset({"docx"})
)
XLSX = FileKind(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx"})
)
PPTX = FileKind(
    "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", frozenset({"pptx"})
)
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text", frozenset({"odt"}))
ODS = FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", frozenset({"ods"}))
ZIP = FileKind("zip", "application/zip", frozenset({"zip"}))
XML = FileKind("xml", "application/xml", frozenset({"xml"}))

# Signatures of programs and scripts: refused whatever the name says.
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux ELF
    b"\xfe\xed\xfa\xce",  # Mach-O 32
    b"\xfe\xed\xfa\xcf",  # Mach-O 64
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # shell and other scripts
    b"\x00asm",  # WebAssembly
)


class _Unknown(Exception):
    pass


def _zip_kind(stream) -> FileKind:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype == ODT.content_type:
                    return ODT
                if mimetype == ODS.content_type:
                    return ODS
            if any(name.startswith("word/") for name in names):
                return DOCX
            if any(name.startswith("xl/") for name in names):
                return XLSX
            if any(name.startswith("ppt/") for name in names):
                return PPTX
            return ZIP
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise _Unknown from error


def detect_kind(head: bytes, stream=None) -> FileKind | None:
    """The file's real kind from its first bytes (and, for zip containers, its directory); None if unknown.

    Raises ValidationFailed for executables.
    """
    if any(head.startswith(signature) for signature in EXECUTABLE_SIGNATURES):
        raise ValidationFailed(
            _("Tệp là chương trình chạy được hoặc tập lệnh, không được phép tải lên."), code="executable_file"
        )
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04") and stream is not None:
        try:
            return _zip_kind(stream)
        except _Unknown:
            return None
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml"):
        return XML
    return None


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    extension: str
    size: int
    sha256: str
    kind: FileKind

    @property
    def content_type(self) -> str:
        return self.kind.content_type


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _read_all(uploaded) -> tuple[bytes, int, str]:
    """(first bytes, size, sha256) of an uploaded file, reading it in chunks."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    chunks = uploaded.chunks() if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(65536), b"")
    for chunk in chunks:
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    return head, size, digest.hexdigest()


def check_upload(uploaded, *, accepted_extensions: list[str] | None, max_size_mb: int | None) -> CheckedFile:
    """Check one uploaded file (a Django ``File``/``UploadedFile``); raise ValidationFailed with the reason."""
    name = PurePath(getattr(uploaded, "name", "") or "").name
    label = name or _("(không tên)")
    extension = _extension(name)
    accepted = [ext.lower().lstrip(".") for ext in (accepted_extensions or []) if ext]
    if accepted and extension not in accepted:
        raise ValidationFailed(
            _("Tệp “%(name)s” có định dạng .%(ext)s không được chấp nhận; chỉ nhận: %(accepted)s.")
            % {"name": label, "ext": extension or "?", "accepted": ", ".join(accepted)},
            code="file_extension_not_accepted",
        )
    head, size, sha256 = _read_all(uploaded)
    if size == 0:
        raise ValidationFailed(_("Tệp “%(name)s” rỗng.") % {"name": label}, code="empty_file")
    if max_size_mb and size > max_size_mb * 1024 * 1024:
        raise ValidationFailed(
            _("Tệp “%(name)s” dung lượng %(size)s MB vượt quá giới hạn %(limit)s MB.")
            % {"name": label, "size": f"{size / 1024 / 1024:.1f}".replace(".", ","), "limit": max_size_mb},
            code="file_too_large",
        )
    try:
        kind = detect_kind(head, uploaded)
    except ValidationFailed as error:
        raise ValidationFailed(f"“{label}”: {error.message}", code=error.code) from error
    finally:
        if hasattr(uploaded, "seek"):
            uploaded.seek(0)
    if kind is None:
        raise ValidationFailed(
            _("Không nhận dạng được nội dung tệp “%(name)s”; hãy tải lên tệp PDF, ảnh hoặc văn bản Word.")
            % {"name": label},
            code="file_type_unknown",
        )
    if extension not in kind.extensions:
        raise ValidationFailed(
            _("Tệp “%(name)s” mang đuôi .%(ext)s nhưng nội dung là %(kind)s.")
            % {"name": label, "ext": extension or "?", "kind": kind.name.upper()},
            code="file_type_mismatch",
        )
    return CheckedFile(original_name=name, extension=extension, size=size, sha256=sha256, kind=kind)


def check_component_upload(component, uploaded) -> CheckedFile:
    """Check a file for a case component (``catalog.CaseComponent``); None means the catalog defaults."""
    if component is None:
        from motcua.catalog.models import DEFAULT_ACCEPTED_TYPES

        return check_upload(uploaded, accepted_extensions=DEFAULT_ACCEPTED_TYPES.split(","), max_size_mb=10)
    return check_upload(
        uploaded, accepted_extensions=component.accepted_extensions, max_size_mb=component.max_size_mb
    )


RESULT_EXTENSIONS = ["pdf", "docx", "doc", "jpg", "jpeg", "png", "xml"]
RESULT_MAX_SIZE_MB = 50


def check_result_upload(uploaded) -> CheckedFile:
    return check_upload(uploaded, accepted_extensions=RESULT_EXTENSIONS, max_size_mb=RESULT_MAX_SIZE_MB)
