"""Run the hand-written cleaning cases of tests/test-cases/cleaning.json (see its README)."""

from __future__ import annotations

import json
from typing import Any

from lingoflow.processors.clean.cleaner import clean_text
from lingoflow.processors.clean.removal import repeated_lines
from lingoflow.processors.core.config import CleanConfig
from tests.conftest import ROOT

CASES_FILE = ROOT / "tests" / "test-cases" / "cleaning.json"


def load_cases() -> list[dict[str, Any]]:
    """The cases, in file order."""
    cases: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return cases


def run_case(case: dict[str, Any], config: CleanConfig) -> dict[str, Any]:
    """What cleaning makes of a case's input, in the shape the case states its expectations."""
    text = "\n".join(case["input"])
    others = case.get("same_source", [])
    repeated = repeated_lines([case["input"], *others], config) if others else frozenset[str]()
    cleaned = clean_text(text, config, repeated)
    segments: list[list[Any]] = []
    for expected, block in zip(
        case["segments"] + [None] * len(cleaned.blocks), cleaned.blocks, strict=False
    ):
        row: list[Any] = [block.role, block.text]
        if expected is not None and len(expected) == 3:
            row.append({key: getattr(block, key) for key in expected[2]})
        segments.append(row)
    metadata = cleaned.metadata.model_dump(mode="json")
    return {
        "segments": segments,
        "removed": [[r.reason, r.text] for r in cleaned.removed],
        "metadata": {key: metadata[key] for key in case.get("metadata", {})},
    }


def expected(case: dict[str, Any]) -> dict[str, Any]:
    """A case's expectations in the shape :func:`run_case` returns."""
    return {
        "segments": case["segments"],
        "removed": case["removed"],
        "metadata": case.get("metadata", {}),
    }
