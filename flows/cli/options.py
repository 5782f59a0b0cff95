"""Argument types and option groups shared by the commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lingoflow.processors.core.config import TranslationConfig

DEFAULTS = TranslationConfig(cache_dir="")


def languages(value: str) -> list[str]:
    """A comma-separated list of language codes.

    >>> languages("EN, ko")
    ['en', 'ko']
    """
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    if not codes or any(not (2 <= len(c) <= 3 and c.isalpha()) for c in codes):
        raise argparse.ArgumentTypeError(f"expected ISO 639-1 codes like en,ko; got {value!r}")
    return codes


def positive(value: str) -> int:
    """A whole number of at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1; got {value}")
    return number


def add_translation_options(parser: argparse.ArgumentParser) -> None:
    """The translation options of ``run``, ``retranslate`` and ``translate``; every default
    is :class:`~lingoflow.processors.core.config.TranslationConfig`'s."""
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
    group.add_argument("--device", choices=("cpu", "cuda", "auto"), default=None,
                       help=f"default: {DEFAULTS.device}")  # fmt: skip
    group.add_argument(
        "--compute-type",
        default=None,
        help=f"CTranslate2 compute type (default: {DEFAULTS.compute_type}, as the model was saved)",
    )
    group.add_argument(
        "--beam-size",
        type=positive,
        default=None,
        help=f"beam width (default: {DEFAULTS.beam_size})",
    )
    group.add_argument(
        "--inter-threads",
        type=positive,
        default=None,
        help=f"batches translated in parallel by each process (default: one per core, at most "
        f"8: {DEFAULTS.inter_threads} here; "
        "at most the cores divided among --processes/--dask-workers)",
    )
    group.add_argument(
        "--intra-threads",
        type=int,
        default=None,
        help="threads per batch, 0 lets CTranslate2 decide (default: the cores left over per "
        f"batch: {DEFAULTS.intra_threads} here)",
    )
    group.add_argument(
        "--max-batch-tokens",
        type=int,
        default=None,
        help=f"token budget of one batch (default: {DEFAULTS.max_batch_tokens})",
    )
    group.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="translation cache folder (default: $XDG_CACHE_HOME/lingoflow)",
    )
    group.add_argument("--no-cache", dest="cache", action="store_false",
                       help="do not read or write the translation cache")  # fmt: skip
    group.add_argument(
        "--glossary",
        type=Path,
        default=None,
        metavar="FILE",
        help="TSV of source_lang, target_lang, source term, target term: terms forced into "
        "translations (a target equal to the source: do not translate)",
    )
    group.add_argument(
        "--reject-flagged",
        action="store_true",
        help="leave out translations a quality check flags (the record is partial, with an "
        "error per segment) instead of keeping and counting them",
    )


class CommandError(Exception):
    """A command cannot start: the message is printed and the command exits with ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def glossary_path(args: argparse.Namespace) -> str | None:
    """The absolute path of ``--glossary`` after reading it, None without one; a glossary
    that cannot be used ends the command (exit 2) before any work, naming the line."""
    from lingoflow.processors.translate.glossary import GlossaryError, load_glossary

    if args.glossary is None:
        return None
    path = args.glossary.expanduser().absolute()
    try:
        load_glossary(path)
    except GlossaryError as exc:
        raise CommandError(str(exc)) from exc
    return str(path)


def translation_settings(args: argparse.Namespace, workers: int = 1) -> dict[str, Any]:
    """The translation options given on the command line, as TranslationSettings fields;
    options left out keep their defaults. ``workers`` processes share this machine's cores."""
    from lingoflow.processors.core.config import inter_threads_for

    given = {
        "enabled": args.translate,
        "packages_dir": str(args.packages_dir) if args.packages_dir else None,
        "device": args.device,
        "compute_type": args.compute_type,
        "beam_size": args.beam_size,
        "inter_threads": inter_threads_for(workers, args.inter_threads),
        "intra_threads": args.intra_threads,
        "max_batch_tokens": args.max_batch_tokens,
        "cache": args.cache,
        "cache_dir": str(args.cache_dir) if args.cache_dir else None,
    }
    return {k: v for k, v in given.items() if v is not None}
