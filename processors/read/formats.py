"""Formats recognised from the bytes, never from the file name: the office documents lingoflow
reads (PDF, DOCX, HWPX; HWP 5 recognised and refused), and the binary formats it refuses."""

from __future__ import annotations

import io
import re
import zipfile

from lingoflow.processors.read.decode import utf16_without_bom

PDF = "application/pdf"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


HWPX = "application/hwp+zip"


HWP = "application/x-hwp"
ENCRYPTED_OFFICE = "application/x-cfb"
"""An OLE2 (Compound File Binary) container: what a password-protected Word file is."""
MEDIA_TYPES = {"pdf": PDF, "docx": DOCX, "hwpx": HWPX, "hwp": HWP, "encrypted": ENCRYPTED_OFFICE}
"""Media type of each format lingoflow recognises."""


OFFICE_TYPES = frozenset(MEDIA_TYPES.values())


SUFFIXES = {".pdf": PDF, ".docx": DOCX, ".hwpx": HWPX, ".hwp": HWP}


class OfficeError(Exception):
    """A document that cannot be read: ``code`` is the failed record's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def office_kind(media_type: str | None) -> str | None:
    """The format name of an office media type, None for any other.

    >>> office_kind(PDF), office_kind("text/html")
    ('pdf', None)
    """
    return next((k for k, v in MEDIA_TYPES.items() if v == media_type), None)


def office_format(data: bytes) -> str | None:
    """``pdf``, ``docx``, ``hwpx`` or ``hwp`` when the bytes are such a document,
    ``encrypted`` for a password-protected Office file (an OLE2 container holding an
    ``EncryptedPackage``), else None (plain ZIP archives, other OLE2 files and everything
    else). Nothing is inflated but the first bytes of an HWPX ``mimetype``.

    >>> office_format(b"%PDF-1.7 ..."), office_format(b"plain text")
    ('pdf', None)
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"HWP Document File" in data:
            return "hwp"
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else None
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()[: MAX_MEMBERS + 1]
            names = {i.filename.replace("\\", "/"): i for i in infos}
            if "word/document.xml" in names:
                return "docx"
            if "Contents/content.hpf" in names or any(_SECTION.fullmatch(n) for n in names):
                return "hwpx"
            if "mimetype" in names:
                with archive.open(names["mimetype"]) as member:
                    if member.read(40).startswith(b"application/hwp+zip"):
                        return "hwpx"
    except Exception:
        # A broken archive that names itself an office document is still one.
        head = data[:4096]
        if b"word/" in head:
            return "docx"
        if b"Contents/" in head or b"Contents\\" in head or b"application/hwp+zip" in head:
            return "hwpx"
    return None


_SECTION = re.compile(r"Contents/section\d+\.xml")


# Magic numbers of common binary formats: (prefix, name). Checked before any decoding.
MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"PK\x05\x06", "empty ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"RIFF", "RIFF media (WAV/AVI/WebP)"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document (OLE2)"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x00\x00\x01\x00", "icon image"),
    (b"OggS", "Ogg media"),
    (b"fLaC", "FLAC audio"),
    (b"ID3", "MP3 audio"),
)


def sniff_binary(data: bytes) -> str | None:
    """Name of the binary format of ``data``, or None when it may be text.

    UTF-16/32 text has NUL bytes too; it is recognised by a BOM or by NULs falling regularly
    on alternate bytes, and is not called binary.

    >>> sniff_binary(b"%PDF-1.7 ...")
    'PDF document'
    >>> sniff_binary(b"plain text") is None
    True
    """
    for magic, name in MAGIC_NUMBERS:
        if data.startswith(magic):
            if magic == b"MZ" and not _looks_like_pe(data):
                continue
            return name
    head = data[:8192]
    if b"\x00" not in head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return None
    if utf16_without_bom(head) is not None or _utf32_pattern(head):
        return None
    return "NUL bytes in content"


def _utf32_pattern(data: bytes) -> bool:
    n = len(data) // 4 * 4
    if n < 8:
        return False
    quads = [data[i : i + 4] for i in range(0, n, 4)]
    le = sum(q[2:] == b"\x00\x00" for q in quads)
    be = sum(q[:2] == b"\x00\x00" for q in quads)
    return max(le, be) > 0.9 * len(quads)


def _looks_like_pe(data: bytes) -> bool:
    if len(data) < 0x40:
        return False
    offset = int.from_bytes(data[0x3C:0x40], "little")
    return data[offset : offset + 4] == b"PE\x00\x00"


MAX_MEMBERS = 10_000
"""More members than this in an office archive is not a document (and not read)."""
