"""ZIP archives of office documents (DOCX, HWPX), opened with their expanded size bounded."""

from __future__ import annotations

import io
import zipfile

from lingoflow.processors.read.formats import MAX_MEMBERS, OfficeError


def open_archive(data: bytes, max_bytes: int) -> zipfile.ZipFile:
    """A ZIP archive whose members, all told, expand to at most ``max_bytes``; OfficeError
    ``too_large`` (a zip bomb is refused before anything is expanded, and reading never goes
    past the sizes checked here) or ``corrupt_document``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise OfficeError("corrupt_document", f"not a readable ZIP archive: {exc}") from exc
    if len(members) > MAX_MEMBERS:
        raise OfficeError("too_large", f"the archive has {len(members)} members")
    expanded = sum(m.file_size for m in members)
    if expanded > max_bytes:
        raise OfficeError(
            "too_large",
            f"the archive would expand to {expanded} bytes, above the limit of {max_bytes} "
            "bytes; nothing was expanded",
        )
    return archive


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes (at most its declared size, which :func:`open_archive` bounded);
    OfficeError ``corrupt_document`` when it is missing or damaged."""
    try:
        with archive.open(name) as member:
            return member.read(archive.getinfo(name).file_size + 1)
    except KeyError as exc:
        raise OfficeError("corrupt_document", f"the archive has no {name}") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise OfficeError("corrupt_document", f"{name} is damaged: {exc}") from exc
