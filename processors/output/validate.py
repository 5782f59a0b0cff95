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
from lingoflow.processors.output.records import (
    INDEX_NAME,
    CorruptRecordError,
    load_record,
    read_regular,
    record_files,
)


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
    """Every problem of every record (``*.json``) and of ``index.jsonl`` in ``folder``: the
    JSON Schema's findings where the file is JSON, and whatever else makes it no record for
    the readers of records (:func:`~lingoflow.processors.output.records.load_record`), so that
    a record valid here is valid for a run and an export."""
    for path in record_files(folder):
        yield from _record_problems(path)
    index = folder / INDEX_NAME
    try:
        data = read_regular(index)
    except OSError as exc:
        yield Problem(index, "$", f"not readable: {exc.strerror or exc}")
        return
    for number, line in enumerate((data or b"").splitlines(), start=1):
        try:
            IndexEntry.model_validate_json(line.decode("utf-8"))
        except UnicodeDecodeError:
            yield Problem(index, f"line {number}", "not UTF-8 text")
        except ValidationError as exc:
            yield Problem(index, f"line {number}", str(exc).splitlines()[0])


def _record_problems(path: Path) -> Iterator[Problem]:
    try:
        data = read_regular(path)
        parsed = json.loads(data or b"")
    except OSError as exc:
        yield Problem(path, "$", f"not readable: {exc.strerror or exc}")
        return
    except (ValueError, RecursionError) as exc:
        yield Problem(path, "$", f"not readable JSON: {str(exc)[:200]}")
        return
    problems = validate_record_data(parsed)
    for location, message in problems:
        yield Problem(path, location, message)
    if isinstance(parsed, dict) and path.stem != parsed.get("doc_id"):
        yield Problem(path, "$.doc_id", "file name does not match doc_id")
    elif not problems:
        try:
            load_record(path)
        except CorruptRecordError as exc:
            yield Problem(path, "$", exc.reason)
