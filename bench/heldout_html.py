"""HTML extraction on pages the page-block model never saw, through the pipeline.

The shipped page-block model is trained on both shared sets with main-content labels
(../shared/eval/boilerplate: gold text; ../shared/eval/html: wanted and unwanted snippets), so
``bench.cleaning`` and ``bench.html`` score it in-sample. Here every page is scored by a model
trained without it: each set is cut into 5 folds by page, and the pages of a fold are read with
a model trained on the other set and the other 4 folds of theirs (same features, stages and
threshold as ``bench.train_page_blocks``). Each page goes through the pipeline (decode, repair,
extraction, the rules) three ways:

  blocks alone      the blocks extractor, never falling back;
  trafilatura       the trafilatura path for every page (``--html-extractor trafilatura``);
  blocks + fallback the blocks extractor, the page read with trafilatura where it kept fewer
                    than SHARE of the words of the page's visible blocks, for several SHAREs
                    (the shipped one is ``pipeline.BLOCKS_FALLBACK_SHARE``; the visible
                    words are counted here before repair, in the pipeline after it: on these
                    pages the two differ on one page at most).

Scored as ``bench.html`` (snippets) and ``bench.cleaning`` (bag of words, micro-averaged, and
the mean page F1). About a minute.

    python -m bench.heldout_html [--shares 0.1,0.125,0.2,0.3,0.4] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import lingoflow.processors.pipeline as pipeline
from bench.cleaning import CONFIG, scorer_tokens
from bench.cleaning import Score as WordScore
from bench.html import Score as SnippetScore
from bench.train_boilerplate import FOLDS, fit_stages, out_of_fold
from bench.train_page_blocks import (
    DEFAULT_DATA,
    DROPPED,
    HTML_EVAL,
    gold_targets,
    load,
    load_snippet_pages,
    second_stage_rows,
    snippet_labels,
)
from lingoflow.processors.clean import page_blocks as blocks_module
from lingoflow.processors.clean.boilerplate import Matrix
from lingoflow.processors.core.config import CleanConfig, PipelineConfig
from lingoflow.processors.core.document import Document, PageBlock
from lingoflow.processors.read.decode import decode_bytes
from lingoflow.processors.read.dom import page_blocks, parse_html

BLOCKS = CONFIG.model_copy(update={"clean": CleanConfig(html_extractor="blocks")})
TRAFILATURA = CONFIG.model_copy(update={"clean": CleanConfig(html_extractor="trafilatura")})
SHARES = (0.1, 0.125, 0.2, 0.3, 0.4)


@dataclass
class PageRun:
    """One page read both ways, and what the fallback rule looks at."""

    blocks: str
    trafilatura: str
    kept: int
    visible: int


def fold_models(folder: Path) -> tuple[list[Path], list[Path]]:
    """Model files: for each fold of eval/boilerplate, then of eval/html, a model trained on
    every page but that fold's."""
    columns = [blocks_module.FEATURES.index(n) for n in blocks_module.FEATURES if n not in DROPPED]
    used = [blocks_module.FEATURES[c] for c in columns]
    pages, gold_blocks = load(DEFAULT_DATA)
    gold_labels, gold_weights = gold_targets(pages)
    snippet_blocks, snippets = load_snippet_pages(HTML_EVAL)
    labelled = [snippet_labels(b, w) for b, w in zip(snippet_blocks, snippets, strict=True)]
    sets = [
        (gold_blocks, gold_labels, gold_weights),
        (snippet_blocks, [y for y, _ in labelled], [w for _, w in labelled]),
    ]
    features = [[blocks_module.page_features(b)[:, columns] for b in s[0]] for s in sets]
    paths: list[list[Path]] = [[], []]
    for held in (0, 1):
        for k in range(FOLDS):
            rows: list[tuple[list[PageBlock], Matrix, Matrix, Matrix]] = []
            for which, (page_list, labels, weights) in enumerate(sets):
                for i, page in enumerate(page_list):
                    if which != held or i % FOLDS != k:
                        rows.append((page, features[which][i], labels[i], weights[i]))
            x = [r[1] for r in rows]
            y = [r[2] for r in rows]
            w = [r[3] for r in rows]
            first = out_of_fold(x, y, w, np.arange(len(rows)) % FOLDS)
            second = second_stage_rows([r[0] for r in rows], x, first)
            stage1, stage2 = fit_stages(x, second, y, w)
            path = folder / f"{'html' if held else 'boilerplate'}-{k}.json"
            model = {
                "about": {"features": used},
                "threshold": blocks_module.load_page_model().threshold,
                "blocks": stage1.to_json(),
                "context": stage2.to_json(),
            }
            path.write_text(json.dumps(model), encoding="utf-8")
            paths[held].append(path)
    return paths[0], paths[1]


@contextmanager
def page_model(path: Path) -> Iterator[None]:
    """The pipeline reads pages with the model in ``path``."""
    shipped = blocks_module.load_page_model
    blocks_module.load_page_model = lambda _path=path: shipped(_path)  # type: ignore[assignment]
    try:
        yield
    finally:
        blocks_module.load_page_model = shipped


def read(data: bytes, config: PipelineConfig) -> Document:
    doc = Document(rel_path="page.html", doc_id="page-000000000000", data=data)
    pipeline.run_steps([doc], config)
    return doc


def text_of(doc: Document) -> str:
    return "\n".join(b.text for b in doc.blocks if b.role != "notice")


def run_page(data: bytes, model: Path) -> PageRun:
    shipped_share = pipeline.BLOCKS_FALLBACK_SHARE
    pipeline.BLOCKS_FALLBACK_SHARE = 0.0
    try:
        with page_model(model):
            alone = read(data, BLOCKS)
    finally:
        pipeline.BLOCKS_FALLBACK_SHARE = shipped_share
    visible = sum(len(b.text.split()) for b in page_blocks(parse_html(decode_bytes(data).text)))
    return PageRun(
        blocks=text_of(alone),
        trafilatura=text_of(read(data, TRAFILATURA)),
        kept=sum(len(b.text.split()) for b in alone.blocks),
        visible=visible,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shares", default=",".join(map(str, SHARES)))
    parser.add_argument(
        "--show-errors",
        action="store_true",
        help="list the eval/html snippets the shipped configuration gets wrong, page by page",
    )
    args = parser.parse_args(argv)
    shares = [float(s) for s in args.shares.split(",") if s]
    with tempfile.TemporaryDirectory() as folder:
        gold_models, snippet_models = fold_models(Path(folder))
        tokenize = scorer_tokens(DEFAULT_DATA)
        gold_files = sorted((DEFAULT_DATA / "gold").glob("*.txt"))
        gold_runs = [
            (
                tokenize(g.read_text(encoding="utf-8")),
                run_page(
                    (DEFAULT_DATA / "html" / f"{g.stem}.html").read_bytes(), gold_models[i % FOLDS]
                ),
            )
            for i, g in enumerate(gold_files)
        ]
        entries = list(
            json.loads((HTML_EVAL / "evaldata.json").read_text(encoding="utf-8")).values()
        )
        snippet_runs = [
            (
                entry,
                run_page(
                    (HTML_EVAL / "pages" / entry["file"]).read_bytes(), snippet_models[i % FOLDS]
                ),
            )
            for i, entry in enumerate(entries)
        ]

    def scores(by_trafilatura: Callable[[PageRun], bool]) -> str:
        snippet, words = SnippetScore(), WordScore()
        counts = [0, 0]
        for entry, run in snippet_runs:
            chosen = by_trafilatura(run)
            counts[0] += chosen
            text = run.trafilatura if chosen else run.blocks
            snippet.add(text, entry.get("with") or [], entry.get("without") or [])
        for gold, run in gold_runs:
            chosen = by_trafilatura(run)
            counts[1] += chosen
            words.add(gold, tokenize(run.trafilatura if chosen else run.blocks))
        mean = sum(words.pages) / len(words.pages)
        return (
            f"{snippet.precision:.3f} / {snippet.recall:.3f} / {snippet.f1:.3f} | "
            f"{words.precision:.3f} / {words.recall:.3f} / {words.f1:.3f}, {mean:.3f} | "
            f"{counts[0]} + {counts[1]}"
        )

    print(
        f"{len(snippet_runs)} pages of eval/html, {len(gold_runs)} of eval/boilerplate, each "
        "read with a page-block model trained without it\n"
    )
    print(
        "| system | eval/html P / R / F1 | eval/boilerplate P / R / F1, mean page F1 "
        "| pages read by trafilatura (html + boilerplate) |"
    )
    print("|---|---|---|---|")
    print(f"| blocks alone | {scores(lambda run: False)} |")
    for share in shares:
        shipped = " (shipped)" if share == pipeline.BLOCKS_FALLBACK_SHARE else ""

        def below(run: PageRun, share: float = share) -> bool:
            return run.kept < share * run.visible

        print(f"| blocks + fallback under {share}{shipped} | {scores(below)} |")
    print(f"| trafilatura path | {scores(lambda run: True)} |")
    if args.show_errors:
        for entry, run in snippet_runs:
            chosen = run.kept < pipeline.BLOCKS_FALLBACK_SHARE * run.visible
            wrong = SnippetScore().add(
                run.trafilatura if chosen else run.blocks,
                entry.get("with") or [],
                entry.get("without") or [],
            )
            for line in wrong:
                print(f"{entry['file'][:40]:40} {'T' if chosen else 'B'} {line[:110]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
