"""The records do not change by accident: whole records (but their ``pipeline`` block) of the
samples, translated with the test packages, and of documents of the generated corpus,
untranslated, each processed the way a run processes a folder, against the reviewed files in
tests/golden/records/. A difference fails with a diff of the two as JSON.

After a deliberate change of output: ``python -m tests.test_same_records --update``, then
review ``git diff tests/golden/records`` and commit the reviewed files with the change."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import generate
from lingoflow.processors.batch import split_batches
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.record import Record
from tests.conftest import RAW, ROOT
from tests.helpers import process_together

GOLDEN = ROOT / "tests" / "golden" / "records"
CORPUS_SIZE = 128
"""Documents generated (seed 0) and processed in batches of 64, as a run would."""
CORPUS_KEPT = [i for i in range(24) if i % 97 != 1]
"""The corpus documents whose records are kept: every kind of file the generator makes (UTF-8,
BOM, CP949, UTF-16, mojibake, HTML) four times; document 1 is a 200 KB one, left out."""


def comparable(record: Record) -> dict[str, Any]:
    """A record without what changes from run to run (when and by which flow run it was made,
    and the version and settings digest of the code that made it)."""
    data: dict[str, Any] = record.model_dump(mode="json")
    data.pop("pipeline")
    return data


def pretty(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def difference(expected: object, found: object, name: str) -> str:
    """The first lines of a unified diff between two JSON values, or ""."""
    lines = difflib.unified_diff(
        pretty(expected).splitlines(),
        pretty(found).splitlines(),
        f"golden/{name}",
        "now",
        n=2,
        lineterm="",
    )
    return "\n".join(list(lines)[:120])


def sample_records() -> dict[str, dict[str, Any]]:
    names = sorted(p.name for p in RAW.iterdir())
    return {n: comparable(r) for n, r in process_together(RAW, names, PipelineConfig()).items()}


def corpus_records(folder: Path) -> dict[str, dict[str, Any]]:
    list(generate(folder, CORPUS_SIZE, seed=0))
    paths = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    kept = {paths[i] for i in CORPUS_KEPT}
    found: dict[str, dict[str, Any]] = {}
    for batch in split_batches(paths, 64):
        for path, record in process_together(folder, batch, config).items():
            if path in kept:
                found[path] = comparable(record)
    return found


def golden_name(path: str) -> str:
    return path.replace("/", "__") + ".json"


def assert_as_golden(found: dict[str, dict[str, Any]], folder: Path) -> None:
    expected = {p.name: json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))}
    found_by_name = {golden_name(path): record for path, record in found.items()}
    assert sorted(found_by_name) == sorted(expected)
    diffs = [
        difference(expected[name], record, f"{folder.name}/{name}")
        for name, record in sorted(found_by_name.items())
        if record != expected[name]
    ]
    assert not diffs, "\n\n".join(diffs)


def test_sample_records_are_the_golden_ones() -> None:
    assert_as_golden(sample_records(), GOLDEN / "raw")


@pytest.mark.slow
def test_generated_corpus_records_are_the_golden_ones(tmp_path: Path) -> None:
    assert_as_golden(corpus_records(tmp_path), GOLDEN / "corpus")


def test_a_difference_is_shown_as_a_json_diff() -> None:
    shown = difference({"title": "Old", "n": 1}, {"title": "New", "n": 1}, "x.json")
    assert '- "title": "Old"' in shown and '+ "title": "New"' in shown


def write(found: dict[str, dict[str, Any]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for path, record in found.items():
        (folder / golden_name(path)).write_text(pretty(record), encoding="utf-8")


def main(argv: list[str]) -> int:
    """``python -m tests.test_same_records --update``: write the golden records anew after a
    deliberate change of output (then review the diff)."""
    if argv != ["--update"]:
        print(main.__doc__)
        return 2
    import os
    import tempfile

    from tests.argos import build_packages
    from tests.helpers import install_en_ko

    with tempfile.TemporaryDirectory() as tmp:  # the tests' ko/en packages, as pytest has them
        build_packages(Path(tmp), [("ko", "en"), ("en", "ko")])
        install_en_ko(Path(tmp), Path(os.environ["ARGOS_PACKAGES_DIR"]))
    write(sample_records(), GOLDEN / "raw")
    with tempfile.TemporaryDirectory() as tmp:
        write(corpus_records(Path(tmp)), GOLDEN / "corpus")
    print(f"wrote {GOLDEN.relative_to(ROOT)}: review with git diff", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
