"""Records on disk: where they are, which files are records, reading them back."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from lingoflow.processors.core.record import IndexEntry, Record

INDEX_NAME = "index.jsonl"


_VOLATILE = ("processed_at", "flow_run_id")


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


def record_path(processed_dir: Path, doc_id: str) -> Path:
    return processed_dir / f"{doc_id}.json"


class CorruptRecordError(Exception):
    """A file where a record should be is unreadable or not a valid record."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
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
    if data is None:
        return None
    try:
        record = Record.model_validate_json(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "record"
        raise CorruptRecordError(path, f"not a valid record ({where}: {problem['msg']})") from exc
    if record.doc_id != path.stem:
        raise CorruptRecordError(path, f"its doc_id {record.doc_id!r} is not its file's name")
    return record


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


def record_files(processed_dir: Path) -> list[Path]:
    """The record files of ``processed_dir``, sorted: every ``*.json`` but hidden ones
    (temporary files of a write in progress start with a dot)."""
    return sorted(p for p in processed_dir.glob("*.json") if not p.name.startswith("."))


def orphaned_records(processed_dir: Path, doc_ids: set[str]) -> list[Path]:
    """Records in ``processed_dir`` whose input is no longer among ``doc_ids``."""
    return [path for path in record_files(processed_dir) if path.stem not in doc_ids]
