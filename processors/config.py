"""Typed settings for the processors.

Every option is explained in the class docstrings; flows and the CLI build these objects from
their parameters, and :meth:`PipelineConfig.digest` feeds the incremental-run check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "ko")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


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
        Full-width Latin letters, digits and punctuation (U+FF01-U+FF5E) become ASCII, half-width
        katakana become full-width. On: "ＣＯＰ２８" and "COP28" must compare equal for search
        and translation. CJK ideographic punctuation such as "。" and "、" is not affected.
    fix_dashes:
        Keep dashes as written (off). ftfy itself never changes dashes; this option only exists
        to document the choice: "–" and "—" carry meaning in titles and ranges.
    normalization:
        Unicode normalisation form. NFC: composes Hangul and accents without NFKC's lossy
        compatibility mapping (NFKC would turn the bullet "ㅇ" into a conjoining jamo and "①"
        into "1").
    """

    fix_mojibake: bool = True
    fix_korean_mojibake: bool = True
    uncurl_quotes: bool = False
    fix_character_width: bool = True
    fix_dashes: bool = False
    normalization: str = "NFC"


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
    langdetect_seed:
        Seed for langdetect, whose sampling is otherwise random; fixed for determinism.
    """

    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    max_bytes: int = DEFAULT_MAX_BYTES
    repair: RepairConfig = field(default_factory=RepairConfig)
    langdetect_seed: int = 0

    def digest(self) -> str:
        """16 hex digits that change whenever a setting that changes the output changes."""
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
