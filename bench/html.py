"""Main-content extraction from HTML, scored on the shared evaluation set.

Scores, on the same pages in the same run, the way trafilatura's own evaluation does (a true
positive per expected snippet found, a false negative per one missed, a false positive per
unwanted snippet found, a true negative per one absent):
  (a) BeautifulSoup's get_text over the whole page (the baseline);
  (b) trafilatura.extract with its defaults;
  (c) lingoflow: decode, repair, extraction and cleaning as the flow runs them (the blocks
      extractor, trafilatura where it finds no article), the text of every segment (notices
      included) joined;
  (d) lingoflow with ``--html-extractor trafilatura`` (trafilatura for every page).

    python -m bench.html [--data DIR] [--limit N] [--show-errors]

DIR defaults to ../shared/eval/html (evaldata.json and pages/).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from bs4 import BeautifulSoup

from lingoflow.processors.core.config import CleanConfig, PipelineConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.pipeline import clean_documents
from lingoflow.processors.read.decode import decode_bytes

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "html"
GOAL_F1 = 0.92
GOAL_PRECISION = 0.90


@dataclass
class Score:
    """Confusion counts over snippets."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    seconds: float = 0.0

    def add(self, text: str, wanted: list[str], unwanted: list[str]) -> list[str]:
        """Count one page; returns the snippets it got wrong."""
        wrong = []
        for snippet in wanted:
            if snippet in text:
                self.tp += 1
            else:
                self.fn += 1
                wrong.append(f"missed: {snippet}")
        for snippet in unwanted:
            if snippet in text:
                self.fp += 1
                wrong.append(f"kept: {snippet}")
            else:
                self.tn += 1
        return wrong

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def get_text(data: bytes) -> str:
    """Every text node of the page."""
    return BeautifulSoup(decode_bytes(data).text, "lxml").get_text(" ")


def trafilatura_default(data: bytes) -> str:
    """trafilatura.extract with its default settings."""
    return trafilatura.extract(decode_bytes(data).text) or ""


def lingoflow_text(config: PipelineConfig) -> Callable[[bytes], str]:
    """The text of the segments lingoflow would write for the page."""

    def extract(data: bytes) -> str:
        doc = Document(rel_path="page.html", doc_id="page-000000000000", data=data)
        clean_documents([doc], config)
        return "\n".join(block.text for block in doc.blocks)

    return extract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--show-errors", action="store_true", help="print lingoflow's misses")
    args = parser.parse_args(argv)

    evaldata = json.loads((args.data / "evaldata.json").read_text(encoding="utf-8"))
    cases = sorted(evaldata.values(), key=lambda c: c["file"])[: args.limit]
    systems: dict[str, Callable[[bytes], str]] = {
        "(a) BeautifulSoup get_text": get_text,
        "(b) trafilatura defaults": trafilatura_default,
        "(c) lingoflow": lingoflow_text(PipelineConfig()),
        "(d) lingoflow, trafilatura for every page": lingoflow_text(
            PipelineConfig(clean=CleanConfig(html_extractor="trafilatura"))
        ),
    }
    scores = {name: Score() for name in systems}
    for case in cases:
        data = (args.data / "pages" / case["file"]).read_bytes()
        for name, system in systems.items():
            start = time.perf_counter()
            text = system(data)
            scores[name].seconds += time.perf_counter() - start
            wrong = scores[name].add(text, case["with"], case["without"])
            if args.show_errors and name.startswith("(c)") and wrong:
                print(case["file"], *wrong, sep="\n  ")

    print(f"{len(cases)} pages, {sum(len(c['with']) + len(c['without']) for c in cases)} snippets")
    print()
    print("| system | precision | recall | F1 | pages/s |")
    print("|---|---|---|---|---|")
    for name, s in scores.items():
        rate = len(cases) / s.seconds if s.seconds else 0.0
        print(f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {rate:.1f} |")
    ours = scores["(c) lingoflow"]
    met = ours.f1 >= GOAL_F1 and ours.precision >= GOAL_PRECISION
    print()
    print(f"goal F1 >= {GOAL_F1} and precision >= {GOAL_PRECISION}: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
