"""The commands that need no Prefect: validate, schema, detect, sentences, models,
translate, export."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from lingoflow.flows.cli.options import (
    add_options,
    add_translation_options,
    command,
    given,
    languages,
    translation_from,
)
from lingoflow.processors.core.config import ExportOptions
from lingoflow.processors.language.detector import DEFAULT_CANDIDATES

SCHEMA_PATH = Path("schema") / "record.schema.json"


def register(commands: Any) -> None:
    """Add the Prefect-free tools to the command tree."""
    validate = command(commands, "validate", cmd_validate)
    validate.add_argument("dir", type=Path, metavar="DIR", help="folder of records")

    schema = command(commands, "schema", cmd_schema)
    schema.add_argument(
        "--write",
        type=Path,
        nargs="?",
        const=SCHEMA_PATH,
        default=None,
        metavar="PATH",
        help=f"write it to PATH (default: {SCHEMA_PATH})",
    )
    schema.add_argument(
        "--fields", action="store_true", help="print every field of the record as a table"
    )

    detect = command(commands, "detect", cmd_detect)
    detect.add_argument(
        "--candidates",
        type=languages,
        default=None,
        help="comma-separated candidate languages (default: " + ",".join(DEFAULT_CANDIDATES) + ")",
    )

    models = command(commands, "models", cmd_models)
    model_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    listing = model_commands.add_parser("list", help="installed packages: from → to, version, path")
    listing.add_argument("--packages-dir", type=Path, default=None)
    install = model_commands.add_parser(
        "install",
        help="install .argosmodel files (offline), or pairs from the Argos index (online)",
        description="Install .argosmodel files, or every .argosmodel file in the folders "
        "given, without network access; or, with --from-index, download the packages for "
        "the given pairs (FROM:TO, e.g. ko:en en:ko) from argostranslate's package index.",
    )
    install.add_argument("items", nargs="+", metavar="PATH|FROM:TO")
    install.add_argument("--from-index", action="store_true", help="items are FROM:TO pairs")
    install.add_argument("--packages-dir", type=Path, default=None)

    sentences = command(commands, "sentences", cmd_sentences)
    sentences.add_argument(
        "--lang",
        choices=("auto", "ko", "other"),
        default="auto",
        help="ko: always Kiwi; other: always the rules; auto (default): "
        "Kiwi when most letters are Hangul",
    )

    export = command(commands, "export", cmd_export)
    add_options(export, ExportOptions)

    command(commands, "settings", cmd_settings)

    translate = command(commands, "translate", cmd_translate)
    translate.add_argument("--from", dest="source", required=True, help="source language")
    translate.add_argument("--to", dest="target", required=True, help="target language")
    add_translation_options(translate)


def _stdin_lines() -> io.TextIOWrapper:
    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate records against the JSON Schema.

    Validate every record in DIR (and index.jsonl) against the record schema; print each
    problem; exit 1 when there is any.
    """
    from lingoflow.processors.output.records import record_files
    from lingoflow.processors.output.validate import validate_dir

    if not args.dir.is_dir():
        print(f"lingoflow: not a directory: {args.dir}", file=sys.stderr)
        return 2
    problems = [str(p) for p in validate_dir(args.dir)]
    for problem in problems:
        print(problem)
    records = len(record_files(args.dir))
    print(f"{records} records checked, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the record JSON Schema.

    Print the record JSON Schema generated from the record model, or write it.
    """
    from lingoflow.processors.core.record import field_table, schema_text

    if args.fields:
        sys.stdout.write(field_table())
    elif args.write is None:
        sys.stdout.write(schema_text())
    else:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(schema_text(), encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    """Detect the language of each line on standard input.

    Read text lines on standard input and print LANG<TAB>CONFIDENCE for each, in the same
    order (an empty line gives und). Deterministic.
    """
    from lingoflow.processors.language.detector import LanguageDetector

    detector = LanguageDetector(tuple(args.candidates or DEFAULT_CANDIDATES))
    for line in _stdin_lines():
        found = detector.detect(line.rstrip("\n"))
        sys.stdout.write(f"{found.lang}\t{found.confidence:.4f}\n")
    sys.stdout.flush()
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """List or install Argos Translate packages.

    Manage the Argos Translate packages lingoflow translates with. The folder is --packages-
    dir, else ARGOS_PACKAGES_DIR, else argostranslate's default.
    """
    from lingoflow.processors.core.languages import Pair
    from lingoflow.processors.translate.packages import (
        InstallError,
        install_archive,
        install_from_index,
        installed_packages,
        package_files,
        packages_dir,
    )

    folder = args.packages_dir or packages_dir()
    if args.models_command == "list":
        packages = installed_packages(folder)
        for p in packages:
            print(f"{p.from_code} → {p.to_code}\t{p.version or '-'}\t{p.path}")
        print(f"{len(packages)} package(s) in {folder}", file=sys.stderr)
        return 0
    try:
        if args.from_index:
            try:
                pairs = [Pair.parse(item) for item in args.items]
            except ValueError as exc:
                print(f"lingoflow: {exc}", file=sys.stderr)
                return 2
            done = install_from_index(pairs, folder)
        else:
            files = package_files([Path(item) for item in args.items])
            if not files:
                raise InstallError("no .argosmodel file found in " + ", ".join(args.items))
            done = [install_archive(f, folder) for f in files]
    except InstallError as exc:
        print(f"lingoflow: {exc}", file=sys.stderr)
        return 1
    for p in done:
        print(f"installed {p.from_code} → {p.to_code} {p.version} in {p.path}")
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    """Translate lines on standard input.

    Translate each line on standard input from --from to --to with the installed packages
    (through English when there is no direct one) and print one line per input line. Exit 3
    when no installed package covers the pair.
    """
    from lingoflow.processors.core.document import Block, Document
    from lingoflow.processors.core.languages import Pair
    from lingoflow.processors.text.sentences import sentence_spans
    from lingoflow.processors.translate.documents import translate_documents
    from lingoflow.processors.translate.engine import TranslationEngine

    config = translation_from(args).model_copy(update={"enabled": True})
    engine = TranslationEngine.load(config)
    pair = Pair(args.source.lower(), args.target.lower())
    if engine.route(pair) is None:
        print(
            f"lingoflow: no installed Argos package translates {pair} (direct or through "
            f"English); install one: lingoflow models install --from-index {pair.spec}",
            file=sys.stderr,
        )
        return 3
    lines = [line.rstrip("\n") for line in _stdin_lines()]
    # One block a line, through the pipeline's translation step: protected spans, the
    # glossary, clause splitting and the quality checks apply as in a run.
    doc = Document(rel_path="<stdin>", doc_id="stdin")
    doc.blocks = [
        Block(text=line, lang=pair.source, sentences=sentence_spans(line)) for line in lines
    ]
    translate_documents([doc], engine, [pair.source, pair.target])
    for number, block in enumerate(doc.blocks, start=1):
        quality = block.quality.get(pair.target)
        if quality is not None and quality.flags:
            verdict = "left out, original printed" if quality.rejected else "kept"
            print(
                f"lingoflow: line {number}: {', '.join(quality.flags)} ({verdict})", file=sys.stderr
            )
        sys.stdout.write(block.translations.get(pair.target, block.text) + "\n")
    sys.stdout.flush()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export the records as a dataset (Parquet, JSONL, TSV or TMX sentence pairs).

    Write the records of --processed-dir that index.jsonl lists as one file: parquet or
    jsonl (one row per record, .jsonl.gz compresses), parallel-tsv or tmx (sentence pairs of
    the machine translations; flagged, untranslated and wordless ones left out unless
    --include-flagged), with a dataset card (README.md) and features beside it. Streams the
    records, writes aside and renames. Exit 2 when there is nothing to export or the output
    folder is missing or not writable, 1 when corrupt records were found (listed, and left
    out of the export).
    """
    from lingoflow.processors.output.export import ExportError, export

    options = ExportOptions.model_validate(given(args, ExportOptions))
    try:
        summary = export(
            options.processed_dir,
            options.output,
            options.format,
            include_flagged=options.include_flagged,
            statuses=options.status,
            dedup=options.dedup,
            source=options.source,
        )
    except ExportError as exc:
        print(f"lingoflow: {exc}", file=sys.stderr)
        return 2
    for problem in summary.corrupt:
        print(f"lingoflow: corrupt record left out: {problem}", file=sys.stderr)
    print(summary.text())
    return 1 if summary.corrupt else 0


def cmd_sentences(args: argparse.Namespace) -> int:
    """Split paragraphs on standard input into sentences.

    Read one paragraph per line on standard input; print each paragraph's sentences one per
    line, then an empty line. The splitter is the pipeline's: Kiwi for Korean text, rules
    for the rest.
    """
    import lingoflow.processors.text.sentences as sentences

    for line in _stdin_lines():
        paragraph = line.rstrip("\n")
        for a, b in sentences.sentence_spans(paragraph, args.lang):
            sys.stdout.write(paragraph[a:b] + "\n")
        sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Print every setting: option, flow parameter, default and meaning.

    Print every setting of the commands and flows as a markdown table: its command-line
    option, its flow parameter, its default and what it does.
    """
    from lingoflow.flows.cli.options import settings_table

    sys.stdout.write(settings_table())
    return 0
