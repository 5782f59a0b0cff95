"""Golden records: each sample in raw/ against its hand-reviewed expectation in tests/golden/.

Regenerate after a deliberate change, then review the diff line by line before committing:

    .venv/bin/python -m tests.test_golden --update
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.core.record import Record
from lingoflow.processors.text.sentences import split_sentences
from tests.conftest import RAW, ROOT
from tests.helpers import process_together

GOLDEN = ROOT / "tests" / "golden"
SAMPLES = sorted(p.name for p in RAW.iterdir() if p.is_file() and not p.name.startswith("."))


@functools.lru_cache(maxsize=64)
def _records(config: PipelineConfig) -> dict[str, Record]:
    return process_together(RAW, SAMPLES, config)


def observe(name: str, config: PipelineConfig, *, detect: bool = True) -> dict[str, Any]:
    """What lingoflow makes of one sample, in the golden files' shape: the samples are
    processed together as one batch, as ``lingoflow run`` processes raw/."""
    untranslated = config.model_copy(update={"translation": TranslationConfig(enabled=False)})
    record = _records(untranslated)[name]
    segments = []
    for segment in record.segments:
        extra = {
            key: value
            for key in ("level", "marker", "footnote_of")
            if (value := getattr(segment, key)) is not None
        }
        lang = segment.lang if detect else None
        segments.append([segment.role, lang, segment.text[segment.lang], extra])
    return {
        "source": name,
        "language": record.language if detect else None,
        "metadata": record.metadata.model_dump(mode="json"),
        "segments": segments,
        "removed": [[r.reason, r.text] for r in record.removed],
    }


def load_golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{Path(name).stem}.json").read_text("utf-8"))
    return data


def golden_mismatches(clean: CleanConfig) -> list[str]:
    """Samples whose cleaning (roles, texts, removals, metadata) differs from the golden files."""
    config = PipelineConfig(clean=clean)
    mismatched = []
    for name in SAMPLES:
        seen, want = observe(name, config, detect=False), load_golden(name)
        for key in ("metadata", "removed"):
            if seen[key] != want[key]:
                mismatched.append(f"{name}: {key}")
        if [s[0::2] for s in seen["segments"]] != [s[0::2] for s in want["segments"]]:
            mismatched.append(f"{name}: segments")
    return mismatched


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_matches_golden(name: str) -> None:
    assert observe(name, PipelineConfig()) == load_golden(name)


@pytest.mark.parametrize("name", SAMPLES)
def test_no_content_sentence_is_lost(name: str) -> None:
    """Every sentence of the input is in a segment, or in removed with a reason (compared as
    word sequences, so normalisation of marks and spacing does not matter)."""
    seen = observe(name, PipelineConfig(), detect=False)
    kept = _words(" ".join(s[2] for s in seen["segments"]))
    removed = _words(" ".join(text for _, text in seen["removed"]))
    raw = (RAW / name).read_text(encoding="utf-8-sig").replace("<sub>", "").replace("</sub>", "")
    for line in raw.splitlines():
        # Bullets, footnote markers and caption labels move to `marker` and `role`.
        line = re.sub(r"^\s*(?:[□ㅇ▸※*-]+|Photo\s*:\s*▲)\s+", "", line)
        for sentence in split_sentences(line):
            probe = _words(sentence)
            assert probe in kept or probe in removed, f"lost: {sentence!r}"


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text)) + " "


def test_003_notice_is_korean_and_apart_from_the_body() -> None:
    record = load_golden("003_c920be901eaf93a9.txt")
    first = record["segments"][0]
    assert first[0:2] == ["notice", "ko"] and first[2].endswith("감사합니다.")
    assert all(s[0] != "notice" for s in record["segments"][1:])
    assert record["language"] == "en"


def main(argv: list[str]) -> int:
    if argv != ["--update"]:
        print(__doc__)
        return 2
    GOLDEN.mkdir(exist_ok=True)
    for name in SAMPLES:
        path = GOLDEN / f"{Path(name).stem}.json"
        text = json.dumps(observe(name, PipelineConfig()), ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")
        print("wrote", path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
