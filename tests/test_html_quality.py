"""Main-content extraction quality on ../shared/eval/html, scored as bench.html scores it."""

from __future__ import annotations

import json

import pytest

from bench.html import DEFAULT_DATA, GOAL_F1, GOAL_PRECISION, Score, lingoflow_text
from lingoflow.processors.core.config import PipelineConfig


@pytest.mark.skipif(
    not DEFAULT_DATA.is_dir(), reason="../shared/eval/html is not beside the project"
)
def test_extraction_meets_the_goal_on_the_evaluation_pages() -> None:
    cases = json.loads((DEFAULT_DATA / "evaldata.json").read_text(encoding="utf-8")).values()
    extract = lingoflow_text(PipelineConfig())
    score = Score()
    for case in cases:
        text = extract((DEFAULT_DATA / "pages" / case["file"]).read_bytes())
        score.add(text, case["with"], case["without"])
    assert score.tp + score.fn + score.fp + score.tn == 722
    assert score.f1 >= GOAL_F1 and score.precision >= GOAL_PRECISION, (score.f1, score.precision)
