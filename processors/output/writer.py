"""Writing records: atomic, idempotent, and never leaving a partial file behind.

In a local folder a file is written aside and renamed over its target; in object storage
(:class:`~lingoflow.processors.core.storage.RemoteFolder`) each record and the index are one
PUT, which the store makes visible only once complete. Either way a record equal to the one
there (timestamps aside) is not written again."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lingoflow.processors.core.record import IndexEntry, Record, dump_record
from lingoflow.processors.core.storage import Folder, RemoteFolder
from lingoflow.processors.output.records import (
    INDEX_NAME,
    SOURCES_NAME,
    CorruptRecordError,
    folder_lines,
    index_entry,
    load_record_in,
    record_path,
    same_content,
)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a mix
    (:func:`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(data)


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A file to write that replaces ``path`` only once it is complete.

    A temporary file in the same folder is written, flushed and fsynced, then renamed over
    the target; the folder is fsynced so the rename survives a crash. On an error the
    temporary file is removed and ``path`` is left as it was. The file gets the mode a new
    file gets under the process's umask (``mkstemp`` alone would make it readable by its
    owner only), so that the accounts a dataset is meant for can read it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~process_umask())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def process_umask() -> int:
    """The process's umask, read without changing it where Linux says it (``/proc``), else
    set and restored (which another thread could race)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SortedFile:
    """A file of JSON lines sorted by a key, made from lines added as a run goes, mostly in
    order (batches come in the order of their inputs): the lines wait in a temporary file,
    so that none is held in memory; lines added out of order are sorted when the file is
    written (then held once, as bytes)."""

    def __init__(self, key_of: Callable[[bytes], str]) -> None:
        self._key_of = key_of
        self._file = tempfile.NamedTemporaryFile(buffering=1 << 20)  # noqa: SIM115 (see close())
        self._last: str | None = None
        self.in_order = True
        self.lines = 0

    def add(self, key: str, line: str) -> None:
        if self._last is not None and key < self._last:
            self.in_order = False
        self._last = key
        self._file.write(line.encode("utf-8") + b"\n")
        self.lines += 1

    def write(self, folder: Folder, name: str) -> bool:
        """Write the file as ``name`` of ``folder`` (atomically: a rename, or one upload)
        unless it holds these lines already; True if written."""
        if not self.in_order:
            self._file.seek(0)
            lines = sorted(self._file, key=self._key_of)
            self._file.seek(0)
            self._file.truncate()
            self._file.writelines(lines)
            self.in_order = True
        self._file.flush()
        if self._digest() == _lines_digest(folder, name):
            return False
        if isinstance(folder, RemoteFolder):
            folder.upload(name, Path(self._file.name))
            return True
        with atomic_file(folder / name) as handle:
            self._copy_to(handle)
        return True

    def _copy_to(self, handle: IO[bytes]) -> None:
        self._file.seek(0)
        shutil.copyfileobj(self._file, handle)

    def _digest(self) -> str:
        self._file.seek(0)
        digest = hashlib.sha256()
        while block := self._file.read(1 << 20):
            digest.update(block)
        return digest.hexdigest()

    def close(self) -> None:
        self._file.close()


def _lines_digest(folder: Folder, name: str) -> str | None:
    """SHA-256 of file ``name`` of ``folder``, read as a stream; None when unreadable."""
    digest = hashlib.sha256()
    try:
        for line in folder_lines(folder, name):
            digest.update(line)
    except OSError:
        return None
    return digest.hexdigest()


REPORT_ROWS = 1000
"""Index entries a run keeps for its report (the records that are not ok first): the index
itself lists every record."""


class IndexSink:
    """The index of a run (and, for inputs in object storage, its :data:`SOURCES_NAME`),
    made from each batch's entries as the batch finishes, without holding them: the lines
    wait in temporary files (:class:`SortedFile`) and at most :data:`REPORT_ROWS` entries of
    each kind (ok, not ok) are kept for the run's report."""

    def __init__(self, sources: bool = False) -> None:
        self.index = SortedFile(lambda line: str(json.loads(line)["path"]))
        self.sources = SortedFile(lambda line: str(json.loads(line)[0])) if sources else None
        self._ok: list[IndexEntry] = []
        self._not_ok: list[IndexEntry] = []

    def add(
        self, entries: Iterable[IndexEntry], versions: dict[str, str], made: dict[str, str]
    ) -> None:
        """Add a batch's entries, with the listed ``versions`` of its inputs in object
        storage and what each record was ``made`` with."""
        for e in sorted(entries, key=lambda e: e.path):
            self.index.add(e.path, json.dumps(e.model_dump(mode="json"), ensure_ascii=False))
            if self.sources is not None and e.sha256 and e.path in versions:
                state = [e.path, versions[e.path], e.sha256, made.get(e.path, "")]
                self.sources.add(e.path, json.dumps(state, ensure_ascii=False))
            kept = self._ok if e.status == "ok" else self._not_ok
            if len(kept) < REPORT_ROWS:
                kept.append(e)

    @property
    def shown(self) -> list[IndexEntry]:
        """The entries for the report, by path: every one while the run has fewer than
        :data:`REPORT_ROWS`, else those that are not ok first."""
        room = max(REPORT_ROWS - len(self._not_ok), 0)
        return sorted([*self._not_ok, *self._ok[:room]], key=lambda e: e.path)

    @property
    def not_shown(self) -> int:
        """Entries of the index the report leaves out."""
        return self.index.lines - len(self.shown)

    def write(self, folder: Folder) -> bool:
        """Write index.jsonl (and the source list) unless unchanged; True if the index was."""
        if self.sources is not None:
            self.sources.write(folder, SOURCES_NAME)
        return self.index.write(folder, INDEX_NAME)

    def close(self) -> None:
        self.index.close()
        if self.sources is not None:
            self.sources.close()


def write_index(processed_dir: Folder, entries: Iterable[IndexEntry]) -> bool:
    """Write ``index.jsonl`` sorted by path (:class:`IndexSink`); leaves the file untouched
    when nothing changed."""
    sink = IndexSink()
    try:
        sink.add(entries, {}, {})
        return sink.write(processed_dir)
    finally:
        sink.close()


LOCK_NAME = ".lingoflow.lock"


@contextmanager
def run_lock(processed_dir: Path, timeout: float = 3600.0) -> Iterator[float]:
    """Hold the processed folder for one run at a time (an exclusive ``flock`` on
    ``processed/.lingoflow.lock``); yields the seconds spent waiting. Raises TimeoutError when
    another run holds it longer than ``timeout``. The lock ends with the process, so a killed
    run never leaves it behind."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (processed_dir / LOCK_NAME).open("a+b") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started > timeout:
                    raise TimeoutError(
                        f"another lingoflow run holds {processed_dir / LOCK_NAME}"
                    ) from None
                time.sleep(0.2)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def remove_stale_temporaries(processed_dir: Path) -> list[str]:
    """Delete temporary files a killed run left behind (``.NAME.XXXX.tmp``); call it while
    holding :func:`run_lock`, when no other writer can be in the middle of a write."""
    removed = []
    for path in processed_dir.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path.name)
    return sorted(removed)


@dataclass
class WriteResult:
    """Index entries of a written batch, with counts of files written and left untouched."""

    entries: list[IndexEntry] = field(default_factory=list)
    written: int = 0
    identical: int = 0
    write_errors: list[str] = field(default_factory=list)


def write_batch(
    processed_dir: Folder,
    records: list[Record],
    *,
    attempts: int = 1,
    retry_delay: float = 1.0,
    previous: dict[str, Record | None] | None = None,
) -> WriteResult:
    """Write records atomically, skipping those whose content did not change.

    ``previous`` gives, by doc_id, the record each one replaces as read earlier in the run
    (None: there was none), so that it is not read again; the others are read here. In
    object storage the records to write are sent concurrently. A record whose write fails is
    tried again, up to ``attempts`` times in all, ``retry_delay`` seconds after the previous
    pass; what still fails is listed in ``write_errors`` (the old file, if any, is left
    whole).
    """
    result = WriteResult()
    previous = previous or {}
    changed = []
    for record in records:
        if record.doc_id in previous:
            before = previous[record.doc_id]
        else:
            try:
                before = load_record_in(processed_dir, record.doc_id)
            except CorruptRecordError:
                before = None  # replaced
        if before is not None and same_content(before, record):
            result.entries.append(index_entry(record))
            result.identical += 1
        else:
            changed.append(record)
    pending = changed
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            time.sleep(retry_delay)
        errors = _write_records(processed_dir, pending)
        result.write_errors = [
            f"{r.source.path}: {errors[r.doc_id].strerror or errors[r.doc_id]}"
            for r in pending
            if r.doc_id in errors
        ]
        for record in pending:
            if record.doc_id not in errors:
                result.entries.append(index_entry(record))
                result.written += 1
        pending = [r for r in pending if r.doc_id in errors]
        if not pending:
            break
    return result


def _write_records(processed_dir: Folder, records: list[Record]) -> dict[str, OSError]:
    """Write each record (no comparison); the errors of those that failed, by doc_id."""
    data = {r.doc_id: dump_record(r).encode("utf-8") for r in records}
    if isinstance(processed_dir, RemoteFolder):
        failed = processed_dir.write_many({f"{k}.json": v for k, v in data.items()})
        return {name.removesuffix(".json"): exc for name, exc in failed.items()}
    errors: dict[str, OSError] = {}
    for doc_id, payload in data.items():
        try:
            atomic_write(record_path(processed_dir, doc_id), payload)
        except OSError as exc:
            errors[doc_id] = exc
    return errors
