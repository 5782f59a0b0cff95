"""The documentation says what the code does: the field and code tables of docs/record.md are
the schema's, the README's command synopsis is the command line's, every code the steps
report is documented, links lead somewhere, and the README stays short."""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

import pytest

from lingoflow.flows.cli import build_parser
from lingoflow.processors.core.record import (
    ERROR_CODES,
    REMOVAL_REASONS,
    WARNING_CODES,
    codes_table,
    field_table,
)
from lingoflow.processors.output.export import export_table
from tests.conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
README = ROOT / "README.md"


def section(path: Path, marker: str) -> str:
    found = re.search(rf"<!-- {marker} -->\n(.*?)<!-- /{marker} -->", path.read_text("utf-8"), re.S)
    assert found, f"{path.name} has no <!-- {marker} --> section"
    return found.group(1)


def test_the_record_tables_are_the_schemas() -> None:
    record = ROOT / "docs" / "record.md"
    assert section(record, "fields") == field_table(), "paste `lingoflow schema --fields`"
    assert section(record, "codes") == codes_table()
    assert section(ROOT / "docs" / "formats.md", "export-columns") == export_table()


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """Every command's parser, nested ones as "models install"."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[f"{prefix}{name}"] = sub
                    walk(sub, f"{prefix}{name} ")

    walk(build_parser(), "")
    return found


def synopsis() -> dict[str, str]:
    """The README's synopsis: each command and the text of its usage lines."""
    block = re.search(r"## Running\n\n```text\n(.*?)```", README.read_text("utf-8"), re.S)
    assert block, "the README has no synopsis under ## Running"
    usages: dict[str, str] = {}
    parsers = _parsers()
    for line in block.group(1).splitlines():
        if line.startswith("lingoflow "):
            words = line.split()[1:3]
            command = " ".join(words) if " ".join(words) in parsers else words[0]
            usages[command] = usages.get(command, "") + line
        else:
            usages[command] += line
    return usages


def test_the_readme_synopsis_is_the_command_line() -> None:
    parsers = _parsers()
    usages = synopsis()
    commands = {c for c in parsers if c != "models"}
    assert set(usages) == commands
    for command, usage in usages.items():
        parser = parsers[command]
        options = {s for a in parser._actions for s in a.option_strings if s.startswith("--")}
        options.discard("--help")
        translation = {
            s
            for group in parser._action_groups
            if group.title == "translation"
            for a in group._group_actions
            for s in a.option_strings
        }
        shown = set(re.findall(r"--[a-z][a-z-]*", usage))
        assert shown <= options, f"{command}: {shown - options} are not options"
        assert options - translation <= shown, f"{command}: {options - translation} not shown"
        assert bool(translation) == ("[translation options]" in usage), command


def test_the_readme_is_short() -> None:
    assert len(README.read_text("utf-8").splitlines()) <= 300


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_links_lead_to_files(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
        if not target.startswith(("http://", "https://")):
            assert (page.parent / target).exists(), f"{page.name}: {target}"


REPORTERS = {"fail": 1, "add_error": 1, "add_warning": 1, "OfficeError": 0, "_RefusedError": 0}
"""The calls that give a document an error or a warning, and where their code stands."""


def _reported_codes() -> dict[str, set[str]]:
    """The error and warning codes the steps report, read from their source: the code
    argument of ``fail``, ``add_error``, ``add_warning`` and ``OfficeError``."""
    found: dict[str, set[str]] = {"error": set(), "warning": set()}
    for path in (ROOT / "processors").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            position = REPORTERS.get(name)
            if position is None or len(node.args) <= position:
                continue
            code = node.args[position]
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                found["warning" if name == "add_warning" else "error"].add(code.value)
    return found


def test_every_code_the_steps_report_is_documented() -> None:
    reported = _reported_codes()
    assert reported["error"] >= {"outside_root", "missing_model", "corrupt_document"}
    assert reported["error"] <= set(ERROR_CODES)
    assert reported["warning"] <= set(WARNING_CODES)


def test_every_code_of_the_golden_records_is_documented() -> None:
    for path in (ROOT / "tests" / "golden" / "records").rglob("*.json"):
        record = json.loads(path.read_text("utf-8"))
        assert {e["code"] for e in record["errors"]} <= set(ERROR_CODES), path.name
        assert {w["code"] for w in record["warnings"]} <= set(WARNING_CODES), path.name
        assert {r["reason"] for r in record["removed"]} <= set(REMOVAL_REASONS), path.name


def main(argv: list[str]) -> int:
    """``python -m tests.test_docs --update``: write the generated tables into the README and
    docs/record.md anew (then review the diff)."""
    from lingoflow.flows.cli.options import settings_table

    if argv != ["--update"]:
        print(main.__doc__)
        return 2
    for path, marker, table in (
        (README, "settings", settings_table()),
        (ROOT / "docs" / "record.md", "fields", field_table()),
        (ROOT / "docs" / "record.md", "codes", codes_table()),
        (ROOT / "docs" / "formats.md", "export-columns", export_table()),
    ):
        text = path.read_text("utf-8")
        new = re.sub(
            rf"(<!-- {marker} -->\n).*?(<!-- /{marker} -->)",
            lambda m, table=table: m.group(1) + table + m.group(2),
            text,
            flags=re.S,
        )
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
