"""What kind of file an upload is, judged by its content only (never by its name or by the
content type the browser sent).

PDF and the image formats are recognised by their magic bytes; DOCX and PPTX are ZIP archives
(Office Open XML) recognised by their structure: a ``[Content_Types].xml`` and the main part
of a Word document or a PowerPoint presentation, and no macros. An archive with too many entries or that
claims to unpack to far more than its size is refused (a "zip bomb" is not a presentation).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: Content type -> the extension a download gets (whatever the uploaded name said).
EXTENSIONS = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    GIF: "gif",
    WEBP: "webp",
    DOCX: "docx",
    PPTX: "pptx",
}
#: Shown to the facilitator: which kinds are accepted.
ACCEPTED = "PDF, PowerPoint (.pptx), Word (.docx), PNG, JPEG, GIF, WebP"
MAX_ZIP_ENTRIES = 5000
MAX_UNPACKED_RATIO = 200


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            unpacked = sum(info.file_size for info in infos)
            if unpacked > max(len(data), 1) * MAX_UNPACKED_RATIO:
                return None
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names or any(
        n.lower().endswith("vbaproject.bin") for n in names
    ):
        return None  # not Office Open XML, or a document with macros (.docm, .pptm)
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    return None


def sniff(data: bytes) -> FileType | None:
    """The type of ``data`` if it is one of the accepted kinds, else None."""
    content_type: str | None = None
    if data.startswith(b"%PDF-"):
        content_type = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        content_type = JPEG
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        content_type = GIF
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        content_type = WEBP
    elif data.startswith(b"PK\x03\x04"):
        content_type = _office(data)
    if content_type is None:
        return None
    return FileType(content_type, EXTENSIONS[content_type])
