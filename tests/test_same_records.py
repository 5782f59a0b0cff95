"""The records do not change by accident: each record of the samples (translated with the test
packages) and of a generated corpus (untranslated), without its pipeline block, against the
digests in tests/golden/record-digests.json, processed the way a run processes a folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import generate
from lingoflow.processors.batch import split_batches
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.record import Record
from tests.conftest import RAW, ROOT
from tests.helpers import process_together

DIGESTS = json.loads((ROOT / "tests" / "golden" / "record-digests.json").read_text("utf-8"))


def digest(record: Record) -> str:
    data: dict[str, Any] = record.model_dump(mode="json")
    data.pop("pipeline")
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def test_sample_records_unchanged() -> None:
    names = sorted(p.name for p in RAW.iterdir())
    records = process_together(RAW, names, PipelineConfig())
    assert {path: digest(r) for path, r in records.items()} == DIGESTS["raw_translated"]


@pytest.mark.slow
def test_generated_corpus_records_unchanged(tmp_path: Path) -> None:
    expected: dict[str, str] = DIGESTS["corpus_128_untranslated"]
    list(generate(tmp_path, len(expected), seed=0))
    paths = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    seen: dict[str, str] = {}
    for batch in split_batches(paths, 64):
        seen.update(
            {path: digest(r) for path, r in process_together(tmp_path, batch, config).items()}
        )
    assert seen == expected


def main(argv: list[str]) -> int:
    """``python -m tests.test_same_records --update``: recompute the digests after a
    deliberate, reviewed change of output (review tests/golden first)."""
    if argv != ["--update"]:
        print(main.__doc__)
        return 2
    import os
    import sys
    import tempfile

    from tests.argos import build_packages
    from tests.helpers import install_en_ko

    with tempfile.TemporaryDirectory() as tmp:  # the tests' ko/en packages, as pytest has them
        build_packages(Path(tmp), [("ko", "en"), ("en", "ko")])
        install_en_ko(Path(tmp), Path(os.environ["ARGOS_PACKAGES_DIR"]))
    names = sorted(p.name for p in RAW.iterdir())
    raw = {path: digest(r) for path, r in process_together(RAW, names, PipelineConfig()).items()}
    corpus: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        list(generate(folder, len(DIGESTS["corpus_128_untranslated"]), seed=0))
        paths = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        config = PipelineConfig(translation=TranslationConfig(enabled=False))
        for batch in split_batches(paths, 64):
            for path, record in process_together(folder, batch, config).items():
                corpus[path] = digest(record)
    updated = {**DIGESTS, "raw_translated": raw, "corpus_128_untranslated": corpus}
    target = ROOT / "tests" / "golden" / "record-digests.json"
    target.write_text(json.dumps(updated, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
