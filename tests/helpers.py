"""Shared test helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lingoflow.processors.batch import process_batch
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.record import Record
from lingoflow.processors.output.validate import validate_dir


def assert_valid_records(folder: Path) -> None:
    """Every record and index line in ``folder`` is valid against the published schema."""
    problems = [str(p) for p in validate_dir(folder)]
    assert not problems, "\n".join(problems)


def load_records(folder: Path) -> dict[str, dict[str, Any]]:
    """Records in ``folder`` keyed by their source path."""
    records = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        records[data["source"]["path"]] = data
    return records


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time (ns) of every file in ``folder``."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


EN_KO_ARCHIVES = ("translate-ko_en-1_0.argosmodel", "translate-en_ko-1_0.argosmodel")


def empty_package_settings(tmp_path: Path) -> tuple[Path, Any]:
    """An empty package folder, and translation settings that use it (cache under tmp_path)."""

    folder = tmp_path / "packages"
    folder.mkdir()
    return folder, TranslationConfig(packages_dir=str(folder), cache_dir=str(tmp_path / "cache"))


def install_en_ko(argos_files: Path, folder: Path) -> None:
    """Install the test packages for en→ko and ko→en into ``folder``."""
    from lingoflow.processors.translate.packages import install_archive

    for name in EN_KO_ARCHIVES:
        install_archive(argos_files / name, folder)


def process_together(
    raw_dir: Path, rel_paths: list[str], config: PipelineConfig
) -> dict[str, Record]:
    """Records of ``rel_paths`` processed as one batch, the path a run takes for a folder
    (forced, so no existing record is read), keyed by source path."""
    batch = process_batch(raw_dir, raw_dir / ".no-records", rel_paths, config, force=True)
    return {record.source.path: record for record in batch.records}
