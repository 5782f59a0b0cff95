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
