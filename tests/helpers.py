"""Shared test helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from processors.validate import validate_dir


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
    from flows.process import TranslationSettings

    folder = tmp_path / "packages"
    folder.mkdir()
    return folder, TranslationSettings(packages_dir=str(folder), cache_dir=str(tmp_path / "cache"))


def install_en_ko(argos_files: Path, folder: Path) -> None:
    """Install the test packages for en→ko and ko→en into ``folder``."""
    from processors.models import install_archive

    for name in EN_KO_ARCHIVES:
        install_archive(argos_files / name, folder)
