"""Train the page-block classifier of lingoflow.processors.clean.page_blocks on the shared pages.

Data: ../shared/eval/boilerplate (CleanEval development pages and news portals): each page's
HTML and its human gold main text. Each block of the page, as lingoflow's DOM walk reads it
(lingoflow.processors.read.dom, after decoding), is labelled content when at least half of its
word tokens are aligned with the gold text (the same alignment as bench.train_boilerplate);
blocks are weighted by the square root of their token count, as the score counts tokens.

Also, unless --no-snippets: ../shared/eval/html (trafilatura's evaluation pages, many
languages), each block holding one of a page's wanted snippets labelled content, one holding
an unwanted snippet boilerplate, the rest unlabelled (weight 0). The boilerplate pages alone
are English news and 2007 CleanEval pages; the snippet pages teach the model German, French,
Spanish, Chinese and Japanese sites (eval/html F1 0.878 unseen; 0.904 cross-validated).

Both stages are L2-regularised logistic regressions (bench.train_boilerplate.fit); the second
is trained on out-of-fold probabilities of the first. Reported: 5-fold cross-validation by
page over both sets (each page scored by models that never saw it) at several thresholds,
with eval/boilerplate's bag-of-words scorer and bench.html's snippet measure over the kept
blocks.

    python -m bench.train_page_blocks [--data DIR] [--threshold 0.5] [--no-snippets] [--write]
        [--l2 FIRST,SECOND] [--learner FIRST,SECOND] [--third-stage]

--write replaces the shipped model file (processors/clean/page_blocks_model.json). The other
options try variants, cross-validated the same way (the product reads only the default two
logistic regressions, so --write refuses them): the L2 penalty of each stage; gradient-boosted
trees for a stage instead of the logistic regression (``trees``: LightGBM, not a dependency of
lingoflow: ``pip install lightgbm`` first); a third stage, fitted as the second, reading the
second's probabilities over the neighbouring blocks as the second reads the first's.
"""

from __future__ import annotations

import argparse
import functools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.cleaning import DEFAULT_DATA
from bench.train_boilerplate import (
    FOLDS,
    L2,
    THRESHOLDS,
    Page,
    Scorer,
    aligned_shares,
    fit,
    fit_stages,
    model_file,
    out_of_fold,
    score,
    tokens,
    write_model,
)
from lingoflow.processors.clean.boilerplate import Matrix
from lingoflow.processors.clean.page_blocks import (
    FEATURES,
    MODEL_PATH,
    page_features,
    second_stage_features,
)
from lingoflow.processors.core.document import PageBlock
from lingoflow.processors.read.decode import decode_bytes
from lingoflow.processors.read.dom import page_blocks, parse_html
from lingoflow.processors.text.repair import repair_text

DROPPED = (
    *(f"stopword_density{suffix}" for suffix in ("", "_w1", "_w3", "_w6")),
    "capitalised_share",
)
"""Left out by default, as features of English: the English function-word density (the
multilingual one stays), which makes German, French or Spanish running text look like a menu,
and the share of capitalised words (German capitalises every noun). On eval/html, never
trained on: F1 0.862 with both left out against 0.840 with both in."""


def read_blocks(html_bytes: bytes) -> list[PageBlock]:
    """A page's blocks as the pipeline reads them (decoded, each block's text repaired)."""
    blocks = page_blocks(parse_html(decode_bytes(html_bytes).text))
    for block in blocks:
        block.text = repair_text(block.text)
    return blocks


def load(data: Path) -> tuple[list[Page], list[list[PageBlock]]]:
    pages, all_blocks = [], []
    for gold_file in sorted((data / "gold").glob("*.txt")):
        gold = tokens(gold_file.read_text(encoding="utf-8"))
        blocks = read_blocks((data / "html" / f"{gold_file.stem}.html").read_bytes())
        texts = [b.text for b in blocks]
        pages.append(
            Page(
                gold_file.stem,
                texts,
                [False] * len(texts),
                aligned_shares(texts, gold),
                Counter(gold),
            )
        )
        all_blocks.append(blocks)
    return pages, all_blocks


def gold_targets(pages: list[Page]) -> tuple[list[Matrix], list[Matrix]]:
    """Each eval/boilerplate page's block labels (content when at least half its tokens align
    with the gold text) and weights (the square root of the block's token count)."""
    labels = [np.array([float(v >= 0.5) for v in p.labels]) for p in pages]
    weights = [np.sqrt(np.array([max(1, len(tokens(t))) for t in p.texts], float)) for p in pages]
    return labels, weights


def second_stage_rows(
    blocks: list[list[PageBlock]], features: list[Matrix], first: list[Matrix]
) -> list[Matrix]:
    """The second stage's features of each page, from the first stage's probabilities."""
    return [second_stage_features(b, f, p) for b, f, p in zip(blocks, features, first, strict=True)]


HTML_EVAL = DEFAULT_DATA.parent / "html"
SNIPPET_WEIGHT = 3.0
"""Weight of a block labelled by a snippet of eval/html (a few a page) against a block of
eval/boilerplate labelled by its gold text (every block of a page)."""


def load_snippet_pages(data: Path) -> tuple[list[list[PageBlock]], list[dict[str, list[str]]]]:
    """eval/html's pages as blocks, with the snippets each must and must not keep."""
    meta = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    blocks, snippets = [], []
    for entry in meta.values():
        blocks.append(read_blocks((data / "pages" / entry["file"]).read_bytes()))
        snippets.append({"with": entry.get("with") or [], "without": entry.get("without") or []})
    return blocks, snippets


def snippet_labels(blocks: list[PageBlock], wanted: dict[str, list[str]]) -> tuple[Matrix, Matrix]:
    """Content (1) for a block holding a wanted snippet, boilerplate (0) for one holding an
    unwanted one; weight 0 for the rest, about which the page says nothing."""
    labels, weights = np.zeros(len(blocks)), np.zeros(len(blocks))
    for i, block in enumerate(blocks):
        if any(s in block.text for s in wanted["with"]):
            labels[i], weights[i] = 1.0, SNIPPET_WEIGHT
        elif any(s in block.text for s in wanted["without"]):
            labels[i], weights[i] = 0.0, SNIPPET_WEIGHT
    return labels, weights


def snippet_score(
    blocks: list[list[PageBlock]],
    wanted: list[dict[str, list[str]]],
    probabilities: list[Matrix],
    threshold: float,
) -> tuple[float, float, float]:
    """bench.html's measure over the kept blocks: precision, recall, F1 of snippets."""
    tp = fn = fp = 0
    for page, want, p in zip(blocks, wanted, probabilities, strict=True):
        text = "\n".join(b.text for b, q in zip(page, p, strict=True) if q >= threshold)
        found = [s in text for s in want["with"]]
        tp, fn = tp + sum(found), fn + len(found) - sum(found)
        fp += sum(s in text for s in want["without"])
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


TREE_ROUNDS = 200
TREE_PARAMETERS = {
    "objective": "binary",
    "num_leaves": 15,
    "learning_rate": 0.05,
    "min_data_in_leaf": 20,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.8,
    "lambda_l2": 1.0,
    "seed": 1,
    "verbose": -1,
}
"""LightGBM's settings for ``--learner trees`` (its usual starting point, not tuned here)."""


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted trees fitted by LightGBM (``--learner trees``)."""

    booster: Any

    def probabilities(self, features: Matrix) -> Matrix:
        return np.asarray(self.booster.predict(features), dtype=float)


def fit_trees(x: Matrix, y: Matrix, weight: Matrix) -> Scorer:
    try:
        import lightgbm  # type: ignore[import-not-found]
    except ImportError:
        raise SystemExit("--learner trees needs LightGBM: pip install lightgbm") from None
    data = lightgbm.Dataset(x, y, weight=weight)
    return Trees(lightgbm.train(TREE_PARAMETERS, data, TREE_ROUNDS))


def learner(name: str, l2: float) -> Callable[[Matrix, Matrix, Matrix], Scorer]:
    """The fitter of one stage: ``logistic`` (with penalty ``l2``) or ``trees``."""
    if name == "trees":
        return fit_trees
    return functools.partial(fit, l2=l2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.name}")
    parser.add_argument(
        "--no-snippets",
        dest="snippets",
        action="store_false",
        help="train on eval/boilerplate alone (eval/html then stays unseen: see bench.html)",
    )
    parser.add_argument(
        "--drop",
        default=",".join(DROPPED),
        help="features left out, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--l2", default=f"{L2:g},{L2:g}", help="L2 penalty of each stage (default: %(default)s)"
    )
    parser.add_argument(
        "--learner",
        default="logistic,logistic",
        help="each stage's model, logistic or trees (default: %(default)s)",
    )
    parser.add_argument(
        "--third-stage",
        action="store_true",
        help="also cross-validate a third stage (the second stage's learner and penalty)",
    )
    args = parser.parse_args(argv)

    try:
        penalties = [float(v) for v in args.l2.split(",")]
    except ValueError:
        parser.error(f"--l2 takes two numbers: {args.l2!r}")
    learners = args.learner.split(",")
    if len(penalties) != 2 or len(learners) != 2 or set(learners) - {"logistic", "trees"}:
        parser.error("--l2 and --learner take two values, one a stage")
    variant = penalties != [L2, L2] or learners != ["logistic", "logistic"] or args.third_stage
    if args.write and variant:
        parser.error("--write writes the default model only (two logistic regressions)")
    first_fit, second_fit = (learner(n, p) for n, p in zip(learners, penalties, strict=True))
    dropped = {name for name in args.drop.split(",") if name}
    unknown = dropped - set(FEATURES)
    if unknown:
        parser.error(f"unknown features: {sorted(unknown)}")
    used = [name for name in FEATURES if name not in dropped]
    columns = [FEATURES.index(name) for name in used]
    pages, blocks = load(args.data)
    labels, weights = gold_targets(pages)
    snippet_blocks, snippets = load_snippet_pages(HTML_EVAL)
    if args.snippets:
        for page, want in zip(snippet_blocks, snippets, strict=True):
            y, w = snippet_labels(page, want)
            labels.append(y)
            weights.append(w)
        blocks = blocks + snippet_blocks
    features = [page_features(b)[:, columns] for b in blocks]
    fold = np.arange(len(blocks)) % FOLDS
    print(
        f"{len(pages)} pages, {sum(len(p.texts) for p in pages)} blocks, "
        f"{np.mean(np.concatenate(labels[: len(pages)])):.3f} labelled content"
        + (f"; {len(snippet_blocks)} snippet pages" if args.snippets else "")
    )
    first = out_of_fold(features, labels, weights, fold, first_fit)
    second = second_stage_rows(blocks, features, first)
    cross = out_of_fold(second, labels, weights, fold, second_fit)
    stages = [("block features", first), ("with context", cross)]
    if args.third_stage:
        third = second_stage_rows(blocks, features, cross)
        stages.append(("third stage", out_of_fold(third, labels, weights, fold, second_fit)))
    print("\n5-fold cross-validation by page (held-out pages only)\n")
    print("| stage | threshold | precision | recall | F1 | mean page F1 | eval/html P / R / F1 |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    held_out: tuple[float, float, float] = (0.0, 0.0, 0.0)
    for stage, probabilities in stages:
        for threshold in THRESHOLDS:
            p, r, f1, mean = score(pages, probabilities[: len(pages)], threshold)
            results[(stage, threshold)] = (p, r, f1, mean)
            if args.snippets:
                found = snippet_score(
                    snippet_blocks, snippets, probabilities[len(pages) :], threshold
                )
                if (stage, threshold) == ("with context", args.threshold):
                    held_out = found
                html = " / ".join(f"{v:.3f}" for v in found)
            else:
                html = "(not trained on: see bench.html)"
            print(f"| {stage} | {threshold} | {p:.3f} | {r:.3f} | {f1:.3f} | {mean:.3f} | {html} |")

    if variant:
        return 0  # a variant is cross-validated only
    blocks_model, context_model = fit_stages(features, second, labels, weights)
    model = model_file(
        "lingoflow page-block classifier for HTML: two logistic regressions (text and markup "
        "features of each DOM block; then the neighbours' probabilities and the main element)",
        "python -m bench.train_page_blocks --write",
        len(pages),
        results[("with context", args.threshold)],
        {
            "features": used,
            "trained_on": f"{len(pages)} pages of eval/boilerplate (CleanEval dev, "
            "CleanPortalEval news portals), labels from token alignment with the gold text"
            + (
                f"; {len(snippet_blocks)} pages of eval/html (trafilatura's evaluation set), "
                "labels from its wanted and unwanted snippets"
                if args.snippets
                else ""
            ),
            "cross_validation_eval_html": dict(
                zip(("precision", "recall", "f1"), (round(v, 4) for v in held_out), strict=True)
            )
            if args.snippets
            else None,
        },
    )
    model |= {
        "threshold": args.threshold,
        "blocks": blocks_model.to_json(),
        "context": context_model.to_json(),
    }
    if args.write:
        write_model(MODEL_PATH, model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
