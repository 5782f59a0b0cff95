"""Every setting of lingoflow, declared once: its type, default and meaning.

Each setting is a field of one of the models below, and the docstring under the field says
what it does. From these declarations come the Prefect flows' parameters and their form in
the UI (:func:`declared`), the command line's options (``lingoflow.flows.cli.options``) and
the settings table of the README (``lingoflow settings``); tests fail when any of them
drifts. :meth:`PipelineConfig.digest` feeds the incremental-run check.

- :class:`PipelineConfig`: what a run outputs (languages, size limit, repair, cleaning,
  translation); :class:`RepairConfig`, :class:`CleanConfig`, :class:`TranslationConfig`.
- :class:`RunOptions`, :class:`RetranslateOptions`, :class:`ExportOptions`,
  :class:`InstallOptions`: how a run of each flow goes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from langcodes import tag_is_valid
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.fields import FieldInfo

from lingoflow.processors.core.record import Status

_SETTINGS = ConfigDict(
    frozen=True,
    extra="forbid",
    use_attribute_docstrings=True,
    # the Prefect UI labels nested fields by name, as it labels the flows' own parameters
    field_title_generator=lambda name, _: name,
)

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "ko")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_BATCH_SIZE = 64
MAX_INTER_THREADS = 8
"""More parallel batches than this rarely fill on one batch task's sentences."""

Normalization = Literal["NFC", "NFKC", "NFD", "NFKD"]
Device = Literal["cpu", "cuda", "auto"]
ExportFormat = Literal["parquet", "jsonl", "parallel-tsv", "tmx"]
"""The formats ``lingoflow export`` writes (see :mod:`lingoflow.processors.output.export`)."""


# Types with their bounds, shared by a setting's declaration and the flow parameter made from
# it (Prefect takes a parameter's bounds from its type).
def known_language(code: str) -> str:
    """``code`` when it is a language code of the registry (ISO 639-1 two letters, or ISO
    639-3 three), else ValueError naming it.

    >>> known_language("ko")
    'ko'
    >>> known_language("xx")
    Traceback (most recent call last):
    ...
    ValueError: unknown language code 'xx': expected ISO 639-1 codes such as en, ko, ja
    """
    if not (2 <= len(code) <= 3 and code.isascii() and code.islower() and tag_is_valid(code)):
        raise ValueError(
            f"unknown language code {code!r}: expected ISO 639-1 codes such as en, ko, ja"
        )
    return code


LanguageCode = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2,3}$"), AfterValidator(known_language)
]
Languages = Annotated[tuple[LanguageCode, ...], Field(min_length=1)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
MaxBytes = Annotated[int, Field(ge=1)]
BatchSize = Annotated[int, Field(ge=1, le=10_000)]
Processes = Annotated[int, Field(ge=1, le=256)]
ParallelBatches = Annotated[int | None, Field(ge=1)]
HtmlExtractor = Literal["trafilatura", "blocks"]


def _fspath(value: object) -> object:
    return os.fspath(value) if isinstance(value, os.PathLike) else value


OutputTarget = Annotated[str, BeforeValidator(_fspath)]
"""A path or a URL (``s3://bucket/key``); a ``Path`` is taken as its string."""
FolderTarget = Annotated[str, BeforeValidator(_fspath)]
"""A folder: a path, or a URL of a folder in object storage (``s3://bucket/raw``)."""
Seconds = Annotated[float | None, Field(gt=0)]

CLEANING_RULES: tuple[str, ...] = tuple(
    """word_bookmark markup navigation breadcrumb menu section_label empty_label copyright
    share_widget call_to_action post_meta repeated boilerplate context notice rejoin metadata byline
    dateline caption title subtitle footnote heading list_item""".split()
)
"""Names of the cleaning rules, each of which can be disabled (see
:mod:`lingoflow.processors.clean.cleaner` for when each one applies)."""


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/lingoflow`` (``~/.cache/lingoflow`` by default): the translation
    cache's default folder, and where the command line remembers hints it gave."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lingoflow"


class RepairConfig(BaseModel):
    """What text repair changes. Each choice is made for downstream readers and translators."""

    model_config = _SETTINGS

    fix_mojibake: bool = True
    """Run ftfy's encoding repair (UTF-8 read as cp1252/latin-1 and similar)."""
    fix_korean_mojibake: bool = True
    """Also repair Korean legacy-encoding mojibake ftfy cannot: CP949/EUC-KR bytes read as
    latin-1/cp1252 ("ÀÌ À¥»çÀÌÆ®") and UTF-8 read as CP949."""
    uncurl_quotes: bool = False
    """Turn typographic quotes into ASCII ones. Off: curly quotes are content (they survive
    translation and are what the publisher wrote); cleaning only fixes their spacing."""
    fix_character_width: bool = True
    """Full-width Latin letters and digits (U+FF10-U+FF5A) become ASCII and half-width
    katakana full-width: "ＣＯＰ２８" and "COP28" must compare equal for search and
    translation. Full-width punctuation ("，", "：", "（）") becomes ASCII only outside CJK
    text: in Chinese and Japanese it is the native punctuation and stays."""
    normalization: Normalization = "NFC"
    """Unicode normalisation form. NFC composes Hangul and accents without NFKC's lossy
    compatibility mapping (NFKC would turn the bullet "ㅇ" into a conjoining jamo and "①"
    into "1")."""


class CleanConfig(BaseModel):
    """Settings of the cleaning step."""

    model_config = _SETTINGS

    disabled_rules: frozenset[str] = frozenset()
    """Names of rules (:data:`CLEANING_RULES`) to switch off, for experiments and to prove in
    tests that each rule matters. Empty by default: every rule runs."""
    repeated_min_documents: int = 3
    """A short line is boilerplate of its source when it appears in at least this many
    documents of the same source (same folder) processed together, and in at least
    repeated_min_share of them."""
    repeated_min_share: float = 0.5
    """The share of a source's documents a short line must appear in to be its
    boilerplate (and in at least repeated_min_documents of them)."""
    repeated_max_chars: int = 200
    """Lines longer than this are never repeated boilerplate (a press office may rightly
    repeat a long paragraph of background in every release)."""
    html_extractor: HtmlExtractor = "blocks"
    """How HTML pages are read: blocks (one parse into every visible block with its markup
    features and a learned decision per block; a page where it keeps almost nothing of the
    visible words is read with trafilatura instead) or trafilatura (main-content extraction,
    then the named rules; the page's visible text goes through the line classifier when
    trafilatura kept a fragment). Pages unseen by either model: blocks as good or better
    (F1 0.943 against 0.935 on trafilatura's evaluation pages, 0.956 against 0.951 on news
    and CleanEval pages) at 1.2-1.5x the pages per second; measures in bench/README.md."""
    trafilatura_max_elements: int = Field(default=50_000, ge=1)
    """Pages with more elements than this are read with the ``blocks`` extractor, whatever
    ``html_extractor`` says, and their records carry a ``large_page`` warning: trafilatura's
    work grows faster than the page (a page of 40,000 short sections, 80,000 elements:
    4.5 s, nine times that of 10,000 sections; at 20 MB, minutes), the blocks extractor's in
    proportion to it. The largest of 241 real pages measured has 3,208 elements."""
    boilerplate_min_lines: int = 12
    """The learned boilerplate classifier (rule ``boilerplate``) reads a line in the context
    of its neighbours and of the whole page; documents with fewer lines than this give it too
    little context and are left to the named rules."""

    @field_validator("disabled_rules")
    @classmethod
    def _known_rules(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = set(value) - set(CLEANING_RULES)
        if unknown:
            raise ValueError(f"unknown cleaning rule(s): {', '.join(sorted(unknown))}")
        return value


class TranslationConfig(BaseModel):
    """How segments are translated (see :mod:`lingoflow.processors.translate`)."""

    model_config = _SETTINGS

    enabled: bool = Field(True, json_schema_extra={"cli": "--no-translate"})
    """Translate segments into the other languages of the pair (off: records hold the
    original texts only, and no missing_model error)."""
    packages_dir: str | None = None
    """Folder of installed Argos Translate packages (default: ARGOS_PACKAGES_DIR, else
    argostranslate's own, $XDG_DATA_HOME/argos-translate/packages)."""
    device: Device = "cpu"
    """Where CTranslate2 runs: cpu, cuda, or auto (CUDA when a GPU is visible)."""
    compute_type: str = "default"
    """CTranslate2 compute type: default keeps the type the model was saved with (int8 for
    Argos packages); auto picks the fastest the device supports; or int8, int8_float32,
    float32, ... It changes output slightly, so it is part of the settings digest."""
    beam_size: int = Field(4, ge=1, le=16)
    """Beam width: 4 as argostranslate, so output equals argostranslate's; 1 is greedy and
    several times faster."""
    length_penalty: float = 0.2
    """Length penalty of the beam search (0.2, as argostranslate)."""
    inter_threads: int | None = Field(None, ge=1, le=64)
    """Batches translated in parallel by each process (default: one per core of the machine
    that translates, at most 8; at most each process's share of the cores when several
    processes share a machine)."""
    intra_threads: int | None = Field(None, ge=0, le=64)
    """Threads per batch; 0 lets CTranslate2 decide (default: the cores left over per
    batch, usually 1)."""
    max_batch_tokens: int = Field(192, ge=16)
    """Token budget of one CTranslate2 batch: batches are cut from length-sorted sentences,
    each with its own decoding bound, and run in parallel. 128-192 measured ahead of 256 and
    512 on 2 cores at beam 4 (bench/README.md)."""
    max_decoding_ratio: float = Field(2.0, gt=0)
    """A translation may be at most this many times its input's tokens long (plus
    max_decoding_extra): a bound that stops a model from running on; a translation that
    reaches it is flagged truncated."""
    max_decoding_extra: int = Field(10, ge=0)
    """Tokens a translation may have beyond max_decoding_ratio times its input's."""
    max_input_tokens: int = Field(256, ge=8)
    """The longest input given to a model, in the package tokenizer's tokens; a longer
    sentence is split at clause boundaries (commas, semicolons, Korean connective endings),
    else between words, and its parts translated and joined. Never cut (CTranslate2 itself
    silently cuts at 1,024)."""
    repetition_retry_ngram: int = Field(3, ge=0)
    """A sentence whose translation loops is translated once more with CTranslate2's
    no_repeat_ngram_size set to this (0 and a penalty of 1.0 switch the retry off)."""
    repetition_retry_penalty: float = Field(1.2, ge=1.0)
    """CTranslate2's repetition_penalty for the second pass of a looping translation (1.0
    and an n-gram size of 0 switch the retry off); the retry is kept when it no longer
    loops."""
    glossary: str | None = None
    """Glossary TSV (source_lang, target_lang, source term, target term): terms forced into
    translations; a target equal to the source is not translated. Its entries are part of
    the settings digest and of every cache key, so editing it translates again. Relative to
    the project root."""
    reject_flagged: bool = False
    """Leave out translations a quality check flags (the record is partial, with an error per
    segment) instead of keeping and counting them."""
    cache: bool = Field(True, json_schema_extra={"cli": "--no-cache"})
    """Keep translations in an SQLite cache keyed by package, every setting that changes
    output and the exact sentence: re-running an unchanged corpus translates nothing."""
    cache_dir: str | None = None
    """Translation cache folder (default: $XDG_CACHE_HOME/lingoflow)."""

    def threads(self) -> tuple[int, int]:
        """``(inter_threads, intra_threads)`` on this machine: the configured ones, else
        :func:`default_threads`."""
        inter, intra = default_threads()
        chosen_inter = self.inter_threads if self.inter_threads is not None else inter
        return chosen_inter, self.intra_threads if self.intra_threads is not None else intra

    def cache_folder(self) -> Path:
        """The cache's folder on this machine."""
        return Path(self.cache_dir) if self.cache_dir else user_cache_dir()

    def output_settings(self, glossary_digest: str = "") -> dict[str, object]:
        """The settings that change translations (the rest only change speed or location);
        ``glossary_digest`` is the digest of the glossary's entries (empty without one)."""
        return {
            "enabled": self.enabled,
            "compute_type": self.compute_type,
            "beam_size": self.beam_size,
            "length_penalty": self.length_penalty,
            "max_decoding_ratio": self.max_decoding_ratio,
            "max_decoding_extra": self.max_decoding_extra,
            "max_input_tokens": self.max_input_tokens,
            "repetition_retry": [self.repetition_retry_ngram, self.repetition_retry_penalty],
            **({"glossary": glossary_digest} if glossary_digest else {}),
        }


def default_threads(cores: int | None = None) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for a machine of ``cores`` cores (default: this one):
    batched translation gains most from parallel batches, one a core, each on one thread
    (CTranslate2 shares the weights between them); past :data:`MAX_INTER_THREADS` batches the
    cores left over become threads per batch.

    >>> default_threads(1), default_threads(2), default_threads(16)
    ((1, 1), (2, 1), (8, 2))
    """
    cores = max(1, cores or os.cpu_count() or 1)
    inter = min(cores, MAX_INTER_THREADS)
    return inter, max(1, cores // inter)


def inter_threads_for(workers: int, requested: int | None = None) -> int:
    """Translation batches each of ``workers`` processes on one machine runs in parallel:
    ``requested`` (default :func:`default_threads`), capped at each process's share of the
    cores when several processes share them.

    >>> inter_threads_for(1, 6), inter_threads_for(10_000, 6)
    (6, 1)
    """
    wanted = requested if requested is not None else default_threads()[0]
    if workers <= 1:
        return wanted
    return max(1, min(wanted, (os.cpu_count() or 1) // workers))


class PipelineConfig(BaseModel):
    """What a run outputs: the settings every record's ``settings_digest`` covers."""

    model_config = _SETTINGS

    languages: Languages = DEFAULT_LANGUAGES
    """Language pair (ISO 639-1 codes) every segment is translated into; the first is the
    fallback for text whose language cannot be told."""
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES
    """Size limit of an input, in bytes (default 20 MiB: 20971520): larger inputs get a
    failed record without being read, and office archives may not expand beyond it."""
    repair: RepairConfig = RepairConfig()
    """Text repair choices."""
    clean: CleanConfig = CleanConfig()
    """Boilerplate, notice and structure rules."""
    translation: TranslationConfig = TranslationConfig()
    """Translation models and decoding settings."""
    langdetect_seed: int = 0
    """Seed of langdetect's profiles' restricted factories; fixed for determinism."""
    document_timeout: Seconds = 120.0
    """Seconds of work one document may take (reading, decoding, repair, cleaning, detection;
    not translation, which is bounded per sentence): a document past it gets a failed record
    too_slow, tried again on the next run, and the run goes on (none: no budget)."""

    def digest(self, models: str = "", glossary_digest: str = "") -> str:
        """16 hex digits that change whenever a setting that changes the output changes;
        ``models`` names the installed translation packages and ``glossary_digest`` the
        glossary's entries, which change it too."""
        # document_timeout is a bound, not a choice; a setting added after 1.0 counts only
        # where it differs from what records made before it were made with
        settings = self.model_dump(exclude={"document_timeout": True, "clean": set(_ADDED)})
        for name, before in _ADDED.items():
            if getattr(self.clean, name) != before:
                settings["clean"][name] = getattr(self.clean, name)
        settings["translation"] = self.translation.output_settings(glossary_digest)
        if self.translation.reject_flagged:  # changes records, not translations
            settings["translation"]["reject_flagged"] = True
        settings["models"] = models if self.translation.enabled else ""
        payload = json.dumps(settings, sort_keys=True, default=_jsonable)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


_ADDED: dict[str, object] = {"html_extractor": "trafilatura", "trafilatura_max_elements": 50_000}
"""CleanConfig settings added after 1.0, with the value records made before them were made
with: the settings digest leaves each out at that value (such records stay current) and
names it otherwise (the blocks extractor, the default since, makes new records of HTML)."""


def _jsonable(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


class RunOptions(BaseModel):
    """How a run of ``process-documents`` goes (what it outputs is :class:`PipelineConfig`)."""

    model_config = _SETTINGS

    raw_dir: FolderTarget = "raw"
    """Folder of raw input documents, read recursively: a path (relative to the project
    root) or a URL such as s3://bucket/raw, gs:// or az:// (credentials and endpoint from the
    storage library's environment: AWS_PROFILE, AWS_ENDPOINT_URL and the like)."""
    processed_dir: FolderTarget = "processed"
    """Folder the JSON records and index.jsonl are written to: a path or a URL, as raw_dir.
    Runs over one folder take turns: a lock file for a local folder, a Prefect global
    concurrency limit named after the URL for one in object storage."""
    force: bool = False
    """Reprocess inputs even when their bytes, lingoflow's version and the settings are
    unchanged since their record was written."""
    prune: bool = False
    """Delete records whose input is no longer in raw_dir (they are always reported)."""
    batch_size: BatchSize = DEFAULT_BATCH_SIZE
    """Documents per task run: one task reads, cleans and translates its whole batch at
    once, seconds of work."""
    processes: Processes = 1
    """Worker processes the batches run on: 1 runs them in the flow's process; more runs a
    pool of that many processes on the flow's machine (Prefect's ProcessPoolTaskRunner),
    each translating with its share of the cores."""
    parallel_batches: ParallelBatches = None
    """Batches in flight at once (default: 1 with one process, the work being CPU-bound;
    else twice the processes, so none waits; twice the workers on Dask)."""
    fail_on_partial: bool = False
    """End the run Failed when a record is partial or failed (the records are written all
    the same); by default it completes, named "Completed with failures" or "Partial", and
    its state message says how many are not ok and why."""
    max_failed_share: Share = 0.5
    """End the run Failed when more than this share of the records failed. Single failures
    are the documents' own (a scan, a corrupt file: the run is "Completed with failures");
    more than half failing is nearly always the run's problem (a wrong folder, a missing
    dependency, a truncated copy) and should page someone. 1.0 never fails the run."""


class RetranslateOptions(BaseModel):
    """How a run of ``retranslate`` goes."""

    model_config = _SETTINGS

    processed_dir: FolderTarget = "processed"
    """Folder of records whose missing translations are filled: a path or a URL
    (s3://bucket/processed), as for a run."""
    batch_size: BatchSize = 256
    """Records per task run."""


class ExportOptions(BaseModel):
    """What ``lingoflow export`` writes."""

    model_config = _SETTINGS

    processed_dir: FolderTarget = "processed"
    """Folder of records to export: a path or a URL (s3://bucket/processed; its records are
    read once, into a temporary folder, then exported as from a local one)."""
    format: ExportFormat = "parquet"
    """parquet or jsonl (one row per record; .jsonl.gz compresses), parallel-tsv or tmx
    (sentence pairs of the machine translations)."""
    output: OutputTarget = "exports/records.parquet"
    """File to write: a path (relative to the project root; written aside, then renamed) or a
    URL such as s3://bucket/exports/records.parquet (made locally, then uploaded in one
    upload; credentials and endpoint from the storage library's environment: AWS_PROFILE,
    AWS_ENDPOINT_URL)."""
    include_flagged: bool = False
    """Keep sentence pairs whose translation a quality check flagged, that copy their source
    (untranslated) or hold no words (no_text)."""
    status: tuple[Status, ...] = ("ok", "partial", "failed")
    """Export only records of these statuses (comma-separated: ok,partial); failed records
    carry their error codes."""
    dedup: bool = False
    """Leave out a record whose normalised text an earlier record had (text_hash); the count
    is printed."""
    source: str = "lingoflow"
    """The collection's name, written in every row's source column (datatrove, Dolma)."""


class InstallOptions(BaseModel):
    """What ``install-models`` installs."""

    model_config = _SETTINGS

    files: tuple[str, ...] = ()
    """.argosmodel files, or folders of them, on the machine that installs (offline)."""
    from_index: tuple[str, ...] = ()
    """Pairs to download from argostranslate's package index, e.g. ko:en (online)."""
    packages_dir: str | None = None
    """Packages folder (default: ARGOS_PACKAGES_DIR, else argostranslate's own)."""


def declared(model: type[BaseModel], name: str) -> Any:
    """The declaration of setting ``name`` of ``model`` as the default of a flow parameter:
    Prefect takes the default and the description for the parameter's form from it.

    >>> declared(RunOptions, "force").description.startswith("Reprocess inputs")
    True
    """
    field: FieldInfo = model.model_fields[name]
    return Field(field.default, description=field.description)
