"""Language identification: script first, then langdetect restricted to candidate languages.

langdetect is random unless seeded and weak on short text; :class:`LanguageDetector` makes it
deterministic (fixed seed, one restricted factory per candidate set) and lets the writing system
decide wherever it can, so that Hangul is Korean without asking a statistical model.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

UNDETERMINED = "und"

# Languages langdetect ships profiles for, by their ISO 639-1 code (langdetect's zh-cn/zh-tw
# profiles are folded into zh).
DEFAULT_CANDIDATES: tuple[str, ...] = (
    "ar", "de", "en", "es", "fr", "id", "it", "ja", "ko", "nl", "pt", "ru", "th", "vi", "zh",
)  # fmt: skip

# Scripts that name one language, checked on letters only.
_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("ko", "\uac00-\ud7a3\u1100-\u11ff"),  # Hangul syllables and conjoining jamo
    ("ja", "\u3040-\u30ff\u31f0-\u31ff"),  # kana
    ("th", "\u0e00-\u0e7f"),
    ("ar", "\u0600-\u06ff\u0750-\u077f"),
    ("he", "\u0590-\u05ff"),
    ("el", "\u0370-\u03ff"),
    ("hi", "\u0900-\u097f"),
)
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_WORDLESS = re.compile(r"^[\W\d_]*$")


@dataclass(frozen=True)
class Detection:
    """A language code and a confidence in 0-1."""

    lang: str
    confidence: float


class LanguageDetector:
    """Deterministic detector over a fixed candidate set.

    ``detect(text)`` returns a :class:`Detection`; text without letters is ``und`` with
    confidence 0. The langdetect factory is built lazily, once per detector.
    """

    _lock = threading.Lock()

    def __init__(self, candidates: tuple[str, ...] = DEFAULT_CANDIDATES, seed: int = 0) -> None:
        self.candidates = tuple(sorted(set(candidates)))
        self.seed = seed

    @cached_property
    def _factory(self) -> DetectorFactory:
        factory = DetectorFactory()
        factory.seed = self.seed
        profiles = {"zh": ("zh-cn", "zh-tw")}
        wanted = [p for c in self.candidates for p in profiles.get(c, (c,))]
        data = []
        for name in sorted(wanted):
            path = os.path.join(PROFILES_DIRECTORY, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as fh:
                    data.append(fh.read())
        if len(data) >= 2:
            factory.load_json_profile(data)
        return factory

    def detect(self, text: str) -> Detection:
        """Language of ``text`` (see class docstring)."""
        if _WORDLESS.match(text):
            return Detection(UNDETERMINED, 0.0)
        by_script = self._by_script(text)
        if by_script is not None:
            return by_script
        return self._statistical(text)

    def _by_script(self, text: str) -> Detection | None:
        letters = [c for c in text if c.isalpha()]
        if not letters:
            return None
        counts: Counter[str] = Counter()
        for c in letters:
            counts[_script_of(c)] += 1
        script, n = counts.most_common(1)[0]
        share = n / len(letters)
        if script == "han" and counts.get("ja", 0) > 0 and "ja" in self.candidates:
            return Detection("ja", round(min(1.0, 0.6 + 0.4 * share), 4))
        if script in {"latin", "cyrillic", "other"}:
            return None
        lang = "zh" if script == "han" else script
        return Detection(lang, round(min(1.0, 0.5 + 0.5 * share), 4))

    def _statistical(self, text: str) -> Detection:
        if len(self.candidates) < 2 or not self._factory.get_lang_list():
            return Detection(self.candidates[0] if self.candidates else UNDETERMINED, 0.3)
        with self._lock:  # langdetect's factory is not thread-safe while detecting
            detector = self._factory.create()
            detector.append(text)
            try:
                probabilities = detector.get_probabilities()
            except LangDetectException:
                return Detection(UNDETERMINED, 0.0)
        if not probabilities:
            return Detection(UNDETERMINED, 0.0)
        best = probabilities[0]
        lang = best.lang.split("-")[0]
        return Detection(lang, round(float(best.prob), 4))


def _script_of(char: str) -> str:
    for lang, ranges in _SCRIPTS:
        if re.match(f"[{ranges}]", char):
            return lang
    if _HAN.match(char):
        return "han"
    if _LATIN.match(char):
        return "latin"
    if _CYRILLIC.match(char):
        return "cyrillic"
    return "other"
