"""The record contract: schema drift, validation of good and bad records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lingoflow.processors.core.record import SCHEMA_VERSION, Record, record_json_schema, schema_text
from lingoflow.processors.output.validate import validate_dir, validate_record_data
from tests.conftest import ROOT

EXAMPLE = ROOT / "schema" / "example-record.json"


def test_committed_schema_matches_model() -> None:
    committed = (ROOT / "schema" / "record.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "schema drifted: run `make schema` and commit it"


def test_schema_is_versioned() -> None:
    schema = record_json_schema()
    assert SCHEMA_VERSION in schema["$id"]
    version = schema["properties"]["schema_version"]
    assert version["default"] == SCHEMA_VERSION and SCHEMA_VERSION in version["enum"]


def test_readme_example_is_valid() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert validate_record_data(data) == []
    Record.model_validate(data)


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("status",), "fine", "$.status"),
        (("segments", 0, "role"), "banner", "$.segments[0].role"),
        (("segments", 0, "lang"), "english", "$.segments[0].lang"),
        (("source", "sha256"), "xyz", "$.source.sha256"),
        (("metadata", "published"), "24 May", "$.metadata.published"),
        (("pipeline", "processed_at"), "yesterday", "$.pipeline.processed_at"),
    ],
)
def test_invalid_values_are_reported_where_they_are(
    path: tuple[str | int, ...], value: str, where: str
) -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = validate_record_data(data)
    assert [loc for loc, _ in problems] == [where]


def test_validate_dir_reports_each_problem(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    (tmp_path / f"{data['doc_id']}.json").write_text(json.dumps(data), encoding="utf-8")
    data["status"] = "bogus"
    del data["pipeline"]
    (tmp_path / "other-000000000000.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "broken-000000000000.json").write_text("{", encoding="utf-8")
    problems = [str(p) for p in validate_dir(tmp_path)]
    assert len(problems) == 4, problems  # bad JSON; status; pipeline; doc_id mismatch
    assert any("not readable JSON" in p for p in problems)
    assert any("'pipeline' is a required property" in p for p in problems)


def test_readme_record_excerpt_is_valid() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```json\n", 1)[1].split("```", 1)[0]
    assert validate_record_data(json.loads(block)) == []


def test_records_of_an_older_minor_version_still_load() -> None:
    """Minor versions only add fields: a 1.2.0 record (no warnings) loads and validates."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["schema_version"] = "1.2.0"
    del data["warnings"]
    assert Record.model_validate(data).warnings == []
    assert validate_record_data(data) == []
