"""Records on disk: where they are, which files are records, reading them back."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from array import array
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Generic, TypeVar

import numpy as np
from pydantic import ValidationError

from lingoflow.processors.core.record import IndexEntry, Record
from lingoflow.processors.core.storage import Folder, RemoteFolder

INDEX_NAME = "index.jsonl"
SOURCES_NAME = ".sources.jsonl"
"""Beside the records of a raw folder in object storage: each input's version (size and ETag)
and SHA-256 when its record was made, so that the next run tells an unchanged object from its
listing alone, without downloading it. Hidden (a dot name), rewritten with the index."""


_VOLATILE = ("processed_at", "flow_run_id")
TRANSIENT_CODES = frozenset({"unreadable", "too_slow"})
"""Failures that may not repeat on the next run, so an unchanged input is tried again."""


def iter_records(paths: Iterable[Path], corrupt: list[str]) -> Iterator[Record]:
    """The records at ``paths``, one at a time (missing files left out); each corrupt one is
    appended to ``corrupt`` as ``name: reason``."""
    for path in paths:
        try:
            record = load_record(path)
        except CorruptRecordError as exc:
            corrupt.append(str(exc))
            continue
        if record is not None:
            yield record


RECORDS_IN_MEMORY = 64
"""Records of a folder in object storage read at once by :func:`iter_records_in` (their
requests concurrent); the others are not held."""


def iter_records_in(
    processed_dir: Folder, names: Iterable[str], corrupt: list[str]
) -> Iterator[Record]:
    """:func:`iter_records` of the record files ``names`` of a processed folder, local or in
    object storage (read :data:`RECORDS_IN_MEMORY` at a time, concurrently)."""
    if not isinstance(processed_dir, RemoteFolder):
        yield from iter_records((processed_dir / n for n in names), corrupt)
        return
    pending = list(names)
    for start in range(0, len(pending), RECORDS_IN_MEMORY):
        chunk = [n.removesuffix(".json") for n in pending[start : start + RECORDS_IN_MEMORY]]
        for found in load_records_in(processed_dir, chunk).values():
            if isinstance(found, CorruptRecordError):
                corrupt.append(str(found))
            elif found is not None:
                yield found


def record_path(processed_dir: Path, doc_id: str) -> Path:
    return processed_dir / f"{doc_id}.json"


class CorruptRecordError(Exception):
    """A file where a record should be is unreadable or not a valid record."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.name = path.name if isinstance(path, Path) else path.rsplit("/", 1)[-1]
        super().__init__(f"{self.name}: {reason}")
        self.path = path
        self.reason = reason


MAX_RECORD_BYTES = 1 << 30
"""The largest record file read (a 20 MB input with two translations is a fraction of it)."""


def read_regular(path: Path, limit: int = MAX_RECORD_BYTES) -> bytes | None:
    """The bytes of the regular file at ``path``, or None when there is nothing there.
    Raises OSError for anything else: a link (never followed), a pipe or device (never
    opened for reading: a FIFO would block), a file over ``limit``, an error reading."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(exc.errno, "a link, not a record file") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"{info.st_size} bytes, more than {limit}")
        return handle.read(limit + 1)


def load_record(path: Path) -> Record | None:
    """The record stored at ``path``, or None when there is none.

    Raises :class:`CorruptRecordError` when something is there that is not a valid record: a
    file that cannot be read, a pipe or a link, text that is not a record (malformed JSON,
    nesting too deep, a lone surrogate, a schema violation), or a record whose ``doc_id`` is
    not its file's name. Callers report it instead of mistaking it for an absent record; every
    reader of records (a run, retranslation, export, validation) reads them here, so they
    agree on what is valid.
    """
    try:
        data = read_regular(path)
    except OSError as exc:
        raise CorruptRecordError(path, exc.strerror or str(exc)) from exc
    return None if data is None else parse_record(data, path)


def parse_record(data: bytes, path: Path | str) -> Record:
    """The record in ``data``, read from ``path`` (a file or an object); raises
    :class:`CorruptRecordError` as :func:`load_record` says."""
    try:
        record = Record.model_validate_json(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "record"
        raise CorruptRecordError(path, f"not a valid record ({where}: {problem['msg']})") from exc
    if record.doc_id != PurePosixPath(path).stem:
        raise CorruptRecordError(path, f"its doc_id {record.doc_id!r} is not its file's name")
    return record


def load_record_in(processed_dir: Folder, doc_id: str) -> Record | None:
    """The record of ``doc_id`` in a processed folder, local or in object storage, or None;
    raises :class:`CorruptRecordError` as :func:`load_record` says."""
    if not isinstance(processed_dir, RemoteFolder):
        return load_record(record_path(processed_dir, doc_id))
    name = f"{doc_id}.json"
    try:
        data = processed_dir.read(name, limit=MAX_RECORD_BYTES)
    except OSError as exc:
        raise CorruptRecordError(processed_dir.where(name), str(exc)) from exc
    if data is None:
        return None
    if len(data) > MAX_RECORD_BYTES:
        raise CorruptRecordError(name, f"more than {MAX_RECORD_BYTES} bytes")
    return parse_record(data, name)


@dataclass(frozen=True)
class SourceState:
    """What a run knew of one input in object storage when it made (or kept) its record."""

    version: str
    """The object's version in the listing (size and ETag)."""
    sha256: str
    """SHA-256 of the bytes read."""
    made_with: str
    """:func:`made_with` of its record ("" when the record is to be made again anyway)."""


def made_with(record: Record) -> str:
    """The lingoflow version and settings digest a record was made with, or "" when an input
    with this record is tried again whatever changed (a transient failure)."""
    if any(e.code in TRANSIENT_CODES for e in record.errors):
        return ""
    return f"{record.pipeline.version} {record.pipeline.settings_digest}"


def folder_lines(folder: Folder, name: str) -> Iterator[bytes]:
    """The lines of file ``name`` of a folder, local or in object storage, read as they are
    consumed. Raises OSError when it cannot be read: FileNotFoundError when there is no such
    file; locally a link or what is not a regular file is not read either."""
    if isinstance(folder, RemoteFolder):
        yield from folder.lines(name)
        return
    fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, f"not a regular file: {folder / name}")
        yield from handle


def iter_sources(processed_dir: Folder) -> Generator[tuple[str, SourceState], None, None]:
    """What the last run knew of each input in object storage (:data:`SOURCES_NAME`), as
    (path, state) in the file's order (by path), read as consumed; it ends early where the
    file cannot be read or a line is damaged (the inputs past it are then read again, which
    is slower but never wrong)."""
    try:
        for line in folder_lines(processed_dir, SOURCES_NAME):
            path, version, sha256, made = json.loads(line)
            yield str(path), SourceState(str(version), str(sha256), str(made))
    except (OSError, ValueError, TypeError):
        return


def iter_index(processed_dir: Folder) -> Generator[tuple[str, IndexEntry], None, None]:
    """The entries of the folder's ``index.jsonl`` as (path, entry) in the file's order (by
    path), read as consumed; it ends early where the file cannot be read or a line is
    damaged."""
    try:
        for line in folder_lines(processed_dir, INDEX_NAME):
            entry = IndexEntry.model_validate_json(line)
            yield entry.path, entry
    except (OSError, ValidationError):
        return


V = TypeVar("V")


class SortedLookup(Generic[V]):
    """Values by key from a stream sorted by key, for keys asked in ascending order: one item
    of the stream is held at a time. A key asked out of order, or missing from a stream
    that is not sorted, is not found (None), never another key's value.

    >>> lookup = SortedLookup(iter([("a", 1), ("c", 3), ("d", 4)]))
    >>> [lookup.get(k) for k in ("a", "b", "c", "e", "d")]
    [1, None, 3, None, None]
    """

    def __init__(self, items: Iterator[tuple[str, V]]) -> None:
        self._items = items
        self._head = next(items, None)

    def get(self, key: str) -> V | None:
        while self._head is not None and self._head[0] < key:
            self._head = next(self._items, None)
        if self._head is not None and self._head[0] == key:
            return self._head[1]
        return None


def doc_key(doc_id: str) -> int:
    """A 64-bit digest of ``doc_id``: what :class:`KeySet` keeps of it."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class KeySet:
    """A set of doc_ids kept as 8 bytes each (a sorted array of 64-bit digests), so that a
    run over 100,000 inputs or records holds 0.8 MB rather than the names. Two doc_ids share
    a digest with odds of about n²/2⁶⁵ (10⁻⁹ at 100,000): a record then counts as present
    or an input as listed when it is not, which can keep a record deleted by hand from being
    remade until the next forced run, or an orphan from being reported.

    >>> ids = KeySet(["a-1", "b-2"])
    >>> "a-1" in ids, "c-3" in ids, len(ids)
    (True, False, 2)
    """

    def __init__(self, doc_ids: Iterable[str] = ()) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._pending = array("Q")
        self.add(doc_ids)

    def add(self, doc_ids: Iterable[str]) -> None:
        """Add ``doc_ids`` (sorted in with the others when the set is next asked)."""
        self._pending.extend(doc_key(d) for d in doc_ids)

    def _sorted(self) -> np.ndarray[tuple[int], np.dtype[np.uint64]]:
        if self._pending:
            more = np.frombuffer(self._pending, dtype=np.uint64)
            self._keys = np.unique(np.concatenate([self._keys, more]))
            self._pending = array("Q")
        return self._keys

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        keys, key = self._sorted(), np.uint64(doc_key(doc_id))
        at = int(np.searchsorted(keys, key))
        return at < len(keys) and bool(keys[at] == key)

    def __len__(self) -> int:
        return len(self._sorted())

    def not_in(self, other: KeySet) -> int:
        """How many of these doc_ids ``other`` lacks."""
        return int(np.setdiff1d(self._sorted(), other._sorted(), assume_unique=True).size)


def same_content(a: Record, b: Record) -> bool:
    """True when two records differ at most in when and by which flow run they were made."""
    return _stable(a) == _stable(b)


def _stable(record: Record) -> dict[str, object]:
    data = record.model_dump(mode="json")
    for key in _VOLATILE:
        data["pipeline"].pop(key, None)
    return data


def index_entry(record: Record) -> IndexEntry:
    """The ``index.jsonl`` line of a record."""
    return IndexEntry(
        doc_id=record.doc_id,
        path=record.source.path,
        status=record.status,
        language=record.language,
        segments=len(record.segments),
        errors=[e.code for e in record.errors],
        sha256=record.source.sha256,
        title=record.metadata.title,
        problems=[f"{e.code}: {_first_clause(e.message)}" for e in record.errors],
    )


def _first_clause(message: str) -> str:
    """A message up to its first semicolon or 100 characters.

    >>> _first_clause("no package for ko→en (direct or through English); segments keep ...")
    'no package for ko→en (direct or through English)'
    """
    clause = message.split(";", 1)[0].strip()
    return clause if len(clause) <= 100 else clause[:99] + "…"


def load_records_in(
    processed_dir: Folder, doc_ids: list[str]
) -> dict[str, Record | CorruptRecordError | None]:
    """:func:`load_record_in` of each of ``doc_ids``: its record, None, or the error saying
    why what is there is not a record; in object storage the objects are read concurrently."""
    if not isinstance(processed_dir, RemoteFolder):
        found: dict[str, Record | CorruptRecordError | None] = {}
        for doc_id in doc_ids:
            try:
                found[doc_id] = load_record(record_path(processed_dir, doc_id))
            except CorruptRecordError as exc:
                found[doc_id] = exc
        return found
    names = [f"{doc_id}.json" for doc_id in doc_ids]
    fetched = processed_dir.prefetch(names, limit=MAX_RECORD_BYTES)
    result: dict[str, Record | CorruptRecordError | None] = {}
    for doc_id in doc_ids:
        try:
            result[doc_id] = load_record_in(fetched, doc_id)
        except CorruptRecordError as exc:
            result[doc_id] = exc
    return result


def record_files(processed_dir: Path) -> list[Path]:
    """The record files of ``processed_dir``, sorted: every ``*.json`` but hidden ones
    (temporary files of a write in progress start with a dot)."""
    return sorted(p for p in processed_dir.glob("*.json") if not p.name.startswith("."))


def record_names(processed_dir: Folder) -> list[str]:
    """The file names of the records in a processed folder, local or in object storage,
    sorted (:func:`record_files`)."""
    return [name for page in record_name_pages(processed_dir) for name in page]


def record_name_pages(processed_dir: Folder) -> Iterator[list[str]]:
    """:func:`record_names` a listing page at a time (a folder in object storage is never
    listed whole at once)."""
    if not isinstance(processed_dir, RemoteFolder):
        yield [p.name for p in record_files(processed_dir)]
        return
    for page in processed_dir.pages():
        names = [o.name for o in page]
        yield [n for n in names if n.endswith(".json") and "/" not in n and n[0] != "."]


def iter_record_names(processed_dir: Folder) -> Iterator[str]:
    """:func:`record_names` one at a time, listed a page at a time."""
    for page in record_name_pages(processed_dir):
        yield from page


def orphaned_records(processed_dir: Folder, doc_ids: KeySet) -> list[str]:
    """File names of the records in ``processed_dir`` whose input is no longer among
    ``doc_ids``."""
    return [n for n in iter_record_names(processed_dir) if n.removesuffix(".json") not in doc_ids]
