"""Datasets from the records, for the teams downstream.

One JSON file per document is the contract; corpora are loaded with pyarrow, pandas, DuckDB or
Hugging Face ``datasets``, and translators exchange sentence pairs as TSV and TMX. Formats:

``parquet`` / ``jsonl`` (``.jsonl.gz`` compresses)
    One row per record: ``doc_id``, ``path``, ``sha256``, ``status``, ``language``,
    ``languages``, ``title``, ``published`` (a date), ``organisation``, ``url``,
    ``schema_version``, then ``text_<lang>`` for each language of the pairs (the body in that
    language: every segment but notices that has text in it, original or translated, one
    paragraph a line pair), and ``segments``, a list of ``{index, role, lang, text,
    text_<lang>..., machine_translated, flags_<lang>..., score_<lang>...}``. Every row has
    every column, null where a record has no value, with the same types throughout (the
    schema is fixed before the first row is written). Parquet is zstd-compressed, written in
    row groups of :data:`ROWS_PER_GROUP` records.
``parallel-tsv`` / ``tmx``
    Sentence pairs from the machine translations: for each segment (notices left out) and
    each language it was translated into, its sentences (``sentences``) paired with their
    translations (``translation_sentences``, schema 1.5.0; records made before pair whole
    segments). TSV columns: ``source_lang, target_lang, source, target, doc_id, segment,
    sentence, machine_translated, flags``; TMX 1.4b with ``srclang`` per unit and ``<prop>``s
    for the provenance. Pairs whose translation the quality checks flagged are left out
    unless ``include_flagged`` (their count is reported).

Exports stream: memory does not grow with the number of records. The output is written
beside its place and renamed (atomic), from the records sorted by file name, without
timestamps, so the same records give the same bytes (idempotent). A corrupt record is
reported and left out, never silently.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, get_args
from xml.sax.saxutils import escape, quoteattr

from lingoflow.processors import __version__
from lingoflow.processors.core.config import ExportFormat
from lingoflow.processors.core.record import Record, Segment
from lingoflow.processors.output.records import iter_records, read_regular, record_files
from lingoflow.processors.output.writer import atomic_file

FORMATS: tuple[str, ...] = get_args(ExportFormat)
ROWS_PER_GROUP = 256
TSV_COLUMNS = tuple(
    """source_lang target_lang source target doc_id segment sentence machine_translated
    flags""".split()
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportError(Exception):
    """An export that cannot start (no records, a missing folder, an unknown format)."""


@dataclass
class ExportSummary:
    """What an export wrote."""

    format: str
    output: str
    records: int = 0
    rows: int = 0
    """Rows written: records (parquet, jsonl) or sentence pairs (parallel-tsv, tmx)."""
    flagged_left_out: int = 0
    """Sentence pairs left out because their translation was flagged."""
    corrupt: list[str] = field(default_factory=list)
    bytes: int = 0

    def text(self) -> str:
        what = "rows" if self.format in ("parquet", "jsonl") else "sentence pairs"
        line = (
            f"lingoflow: exported {self.records} records as {self.rows} {what} to "
            f"{self.output} ({self.format}, {self.bytes} bytes)"
        )
        if self.flagged_left_out:
            line += (
                f"; {self.flagged_left_out} flagged pairs left out (--include-flagged keeps them)"
            )
        return line


def record_paths(processed_dir: Path) -> list[Path]:
    """The record files of ``processed_dir``, sorted; ExportError when there are none."""
    if not processed_dir.is_dir():
        raise ExportError(f"not a directory: {processed_dir}")
    paths = record_files(processed_dir)
    if not paths:
        raise ExportError(f"no records in {processed_dir} (run lingoflow run first)")
    return paths


def export(
    processed_dir: Path,
    output: Path,
    fmt: str,
    *,
    include_flagged: bool = False,
) -> ExportSummary:
    """Export the records of ``processed_dir`` to ``output`` in format ``fmt``."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    paths = record_paths(processed_dir)
    summary = ExportSummary(format=fmt, output=str(output))
    languages = pair_languages(paths) if fmt in ("parquet", "jsonl") else []
    with atomic_file(output) as handle:
        records = _counted(iter_records(paths, summary.corrupt), summary)
        if fmt == "parquet":
            summary.rows = _write_parquet(records, languages, handle)
        elif fmt == "jsonl":
            summary.rows = _write_jsonl(records, languages, handle, output)
        elif fmt == "parallel-tsv":
            summary.rows = _write_tsv(records, include_flagged, summary, handle)
        else:
            summary.rows = _write_tmx(records, include_flagged, summary, handle)
    summary.bytes = output.stat().st_size
    return summary


def _counted(records: Iterator[Record], summary: ExportSummary) -> Iterator[Record]:
    for record in records:
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


def body_text(record: Record, lang: str) -> str | None:
    """The record's body in ``lang``: every segment but notices that has text in it, one a
    line; None when none has."""
    parts = [s.text[lang] for s in record.segments if s.role != "notice" and lang in s.text]
    return "\n".join(parts) if parts else None


def row(record: Record, languages: list[str]) -> dict[str, Any]:
    """One record as an export row (see the module docstring)."""
    meta = record.metadata
    out: dict[str, Any] = {
        "doc_id": record.doc_id,
        "path": record.source.path,
        "sha256": record.source.sha256,
        "status": record.status,
        "language": record.language,
        "languages": list(record.languages),
        "title": meta.title,
        "published": meta.published,
        "organisation": meta.organisation,
        "url": meta.url,
        "schema_version": record.schema_version,
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
        out[f"text_{lang}"] = segment.text.get(lang)
    out["machine_translated"] = list(segment.machine_translated)
    for lang in languages:
        quality = segment.translation_quality.get(lang)
        out[f"flags_{lang}"] = list(quality.flags) if quality is not None else None
        out[f"score_{lang}"] = quality.score if quality is not None else None
    return out


def arrow_schema(languages: list[str]) -> Any:
    """The Parquet schema of rows for ``languages`` (fixed before the first row)."""
    import pyarrow as pa

    string = pa.string()
    segment = pa.struct(
        [
            ("index", pa.int32()),
            ("role", string),
            ("lang", string),
            ("text", string),
            *((f"text_{lang}", string) for lang in languages),
            ("machine_translated", pa.list_(string)),
            *((f"flags_{lang}", pa.list_(string)) for lang in languages),
            *((f"score_{lang}", pa.float64()) for lang in languages),
        ]
    )
    return pa.schema(
        [
            pa.field("doc_id", string, nullable=False),
            ("path", string),
            ("sha256", string),
            ("status", string),
            ("language", string),
            ("languages", pa.list_(string)),
            ("title", string),
            ("published", pa.date32()),
            ("organisation", string),
            ("url", string),
            ("schema_version", string),
            *((f"text_{lang}", string) for lang in languages),
            ("segments", pa.list_(segment)),
        ]
    )


def _write_parquet(records: Iterator[Record], languages: list[str], handle: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(languages)
    count = 0
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        chunk: list[dict[str, Any]] = []
        for record in records:
            chunk.append(row(record, languages))
            if len(chunk) >= ROWS_PER_GROUP:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                count += len(chunk)
                chunk = []
        if chunk or not count:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            count += len(chunk)
    return count


def _write_jsonl(
    records: Iterator[Record], languages: list[str], handle: IO[bytes], output: Path
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
            data = row(record, languages)
            if data["published"] is not None:
                data["published"] = data["published"].isoformat()
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
    flags: tuple[str, ...]


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
            if flags and not include_flagged:
                if summary is not None:
                    summary.flagged_left_out += len(pairs)
                continue
            for k, (source, text) in enumerate(pairs):
                yield SentencePair(
                    segment.lang,
                    target,
                    source.strip(),
                    text.strip(),
                    record.doc_id,
                    segment.index,
                    k,
                    flags,
                )


def _tsv_cell(value: str) -> str:
    return " ".join(value.replace("\t", " ").split())


def _write_tsv(
    records: Iterator[Record], include_flagged: bool, summary: ExportSummary, handle: IO[bytes]
) -> int:
    handle.write(("\t".join(TSV_COLUMNS) + "\n").encode("utf-8"))
    count = 0
    for record in records:
        for pair in sentence_pairs(record, include_flagged, summary):
            cells = (
                pair.source_lang,
                pair.target_lang,
                _tsv_cell(pair.source),
                _tsv_cell(pair.target),
                pair.doc_id,
                str(pair.segment),
                str(pair.sentence),
                "true",
                ",".join(pair.flags),
            )
            handle.write(("\t".join(cells) + "\n").encode("utf-8"))
            count += 1
    return count


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
    for record in records:
        for pair in sentence_pairs(record, include_flagged, summary):
            props = [
                ("x-doc_id", pair.doc_id),
                ("x-segment", str(pair.segment)),
                ("x-sentence", str(pair.sentence)),
                ("x-machine_translated", pair.target_lang),
            ]
            if pair.flags:
                props.append(("x-flags", ",".join(pair.flags)))
            unit = [f"    <tu srclang={quoteattr(pair.source_lang)}>"]
            unit += [f'      <prop type="{k}">{_xml_text(v)}</prop>' for k, v in props]
            for lang, text in ((pair.source_lang, pair.source), (pair.target_lang, pair.target)):
                unit.append(
                    f"      <tuv xml:lang={quoteattr(lang)}><seg>{_xml_text(text)}</seg></tuv>"
                )
            unit.append("    </tu>\n")
            handle.write("\n".join(unit).encode("utf-8"))
            count += 1
    handle.write(b"  </body>\n</tmx>\n")
    return count
