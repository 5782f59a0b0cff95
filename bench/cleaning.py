"""Boilerplate removal on real pages: lingoflow's text and HTML paths against keeping everything
and against trafilatura, on the same pages in the same run.

The data is ../shared/eval/boilerplate: each page as HTML, as the naive visible text a scraper or
a browser copy gives (menus, link lists, sidebars, footers and all), and as human gold main text.
Scored as the set's own score.py scores (its tokenizer is used): bag-of-words precision, recall
and F1 over lower-cased word tokens, micro-averaged, and the mean per-page F1.

  (a) keep every line of the text;
  (b) lingoflow, text path: the text file through decode, repair and cleaning as a run does,
      the text of every segment but notices;
  (c) lingoflow, HTML path: the HTML page the same way (the blocks extractor, trafilatura
      where it finds no article);
  (e) lingoflow, HTML path with ``--html-extractor trafilatura`` (trafilatura for every page);
  (d) trafilatura.extract on the HTML, defaults, comments off.

    python -m bench.cleaning [--data DIR] [--only a,b,c,d] [--out DIR]

--out writes each system's kept text per page (DIR/SYSTEM/NAME.txt) for score.py or a diff.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.pipeline import clean_documents

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "boilerplate"
CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))


def scorer_tokens(data: Path) -> Callable[[str], Counter[str]]:
    """The tokenizer of the set's own score.py."""
    spec = importlib.util.spec_from_file_location("boilerplate_score", data / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tokens: Callable[[str], Counter[str]] = module.tokens
    return tokens


@dataclass
class Score:
    """Micro-averaged token counts and per-page F1 of one system."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    pages: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, gold: Counter[str], kept: Counter[str]) -> None:
        hit = sum((gold & kept).values())
        self.tp += hit
        self.fp += sum(kept.values()) - hit
        self.fn += sum(gold.values()) - hit
        p, r = hit / max(1, sum(kept.values())), hit / max(1, sum(gold.values()))
        self.pages.append(2 * p * r / (p + r) if p + r else 0.0)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def lingoflow_kept(name: str, data: bytes, config: PipelineConfig = CONFIG) -> str:
    """What lingoflow keeps of a page: every segment's text but notices, in order."""
    doc = Document(rel_path=name, doc_id="bench-000000000000", data=data)
    clean_documents([doc], config)
    return "\n".join(b.text for b in doc.blocks if b.role != "notice")


TRAFILATURA = CONFIG.model_copy(update={"clean": CleanConfig(html_extractor="trafilatura")})


def trafilatura_kept(name: str, data: bytes) -> str:
    import trafilatura

    return trafilatura.extract(data, include_comments=False) or ""


SYSTEMS: dict[str, tuple[str, str, Callable[[str, bytes], str]]] = {
    "a": ("keep every line", "text", lambda name, data: data.decode("utf-8", "replace")),
    "b": ("lingoflow", "text", lingoflow_kept),
    "c": ("lingoflow", "html", lingoflow_kept),
    "e": (
        "lingoflow, trafilatura for every page",
        "html",
        lambda n, d: lingoflow_kept(n, d, TRAFILATURA),
    ),
    "d": ("trafilatura defaults, comments off", "html", trafilatura_kept),
}


def evaluate(data: Path, systems: list[str], out: Path | None = None) -> dict[str, Score]:
    """Score every system on every page of ``data``."""
    tokens = scorer_tokens(data)
    scores = {key: Score() for key in systems}
    for gold_file in sorted((data / "gold").glob("*.txt")):
        gold = tokens(gold_file.read_text(encoding="utf-8"))
        for key in systems:
            _, kind, run = SYSTEMS[key]
            source = data / kind / f"{gold_file.stem}.{'txt' if kind == 'text' else 'html'}"
            started = time.perf_counter()
            kept = run(source.name, source.read_bytes())
            scores[key].seconds += time.perf_counter() - started
            scores[key].add(gold, tokens(kept))
            if out is not None:
                (out / key).mkdir(parents=True, exist_ok=True)
                (out / key / gold_file.name).write_text(kept, encoding="utf-8")
    return scores


def table(scores: dict[str, Score]) -> str:
    rows = [
        "| system | input | precision | recall | F1 | mean page F1 | pages/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, score in scores.items():
        label, kind, _ = SYSTEMS[key]
        rate = len(score.pages) / score.seconds if score.seconds else 0.0
        rows.append(
            f"| ({key}) {label} | {kind} | {score.precision:.3f} | {score.recall:.3f} | "
            f"{score.f1:.3f} | {sum(score.pages) / max(1, len(score.pages)):.3f} | {rate:.1f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", default="a,b,c,d,e", help="systems to run, e.g. a,b")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    systems = [s for s in args.only.split(",") if s in SYSTEMS]
    pages = len(list((args.data / "gold").glob("*.txt")))
    print(f"{pages} pages from {args.data}")
    scores: dict[str, Any] = evaluate(args.data, systems, args.out)
    print(table(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
