"""Train the boilerplate classifier of lingoflow.processors.clean.boilerplate on the shared pages.

Data: ../shared/eval/boilerplate (CleanEval development pages and news portals): each page's
naive visible text and its human gold main text. Each line of the text, as cleaning reads it
(decoded, repaired, normalised, hard-wrapped lines rejoined), is labelled content when at least
half of its word tokens are aligned with the gold text (difflib's longest matching blocks over
the token sequences, so menu words that also occur in the article do not count unless they are
in the same order), else boilerplate. Lines are weighted by the square root of their token
count, as the score counts tokens.

Both stages are L2-regularised logistic regressions fitted by Newton's method (numpy only). The
second stage is trained on out-of-fold probabilities of the first, as it will see them on new
pages. Reported: 5-fold cross-validation by page (every page scored by models that never saw
it), with the set's own bag-of-words scorer, at several thresholds; the shipped model is then
fitted on all pages with the chosen threshold.

    python -m bench.train_boilerplate [--data DIR] [--write]

--write replaces lingoflow's shipped model file (processors/clean/boilerplate_model.json).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bench.cleaning import DEFAULT_DATA
from lingoflow.processors.clean.boilerplate import (
    FEATURES,
    MODEL_PATH,
    SECOND_STAGE,
    LogisticModel,
    Matrix,
    context_features,
    document_features,
)
from lingoflow.processors.clean.cleaner import prepare_lines
from lingoflow.processors.core.config import CleanConfig
from lingoflow.processors.read.decode import decode_bytes
from lingoflow.processors.text.repair import repair_text

TOKEN = re.compile(r"\w+")
FOLDS = 5
L2 = 1.0
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def tokens(text: str) -> list[str]:
    return [t.lower() for t in TOKEN.findall(text)]


@dataclass
class Page:
    name: str
    texts: list[str]
    blanks: list[bool]
    labels: list[float]
    gold: Counter[str]


def aligned_shares(texts: list[str], gold: list[str]) -> list[float]:
    """For each text of a page, the share of its word tokens aligned with the gold text's."""
    sequence: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        found = tokens(text)
        sequence += found
        owner += [i] * len(found)
    matcher = difflib.SequenceMatcher(None, sequence, gold, autojunk=False)
    matched, total = [0] * len(texts), Counter(owner)
    for a, _, size in matcher.get_matching_blocks():
        for k in range(a, a + size):
            matched[owner[k]] += 1
    return [matched[i] / total[i] if total[i] else 0.0 for i in range(len(texts))]


def load_pages(data: Path) -> list[Page]:
    """Every page's lines as cleaning reads them, with their share of gold-aligned tokens."""
    pages = []
    for gold_file in sorted((data / "gold").glob("*.txt")):
        gold = tokens(gold_file.read_text(encoding="utf-8"))
        text = repair_text(decode_bytes((data / "text" / gold_file.name).read_bytes()).text)
        lines, _ = prepare_lines(text, CleanConfig())
        texts = [x.text for x in lines]
        pages.append(
            Page(
                gold_file.stem,
                texts,
                [x.blank_before for x in lines],
                aligned_shares(texts, gold),
                Counter(gold),
            )
        )
    return pages


def fit(x: Matrix, y: Matrix, weight: Matrix, l2: float = L2) -> LogisticModel:
    """Weighted L2-regularised logistic regression (the bias is not penalised)."""
    mean, spread = x.mean(axis=0), x.std(axis=0)
    scale = np.where(spread < 1e-6, 1.0, spread)  # a constant feature: left as it is
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.diag(np.r_[np.full(z.shape[1] - 1, l2), 0.0])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (weight * (p - y)) + penalty @ beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return LogisticModel(mean=mean, scale=scale, weights=beta)


def score(pages: list[Page], probabilities: list[Matrix], threshold: float) -> tuple[float, ...]:
    """Micro precision, recall, F1 and mean page F1 of keeping the lines at or above
    ``threshold``, scored as the set's score.py scores."""
    tp = fp = fn = 0
    per_page = []
    for page, p in zip(pages, probabilities, strict=True):
        kept: Counter[str] = Counter()
        for text, q in zip(page.texts, p, strict=True):
            if q >= threshold:
                kept.update(tokens(text))
        hit = sum((page.gold & kept).values())
        tp, fp, fn = tp + hit, fp + sum(kept.values()) - hit, fn + sum(page.gold.values()) - hit
        pp, rr = hit / max(1, sum(kept.values())), hit / max(1, sum(page.gold.values()))
        per_page.append(2 * pp * rr / (pp + rr) if pp + rr else 0.0)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, sum(per_page) / len(per_page)


class Scorer(Protocol):
    """A fitted model: the probability of content of each row of features."""

    def probabilities(self, features: Matrix) -> Matrix: ...


def out_of_fold(
    features: list[Matrix],
    labels: list[Matrix],
    weights: list[Matrix],
    fold: npt.NDArray[Any],
    learner: Callable[[Matrix, Matrix, Matrix], Scorer] = fit,
) -> list[Matrix]:
    """Each page's probabilities from a model fitted (by ``learner``, from features, labels
    and weights) on the other folds' pages."""
    out: list[Matrix] = [np.zeros(0)] * len(features)
    for k in range(FOLDS):
        train = [i for i in range(len(features)) if fold[i] != k]
        model = learner(
            np.vstack([features[i] for i in train]),
            np.concatenate([labels[i] for i in train]),
            np.concatenate([weights[i] for i in train]),
        )
        for i in np.flatnonzero(fold == k):
            out[i] = model.probabilities(features[i])
    return out


def fit_stages(
    features: list[Matrix], second: list[Matrix], labels: list[Matrix], weights: list[Matrix]
) -> tuple[LogisticModel, LogisticModel]:
    """Both stages fitted on every page (the shipped model)."""
    y, w = np.concatenate(labels), np.concatenate(weights)
    return fit(np.vstack(features), y, w), fit(np.vstack(second), y, w)


def write_model(path: Path, model: dict[str, Any]) -> None:
    path.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")


def model_file(
    what: str, trained_by: str, pages: int, cross: tuple[float, ...], features: dict[str, Any]
) -> dict[str, Any]:
    """The ``about`` part of a model file: what it is, how it was made, its cross-validated
    precision, recall, F1 and mean page F1 (``cross``), its features."""
    p, r, f1, mean = cross
    return {
        "about": {
            "what": what,
            "trained_by": trained_by,
            "trained_on": f"{pages} pages of eval/boilerplate (CleanEval dev, "
            "CleanPortalEval news portals), labels from token alignment with the gold text",
            "trained_at": datetime.now(UTC).date().isoformat(),
            "cross_validation": {
                "folds": FOLDS,
                "precision": round(p, 4),
                "recall": round(r, 4),
                "f1": round(f1, 4),
                "mean_page_f1": round(mean, 4),
            },
            **features,
        }
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.name}")
    args = parser.parse_args(argv)

    pages = load_pages(args.data)
    features = [document_features(p.texts, p.blanks) for p in pages]
    labels = [np.array([float(v >= 0.5) for v in p.labels]) for p in pages]
    weights = [np.sqrt(np.array([max(1, len(tokens(t))) for t in p.texts], float)) for p in pages]
    fold = np.arange(len(pages)) % FOLDS
    print(
        f"{len(pages)} pages, {sum(len(p.texts) for p in pages)} lines, "
        f"{np.mean(np.concatenate(labels)):.3f} labelled content"
    )

    first = out_of_fold(features, labels, weights, fold)
    second_features = [
        np.hstack([f, context_features(p)]) for f, p in zip(features, first, strict=True)
    ]
    cross = out_of_fold(second_features, labels, weights, fold)

    print("\n5-fold cross-validation by page (held-out pages only)\n")
    print(
        "| stage | threshold | precision | recall | F1 | mean page F1 |\n|---|---|---|---|---|---|"
    )
    results = {}
    for stage, probabilities in (("line features", first), ("with context", cross)):
        for threshold in THRESHOLDS:
            p, r, f1, mean = score(pages, probabilities, threshold)
            results[(stage, threshold)] = (p, r, f1, mean)
            print(f"| {stage} | {threshold} | {p:.3f} | {r:.3f} | {f1:.3f} | {mean:.3f} |")

    lines_model, context_model = fit_stages(features, second_features, labels, weights)
    model = model_file(
        "lingoflow boilerplate classifier for text without markup: two logistic regressions "
        "(line features; then context of neighbouring probabilities)",
        "python -m bench.train_boilerplate --write",
        len(pages),
        results[("with context", args.threshold)],
        {"features": list(FEATURES), "second_stage_features": list(SECOND_STAGE)},
    )
    model |= {
        "threshold": args.threshold,
        "lines": lines_model.to_json(),
        "context": context_model.to_json(),
    }
    if args.write:
        write_model(MODEL_PATH, model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
