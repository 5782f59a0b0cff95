"""The ``lingoflow`` command line."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from processors import __version__
from processors.config import DEFAULT_LANGUAGES, DEFAULT_MAX_BYTES
from processors.langid import DEFAULT_CANDIDATES

SCHEMA_PATH = Path("schema") / "record.schema.json"


def _languages(value: str) -> list[str]:
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    if not codes or any(not (2 <= len(c) <= 3 and c.isalpha()) for c in codes):
        raise argparse.ArgumentTypeError(f"expected ISO 639-1 codes like en,ko; got {value!r}")
    return codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lingoflow",
        description="Turn a folder of raw web documents into clean, bilingual JSON records.",
    )
    parser.add_argument("--version", action="version", version=f"lingoflow {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="process raw documents into records (the process-documents flow)",
        description="Run the process-documents Prefect flow locally (Prefect's ephemeral server "
        "unless PREFECT_API_URL points to a server) and print a summary. Exit 0 when every "
        "input produced a record, failed ones included; 1 with --strict when a record failed; "
        "2 when the run itself failed.",
    )
    run.add_argument(
        "--raw-dir",
        type=Path,
        default=Path("raw"),
        help="folder of input documents, read recursively (default: raw)",
    )
    run.add_argument(
        "--processed-dir",
        type=Path,
        default=Path("processed"),
        help="folder the records and index.jsonl go to (default: processed)",
    )
    run.add_argument(
        "--languages",
        type=_languages,
        default=list(DEFAULT_LANGUAGES),
        help="comma-separated language pair every segment is translated into (default: en,ko)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="reprocess inputs even when their bytes and the settings are unchanged",
    )
    run.add_argument(
        "--strict", action="store_true", help="exit 1 when any record has status failed"
    )
    run.add_argument(
        "--batch-size", type=int, default=64, help="documents per Prefect task run (default: 64)"
    )
    run.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help=f"inputs above this size get a failed record (default: {DEFAULT_MAX_BYTES})",
    )
    run.add_argument("--json", action="store_true", help="print the summary as JSON")

    validate = commands.add_parser(
        "validate",
        help="validate records against the JSON Schema",
        description="Validate every record in DIR (and index.jsonl) against the record schema; "
        "print each problem; exit 1 when there is any.",
    )
    validate.add_argument("dir", type=Path, metavar="DIR", help="folder of records")

    schema = commands.add_parser(
        "schema",
        help="print or write the record JSON Schema",
        description="Print the record JSON Schema generated from the record model, or write it.",
    )
    schema.add_argument(
        "--write",
        type=Path,
        nargs="?",
        const=SCHEMA_PATH,
        default=None,
        metavar="PATH",
        help=f"write it to PATH (default: {SCHEMA_PATH})",
    )
    detect = commands.add_parser(
        "detect",
        help="detect the language of each line on standard input",
        description="Read text lines on standard input and print LANG<TAB>CONFIDENCE for each, "
        "in the same order (an empty line gives und). Deterministic.",
    )
    detect.add_argument(
        "--candidates",
        type=_languages,
        default=None,
        help="comma-separated candidate languages (default: " + ",".join(DEFAULT_CANDIDATES) + ")",
    )
    return parser  # fmt: skip


def cmd_run(args: argparse.Namespace) -> int:
    from flows.process import process_documents

    if not args.raw_dir.is_dir():
        print(f"lingoflow: raw directory not found: {args.raw_dir}", file=sys.stderr)
        return 2
    state = process_documents(
        raw_dir=args.raw_dir,
        processed_dir=args.processed_dir,
        languages=args.languages,
        force=args.force,
        batch_size=args.batch_size,
        max_bytes=args.max_bytes,
        return_state=True,
    )
    if not state.is_completed():
        print(f"lingoflow: the run failed: {state.message}", file=sys.stderr)
        return 2
    summary = state.result()
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    if summary["records"] != summary["inputs"]:
        print("lingoflow: some inputs produced no record", file=sys.stderr)
        return 2
    if args.strict and summary["by_status"].get("failed", 0):
        return 1
    return 0


def format_summary(summary: dict[str, object]) -> str:
    """The run summary as a few human-readable lines."""

    def counts(key: str) -> str:
        value = summary[key]
        assert isinstance(value, dict)
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "none"

    return "\n".join(
        [
            f"lingoflow: {summary['records']} records from {summary['inputs']} inputs "
            f"in {summary['seconds']} s",
            f"  written {summary['written']}, unchanged {summary['unchanged']}",
            f"  by status:   {counts('by_status')}",
            f"  by language: {counts('by_language')}",
        ]
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from processors.validate import validate_dir

    if not args.dir.is_dir():
        print(f"lingoflow: not a directory: {args.dir}", file=sys.stderr)
        return 2
    problems = [str(p) for p in validate_dir(args.dir)]
    for problem in problems:
        print(problem)
    records = len(list(args.dir.glob("*.json")))
    print(f"{records} records checked, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from processors.record import schema_text

    if args.write is None:
        sys.stdout.write(schema_text())
    else:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(schema_text(), encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    from processors.langid import LanguageDetector

    detector = LanguageDetector(tuple(args.candidates or DEFAULT_CANDIDATES))
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    for line in stdin:
        found = detector.detect(line.rstrip("\n"))
        sys.stdout.write(f"{found.lang}\t{found.confidence:.4f}\n")
    sys.stdout.flush()
    return 0


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "detect": cmd_detect,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
