"""How much of language detection's cold start a long run keeps paying: new words.

``bench.pipeline`` starts every pass with empty tables, so detection learns every word of the
122 pages again (each word's n-gram sums, its frequencies). A long run starts empty once; the
question is how many of a later batch's words the run has met before, since only those are
spared. This bench measures it on real pages, without translation:

  the text pages of ../shared/eval/boilerplate (news portals and CleanEval pages, their naive
  visible text) are split in two halves by order of name; each half in turn is the batch
  measured, read

  - by a process that has read nothing (as ``bench.pipeline``),
  - after the other half (pages of the same kinds and sites: a long run's later batches),
  - after the 119 HTML pages of ../shared/eval/html (other sites, many languages).

Reported per case, median over ``--rounds`` rounds (each round runs every case of both halves
in turn, caches cleared before each): the share of the measured half's distinct words and of
its word tokens (runs of letters in its kept segments, case kept, as detection reads them)
already in the segments read before, detection's seconds and its share of the stage time
(decode+repair, clean, detect, check), and the whole stage time.

    python -m bench.new_words [--rounds N]
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections import Counter
from collections.abc import Iterable

from bench.pipeline import DEFAULT_DATA, STAGES, clear_all_caches, read_pages, run_batches
from lingoflow.processors.pipeline import StageClock

OTHER_PAGES = DEFAULT_DATA.parent / "html" / "pages"
BATCH = 64
_WORD = re.compile(r"[^\W\d_]+")


def run(pages: list[tuple[str, bytes]], seconds: dict[str, float] | None = None) -> list[str]:
    """Every page through the pipeline (no translation) in batches; the kept segments' texts.
    With ``seconds``, each stage's time is added to it."""
    clock = StageClock(seconds) if seconds is not None else None
    return [
        block.text
        for docs in run_batches(pages, BATCH, clock=clock)
        for doc in docs
        for block in doc.blocks
    ]


def words(texts: Iterable[str]) -> Counter[str]:
    return Counter(w for text in texts for w in _WORD.findall(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    text = read_pages(DEFAULT_DATA / "text", ".txt")
    other = read_pages(OTHER_PAGES, ".html")
    halves = (text[: len(text) // 2], text[len(text) // 2 :])
    print(
        f"{len(text)} text pages in two halves of {len(halves[0])} and {len(halves[1])}; "
        f"{len(other)} other pages (eval/html); {args.rounds} rounds after a warm-up"
    )
    before = {
        "nothing": lambda k: [],
        "the other half": lambda k: halves[1 - k],
        "eval/html": lambda k: other,
    }
    seen: dict[str, list[Counter[str]]] = {}
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    measured_words: list[Counter[str]] = []
    run(text)  # warm-up: models, profiles, word lists loaded
    for round_ in range(args.rounds + 1):
        for k, half in enumerate(halves):
            for case, pages_before in before.items():
                clear_all_caches()
                read_before = run(pages_before(k))
                seconds: dict[str, float] = {}
                kept = run(half, seconds)
                if round_ == 0:  # the words are the same every round
                    seen.setdefault(case, []).append(words(read_before))
                    if case == "nothing":
                        measured_words.append(words(kept))
                    continue  # the first round warms the cases' own pages
                results.setdefault((case, k), []).append(seconds)

    print(
        "\n| read before | half | distinct words met before | word tokens met before |"
        " detect, s (min-max) | detect share | stage time, s |"
    )
    print("|---|---|---|---|---|---|---|")
    for case in before:
        for k in range(2):
            mine, old = measured_words[k], seen[case][k]
            distinct = sum(w in old for w in mine) / max(1, len(mine))
            tokens = sum(n for w, n in mine.items() if w in old) / max(1, sum(mine.values()))
            rounds = results[(case, k)]
            detect = [r.get("detect", 0.0) for r in rounds]
            totals = [sum(r.get(s, 0.0) for s in STAGES) for r in rounds]
            shares = [d / t for d, t in zip(detect, totals, strict=True) if t]
            print(
                f"| {case} | {k + 1} | {100 * distinct:.0f} % | {100 * tokens:.0f} % | "
                f"{statistics.median(detect):.3f} ({min(detect):.3f}-{max(detect):.3f}) | "
                f"{100 * statistics.median(shares):.0f} % | {statistics.median(totals):.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
