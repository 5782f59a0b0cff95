"""ZIP archives of office documents (DOCX, HWPX), read within a budget of inflated bytes.

An archive's central directory says how large each member is, but a zip bomb may state less
than its members inflate to. :class:`Archive` never trusts it for the bound that matters: every
member is inflated in chunks, the real bytes counted against one budget for the whole archive
(``max_bytes``), and reading stops as soon as the budget is spent (``too_large``), before
anything is parsed. Entry names are normalised (``Contents\\section0.xml`` is
``Contents/section0.xml``, as every zip reader opens it). Whatever a damaged, encrypted or
exotic member raises becomes an :class:`~lingoflow.processors.read.formats.OfficeError` with a
stable code.
"""

from __future__ import annotations

import io
import zipfile

from lingoflow.processors.core.budget import check_time
from lingoflow.processors.read.formats import MAX_MEMBERS, OfficeError

CHUNK = 1 << 16


class Archive:
    """A ZIP archive whose members are read within ``max_bytes`` of inflated bytes in all."""

    def __init__(self, data: bytes, max_bytes: int) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            members = self._zip.infolist()
        except Exception as exc:  # zipfile raises many kinds for a damaged directory
            raise OfficeError("corrupt_document", f"not a readable ZIP archive: {exc}") from exc
        if len(members) > MAX_MEMBERS:
            raise OfficeError("too_large", f"the archive has {len(members)} members")
        declared = sum(m.file_size for m in members)
        if declared > max_bytes:
            raise OfficeError(
                "too_large",
                f"the archive would expand to {declared} bytes, above the limit of {max_bytes} "
                "bytes; nothing was expanded",
            )
        self._members = {normal_name(m.filename): m for m in members}
        self.budget = max_bytes
        self.max_bytes = max_bytes

    @property
    def names(self) -> list[str]:
        """The members' names, normalised (forward slashes), in the archive's order."""
        return list(self._members)

    def __contains__(self, name: str) -> bool:
        return name in self._members

    def read(self, name: str) -> bytes:
        """One member's bytes, inflated in chunks and counted against the budget; an
        :class:`OfficeError` for a member that is missing, damaged, encrypted, compressed
        with a method that cannot be read, or that would spend the budget."""
        info = self._members.get(name)
        if info is None:
            raise OfficeError("corrupt_document", f"the archive has no {name}")
        chunks: list[bytes] = []
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(min(CHUNK, self.budget + 1)):
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        raise OfficeError(
                            "too_large",
                            f"{name} inflates beyond the limit of {self.max_bytes} bytes for "
                            "the whole archive (more than its directory states); reading "
                            "stopped there",
                        )
                    chunks.append(chunk)
                    check_time()
        except OfficeError:
            raise
        except NotImplementedError as exc:
            raise OfficeError(
                "corrupt_document", f"{name} uses a compression method that cannot be read: {exc}"
            ) from exc
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise OfficeError(
                "encrypted", f"{name} is encrypted; lingoflow does not decrypt documents"
            ) from exc
        except Exception as exc:  # zlib, CRC, truncated stream: a damaged member
            raise OfficeError("corrupt_document", f"{name} is damaged: {exc}") from exc
        return b"".join(chunks)

    def read_head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of a member (empty when it cannot be read)."""
        info = self._members.get(name)
        if info is None:
            return b""
        try:
            with self._zip.open(info) as member:
                return member.read(size)
        except Exception:
            return b""

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def normal_name(name: str) -> str:
    """An entry name with forward slashes.

    >>> normal_name("Contents\\\\section0.xml")
    'Contents/section0.xml'
    """
    return name.replace("\\", "/")
