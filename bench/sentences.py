"""Korean sentence boundaries: the rules alone, Kiwi alone, and lingoflow's splitter (what the
pipeline and ``lingoflow sentences`` use), on paragraphs with known boundaries, in one run.

    python -m bench.sentences [--data FILE ...]

The data is Korean written for lingoflow: bench/data/sentences-ko.txt (press-release prose,
endings without punctuation, quoted speech) and bench/data/sentences-ko-press.txt (what a
release's lines look like run together: inline bullets, numbered items, title brackets). The
English lines of the samples in raw/ are checked too: the lines whose sentences differ from
the rules alone are printed. Scored as boundary precision, recall and F1 over all
paragraphs, with sentences per second.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import lingoflow.processors.text.sentences as sentences

DATA = [
    Path(__file__).resolve().parent / "data" / name
    for name in ("sentences-ko.txt", "sentences-ko-press.txt")
]
Splitter = Callable[[str], list[tuple[int, int]]]


def load(path: Path) -> list[tuple[str, set[int]]]:
    """Paragraphs and the character offsets where their sentences start (after the first)."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("||")]
        text, starts = "", set()
        for part in parts:
            if text:
                text += " "
                starts.add(len(text))
            text += part
        cases.append((text, starts))
    return cases


def score(split: Splitter, cases: list[tuple[str, set[int]]]) -> tuple[float, float, float, float]:
    tp = fp = fn = 0
    count = 0
    started = time.perf_counter()
    for text, gold in cases:
        spans = split(text)
        count += len(spans)
        found = {a for a, _ in spans[1:]}
        tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    seconds = time.perf_counter() - started
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), count / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, nargs="+", default=DATA)
    args = parser.parse_args(argv)
    sentences.korean_sentence_spans("준비.")  # load Kiwi outside the timing
    systems: dict[str, Splitter] = {
        "rules": sentences.rule_sentence_spans,
        "Kiwi": sentences.korean_sentence_spans,
        "lingoflow": sentences.sentence_spans,
    }
    for path in args.data:
        cases = load(path)
        print(
            f"\n{path.name}: {len(cases)} paragraphs, {sum(len(g) + 1 for _, g in cases)} sentences"
        )
        print("| splitter | precision | recall | F1 | sentences/s |\n|---|---|---|---|---|")
        for name, split in systems.items():
            p, r, f1, rate = score(split, cases)
            print(f"| {name} | {p:.3f} | {r:.3f} | {f1:.3f} | {rate:.0f} |")
    raw = Path(__file__).resolve().parent.parent / "raw"
    english = [
        line
        for f in sorted(raw.iterdir())
        for line in f.read_text().splitlines()
        if line.strip() and not sentences.is_korean(line)
    ]
    differ = [x for x in english if sentences.sentence_spans(x) != sentences.rule_sentence_spans(x)]
    print(
        f"\nEnglish sample lines: {len(english)}, "
        f"split differently from the rules alone: {len(differ)}"
    )
    for line in differ:
        print("  " + " | ".join(line[a:b] for a, b in sentences.sentence_spans(line)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
