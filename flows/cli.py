"""The ``lingoflow`` command line."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from processors import __version__
from processors.config import DEFAULT_LANGUAGES, DEFAULT_MAX_BYTES
from processors.langid import DEFAULT_CANDIDATES

SCHEMA_PATH = Path("schema") / "record.schema.json"


def _languages(value: str) -> list[str]:
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    if not codes or any(not (2 <= len(c) <= 3 and c.isalpha()) for c in codes):
        raise argparse.ArgumentTypeError(f"expected ISO 639-1 codes like en,ko; got {value!r}")
    return codes


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1; got {value}")
    return number


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
    run.add_argument(
        "--prune", action="store_true", help="delete records whose input is no longer in raw/"
    )
    scale = run.add_mutually_exclusive_group()
    scale.add_argument(
        "--processes",
        type=_positive,
        metavar="N",
        default=1,
        help="run the batches on a pool of N worker processes on this machine (Prefect's "
        "ProcessPoolTaskRunner; default: 1, the batches run in this process)",
    )
    scale.add_argument(
        "--dask-workers",
        type=_positive,
        metavar="N",
        help="run the batches on a local Dask cluster of N worker processes (prefect-dask)",
    )
    scale.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run the batches on an existing Dask cluster, e.g. tcp://scheduler:8786",
    )
    _translation_options(run)

    serve = commands.add_parser(
        "serve",
        help="start a local Prefect server, deploy the flows and start a worker",
        description="Start a Prefect server (SQLite) on 127.0.0.1, create the process work "
        "pool lingoflow-local, deploy every deployment in prefect.yaml and start a worker, all "
        "in the background; state, logs and PID files go to --state. `lingoflow stop` ends them.",
    )
    serve.add_argument("--state", type=Path, default=Path(".prefect-local"))
    serve.add_argument("--port", type=int, default=4200)
    stop = commands.add_parser("stop", help="stop what `lingoflow serve` started (by PID)")
    stop.add_argument("--state", type=Path, default=Path(".prefect-local"))

    retranslate = commands.add_parser(
        "retranslate",
        help="fill missing translations in existing records (the retranslate flow)",
        description="Translate the segments of existing records that lack a language of their "
        "pair (after installing models), without cleaning the documents again; rewrite only "
        "records that change.",
    )
    retranslate.add_argument("--processed-dir", type=Path, default=Path("processed"))
    retranslate.add_argument("--json", action="store_true", help="print the summary as JSON")
    _translation_options(retranslate)

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
    models = commands.add_parser(
        "models",
        help="list or install Argos Translate packages",
        description="Manage the Argos Translate packages lingoflow translates with. The folder "
        "is --packages-dir, else ARGOS_PACKAGES_DIR, else argostranslate's default.",
    )
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

    translate = commands.add_parser(
        "translate",
        help="translate lines on standard input",
        description="Translate each line on standard input from --from to --to with the "
        "installed packages (through English when there is no direct one) and print one "
        "line per input line. Exit 3 when no installed package covers the pair.",
    )
    translate.add_argument("--from", dest="source", required=True, help="source language")
    translate.add_argument("--to", dest="target", required=True, help="target language")
    _translation_options(translate)
    return parser  # fmt: skip


def _translation_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("translation")
    group.add_argument(
        "--no-translate", dest="translate", action="store_false", help="keep original texts only"
    )
    group.add_argument(
        "--packages-dir",
        type=Path,
        default=None,
        help="installed Argos packages (default: ARGOS_PACKAGES_DIR)",
    )
    group.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu")
    group.add_argument(
        "--compute-type",
        default="default",
        help="CTranslate2 compute type (default: as the model was saved)",
    )
    group.add_argument("--beam-size", type=int, default=4, help="beam width (default: 4)")
    group.add_argument(
        "--inter-threads",
        type=_positive,
        default=None,
        help="batches translated in parallel by each process (default: 2, or the cores "
        "divided among --processes/--dask-workers)",
    )
    group.add_argument(
        "--intra-threads",
        type=int,
        default=1,
        help="threads per batch, 0 lets CTranslate2 decide (default: 1)",
    )
    group.add_argument(
        "--max-batch-tokens",
        type=int,
        default=512,
        help="token budget of one batch (default: 512)",
    )
    group.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="translation cache folder (default: $XDG_CACHE_HOME/lingoflow)",
    )
    group.add_argument("--no-cache", dest="cache", action="store_false",
                       help="do not read or write the translation cache")  # fmt: skip


def _inter_threads(args: argparse.Namespace) -> int:
    """Two translation batches in parallel, fewer when local Dask workers share the cores (the
    flow itself caps them for its process pool)."""
    workers: int = getattr(args, "dask_workers", None) or 1
    return max(1, min(2, (os.cpu_count() or 1) // workers))


def _translation_settings(args: argparse.Namespace) -> dict[str, object]:
    return {
        "enabled": args.translate,
        "packages_dir": str(args.packages_dir) if args.packages_dir else None,
        "device": args.device,
        "compute_type": args.compute_type,
        "beam_size": args.beam_size,
        "inter_threads": args.inter_threads or _inter_threads(args),
        "intra_threads": args.intra_threads,
        "max_batch_tokens": args.max_batch_tokens,
        "cache": args.cache,
        "cache_dir": str(args.cache_dir) if args.cache_dir else None,
    }


def _run_settings() -> contextlib.AbstractContextManager[Any]:
    """Prefect settings of a flow run started from the command line: flow-run heartbeats off
    unless configured (PREFECT_FLOWS_HEARTBEAT_FREQUENCY). They only feed a zombie-flow
    automation, and stopping their thread costs up to a second at the end of every run."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    if "heartbeat_frequency" in get_current_settings().flows.model_fields_set:
        return contextlib.nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def cmd_run(args: argparse.Namespace) -> int:
    from flows.local_server import shared_api
    from flows.process import TranslationSettings, process_documents

    if not args.raw_dir.is_dir():
        print(f"lingoflow: raw directory not found: {args.raw_dir}", file=sys.stderr)
        return 2
    flow = process_documents
    parallel = None
    runner: Any = None
    if args.dask_address:
        from prefect_dask.task_runners import DaskTaskRunner

        runner = DaskTaskRunner(address=args.dask_address)
        parallel = 2 * (os.cpu_count() or 1)
    elif args.dask_workers:
        from prefect_dask.task_runners import DaskTaskRunner

        cluster = {"n_workers": args.dask_workers, "threads_per_worker": 1, "processes": True}
        runner = DaskTaskRunner(cluster_kwargs={**cluster, "dashboard_address": None})
        parallel = 2 * args.dask_workers
    if runner is not None:
        flow = process_documents.with_options(task_runner=runner)
    # Local worker processes share this run's temporary server (when no server is configured).
    local_workers = bool(args.dask_workers) or args.processes > 1
    with shared_api() if local_workers else contextlib.nullcontext(), _run_settings():
        state = flow(
            raw_dir=args.raw_dir,
            processed_dir=args.processed_dir,
            languages=args.languages,
            force=args.force,
            prune=args.prune,
            batch_size=args.batch_size,
            processes=args.processes,
            parallel_batches=parallel,
            max_bytes=args.max_bytes,
            translation=TranslationSettings.model_validate(_translation_settings(args)),
            return_state=True,
        )
    summary = _summary(state)
    if summary is None:
        return 2
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    if summary.get("missing_models"):
        print(
            f"lingoflow: no translation model for {', '.join(summary['missing_models'])}: those "
            f"segments keep their original text only (records are partial). Install with:\n"
            f"  {summary['install_command']}\n"
            "or, offline, from .argosmodel files: lingoflow models install FILE...",
            file=sys.stderr,
        )
    if summary["records"] != summary["inputs"]:
        print("lingoflow: some inputs produced no record", file=sys.stderr)
        return 2
    if args.strict and summary["by_status"].get("failed", 0):
        return 1
    return 0


def _summary(state: Any) -> dict[str, Any] | None:
    """The flow's summary, or None (after saying why) when the run failed."""
    if not state.is_completed():
        print(f"lingoflow: the run failed: {state.message}", file=sys.stderr)
        return None
    summary: dict[str, Any] = state.result()
    return summary


def cmd_retranslate(args: argparse.Namespace) -> int:
    from flows.process import TranslationSettings
    from flows.retranslate import retranslate

    if not args.processed_dir.is_dir():
        print(f"lingoflow: not a directory: {args.processed_dir}", file=sys.stderr)
        return 2
    state = retranslate(
        processed_dir=args.processed_dir,
        translation=TranslationSettings.model_validate(_translation_settings(args)),
        return_state=True,
    )
    summary = _summary(state)
    if summary is None:
        return 2
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"lingoflow: {summary['records']} records, {summary['written']} updated, "
            f"{summary['sentences_translated']} sentences translated in {summary['seconds']} s"
        )
    if summary.get("missing_models"):
        print(
            f"lingoflow: still no translation model for {', '.join(summary['missing_models'])}; "
            f"install with: {summary['install_command']}",
            file=sys.stderr,
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.local_server import LocalPrefect, serve

    local = LocalPrefect(state=args.state.absolute(), port=args.port)
    try:
        serve(local)
    except (RuntimeError, TimeoutError) as exc:
        print(f"lingoflow: {exc}", file=sys.stderr)
        return 1
    print(
        f"Prefect UI: {local.ui_url}\n"
        f"API: {local.api_url}  (export PREFECT_API_URL={local.api_url} to use it)\n"
        f"pool lingoflow-local with a worker; deployments from prefect.yaml; "
        f"logs and PIDs in {args.state}/\n"
        "stop with: make stop"
    )
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from flows.local_server import LocalPrefect, stop

    stopped = stop(LocalPrefect(state=args.state.absolute()))
    print("stopped " + ", ".join(stopped) if stopped else "nothing to stop")
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
            f"  sentences translated {summary.get('sentences_translated', 0)}, "
            f"from cache {summary.get('sentences_from_cache', 0)}",
        ]
        + (
            [
                f"  records without input: {len(orphaned)}"
                + (" (removed)" if summary.get("pruned") else " (--prune removes them)")
            ]
            if isinstance(orphaned := summary.get("orphaned"), list) and orphaned
            else []
        )
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


def cmd_models(args: argparse.Namespace) -> int:
    from processors.models import (
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
            pairs = [_pair(item) for item in args.items]
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


def _pair(item: str) -> tuple[str, str]:
    source, sep, target = item.partition(":")
    if not sep or not source or not target:
        raise SystemExit(f"lingoflow: expected FROM:TO such as ko:en, got {item!r}")
    return source.lower(), target.lower()


def cmd_translate(args: argparse.Namespace) -> int:
    from processors.config import TranslationConfig
    from processors.sentences import sentence_spans
    from processors.translate import Pair, TranslationEngine, join_sentences

    settings = _translation_settings(args)
    settings.pop("enabled")
    engine = TranslationEngine.load(TranslationConfig(**settings))  # type: ignore[arg-type]
    pair = Pair(args.source.lower(), args.target.lower())
    if engine.route(pair) is None:
        print(
            f"lingoflow: no installed Argos package translates {pair} (direct or through "
            f"English); install one: lingoflow models install --from-index "
            f"{pair.source}:{pair.target}",
            file=sys.stderr,
        )
        return 3
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    lines = [line.rstrip("\n") for line in stdin]
    sentences = [[line[a:b] for a, b in sentence_spans(line)] for line in lines]
    flat = [s for group in sentences for s in group]
    result = engine.translate(pair, flat) or []
    position = 0
    for group in sentences:
        parts = result[position : position + len(group)]
        position += len(group)
        sys.stdout.write(join_sentences(parts, pair.target) + "\n")
    sys.stdout.flush()
    return 0


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "detect": cmd_detect,
    "models": cmd_models,
    "translate": cmd_translate,
    "retranslate": cmd_retranslate,
    "serve": cmd_serve,
    "stop": cmd_stop,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The temporary server a run starts would report anonymous usage to Prefect; lingoflow
    # runs offline, where that only logs an error. Set it to true to opt back in.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
