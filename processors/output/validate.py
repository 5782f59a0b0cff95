"""Validate records on disk against the published JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from lingoflow.processors.core.record import IndexEntry, record_json_schema
from lingoflow.processors.output.records import INDEX_NAME, record_files


@dataclass(frozen=True)
class Problem:
    """One validation problem: the file, where in it, and what is wrong."""

    path: Path
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.location}: {self.message}"


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(record_json_schema(), format_checker=FormatChecker())


def validate_record_data(data: object) -> list[tuple[str, str]]:
    """Schema problems of one parsed record as (JSON path, message) pairs; empty when valid."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    return [(e.json_path, e.message) for e in errors]


def validate_dir(folder: Path) -> Iterator[Problem]:
    """Every problem of every record (``*.json``) and of ``index.jsonl`` in ``folder``."""
    for path in record_files(folder):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            yield Problem(path, "$", f"not readable JSON: {exc}")
            continue
        for location, message in validate_record_data(data):
            yield Problem(path, location, message)
        if isinstance(data, dict) and path.stem != data.get("doc_id"):
            yield Problem(path, "$.doc_id", "file name does not match doc_id")
    index = folder / INDEX_NAME
    if index.exists():
        for number, line in enumerate(index.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                IndexEntry.model_validate_json(line)
            except ValidationError as exc:
                yield Problem(index, f"line {number}", str(exc).splitlines()[0])
