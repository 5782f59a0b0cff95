"""Typed settings for the processors.

Every option is explained in the class docstrings; flows and the CLI build these objects from
their parameters, and :meth:`PipelineConfig.digest` feeds the incremental-run check.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "ko")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_BATCH_SIZE = 64
"""Documents per batch (one Prefect task run): seconds of work, translated together."""

Normalization = Literal["NFC", "NFKC", "NFD", "NFKD"]
Device = Literal["cpu", "cuda", "auto"]


@dataclass(frozen=True)
class RepairConfig:
    """What text repair changes. Each choice is made for downstream readers and translators.

    fix_mojibake:
        Run ftfy's encoding repair (UTF-8 read as cp1252/latin-1 and similar). On by default.
    fix_korean_mojibake:
        Also repair Korean legacy-encoding mojibake ftfy cannot: CP949/EUC-KR bytes read as
        latin-1/cp1252 ("ÀÌ À¥»çÀÌÆ®") and UTF-8 read as CP949. On by default.
    uncurl_quotes:
        Turn typographic quotes into ASCII ones. Off: curly quotes are content (they survive
        translation and are what the publisher wrote); we only fix their spacing in cleaning.
    fix_character_width:
        Full-width Latin letters and digits (U+FF10-U+FF5A) become ASCII and half-width
        katakana full-width: "ＣＯＰ２８" and "COP28" must compare equal for search and
        translation. Full-width punctuation ("，", "：", "（）") becomes ASCII only outside CJK
        text: in Chinese and Japanese it is the native punctuation and stays. On.
    normalization:
        Unicode normalisation form. NFC: composes Hangul and accents without NFKC's lossy
        compatibility mapping (NFKC would turn the bullet "ㅇ" into a conjoining jamo and "①"
        into "1").
    """

    fix_mojibake: bool = True
    fix_korean_mojibake: bool = True
    uncurl_quotes: bool = False
    fix_character_width: bool = True
    normalization: Normalization = "NFC"


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/lingoflow`` (``~/.cache/lingoflow`` by default): the translation
    cache's default folder, and where the command line remembers hints it gave."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lingoflow"


CLEANING_RULES: tuple[str, ...] = (
    "word_bookmark", "markup", "navigation", "breadcrumb", "menu", "section_label",
    "empty_label", "copyright", "share_widget", "call_to_action", "repeated", "boilerplate",
    "context",
    "notice", "rejoin", "metadata", "byline", "dateline", "caption", "title", "subtitle",
    "footnote", "heading", "list_item",
)  # fmt: skip
"""Names of the cleaning rules, each of which can be disabled (see
:mod:`lingoflow.processors.clean` for when each one applies)."""


@dataclass(frozen=True)
class CleanConfig:
    """Settings of the cleaning step.

    disabled_rules:
        Names of rules (see :data:`CLEANING_RULES`) to switch off, for experiments and to
        prove in tests that each rule matters. Empty by default: every rule runs.
    repeated_min_documents:
        A short line is boilerplate of its source when it appears in at least this many
        documents of the same source (same folder, or same site for HTML) processed together.
    repeated_min_share:
        ... and in at least this share of those documents.
    repeated_max_chars:
        Lines longer than this are never treated as repeated boilerplate (a press office may
        rightly repeat a long paragraph of background in every release).
    boilerplate_min_lines:
        The learned boilerplate classifier (rule ``boilerplate``) reads a line in the context
        of its neighbours and of the whole page; documents with fewer lines than this give it
        too little context and are left to the named rules.
    """

    disabled_rules: frozenset[str] = frozenset()
    repeated_min_documents: int = 3
    repeated_min_share: float = 0.5
    repeated_max_chars: int = 200
    boilerplate_min_lines: int = 12

    def __post_init__(self) -> None:
        unknown = set(self.disabled_rules) - set(CLEANING_RULES)
        if unknown:
            raise ValueError(f"unknown cleaning rule(s): {', '.join(sorted(unknown))}")


@dataclass(frozen=True)
class TranslationConfig:
    """How segments are translated (see :mod:`lingoflow.processors.translate`).

    enabled:
        Translate at all. Off: records hold original texts only and no missing_model error.
    packages_dir:
        Folder of installed Argos Translate packages; None follows argostranslate's own setting
        (``ARGOS_PACKAGES_DIR``, else ``$XDG_DATA_HOME/argos-translate/packages``).
    device:
        ``cpu``, ``cuda`` or ``auto`` (CUDA when a GPU is visible to CTranslate2).
    compute_type:
        CTranslate2 compute type: ``default`` keeps the type the model was saved with (int8 for
        Argos packages); ``auto`` picks the fastest the device supports; or ``int8``,
        ``int8_float32``, ``float32``, ... Changes output slightly, so it is part of the digest.
    beam_size:
        Beam width; 4 as argostranslate, so output equals argostranslate's. 1 is greedy and
        several times faster.
    length_penalty:
        0.2 as argostranslate.
    inter_threads / intra_threads:
        CTranslate2 threads: batches translated in parallel / threads per batch. Default
        (:func:`default_threads`): one batch per core with one thread each, at most 8 batches,
        the cores left over as threads per batch; on 2 cores inter 2, intra 1, which
        ``python -m bench.translation --sweep`` measured best there (bench/README.md).
    max_batch_tokens:
        Token budget of one CTranslate2 batch (``batch_type="tokens"``). Batches are cut from
        length-sorted sentences, each with its own decoding bound, and run in parallel; 192:
        ``python -m bench.translation --sweep`` and a run on 24 and 96 sentences put 128-192
        ahead of 256 and 512 on 2 cores at beam 4 (more, smaller batches keep every worker busy
        and wait less on their longest member; bench/README.md).
    max_decoding_ratio / max_decoding_extra:
        A translation may be at most ratio x input tokens + extra tokens long: a bound that
        stops a model from running on, relative to the input rather than fixed. A translation
        that reaches it is flagged ``truncated``.
    max_input_tokens:
        The longest input given to a model, in the package tokenizer's tokens. CTranslate2
        silently cuts inputs at 1,024 tokens, and models trained on sentences translate far
        shorter inputs best: a longer sentence is split at clause boundaries (commas,
        semicolons, Korean connective endings such as -고, -며, -면서, -지만), else between
        words, and its parts are translated and joined. Never cut. 256.
    repetition_retry_ngram / repetition_retry_penalty:
        A sentence whose translation loops (the ``repetition`` flag) is translated once more
        with CTranslate2's ``no_repeat_ngram_size`` and ``repetition_penalty`` set to these
        (3 and 1.2); the retry is kept when it no longer loops. 0 / 1.0 switch the retry off.
    glossary:
        Path of a glossary TSV (:mod:`lingoflow.processors.translate.glossary`): terms
        forced into the translation, and do-not-translate terms. Its digest (entries only) is
        part of every cache key and of the settings digest, so editing it re-translates.
        None: no glossary.
    reject_flagged:
        Leave out a translation that any quality flag marks (the segment keeps its original
        only; the record is partial, with a ``translation_rejected`` error per segment). Off:
        flagged translations are kept, and counted.
    cache / cache_dir:
        Keep translations in an SQLite cache (``cache_dir``, default
        ``$XDG_CACHE_HOME/lingoflow``), keyed by package, every setting that changes output and
        the exact sentence: re-running an unchanged corpus translates nothing.
    """

    enabled: bool = True
    packages_dir: str | None = None
    device: Device = "cpu"
    compute_type: str = "default"
    beam_size: int = 4
    length_penalty: float = 0.2
    inter_threads: int = field(default_factory=lambda: default_threads()[0])
    intra_threads: int = field(default_factory=lambda: default_threads()[1])
    max_batch_tokens: int = 192
    max_decoding_ratio: float = 2.0
    max_decoding_extra: int = 10
    max_input_tokens: int = 256
    repetition_retry_ngram: int = 3
    repetition_retry_penalty: float = 1.2
    glossary: str | None = None
    reject_flagged: bool = False
    cache: bool = True
    cache_dir: str | None = None

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be cpu, cuda or auto, not {self.device!r}")
        if self.beam_size < 1 or self.inter_threads < 1 or self.intra_threads < 0:
            raise ValueError("beam_size and inter_threads must be >= 1, intra_threads >= 0")
        if self.repetition_retry_ngram < 0 or self.repetition_retry_penalty < 1.0:
            raise ValueError("repetition_retry_ngram must be >= 0, repetition_retry_penalty >= 1")
        if self.cache_dir is None:
            object.__setattr__(self, "cache_dir", str(user_cache_dir()))

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


MAX_INTER_THREADS = 8
"""More parallel batches than this rarely fill on one batch task's sentences."""


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


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of one processing run.

    languages:
        The language pair (or set) every segment is translated into, ISO 639-1 codes.
        The first is the fallback language for text whose language cannot be told.
    max_bytes:
        Inputs larger than this are not read and get a failed record (code too_large).
    repair:
        Text repair choices, see :class:`RepairConfig`.
    clean:
        Boilerplate, notice and structure rules, see :class:`CleanConfig`.
    translation:
        Models and decoding, see :class:`TranslationConfig`.
    langdetect_seed:
        Seed for langdetect, whose sampling is otherwise random; fixed for determinism.
    """

    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    max_bytes: int = DEFAULT_MAX_BYTES
    repair: RepairConfig = field(default_factory=RepairConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    translation: TranslationConfig = field(default_factory=TranslationConfig)
    langdetect_seed: int = 0

    def digest(self, models: str = "", glossary_digest: str = "") -> str:
        """16 hex digits that change whenever a setting that changes the output changes;
        ``models`` names the installed translation packages and ``glossary_digest`` the
        glossary's entries, which change it too."""
        settings = asdict(self)
        settings["translation"] = self.translation.output_settings(glossary_digest)
        if self.translation.reject_flagged:  # changes records, not translations
            settings["translation"]["reject_flagged"] = True
        settings["models"] = models if self.translation.enabled else ""
        payload = json.dumps(settings, sort_keys=True, default=_jsonable)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _jsonable(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)
