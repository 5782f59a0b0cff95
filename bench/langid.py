"""Language identification on the shared evaluation set: accuracy per language and length class.

Compares, on the same texts in the same run:
  (a) langdetect as shipped: all 55 profiles, seeded;
  (b) langdetect restricted to the 12 evaluated languages, seeded;
  (c) lingoflow's LanguageDetector with those 12 languages as candidates.

    python -m bench.langid [--data DIR] [--limit N]

DIR defaults to ../shared/eval/langid (files CLASS/LANG.txt, one text per line).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from lingoflow.processors.language.detector import LanguageDetector, _restricted_factory

CLASSES = ("sentences", "word-pairs", "single-words")
GOALS = {"sentences": 99.8, "word-pairs": 95.0, "single-words": 88.0}
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "langid"


def load(data: Path, limit: int | None) -> dict[str, dict[str, list[str]]]:
    """Texts by length class and language."""
    corpus: dict[str, dict[str, list[str]]] = {}
    for cls in CLASSES:
        corpus[cls] = {}
        for path in sorted((data / cls).glob("*.txt")):
            lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
            corpus[cls][path.stem] = lines[:limit] if limit else lines
    return corpus


def _normalise(code: str) -> str:
    return code.split("-")[0]


def raw_langdetect() -> Callable[[str], str]:
    DetectorFactory.seed = 0

    def detect(text: str) -> str:
        try:
            return _normalise(detect_langs(text)[0].lang)
        except LangDetectException:
            return "und"

    return detect


def restricted_langdetect(languages: tuple[str, ...]) -> Callable[[str], str]:
    factory = _restricted_factory(languages, seed=0)
    assert factory is not None

    def detect(text: str) -> str:
        detector = factory.create()
        detector.append(text)
        try:
            return _normalise(detector.detect())
        except LangDetectException:
            return "und"

    return detect


def ours(languages: tuple[str, ...]) -> Callable[[str], str]:
    detector = LanguageDetector(candidates=languages)
    return lambda text: detector.detect(text).lang


def evaluate(
    detect: Callable[[str], str], corpus: dict[str, dict[str, list[str]]]
) -> tuple[dict[tuple[str, str], float], float]:
    """Accuracy (%) per (class, language) and per class (language ``*``), and texts/s."""
    accuracy: dict[tuple[str, str], float] = {}
    count = 0
    started = time.perf_counter()
    for cls, by_lang in corpus.items():
        right_total = n_total = 0
        for lang, texts in by_lang.items():
            right = sum(detect(t) == lang for t in texts)
            accuracy[(cls, lang)] = 100.0 * right / len(texts)
            right_total += right
            n_total += len(texts)
        accuracy[(cls, "*")] = 100.0 * right_total / n_total
        count += n_total
    return accuracy, count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="texts per file (default: all)")
    args = parser.parse_args()
    corpus = load(args.data, args.limit)
    languages = tuple(sorted(corpus["sentences"]))
    detector = ours(languages)
    detector("warm up the word lists and profiles")
    systems = {
        "a": raw_langdetect(),
        "b": restricted_langdetect(languages),
        "c": detector,
    }
    results = {name: evaluate(fn, corpus) for name, fn in systems.items()}

    short = {"sentences": "sent", "word-pairs": "pairs", "single-words": "words"}
    header = "| lang | " + " | ".join(f"{s} {n}" for n in systems for s in short.values()) + " |"
    print(header)
    print("|" + "---|" * (1 + 3 * len(systems)))
    for lang in [*languages, "*"]:
        cells = [
            f"{results[n][0][(cls, lang)]:.1f}" if (cls, lang) in results[n][0] else "-"
            for n in systems
            for cls in CLASSES
        ]
        print(f"| {'all' if lang == '*' else lang} | " + " | ".join(cells) + " |")
    print()
    print("| system | texts/s | sentences % | word pairs % | single words % |")
    print("|---|---|---|---|---|")
    names = {
        "a": "(a) langdetect, all profiles",
        "b": "(b) langdetect, 12 profiles",
        "c": "(c) lingoflow detector",
    }
    for n in systems:
        acc, speed = results[n]
        row = " | ".join(f"{acc[(cls, '*')]:.1f}" for cls in CLASSES)
        print(f"| {names[n]} | {speed:.0f} | {row} |")
    acc_c, speed_c = results["c"]
    met = all(acc_c[(cls, "*")] >= goal for cls, goal in GOALS.items())
    print()
    print(
        f"throughput_vs_langdetect={speed_c / results['a'][1]:.2f}x "
        f"goals_met={met and speed_c >= 3 * results['a'][1]}"
    )


if __name__ == "__main__":
    main()
