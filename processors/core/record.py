"""The record: the one JSON document lingoflow writes per input file.

This module is the single definition of the output contract. ``schema/record.schema.json``
is generated from :class:`Record` (``lingoflow schema``) and a test fails when the two drift.

Versioning follows semver on the *schema*, not the package:

* patch: documentation of fields changes, nothing a reader could notice;
* minor: optional fields or new enum values are added (old readers keep working);
* major: a field is removed, renamed or changes type.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION: Final = "1.7.0"
SCHEMA_ID = "https://lingoflow.dev/schema/record/1.7.0/record.schema.json"
SchemaVersion = Literal["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "1.6.0", "1.7.0"]
"""Versions a record may carry: minor versions only add fields, so older records still load."""

Status = Literal["ok", "partial", "failed"]
Stage = Literal["ingest", "decode", "repair", "clean", "detect", "translate", "write"]
Role = Literal[
    "title",
    "subtitle",
    "heading",
    "paragraph",
    "list_item",
    "footnote",
    "caption",
    "notice",
    "metadata",
]
LangCode = Annotated[str, StringConstraints(pattern=r"^([a-z]{2,3}|und)$")]
"""ISO 639-1 code (639-3 where no two-letter code exists), or ``und`` when undetermined."""


Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
"""A stable machine-readable code: lower case, digits and underscores."""

ERROR_CODES: dict[str, str] = {
    "outside_root": "the path is a link that resolves outside the raw directory; not read",
    "unreadable": "the file could not be read: a link loop or a dangling link, an OS error",
    "not_a_file": "a directory, device, socket or pipe, not a regular file",
    "too_large": "the file is over the size limit (not read), or an archive would expand "
    "beyond it (not expanded)",
    "empty": "the file is empty",
    "not_text": "binary content of a format lingoflow does not read (images, archives, ...)",
    "undecodable_bytes": "bytes that could not be decoded were replaced with U+FFFD",
    "encrypted": "a document that needs a password (lingoflow does not decrypt documents)",
    "corrupt_document": "a damaged PDF, DOCX or HWPX file",
    "no_text_layer": "a PDF without text (a scan: OCR is not part of lingoflow)",
    "unsupported_format": "an HWP 5 (binary .hwp) document: save it as HWPX or PDF",
    "missing_model": "no installed translation package for a pair: those segments keep their "
    "original text only",
    "translation_rejected": "a flagged translation left out (reject_flagged): the segment "
    "keeps its original only",
    "markup_too_deep": "an HTML page nested deeper than parsers read: text standing deeper "
    "is missing (record partial)",
    "garbled_text": "the text as read looks garbled (the message names the measure: cells in "
    "prose, split words, single letters, unknown words, unmapped characters); the record is "
    "partial, its text kept as read",
    "too_slow": "the document took longer than its time budget (document_timeout); it is "
    "tried again on the next run",
    "internal_error": "an unexpected error in one of lingoflow's steps, named in the message; "
    "the other documents are not affected (please report it)",
}
"""Every error code a record may carry, and what it means: a record with errors is partial
(usable) or failed (no content)."""
WARNING_CODES: dict[str, str] = {
    "no_content": "nothing but navigation or page chrome was found",
    "repaired": "mojibake was repaired: which kind, on how many lines",
    "repair_uncertain": "text left unrepaired, and why",
    "misleading_name": "the file name promises another format than the content, which decided",
    "undecodable_name": "the file name is not UTF-8: source.path writes its other bytes as \\xNN",
    "large_page": "an HTML page with more elements than trafilatura_max_elements, read with "
    "the blocks extractor (trafilatura's work grows faster than the page)",
    "extracted_fragment": "trafilatura kept a fragment of an HTML page (a small share of what "
    "its visible text keeps, cleaned as text): the page was read as text",
    "extractor_fallback": "the blocks extractor found no article on an HTML page (it kept a "
    "small share of the visible words, or the parser stopped at its depth limit or found no "
    "text): the page was read with trafilatura",
}
"""Every warning code: facts worth knowing that leave the record ok."""
REMOVAL_REASONS: dict[str, str] = {
    "word_bookmark": "a Word bookmark left in copied text (`[bookmark: _GoBack]`)",
    "markup": "a line without a letter or digit (`---`, `* * *`)",
    "navigation": "skip links, menu commands and menus before the body",
    "breadcrumb": "a breadcrumb trail (`Home > News`)",
    "section_label": "a line repeating a breadcrumb or menu item",
    "empty_label": "a metadata label without its value (`Division name`)",
    "copyright": "a copyright footer",
    "share_widget": "share and print buttons",
    "call_to_action": "`Related articles`, subscription prompts",
    "post_meta": "a blog post's filing line and comment prompts (`Leave a reply`)",
    "repeated": "a short line repeated across most documents of the same folder",
    "boilerplate": "what the learned classifier found to be page chrome",
    "running_header": "a running header of an office document",
    "running_footer": "a running footer of an office document",
    "page_number": "a page number of an office document",
    "off_page": "text of a PDF page outside its visible area (its crop box)",
    "rotated_text": "text of a PDF page set at an angle to the page's text (a watermark)",
}
"""Every reason cleaning gives for text it removed."""


class _Model(BaseModel):
    """The record's parts: no field beyond those declared; each field's meaning is the
    docstring under it, which the JSON Schema carries as its description."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class ErrorInfo(_Model):
    """One problem met while processing a document."""

    stage: Stage
    """Pipeline stage that reported the problem."""
    code: Code
    """Stable machine-readable code, e.g. outside_root, too_large, not_text, unreadable,
    undecodable_bytes, encrypted, corrupt_document, no_text_layer, unsupported_format,
    missing_model, translation_rejected."""
    message: str
    """Human-readable explanation."""


class Source(_Model):
    """Where the record comes from. Nothing here is read from outside the raw directory."""

    path: str
    """POSIX path of the input, relative to the raw directory."""
    sha256: str | None = Field(pattern=r"^[0-9a-f]{64}$")
    """SHA-256 of the input bytes; null when the bytes were not read (for example a link pointing
    outside the raw directory)."""
    bytes: int | None = Field(ge=0)
    """Size of the input in bytes; null when not read."""
    media_type: str | None
    """Media type recognised from the content: text/plain, text/html, application/pdf,
    application/vnd.openxmlformats-officedocument.wordprocessingml.document (DOCX),
    application/hwp+zip (HWPX) or application/x-hwp (HWP 5, refused; since 1.5.0); null when not
    recognised."""
    encoding: str | None
    """Character encoding the bytes were decoded with (Python codec name, e.g. utf-8, utf-8-sig,
    utf-16, cp949); null when not decoded."""
    encoding_confidence: float | None = Field(ge=0.0, le=1.0)
    """Confidence in the encoding, 0-1: 1.0 for a BOM or a strict UTF-8 decode, 0.95 for a declared
    charset that decodes cleanly, the detector's score otherwise."""


class Contact(_Model):
    """A contact person or office named by the document."""

    name: str | None = None
    """Person or office name."""
    phone: str | None = None
    """Phone number as written."""
    email: str | None = None
    """E-mail address."""
    division: str | None = None
    """Division or department."""


TitleSource = Literal["html", "document_properties", "title_style", "layout", "text"]
"""Where a title was found: ``html``, the page's metadata and headline as the HTML extractor
reads them; ``document_properties``, the file's Title property (PDF, DOCX); ``title_style``, a
paragraph in Word's Title style; ``layout``, the largest type on the first page (PDF, DOCX,
HWPX), release labels and agency names aside; ``text``, the first heading-like line of the
text."""


class Metadata(_Model):
    """Document-level metadata found in the document itself (never invented)."""

    title: str | None = None
    """Main title."""
    title_source: TitleSource | None = None
    """Where the title was found (see the schema's description of the values): html,
    document_properties, title_style, layout, text; null without a title. Added in 1.6.0."""
    subtitle: str | None = None
    """Subtitle or deck, if any."""
    published: date | None = None
    """Publication date (ISO 8601 calendar date) or null."""
    authors: list[str] = Field(default_factory=list)
    """Bylines, as written."""
    organisation: str | None = None
    """Publishing organisation or site name."""
    contact: Contact | None = None
    """Press contact, if given."""
    url: str | None = None
    """Canonical or homepage URL."""
    declared_language: str | None = None
    """Language the page declares (HTML lang attribute), as written; the detected language is
    ``record.language``. Added in 1.2.0."""


class Segment(_Model):
    """One unit of content in reading order."""

    index: int = Field(ge=0)
    """Position in reading order, from 0, without gaps."""
    role: Role
    """Structural role of the segment."""
    lang: LangCode
    """Language of the original text."""
    lang_confidence: float = Field(ge=0.0, le=1.0)
    """Confidence in ``lang``, 0-1. Values below 0.5 mean the language was inherited from the
    neighbours or the document rather than detected."""
    text: dict[LangCode, str]
    """The original under its own language and, when translated, a translation under each other
    language of the pair."""
    machine_translated: list[LangCode] = Field(default_factory=list)
    """Languages in ``text`` that are machine translations."""
    other_langs: list[LangCode] = Field(default_factory=list)
    """Other languages with a real share (15 % or more) of a mixed-language segment, e.g. a Korean
    sentence quoting English. Added in 1.1.0."""
    level: int | None = Field(None, ge=0)
    """Nesting level of a list item (0 = top level); null for other roles."""
    marker: str | None = None
    """Footnote marker (e.g. '*', '**', '※') of a footnote, or the bullet or number of a list item
    ('□', 'ㅇ', '▸', '1.'), as written; the text excludes it."""
    footnote_of: int | None = Field(None, ge=0)
    """For a footnote: index of the segment whose text carries its marker (e.g. 'Neutrality*');
    null when no segment does. Added in 1.2.0."""
    sentences: list[tuple[int, int]] = Field(default_factory=list)
    """Sentence spans [start, end) as character offsets into the original text."""
    translation_sentences: dict[LangCode, list[tuple[int, int]]] = Field(default_factory=dict)
    """For each machine-translated language: the span [start, end) of the translation of each
    sentence of ``sentences`` (counted as the sentence splitter counts them: spans of blank text
    left out), in the same order, so sentence pairs can be read off; an empty span where a
    sentence's translation is empty. Added in 1.5.0."""
    translation_quality: dict[LangCode, TranslationQuality] = Field(default_factory=dict)
    """For each machine-translated language: the model's score, the problems found and the glossary
    terms used; also for a translation rejected because it was flagged (then absent from
    ``text``). Added in 1.4.0."""


QualityFlag = Literal["untranslated", "repetition", "length_ratio", "number_mismatch", "truncated"]
"""What can be wrong with a machine translation (see
:mod:`lingoflow.processors.translate.quality`)."""


class TranslationQuality(_Model):
    """How far one machine translation of a segment can be trusted without reading it."""

    score: float | None
    """The model's length-normalised log-probability of the translation, mean over its sentences
    (summed over the two models of a route through English); 0 is certain, below about -1.5 is
    doubtful; null when unknown."""
    flags: list[QualityFlag]
    """Problems found: untranslated (the output is in the source language or script, or equals the
    input), repetition (a word or phrase looping), length_ratio (length outside the band
    expected for the pair), number_mismatch (numbers or protected spans lost or added),
    truncated (the output reached the decoding bound)."""
    glossary: list[str] = Field(default_factory=list)
    """Source terms of the glossary entries the translation was made to use (do-not-translate terms
    included), in order of first appearance. Added in 1.5.0."""
    rejected: bool = Field(False)
    """True when the translation was flagged and left out of the record (reject_flagged): the
    segment's ``text`` keeps the original only, and the record's errors hold a
    translation_rejected entry for it. Added in 1.5.0."""
    packages: list[str] = Field(default_factory=list)
    """The translation packages that made it, in the order they ran (two for a route through
    English), each as ``argos:<from>_<to>@<version>``. Added in 1.7.0."""


class Removed(_Model):
    """Text that cleaning removed, and why."""

    text: str
    """The removed text, as it stood after decoding and repair."""
    reason: Code
    """Stable reason code, e.g. navigation, breadcrumb, empty_label, word_bookmark, copyright,
    share_widget, markup, running_header, running_footer, page_number, off_page,
    rotated_text."""


class Pipeline(_Model):
    """How the record was made."""

    name: Literal["lingoflow"] = "lingoflow"
    version: str
    """lingoflow version that wrote the record."""
    processed_at: datetime
    """When the record was made (UTC, ISO 8601)."""
    flow_run_id: str | None = None
    """Prefect flow run that made the record; null outside Prefect."""
    settings_digest: str = Field(pattern=r"^[0-9a-f]{16}$")
    """Digest of every setting that changes the output; with source.sha256 and version it decides
    whether an unchanged input is skipped on the next run."""


class Record(_Model):
    """The bilingual JSON record written for one input file."""

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        title="lingoflow record",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    schema_version: SchemaVersion = SCHEMA_VERSION
    """Version of the schema the record was written with (semver; minor versions only add
    fields)."""
    doc_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,80}-[0-9a-f]{12}$")
    """Stable id of the input: slug of its relative path plus a hash of it."""
    status: Status
    """ok: fully processed; partial: processed with problems listed in errors; failed: no content
    could be produced, errors says why."""
    errors: list[ErrorInfo] = Field(default_factory=list)
    warnings: list[ErrorInfo] = Field(default_factory=list)
    """Facts worth knowing that leave the record ok, e.g. no_content (the document holds no text
    content: only navigation, say), repaired (which mojibake was repaired, on how many lines),
    repair_uncertain (text left unrepaired, and why), misleading_name (the file name promises
    another format than the content). Added in 1.3.0."""
    source: Source
    metadata: Metadata = Field(default_factory=Metadata)
    languages: list[LangCode] = Field(min_length=1)
    """The configured language pair (or set); every segment is translated into each."""
    language: LangCode
    """Primary language of the document body."""
    language_shares: dict[LangCode, float] = Field(default_factory=dict)
    """Share of body characters per language (notices excluded), summing to 1."""
    segments: list[Segment] = Field(default_factory=list)
    removed: list[Removed] = Field(default_factory=list)
    pipeline: Pipeline


class IndexEntry(_Model):
    """One line of ``index.jsonl``: a summary of one record."""

    doc_id: str
    path: str
    status: Status
    language: LangCode
    segments: int
    errors: list[str]
    """Error codes of the record."""
    sha256: str | None
    title: str | None = None
    """The record's title, if any."""
    problems: list[str] = Field(default_factory=list)
    """Each error as 'code: what', the message's first clause (e.g. 'missing_model: no Argos
    Translate package for ko→en')."""


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Record` (draft 2020-12), as committed in ``schema/``."""
    schema: dict[str, Any] = _folded(Record.model_json_schema(mode="serialization"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _folded(schema: Any) -> Any:
    """``schema`` with each description on one line, as a JSON document reads best.

    >>> _folded({"description": "two\\n  lines", "items": [{"description": "a  b"}]})
    {'description': 'two lines', 'items': [{'description': 'a b'}]}
    """
    if isinstance(schema, dict):
        return {
            k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _folded(v)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_folded(v) for v in schema]
    return schema


def field_table() -> str:
    """Every field of the record, nested ones included, as a markdown table of its path, its
    type and its description, in the order of the JSON Schema (docs/record.md holds it)."""
    schema = record_json_schema()
    rows = ["| field | type | meaning |", "|---|---|---|"]

    def visit(properties: dict[str, Any], required: list[str], prefix: str) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            kind, nested = _kind(spec, schema["$defs"])
            optional = "" if name in required else ", optional"
            text = spec.get("description") or (nested or {}).get("description", "")
            text = text.replace("|", "\\|")
            rows.append(f"| `{path}` | {kind}{optional} | {text} |")
            if nested is not None:
                suffix = "[]." if kind.startswith("list") else "{lang}." if "{" in kind else "."
                visit(nested.get("properties", {}), nested.get("required", []), path + suffix)

    visit(schema["properties"], schema.get("required", []), "")
    return "\n".join(rows) + "\n"


def _kind(spec: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """A property's type in words, and the object schema it holds, if any."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return "object", defs[name]
    if "anyOf" in spec:
        kinds = [_kind(s, defs) for s in spec["anyOf"]]
        nested = next((n for _, n in kinds if n is not None), None)
        return " or ".join(k for k, _ in kinds), nested
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"]), None
    if "const" in spec:
        return f"`{spec['const']}`", None
    kind = spec.get("type", "any")
    if kind == "array":
        if "prefixItems" in spec:
            return f"[{', '.join(_kind(s, defs)[0] for s in spec['prefixItems'])}]", None
        inner, nested = _kind(spec.get("items", {}), defs)
        return f"list of {inner}", nested
    if kind == "object" and "patternProperties" in spec:
        inner, nested = _kind(next(iter(spec["patternProperties"].values())), defs)
        return f"{{lang: {inner}}}", nested
    if kind == "object" and "additionalProperties" in spec:
        inner, nested = _kind(spec["additionalProperties"], defs)
        return f"{{key: {inner}}}", nested
    if kind == "string" and "format" in spec:
        return f"string ({spec['format']})", None
    return str(kind), None


def codes_table() -> str:
    """The error codes, warning codes and removal reasons as a markdown table."""
    rows = ["| kind | code | meaning |", "|---|---|---|"]
    for kind, codes in (
        ("error", ERROR_CODES),
        ("warning", WARNING_CODES),
        ("removed", REMOVAL_REASONS),
    ):
        rows += [f"| {kind} | `{code}` | {meaning} |" for code, meaning in codes.items()]
    return "\n".join(rows) + "\n"


def schema_text() -> str:
    """The committed schema file's exact text."""
    return json.dumps(record_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def dump_record(record: Record) -> str:
    """Serialise a record the one way lingoflow writes it: UTF-8 text, not ASCII-escaped."""
    return (
        json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2, sort_keys=False)
        + "\n"
    )
