"""Datasets from the records, for the teams downstream.

One JSON file per document is the contract; corpora are loaded with pyarrow, pandas, polars,
DuckDB or Hugging Face ``datasets``, and translators exchange sentence pairs as TSV and TMX.

``parquet`` / ``jsonl`` (``.jsonl.gz`` compresses)
    One row per record, the columns of :data:`DOCUMENT_COLUMNS` in that order: first the
    fields datatrove and Dolma read (``id``, ``text``: the body in its own languages,
    ``source``, ``added``, ``created``, ``metadata``), then lingoflow's (status and error
    codes, languages, title, dates, ``text_hash``, ``machine_translated_share``, the body in
    each language of the pairs, ``segments``). Every row has every column with one type
    throughout: a string lingoflow does not know is ``""`` (never null, so that loaders
    inferring types from the first rows get strings whatever the order of the files), dates
    are ISO strings, whole numbers int64; the only nulls are the scores of segments no model
    translated. Parquet carries the versions, languages and options in its key-value metadata.
``parallel-tsv`` / ``tmx``
    Sentence pairs from the machine translations, the columns of :data:`PAIR_COLUMNS`: for each
    segment (notices left out) and each language it was translated into, its sentences paired
    with their translations (``translation_sentences``, schema 1.5.0; records made before it
    pair whole segments), texts as the record holds them. The TSV is written by the csv module
    (a cell with a tab, quote or line break is quoted, quotes doubled), which every CSV reader
    reads back. Pairs whose translation the quality checks flagged, or that only copy their
    source (``untranslated``) or hold no words (``no_text``: numbers, dates, punctuation), are
    left out unless ``include_flagged`` (their count is reported).

Which records: those ``index.jsonl`` lists (a record whose input is gone is not exported),
with a status in ``statuses``; with ``dedup``, a record whose ``text_hash`` an earlier one had
is left out (counted). Next to a Parquet, JSONL or TSV export a ``<file>.features.json`` gives
its Hugging Face features, and the folder's ``README.md`` (a dataset card) lists the exports
of the folder with their features, so ``datasets.load_dataset(folder)`` types every column
from it.

Exports stream: memory does not grow with the number of records. The output is written
beside its place and renamed (atomic), from the records sorted by file name, without
timestamps, so the same records give the same bytes (idempotent). A corrupt record is
reported and left out, never silently.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import hashlib
import io
import json
import os
import posixpath
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, get_args
from xml.sax.saxutils import escape, quoteattr

from lingoflow.processors import __version__
from lingoflow.processors.core.config import ExportFormat
from lingoflow.processors.core.record import SCHEMA_VERSION, IndexEntry, Record, Segment, Status
from lingoflow.processors.core.storage import (
    StorageError,
    check_writable,
    folder,
    is_url,
    local_path,
    remote,
)
from lingoflow.processors.output.records import (
    INDEX_NAME,
    MAX_RECORD_BYTES,
    RECORDS_IN_MEMORY,
    iter_records,
    read_regular,
    record_files,
)
from lingoflow.processors.output.writer import atomic_file

FORMATS: tuple[str, ...] = get_args(ExportFormat)
STATUSES: tuple[Status, ...] = get_args(Status)
ROWS_PER_GROUP = 256
EXPORT_VERSION = "2"
"""Version of the export's columns (2: the datatrove/Dolma fields, no null strings)."""
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WORD = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class Column:
    """One exported column: its name, its type (``string``, ``int64``, ``float64``,
    ``bool``, ``list<string>``, or a struct's columns) and what it holds."""

    name: str
    type: str | tuple[Column, ...]
    doc: str


def _per_language(name: str, type_: str, doc: str, languages: list[str]) -> list[Column]:
    return [Column(name.format(lang=lang), type_, doc.format(lang=lang)) for lang in languages]


def segment_columns(languages: list[str]) -> tuple[Column, ...]:
    """The columns of a segment in ``segments``."""
    return (
        Column("index", "int64", "the segment's position in the record"),
        Column("role", "string", "title, heading, paragraph, list_item, notice, ..."),
        Column("lang", "string", "the segment's own language"),
        Column("text", "string", "the segment in its own language"),
        *_per_language("text_{lang}", "string", 'the segment in {lang} ("" if none)', languages),
        Column("machine_translated", "list<string>", "the languages machine-translated"),
        *_per_language(
            "score_{lang}",
            "float64",
            "model score of the {lang} translation (null if none)",
            languages,
        ),
        *_per_language(
            "flags_{lang}", "list<string>", "quality flags of the {lang} translation", languages
        ),
        *_per_language(
            "packages_{lang}",
            "list<string>",
            "the packages that made the {lang} translation",
            languages,
        ),
    )


METADATA_COLUMNS = (
    Column("path", "string", "the input's path under raw/"),
    Column("sha256", "string", "hash of the input's bytes"),
    Column("status", "string", "ok, partial or failed"),
    Column("language", "string", "the document's main language"),
    Column("title", "string", "the document's title"),
    Column("url", "string", "the page's address"),
)


def document_columns(languages: list[str]) -> tuple[Column, ...]:
    """The columns of a Parquet or JSONL row, in order, for the pairs' ``languages``."""
    return (
        Column("id", "string", "the record's doc_id"),
        Column(
            "text",
            "string",
            "the body in its own language(s): each segment but notices, one a line",
        ),
        Column("source", "string", "the collection's name (export option source)"),
        Column("added", "string", "when lingoflow made the record (ISO 8601, UTC)"),
        Column("created", "string", 'the document\'s publication date (ISO 8601; "" if unknown)'),
        Column("metadata", METADATA_COLUMNS, "datatrove/Dolma metadata"),
        Column("doc_id", "string", "stable id of the input"),
        Column("path", "string", "the input's path under raw/"),
        Column("sha256", "string", "hash of the input's bytes"),
        Column("status", "string", "ok, partial or failed"),
        Column("error_codes", "list<string>", "the record's error codes (why partial or failed)"),
        Column("language", "string", "the document's main language"),
        Column("languages", "list<string>", "the languages of the pairs"),
        Column("title", "string", "the document's title"),
        Column("published", "string", 'publication date (ISO 8601; "" if unknown)'),
        Column("organisation", "string", "the publishing organisation"),
        Column("url", "string", "the page's address"),
        Column("schema_version", "string", "version of the record's schema"),
        Column("lingoflow_version", "string", "version of lingoflow that made the record"),
        Column(
            "text_hash", "string", "sha256 of the normalised text (NFKC, case and spacing folded)"
        ),
        Column(
            "machine_translated_share",
            "float64",
            "share of the characters of the text_<lang> columns that are machine-translated",
        ),
        *_per_language(
            "text_{lang}",
            "string",
            'the body in {lang}, original or translated ("" if none)',
            languages,
        ),
        Column("segments", segment_columns(languages), "the record's segments, in order"),
    )


PAIR_COLUMNS = (
    Column("pair_id", "string", "doc_id:segment:sentence:target_lang, unique in an export"),
    Column("source_lang", "string", "the source sentence's language"),
    Column("target_lang", "string", "the translation's language"),
    Column("source", "string", "the source sentence, as in the record"),
    Column("target", "string", "its machine translation, as in the record"),
    Column("doc_id", "string", "the record it comes from"),
    Column("segment", "int64", "the segment's index in the record"),
    Column("sentence", "int64", "the sentence's index in the segment"),
    Column("role", "string", "the segment's role"),
    Column("score", "float64", "the model's score of the segment's translation (empty if unknown)"),
    Column("quality_flags", "string", "comma-separated quality flags (empty when none)"),
    Column("packages", "string", "comma-separated packages that made the translation"),
    Column("machine_translated", "bool", "the target is a machine translation (always true)"),
)
"""The columns of a sentence-pair export (TSV header, TMX props), in order."""


def export_table(languages: tuple[str, ...] = ("en", "ko")) -> str:
    """The columns of every format as one Markdown table (docs/formats.md holds it)."""

    def type_of(column: Column) -> str:
        if isinstance(column.type, tuple):
            inner = ", ".join(c.name for c in column.type)
            kind = "list of struct" if column.name == "segments" else "struct"
            return f"{kind} ({inner})"
        return column.type

    lines = ["| format | column | type | holds |", "|---|---|---|---|"]
    for column in document_columns(list(languages)):
        lines.append(f"| parquet, jsonl | `{column.name}` | {type_of(column)} | {column.doc} |")
    for column in PAIR_COLUMNS:
        lines.append(f"| parallel-tsv, tmx | `{column.name}` | {column.type} | {column.doc} |")
    return "\n".join(lines) + "\n"


class ExportError(Exception):
    """An export that cannot start (no records, a missing folder, an unknown format, an
    output folder that does not exist or cannot be written)."""


@dataclass
class ExportSummary:
    """What an export wrote."""

    format: str
    output: str
    records: int = 0
    rows: int = 0
    """Rows written: records (parquet, jsonl) or sentence pairs (parallel-tsv, tmx)."""
    flagged_left_out: int = 0
    """Sentence pairs left out because their translation was flagged, copies its source or
    holds no words."""
    not_in_index: int = 0
    """Records left out because index.jsonl does not list them (their input is gone)."""
    other_status: int = 0
    """Records left out because of their status."""
    duplicates: int = 0
    """Records left out because an earlier one had the same text_hash (dedup)."""
    corrupt: list[str] = field(default_factory=list)
    bytes: int = 0

    def text(self) -> str:
        what = "rows" if self.format in ("parquet", "jsonl") else "sentence pairs"
        line = (
            f"lingoflow: exported {self.records} records as {self.rows} {what} to "
            f"{self.output} ({self.format}, {self.bytes} bytes)"
        )
        left = [
            (self.flagged_left_out, "flagged or untranslated pairs (--include-flagged keeps them)"),
            (self.not_in_index, "records not in index.jsonl (their input is gone)"),
            (self.other_status, "records of another status"),
            (self.duplicates, "duplicate texts (--dedup)"),
        ]
        parts = [f"{count} {what_}" for count, what_ in left if count]
        if parts:
            line += "; left out: " + ", ".join(parts)
        return line


def record_paths(processed_dir: Path) -> list[Path]:
    """The record files of ``processed_dir``, sorted; ExportError when there are none."""
    if not processed_dir.is_dir():
        raise ExportError(f"not a directory: {processed_dir}")
    paths = record_files(processed_dir)
    if not paths:
        raise ExportError(f"no records in {processed_dir} (run lingoflow run first)")
    return paths


def indexed_ids(processed_dir: Path) -> set[str] | None:
    """The doc_ids ``index.jsonl`` lists, or None without a readable index (every record
    counts then; ``lingoflow validate`` names what is wrong with the index)."""
    try:
        data = read_regular(processed_dir / INDEX_NAME)
    except OSError as exc:
        raise ExportError(f"cannot read {processed_dir / INDEX_NAME}: {exc}") from exc
    if data is None:
        return None
    ids = set()
    for line in data.splitlines():
        try:
            ids.add(IndexEntry.model_validate_json(line).doc_id)
        except ValueError:
            return None  # a damaged index says nothing of what is current: every record counts
    return ids


def _writable_folder(output: Path) -> None:
    folder = output.parent
    if not folder.is_dir():
        raise ExportError(f"the output folder {folder} does not exist (create it first)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"the output folder {folder} cannot be written")


@contextmanager
def local_records(processed_dir: Path | str) -> Iterator[tuple[Path, list[str]]]:
    """A local folder with the records of ``processed_dir``, and the record files that could
    not be read: the folder itself, or for a folder in object storage a temporary copy of
    its record files and index.jsonl, read once (:data:`RECORDS_IN_MEMORY` at a time,
    concurrently) and removed afterwards."""
    location = folder(processed_dir)
    if isinstance(location, Path):
        yield location, []
        return
    unreadable: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lingoflow-records-") as tmp:
        try:
            names = [n for n in location.glob("*.json") if not n.startswith(".") and "/" not in n]
            if not names:
                raise ExportError(f"no records in {location} (run lingoflow run first)")
            for start in range(0, len(names), RECORDS_IN_MEMORY):
                chunk = names[start : start + RECORDS_IN_MEMORY]
                if not start:
                    chunk.append(INDEX_NAME)
                for name, data in location.read_many(chunk, limit=MAX_RECORD_BYTES).items():
                    if isinstance(data, OSError):
                        unreadable.append(f"{name}: {data}")
                    elif data is not None:
                        Path(tmp, name).write_bytes(data)
        except StorageError as exc:
            raise ExportError(str(exc)) from exc
        yield Path(tmp), unreadable


def export(
    processed_dir: Path | str,
    output: Path | str,
    fmt: str,
    *,
    include_flagged: bool = False,
    statuses: tuple[str, ...] = STATUSES,
    dedup: bool = False,
    source: str = "lingoflow",
) -> ExportSummary:
    """Export the records of ``processed_dir`` (a local folder or a URL: see
    :func:`local_records`) to ``output`` in format ``fmt``: a local path, or a URL
    (``s3://...``: made locally, then uploaded whole, see
    :mod:`~lingoflow.processors.core.storage`)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    unknown = set(statuses) - set(STATUSES)
    if unknown or not statuses:
        raise ExportError(f"statuses must be among {', '.join(STATUSES)}; got {statuses}")
    if is_url(str(processed_dir)):  # before reading the records: a wrong output fails fast
        _check_output(str(output))
    with local_records(processed_dir) as (records, unreadable):
        summary = _export_to(
            records,
            str(output),
            fmt=fmt,
            include_flagged=include_flagged,
            statuses=statuses,
            dedup=dedup,
            source=source,
        )
    summary.corrupt[:0] = unreadable
    return summary


def _check_output(target: str) -> None:
    """Raise ExportError when ``target`` cannot be written."""
    if not is_url(target):
        _writable_folder(local_path(target))
        return
    try:
        check_writable(remote(target))
    except StorageError as exc:
        raise ExportError(str(exc)) from exc


def _export_to(
    processed_dir: Path,
    target: str,
    *,
    fmt: str,
    include_flagged: bool,
    statuses: tuple[str, ...],
    dedup: bool,
    source: str,
) -> ExportSummary:
    run = functools.partial(
        _export,
        processed_dir,
        fmt=fmt,
        include_flagged=include_flagged,
        statuses=statuses,
        dedup=dedup,
        source=source,
    )
    if not is_url(target):
        return run(local_path(target))
    try:
        destination = remote(target)
        check_writable(destination)
        with tempfile.TemporaryDirectory(prefix="lingoflow-export-") as tmp:
            local = Path(tmp) / destination.name
            for path in destination.listing("*.features.json"):  # the folder's other exports
                destination.fetch(path, Path(tmp) / posixpath.basename(path))

            def present(name: str) -> bool:
                return name == local.name or destination.exists(destination.sibling(name))

            summary = run(local, present=present)
            if fmt != "tmx":  # the card and features first: the data file completes the set
                for name in (features_path(local).name, CARD):
                    destination.upload(Path(tmp) / name, destination.sibling(name))
            destination.upload(local, destination.path)
    except StorageError as exc:
        raise ExportError(str(exc)) from exc
    summary.output = target
    return summary


def _export(
    processed_dir: Path,
    output: Path,
    fmt: str,
    *,
    include_flagged: bool,
    statuses: tuple[str, ...],
    dedup: bool,
    source: str,
    present: Callable[[str], bool] | None = None,
) -> ExportSummary:
    paths = record_paths(processed_dir)
    _writable_folder(output)
    listed = indexed_ids(processed_dir)
    summary = ExportSummary(format=fmt, output=str(output))
    languages = pair_languages(paths)
    options = {
        "format": fmt,
        "statuses": ",".join(s for s in STATUSES if s in statuses),
        "dedup": str(dedup).lower(),
        "include_flagged": str(include_flagged).lower(),
        "source": source,
    }
    try:
        with atomic_file(output) as handle:
            records = _selected(
                iter_records(paths, summary.corrupt), summary, listed, statuses, dedup
            )
            if fmt == "parquet":
                summary.rows = _write_parquet(records, languages, source, options, handle)
            elif fmt == "jsonl":
                summary.rows = _write_jsonl(records, languages, source, handle, output)
            elif fmt == "parallel-tsv":
                summary.rows = _write_tsv(records, include_flagged, summary, handle)
            else:
                summary.rows = _write_tmx(records, include_flagged, summary, handle)
    except PermissionError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from exc
    summary.bytes = output.stat().st_size
    if fmt != "tmx":
        columns = document_columns(languages) if fmt in ("parquet", "jsonl") else PAIR_COLUMNS
        write_card(output, fmt, columns, options, present)
    return summary


def _selected(
    records: Iterator[Record],
    summary: ExportSummary,
    listed: set[str] | None,
    statuses: tuple[str, ...],
    dedup: bool,
) -> Iterator[Record]:
    """The records to export (every file is read, so that a corrupt one is always named)."""
    seen: set[str] = set()
    for record in records:
        if listed is not None and record.doc_id not in listed:
            summary.not_in_index += 1
            continue
        if record.status not in statuses:
            summary.other_status += 1
            continue
        if dedup:
            digest = text_hash(record)
            if digest in seen:
                summary.duplicates += 1
                continue
            seen.add(digest)
        summary.records += 1
        yield record


def pair_languages(paths: list[Path]) -> list[str]:
    """The languages of the records' pairs, in order of first appearance (a first pass that
    reads only each record's ``languages``)."""
    seen: dict[str, None] = {}
    for path in paths:
        try:
            data = json.loads(read_regular(path) or b"")
        except (OSError, ValueError, RecursionError):
            continue  # reported by the pass that exports
        languages = data.get("languages") if isinstance(data, dict) else None
        for lang in languages if isinstance(languages, list) else []:
            if isinstance(lang, str):
                seen.setdefault(lang, None)
    return list(seen)


def _body(record: Record) -> list[Segment]:
    return [s for s in record.segments if s.role != "notice"]


def body_text(record: Record, lang: str) -> str:
    """The record's body in ``lang``: every segment but notices that has text in it, one a
    line; "" when none has."""
    return "\n".join(s.text[lang] for s in _body(record) if lang in s.text)


def original_text(record: Record) -> str:
    """The body as written: each segment but notices in its own language, one a line."""
    return "\n".join(s.text.get(s.lang, "") for s in _body(record))


def text_hash(record: Record, text: str | None = None) -> str:
    """sha256 of the original body (``text`` when the caller has it already) normalised
    (NFKC, case folded, white space collapsed): the same text published twice, in two files
    or two encodings, has one hash."""
    body = original_text(record) if text is None else text
    folded = " ".join(unicodedata.normalize("NFKC", body).casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def machine_translated_share(record: Record, languages: list[str]) -> float:
    """Share of the characters of the body in ``languages`` that are machine-translated."""
    total = translated = 0
    for segment in _body(record):
        for lang in languages:
            size = len(segment.text.get(lang, ""))
            total += size
            if lang in segment.machine_translated:
                translated += size
    return round(translated / total, 6) if total else 0.0


def row(record: Record, languages: list[str], source: str = "lingoflow") -> dict[str, Any]:
    """One record as an export row (:func:`document_columns`, in order)."""
    meta = record.metadata
    text = original_text(record)  # once: the text column and its hash
    published = meta.published.isoformat() if meta.published is not None else ""
    out: dict[str, Any] = {
        "id": record.doc_id,
        "text": text,
        "source": source,
        "added": record.pipeline.processed_at.isoformat(),
        "created": published,
        "metadata": {
            "path": record.source.path,
            "sha256": record.source.sha256 or "",
            "status": record.status,
            "language": record.language,
            "title": meta.title or "",
            "url": meta.url or "",
        },
        "doc_id": record.doc_id,
        "path": record.source.path,
        "sha256": record.source.sha256 or "",
        "status": record.status,
        "error_codes": [e.code for e in record.errors],
        "language": record.language,
        "languages": list(record.languages),
        "title": meta.title or "",
        "published": published,
        "organisation": meta.organisation or "",
        "url": meta.url or "",
        "schema_version": record.schema_version,
        "lingoflow_version": record.pipeline.version,
        "text_hash": text_hash(record, text),
        "machine_translated_share": machine_translated_share(record, languages),
    }
    for lang in languages:
        out[f"text_{lang}"] = body_text(record, lang)
    out["segments"] = [_segment(s, languages) for s in record.segments]
    return out


def _segment(segment: Segment, languages: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": segment.index,
        "role": segment.role,
        "lang": segment.lang,
        "text": segment.text.get(segment.lang, ""),
    }
    for lang in languages:
        out[f"text_{lang}"] = segment.text.get(lang, "")
    out["machine_translated"] = list(segment.machine_translated)
    quality = {lang: segment.translation_quality.get(lang) for lang in languages}
    for lang in languages:
        q = quality[lang]
        out[f"score_{lang}"] = q.score if q is not None else None
    for lang in languages:
        q = quality[lang]
        out[f"flags_{lang}"] = list(q.flags) if q is not None else []
    for lang in languages:
        q = quality[lang]
        out[f"packages_{lang}"] = list(q.packages) if q is not None else []
    return out


def _arrow_type(type_: str | tuple[Column, ...]) -> Any:
    import pyarrow as pa

    if isinstance(type_, tuple):
        return pa.struct([(c.name, _arrow_type(c.type)) for c in type_])
    return {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
    }[type_]


def arrow_schema(languages: list[str]) -> Any:
    """The Parquet schema of rows for ``languages`` (fixed before the first row)."""
    import pyarrow as pa

    fields = []
    for column in document_columns(languages):
        type_ = _arrow_type(column.type)
        if column.name == "segments":
            type_ = pa.list_(type_)
        fields.append(pa.field(column.name, type_, nullable=column.name != "id"))
    return pa.schema(fields)


def hf_features(columns: tuple[Column, ...]) -> dict[str, Any]:
    """The Hugging Face ``datasets`` features of ``columns`` (as the card's YAML holds them)."""

    def feature(column: Column) -> Any:
        if isinstance(column.type, tuple):
            inner = {c.name: feature(c) for c in column.type}
            return [inner] if column.name == "segments" else inner
        if column.type == "list<string>":
            return {"list": "string"}
        return {"dtype": column.type}

    return {c.name: feature(c) for c in columns}


def _write_parquet(
    records: Iterator[Record],
    languages: list[str],
    source: str,
    options: dict[str, str],
    handle: IO[bytes],
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(languages).with_metadata(
        {
            "lingoflow_version": __version__,
            "record_schema_version": SCHEMA_VERSION,
            "export_version": EXPORT_VERSION,
            "languages": ",".join(languages),
            **{f"export_{k}": v for k, v in options.items()},
        }
    )
    count = 0
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        chunk: list[dict[str, Any]] = []
        for record in records:
            chunk.append(row(record, languages, source))
            if len(chunk) >= ROWS_PER_GROUP:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                count += len(chunk)
                chunk = []
        if chunk or not count:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            count += len(chunk)
    return count


def _write_jsonl(
    records: Iterator[Record], languages: list[str], source: str, handle: IO[bytes], output: Path
) -> int:
    count = 0
    # mtime 0 and no file name in the gzip header: the same records give the same bytes
    compress = output.name.endswith(".gz")
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0)
        if compress
        else contextlib.nullcontext(handle)
    ) as stream:
        for record in records:
            data = row(record, languages, source)
            stream.write(json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n")
            count += 1
    return count


@dataclass(frozen=True)
class SentencePair:
    """One source sentence and its machine translation, with where it comes from."""

    source_lang: str
    target_lang: str
    source: str
    target: str
    doc_id: str
    segment: int
    sentence: int
    role: str
    score: float | None
    flags: tuple[str, ...]
    packages: tuple[str, ...]

    @property
    def pair_id(self) -> str:
        return f"{self.doc_id}:{self.segment}:{self.sentence}:{self.target_lang}"


def pair_flags(source: str, target: str) -> tuple[str, ...]:
    """Flags of one pair: ``untranslated`` when the translation only copies its source,
    ``no_text`` when the source holds no letter (numbers, dates, punctuation, markers).

    >>> pair_flags("[3]", "[3]"), pair_flags("2021. 5. 3.", "May 3, 2021"), pair_flags("Hi", "안녕")
    (('untranslated', 'no_text'), ('no_text',), ())
    """
    flags = []
    if " ".join(source.split()) == " ".join(target.split()):
        flags.append("untranslated")
    if not _WORD.search(source):
        flags.append("no_text")
    return tuple(flags)


def sentence_pairs(
    record: Record, include_flagged: bool, summary: ExportSummary | None = None
) -> Iterator[SentencePair]:
    """The sentence pairs of a record's machine translations (see the module docstring)."""
    for segment in record.segments:
        if segment.role == "notice":
            continue
        original = segment.text.get(segment.lang, "")
        sources = [original[a:b] for a, b in segment.sentences if original[a:b].strip()]
        sources = sources or ([original] if original.strip() else [])
        for target in sorted(segment.machine_translated):
            translation = segment.text.get(target, "")
            quality = segment.translation_quality.get(target)
            flags = tuple(quality.flags) if quality is not None else ()
            spans = segment.translation_sentences.get(target)
            if spans is not None and len(spans) == len(sources):
                targets = [translation[a:b] for a, b in spans]
                pairs = list(zip(sources, targets, strict=True))
            else:  # a record made before 1.5.0: the whole segment is one pair
                pairs = [(original, translation)]
            pairs = [(s, t) for s, t in pairs if s.strip() and t.strip()]
            for k, (source, text) in enumerate(pairs):
                pair = SentencePair(
                    source_lang=segment.lang,
                    target_lang=target,
                    source=source,
                    target=text,
                    doc_id=record.doc_id,
                    segment=segment.index,
                    sentence=k,
                    role=segment.role,
                    score=quality.score if quality is not None else None,
                    flags=tuple(dict.fromkeys((*flags, *pair_flags(source, text)))),
                    packages=tuple(quality.packages) if quality is not None else (),
                )
                if pair.flags and not include_flagged:
                    if summary is not None:
                        summary.flagged_left_out += 1
                    continue
                yield pair


def pair_cells(pair: SentencePair) -> list[str]:
    """A pair's values in :data:`PAIR_COLUMNS` order, as text."""
    return [
        pair.pair_id,
        pair.source_lang,
        pair.target_lang,
        pair.source,
        pair.target,
        pair.doc_id,
        str(pair.segment),
        str(pair.sentence),
        pair.role,
        "" if pair.score is None else repr(pair.score),
        ",".join(pair.flags),
        ",".join(pair.packages),
        "true",
    ]


def _write_tsv(
    records: Iterator[Record], include_flagged: bool, summary: ExportSummary, handle: IO[bytes]
) -> int:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name for c in PAIR_COLUMNS])
    count = 0
    for record in records:
        for pair in sentence_pairs(record, include_flagged, summary):
            writer.writerow(pair_cells(pair))
            count += 1
    text.flush()
    text.detach()
    return count


CARD = "README.md"
"""The dataset card lingoflow writes next to its exports."""


def features_path(output: Path) -> Path:
    return output.with_name(output.name + ".features.json")


def write_card(
    output: Path,
    fmt: str,
    columns: tuple[Column, ...],
    options: dict[str, str],
    present: Callable[[str], bool] | None = None,
) -> None:
    """Write ``output``'s features beside it and the folder's dataset card, which lists every
    export of the folder that has its features file; ``present`` tells whether a data file
    is there (default: beside ``output``; an uploaded export asks its bucket)."""
    described = {
        "file": output.name,
        "format": fmt,
        "features": hf_features(columns),
        "columns": [
            [c.name, c.type if isinstance(c.type, str) else "struct", c.doc] for c in columns
        ],
        "options": options,
        "lingoflow_version": __version__,
        "record_schema_version": SCHEMA_VERSION,
        "export_version": EXPORT_VERSION,
    }
    with atomic_file(features_path(output)) as handle:
        handle.write(json.dumps(described, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
    exports = []
    for path in sorted(output.parent.glob("*.features.json")):
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text(encoding="utf-8"))
            found = present(data["file"]) if present else (output.parent / data["file"]).is_file()
            if found:
                exports.append(data)
    with atomic_file(output.parent / CARD) as handle:
        handle.write(_card(exports).encode("utf-8"))


def _config_name(file: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", file.lower()).strip("_")


def _card(exports: list[dict[str, Any]]) -> str:
    """A Hugging Face dataset card: one config an export, its data file and features."""
    lines = ["---", "configs:"]
    for k, data in enumerate(exports):
        lines.append(f"- config_name: {_config_name(data['file'])}")
        lines.append(f"  data_files: {json.dumps(data['file'])}")
        if data["format"] == "parallel-tsv":
            lines.append('  sep: "\\t"')
        if k == 0:
            lines.append("  default: true")
    lines.append("dataset_info:")
    for data in exports:
        lines.append(f"- config_name: {_config_name(data['file'])}")
        lines.append("  features:")
        lines.extend(_yaml_features(data["features"], "  "))
    lines += ["---", "", "# lingoflow exports", ""]
    lines.append(
        "Written by lingoflow; load with `datasets.load_dataset(<this folder>, <config>)`, "
        "or read each file with pandas, polars, pyarrow or DuckDB. A string lingoflow does "
        'not know is `""`; dates are ISO 8601 strings.'
    )
    for data in exports:
        lines += ["", f"## {data['file']} ({data['format']})", ""]
        lines.append("| column | type | holds |")
        lines.append("|---|---|---|")
        lines += [f"| `{name}` | {type_} | {doc} |" for name, type_, doc in data["columns"]]
    return "\n".join(lines) + "\n"


def _yaml_features(features: dict[str, Any], indent: str) -> list[str]:
    """Features in the card's YAML form (``- name: x`` then ``dtype``, ``list`` or ``struct``)."""
    out = []
    for name, value in features.items():
        out.append(f"{indent}- name: {name}")
        out.extend(_yaml_feature(value, indent + "  "))
    return out


def _yaml_feature(value: Any, indent: str) -> list[str]:
    if isinstance(value, list):  # a list of structs
        return [f"{indent}list:", *_yaml_features(value[0], indent + "  ")]
    if "list" in value:
        return [f"{indent}list: {value['list']}"]
    if "dtype" in value:
        return [f"{indent}dtype: {value['dtype']}"]
    return [f"{indent}struct:", *_yaml_features(value, indent + "  ")]


def _xml_text(value: str) -> str:
    return escape(_XML_INVALID.sub("", value))


def _write_tmx(
    records: Iterator[Record], include_flagged: bool, summary: ExportSummary, handle: IO[bytes]
) -> int:
    handle.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        f'  <header creationtool="lingoflow" creationtoolversion={quoteattr(__version__)} '
        'datatype="plaintext" segtype="sentence" adminlang="en" srclang="*all*" '
        'o-tmf="lingoflow-record"/>\n  <body>\n'.encode()
    )
    count = 0
    names = [c.name for c in PAIR_COLUMNS]
    for record in records:
        for pair in sentence_pairs(record, include_flagged, summary):
            values = dict(zip(names, pair_cells(pair), strict=True))
            unit = [
                f"    <tu tuid={quoteattr(pair.pair_id)} srclang={quoteattr(pair.source_lang)}>"
            ]
            unit += [
                f'      <prop type="x-{name}">{_xml_text(values[name])}</prop>'
                for name in names[5:]
                if values[name]
            ]
            for lang, text in ((pair.source_lang, pair.source), (pair.target_lang, pair.target)):
                unit.append(
                    f"      <tuv xml:lang={quoteattr(lang)}><seg>{_xml_text(text)}</seg></tuv>"
                )
            unit.append("    </tu>\n")
            handle.write("\n".join(unit).encode("utf-8"))
            count += 1
    handle.write(b"  </body>\n</tmx>\n")
    return count
