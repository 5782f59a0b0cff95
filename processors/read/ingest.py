"""Ingest: find inputs under the raw directory and read their bytes safely.

Rules, each giving a failed document with a stable code rather than an exception:

* nothing outside the raw directory is opened: each path is opened one component at a time
  from the raw directory's descriptor without following links; a symbolic link is resolved
  by reading it, and one that leads outside is not read (outside_root), even when a directory
  is swapped for a link while a run reads;
* a hard link is a file of the raw directory like any other and is read: the file system
  cannot tell which of its names is the original (give lingoflow a raw directory whose files
  you mean it to read);
* links that loop or dangle, and things that are not regular files: unreadable / not_a_file;
* files above the size limit are not read at all: too_large;
* empty files: empty;
* binary content (known magic numbers, NUL bytes that are not UTF-16/32): not_text;
* OS errors while reading: unreadable, with the OS's message.

A raw folder in object storage (:class:`~lingoflow.processors.core.storage.RemoteFolder`) is
listed under its prefix only, and a name with ``..`` in it is refused (outside_root) rather
than handed to the store; an object is read with one ranged GET of at most the size limit plus
one byte, so an oversized object is refused without downloading it, and an object deleted
between the listing and the read is unreadable (tried again on the next run).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from lingoflow.processors.core.document import Document
from lingoflow.processors.core.storage import Folder, RemoteFolder
from lingoflow.processors.read.formats import MEDIA_TYPES, office_format, sniff_binary

_SLUG_MAX = 60


def doc_id_for(rel_path: str) -> str:
    """Stable, collision-free id of an input: ASCII slug of its path plus 12 hex of its hash.

    >>> doc_id_for("press/000 Minister.txt")
    'press-000-minister-txt-ced68ce377b8'
    >>> doc_id_for("보도 자료/2021 release.txt")
    '2021-release-txt-d3dda8bbab6e'
    """
    ascii_path = unicodedata.normalize("NFKD", rel_path).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_path.lower()).strip("-")[:_SLUG_MAX].strip("-")
    digest = hashlib.sha256(rel_path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{slug or 'doc'}-{digest}"


def discover(raw_dir: Folder) -> list[str]:
    """Every entry under ``raw_dir`` that is not a directory, as sorted POSIX relative paths
    (a folder in object storage: its objects, in the order of
    :meth:`~lingoflow.processors.core.storage.RemoteFolder.pages`).

    Links are listed (and judged when read) but never followed while walking, so a link loop
    or a link to a directory outside cannot make the walk leave the raw directory.
    """
    if isinstance(raw_dir, RemoteFolder):
        return [o.name for page in raw_dir.pages() for o in page]
    return sorted(_walk(raw_dir), key=_path_order)


def _path_order(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        # Links to directories are reported as entries (and refused when read), not walked.
        linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d not in linked)
        for name in [*filenames, *linked]:
            yield (rel_dir / name).as_posix()


def read_input(raw_dir: Folder, rel_path: str, max_bytes: int) -> Document:
    """Read one input's bytes into a new :class:`Document`, or a failed one saying why."""
    doc = Document(rel_path=rel_path, doc_id=doc_id_for(rel_path))
    ingest_step(doc, raw_dir, max_bytes)
    return doc


class _RefusedError(Exception):
    """An input that is not read: ``code`` and ``message`` are its failed record's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


MAX_LINKS = 40
"""Links followed for one path at the most (as the kernel's limit): more is a loop."""
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def ingest_step(doc: Document, raw_dir: Folder, max_bytes: int) -> Document:
    """Read the bytes of ``doc``'s input under ``raw_dir`` (see the module docstring)."""
    if doc.source.path != doc.rel_path:
        doc.add_warning(
            "ingest",
            "undecodable_name",
            "the file name is not UTF-8; source.path writes its other bytes as \\xNN",
        )
    try:
        if isinstance(raw_dir, RemoteFolder):
            data = _read_object(raw_dir, doc.rel_path, max_bytes, doc)
        else:
            data = _read_inside(raw_dir, doc.rel_path, max_bytes, doc)
    except _RefusedError as refused:
        doc.fail("ingest", refused.code, refused.message)
        return doc
    doc.source.bytes = len(data)
    doc.source.sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        doc.fail("ingest", "empty", "the file is empty")
        return doc
    office = office_format(data)
    if office is not None:
        doc.source.media_type = MEDIA_TYPES[office]
        doc.data = data
        return doc
    kind = sniff_binary(data)
    if kind is not None:
        doc.fail(
            "ingest",
            "not_text",
            f"binary content ({kind}); text, HTML, PDF, DOCX and HWPX documents are read",
        )
        return doc
    doc.data = data
    return doc


def prefetch_inputs(raw_dir: Folder, rel_paths: list[str], max_bytes: int) -> Folder:
    """``raw_dir``, with the inputs among ``rel_paths`` that are objects in object storage
    read at once, concurrently (each up to the size limit); a local folder as it is. Names
    refused by :func:`ingest_step` (``..``) are not read."""
    if not isinstance(raw_dir, RemoteFolder):
        return raw_dir
    return raw_dir.prefetch([p for p in rel_paths if _inside(p)], limit=max_bytes)


def _inside(rel_path: str) -> bool:
    return not rel_path.startswith("/") and ".." not in PurePosixPath(rel_path).parts


def _read_object(raw_dir: RemoteFolder, rel_path: str, max_bytes: int, doc: Document) -> bytes:
    """The bytes of object ``rel_path`` of a raw folder in object storage (module docstring)."""
    if not _inside(rel_path):
        raise _RefusedError("outside_root", "the name leads outside the raw folder; not read")
    try:
        data = raw_dir.read(rel_path, limit=max_bytes)
    except OSError as exc:
        raise _RefusedError("unreadable", f"cannot read {raw_dir.where(rel_path)}: {exc}") from exc
    if data is None:
        raise _RefusedError(
            "unreadable", "the object is gone (deleted after the folder was listed)"
        )
    if len(data) > max_bytes:
        doc.source.bytes = raw_dir.size(rel_path)
        raise _RefusedError(
            "too_large",
            f"{doc.source.bytes or 'more than ' + str(max_bytes)} bytes is above the limit of "
            f"{max_bytes} bytes; the object was read no further",
        )
    return data


def _read_inside(raw_dir: Path, rel_path: str, max_bytes: int, doc: Document) -> bytes:
    """The bytes of ``rel_path``, opened one path component at a time from the raw
    directory's descriptor, never following a link: a link is resolved by reading it and
    walking its target the same way, so that nothing outside the raw directory is opened,
    even when a directory is swapped for a link while a run reads."""
    try:
        root_fd = os.open(raw_dir, _DIRECTORY & ~os.O_NOFOLLOW)
    except OSError as exc:
        raise _RefusedError(
            "unreadable", f"cannot open the raw directory: {_os_message(exc)}"
        ) from exc
    try:
        fd = _open_inside(root_fd, raw_dir, rel_path)
    finally:
        os.close(root_fd)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _RefusedError(
                "not_a_file", "not a regular file (directory, device, socket or pipe)"
            )
        doc.source.bytes = info.st_size
        if info.st_size > max_bytes:
            raise _RefusedError(
                "too_large",
                f"{info.st_size} bytes is above the limit of {max_bytes} bytes; the file was "
                "not read",
            )
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise _RefusedError("unreadable", _os_message(exc)) from exc
    if len(data) > max_bytes:
        raise _RefusedError("too_large", f"the file grew above {max_bytes} bytes while being read")
    return data


def _open_inside(root_fd: int, raw_dir: Path, rel_path: str) -> int:
    """A descriptor of ``rel_path`` under ``root_fd`` (see :func:`_read_inside`)."""
    pending = [p for p in PurePosixPath(rel_path).parts if p not in ("", ".")]
    walked: list[str] = []  # the directories opened so far, from the raw directory
    links = 0
    fd = os.dup(root_fd)
    try:
        while pending:
            part = pending.pop(0)
            if part == "..":
                if not walked:
                    raise _RefusedError("outside_root", _OUTSIDE)
                walked.pop()
                os.close(fd)
                fd = _reopen(root_fd, walked)
                continue
            try:
                opened = os.open(part, _DIRECTORY if pending else _FILE, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR) or not _is_link(fd, part):
                    raise _RefusedError("unreadable", _os_message(exc)) from exc
                links += 1
                if links > MAX_LINKS:
                    raise _RefusedError("unreadable", "too many levels of links (a loop)") from None
                try:
                    target = os.readlink(part, dir_fd=fd)
                except OSError as vanished:  # changed while it was read
                    raise _RefusedError("unreadable", _os_message(vanished)) from vanished
                if os.path.isabs(target):
                    inside = _relative_to_root(target, raw_dir)
                    if inside is None:
                        raise _RefusedError("outside_root", _OUTSIDE) from None
                    os.close(fd)
                    fd, walked = os.dup(root_fd), []
                    target = inside
                pending = [p for p in PurePosixPath(target).parts if p not in ("", ".")] + pending
                continue
            os.close(fd)
            fd = opened
            walked.append(part)
        return fd
    except BaseException:
        os.close(fd)
        raise


_OUTSIDE = "the path is a link that resolves outside the raw directory; it was not read"


def _reopen(root_fd: int, walked: list[str]) -> int:
    """The directory ``walked`` leads to from the raw directory, opened again."""
    fd = os.dup(root_fd)
    for name in walked:
        try:
            opened = os.open(name, _DIRECTORY, dir_fd=fd)
        finally:
            os.close(fd)
        fd = opened
    return fd


def _is_link(fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _relative_to_root(target: str, raw_dir: Path) -> str | None:
    """An absolute link target as a path under the raw directory, or None outside it."""
    root = os.path.realpath(raw_dir)
    normal = os.path.normpath(target)
    if normal == root:
        return "."
    return os.path.relpath(normal, root) if normal.startswith(root + os.sep) else None


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} (errno {exc.errno})"
    return str(exc) or type(exc).__name__
