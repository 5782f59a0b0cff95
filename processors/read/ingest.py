"""Ingest: find inputs under the raw directory and read their bytes safely.

Rules, each giving a failed document with a stable code rather than an exception:

* a path that resolves outside the raw directory (symlinks included) is never opened: outside_root;
* links that loop or dangle, and things that are not regular files: unreadable / not_a_file;
* files above the size limit are not read at all: too_large;
* empty files: empty;
* binary content (known magic numbers, NUL bytes that are not UTF-16/32): not_text;
* OS errors while reading: unreadable, with the OS's message.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from lingoflow.processors.core.document import Document
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


def discover(raw_dir: Path) -> list[str]:
    """Every entry under ``raw_dir`` that is not a directory, as sorted POSIX relative paths.

    Links are listed (and judged when read) but never followed while walking, so a link loop
    or a link to a directory outside cannot make the walk leave the raw directory.
    """
    return sorted(_walk(raw_dir), key=lambda p: p.encode("utf-8", "surrogateescape"))


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        # Links to directories are reported as entries (and refused when read), not walked.
        linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d not in linked)
        for name in [*filenames, *linked]:
            yield (rel_dir / name).as_posix()


def read_input(raw_dir: Path, rel_path: str, max_bytes: int) -> Document:
    """Read one input's bytes into a new :class:`Document`, or a failed one saying why."""
    doc = Document(rel_path=rel_path, doc_id=doc_id_for(rel_path))
    root = raw_dir.resolve()
    path = root / rel_path
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # dangling link, loop, vanished file
        doc.fail("ingest", "unreadable", f"cannot resolve path: {_os_message(exc)}")
        return doc
    if not resolved.is_relative_to(root):
        doc.fail(
            "ingest",
            "outside_root",
            "the path is a link that resolves outside the raw directory; it was not read",
        )
        return doc
    try:
        info = os.stat(resolved)
    except OSError as exc:
        doc.fail("ingest", "unreadable", _os_message(exc))
        return doc
    if not stat.S_ISREG(info.st_mode):
        doc.fail("ingest", "not_a_file", "not a regular file (directory, device, socket or pipe)")
        return doc
    doc.source.bytes = info.st_size
    if info.st_size > max_bytes:
        doc.fail(
            "ingest",
            "too_large",
            f"{info.st_size} bytes is above the limit of {max_bytes} bytes; the file was not read",
        )
        return doc
    try:
        data = _read_bounded(resolved, max_bytes)
    except OSError as exc:
        doc.fail("ingest", "unreadable", _os_message(exc))
        return doc
    if data is None:
        doc.fail("ingest", "too_large", f"the file grew above {max_bytes} bytes while being read")
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


def _read_bounded(path: Path, max_bytes: int) -> bytes | None:
    """Read at most ``max_bytes``; None when the file turns out to be larger."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError("not a regular file")
        data = fh.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} (errno {exc.errno})"
    return str(exc) or type(exc).__name__
