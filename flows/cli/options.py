"""Command-line options made from the settings' declarations
(:mod:`lingoflow.processors.core.config`): each setting's flag, type, bounds, choices and help
come from its field, so the command line, the flows and the README never disagree."""

from __future__ import annotations

import argparse
import inspect
import re
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from lingoflow.processors.core.config import (
    CleanConfig,
    ExportOptions,
    PipelineConfig,
    RetranslateOptions,
    RunOptions,
    TranslationConfig,
    known_language,
)


class CommandError(Exception):
    """A command cannot start: the message is printed and the command exits with ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def command(commands: Any, name: str, handler: Callable[[argparse.Namespace], int]) -> Any:
    """Add command ``name`` to ``commands``, run by ``handler``, whose docstring's first line
    is the command's summary and the rest its description (``lingoflow NAME --help``)."""
    summary, _, description = inspect.cleandoc(handler.__doc__ or "").partition("\n\n")
    parser = commands.add_parser(
        name,
        help=summary[:1].lower() + summary[1:].rstrip("."),
        description=" ".join((description or summary).split()),
    )
    parser.set_defaults(handler=handler)
    return parser


def languages(value: str) -> tuple[str, ...]:
    """A comma-separated list of language codes.

    >>> languages("EN, ko")
    ('en', 'ko')
    """
    codes = tuple(c.strip().lower() for c in value.split(",") if c.strip())
    if not codes:
        raise argparse.ArgumentTypeError(f"expected ISO 639-1 codes like en,ko; got {value!r}")
    try:
        return tuple(known_language(c) for c in codes)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def choices_of(allowed: tuple[str, ...]) -> Any:
    """A parser of comma-separated values among ``allowed``.

    >>> choices_of(("ok", "partial", "failed"))("ok, partial")
    ('ok', 'partial')
    """

    def parse(value: str) -> tuple[str, ...]:
        found = tuple(v.strip() for v in value.split(",") if v.strip())
        if not found or any(v not in allowed for v in found):
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(allowed)}; got {value!r}"
            )
        return found

    return parse


def positive(value: str) -> int:
    """A whole number of at least 1."""
    return int(bounded(int, 1, None)(value))


def bounded(kind: type[int] | type[float], low: float | None, high: float | None) -> Any:
    """An argument type: a number of ``kind`` within ``[low, high]``.

    >>> bounded(int, 1, 16)("4"), bounded(float, 1.0, None)("1.5")
    (4, 1.5)
    """

    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number; got {value!r}") from None
        if (low is not None and number < low) or (high is not None and number > high):
            within = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
            raise argparse.ArgumentTypeError(f"expected a number {within}; got {value}")
        return number

    parse.__name__ = kind.__name__
    return parse


def flag(model: type[BaseModel], name: str) -> str:
    """The command-line flag of setting ``name``: ``--raw-dir`` for ``raw_dir``, or the one
    its declaration names (``--no-translate`` for ``enabled``).

    >>> flag(TranslationConfig, "beam_size"), flag(TranslationConfig, "enabled")
    ('--beam-size', '--no-translate')
    """
    extra = model.model_fields[name].json_schema_extra
    named = extra.get("cli") if isinstance(extra, dict) else None
    return str(named) if named else "--" + name.replace("_", "-")


def summary_of(field: FieldInfo) -> str:
    """The first sentence of a setting's description.

    >>> summary_of(TranslationConfig.model_fields["cache_dir"])
    'Translation cache folder (default: $XDG_CACHE_HOME/lingoflow).'
    """
    text = " ".join((field.description or "").split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return match.group(1) if match else text


def default_of(field: FieldInfo) -> str:
    """A setting's default as the help and the README show it."""
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "-"
    return str(value).lower() if isinstance(value, bool) else str(value)


def help_of(model: type[BaseModel], name: str) -> str:
    """The help of setting ``name``: the first sentence of its description, with its default
    unless the sentence gives it; a flag that turns a setting off says so.

    >>> help_of(TranslationConfig, "cache")  # doctest: +ELLIPSIS
    'Turns off: keep translations in an SQLite cache keyed by package, ... translates nothing.'
    >>> help_of(TranslationConfig, "beam_size")[-12:]
    '(default: 4)'
    """
    field = model.model_fields[name]
    text = summary_of(field)
    if flag(model, name).startswith("--no-"):
        return f"Turns off: {text[:1].lower()}{text[1:]}"
    default = default_of(field)
    if default == "-" or "default" in text or field.annotation is bool:
        return text
    return f"{text} (default: {default})"


def _bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)  # type: ignore[arg-type]
    return low, high


def _value_type(annotation: Any) -> Any:
    """The annotation without ``None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def add_options(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    model: type[BaseModel],
    names: Iterable[str] | None = None,
) -> None:
    """Add an option for each setting of ``model`` (or those in ``names``). Every option's
    default is None, so that :func:`given` tells the options given from those left out (which
    keep their declared default)."""
    for name in names or model.model_fields:
        field = model.model_fields[name]
        kind = _value_type(field.annotation)
        default = field.get_default(call_default_factory=True)
        help_text = help_of(model, name)
        arguments: dict[str, Any] = {"dest": name, "default": None}
        if kind is bool:
            arguments.update(action="store_const", const=not default)
        elif get_origin(kind) is Literal:
            arguments["choices"] = get_args(kind)
        elif kind in (int, float):
            arguments["type"] = bounded(kind, *_bounds(field))
            arguments["metavar"] = "N"
        elif kind is Path:
            arguments.update(type=Path, metavar="DIR" if name.endswith("_dir") else "PATH")
        elif get_origin(kind) is tuple and name == "languages":
            arguments.update(type=languages, metavar="CODES")
        elif get_origin(kind) is tuple and get_origin(get_args(kind)[0]) is Literal:
            arguments.update(type=choices_of(get_args(get_args(kind)[0])), metavar="LIST")
        elif kind is str:
            paths = name.endswith("_dir") or name in ("glossary", "output")
            arguments["metavar"] = "PATH" if paths else "X"
        else:
            raise TypeError(f"no command-line form for {model.__name__}.{name}: {kind}")
        parser.add_argument(flag(model, name), help=help_text, **arguments)


def given(args: argparse.Namespace, model: type[BaseModel]) -> dict[str, Any]:
    """The settings of ``model`` given on the command line (those left out are absent)."""
    values = {name: getattr(args, name, None) for name in model.model_fields}
    return {name: value for name, value in values.items() if value is not None}


def translation_from(args: argparse.Namespace) -> TranslationConfig:
    """The translation settings given on the command line. The glossary is read first, so
    that one that cannot be used ends the command (exit 2) before any work, naming the
    line."""
    from lingoflow.processors.translate.glossary import GlossaryError, load_glossary

    settings = given(args, TranslationConfig)
    if settings.get("glossary"):
        path = Path(settings["glossary"]).expanduser().absolute()
        try:
            load_glossary(path)
        except GlossaryError as exc:
            raise CommandError(str(exc)) from exc
        settings["glossary"] = str(path)
    return TranslationConfig.model_validate(settings)


def add_translation_options(parser: argparse.ArgumentParser) -> None:
    """Every translation setting, as a group of options."""
    add_options(parser.add_argument_group("translation"), TranslationConfig)


SETTINGS_TABLES: tuple[tuple[str, str, type[BaseModel], tuple[str, ...]], ...] = (
    ("run", "process-documents", RunOptions, ("raw_dir", "processed_dir")),
    ("run", "process-documents", PipelineConfig, ("languages",)),
    ("run", "process-documents", RunOptions, ("force", "prune", "batch_size")),
    ("run", "process-documents", PipelineConfig, ("max_bytes", "document_timeout")),
    ("run", "process-documents", CleanConfig, ("html_extractor",)),
    (
        "run",
        "process-documents",
        RunOptions,
        ("processes", "parallel_batches", "fail_on_partial", "max_failed_share"),
    ),
    ("retranslate", "retranslate", RetranslateOptions, ("processed_dir", "batch_size")),
    ("export", "export-dataset", ExportOptions, tuple(ExportOptions.model_fields)),
    (
        "run, retranslate, translate",
        "translation.",
        TranslationConfig,
        tuple(TranslationConfig.model_fields),
    ),
)
"""Which settings each command and flow takes, in the order the README lists them."""
CLI_OPTIONS = {
    command: {n for c, _, _, names in SETTINGS_TABLES if c == command for n in names}
    - {"fail_on_partial"}  # the command line has --strict and exit codes instead
    for command, _, _, _ in SETTINGS_TABLES
}
"""The settings each command takes as options."""


def settings_table() -> str:
    """Every setting as a markdown table: the command-line flag, the flow parameter, the
    default and what it does (the first sentence of its declaration)."""
    lines = [
        "| command | option | flow parameter | default | what it does |",
        "|---|---|---|---|---|",
    ]
    for command, flow, model, names in SETTINGS_TABLES:
        for name in names:
            field = model.model_fields[name]
            option = f"`{flag(model, name)}`" if name in CLI_OPTIONS[command] else "-"
            parameter = f"`{flow}{name}`" if flow.endswith(".") else f"`{flow}: {name}`"
            text = summary_of(field).replace("|", "\\|")
            row = f"| {command} | {option} | {parameter} | `{default_of(field)}` | {text} |"
            lines.append(row)
    return "\n".join(lines) + "\n"
