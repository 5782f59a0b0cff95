"""Each setting is declared once (lingoflow.processors.core.config); the flows' parameters, the
command-line options and the README's settings table are made from the declarations, and these
tests fail when one of them drifts."""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import pytest
from pydantic import BaseModel, Field, TypeAdapter
from pydantic.fields import FieldInfo

from lingoflow.flows.cli import build_parser
from lingoflow.flows.cli.options import CLI_OPTIONS, SETTINGS_TABLES, help_of, settings_table
from lingoflow.flows.export import export_dataset
from lingoflow.flows.models import install_models
from lingoflow.flows.process import process_documents
from lingoflow.flows.retranslate import retranslate
from lingoflow.processors.core.config import (
    BatchSize,
    CleanConfig,
    ExportOptions,
    InstallOptions,
    PipelineConfig,
    RetranslateOptions,
    RunOptions,
    TranslationConfig,
    declared,
)
from tests.conftest import ROOT

FLOWS: dict[str, tuple[Callable[..., Any], tuple[type[BaseModel], ...]]] = {
    "process-documents": (process_documents.fn, (RunOptions, PipelineConfig, CleanConfig)),
    "retranslate": (retranslate.fn, (RetranslateOptions, PipelineConfig)),
    "export-dataset": (export_dataset.fn, (ExportOptions,)),
    "install-models": (install_models.fn, (InstallOptions,)),
}


def _declared_type(field: FieldInfo) -> Any:
    if field.metadata:
        return Annotated[(field.annotation, *field.metadata)]  # type: ignore[misc]
    return field.annotation


def drift(function: Callable[..., Any], models: tuple[type[BaseModel], ...]) -> list[str]:
    """How the parameters of a flow's function differ from the settings they declare to be:
    a parameter must take its default and description from its declaration
    (:func:`declared`), and its type must validate as the declaration's."""
    problems = []
    hints = get_type_hints(function, include_extras=True)
    for name, parameter in inspect.signature(function).parameters.items():
        model = next((m for m in models if name in m.model_fields), None)
        if model is None:
            problems.append(f"{name}: not declared in {', '.join(m.__name__ for m in models)}")
            continue
        field = model.model_fields[name]
        default = parameter.default
        if not isinstance(default, FieldInfo):
            problems.append(f"{name}: the default is not declared({model.__name__}, {name!r})")
            continue
        if (default.default, default.description) != (field.default, field.description):
            problems.append(f"{name}: default or description differ from {model.__name__}")
        got = TypeAdapter(hints[name]).json_schema()
        if got != TypeAdapter(_declared_type(field)).json_schema():
            problems.append(f"{name}: type {hints[name]} is not {model.__name__}'s")
    return problems


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_each_flow_parameter_is_its_declaration(flow: str) -> None:
    function, models = FLOWS[flow]
    assert drift(function, models) == []


def test_drift_is_found() -> None:
    def good(batch_size: BatchSize = declared(RetranslateOptions, "batch_size")) -> None: ...

    def other_default(batch_size: BatchSize = Field(12)) -> None: ...  # noqa: B008

    def other_type(batch_size: int = declared(RetranslateOptions, "batch_size")) -> None: ...

    def unknown(colour: str = "red") -> None: ...

    models = (RetranslateOptions,)
    assert drift(good, models) == []
    assert drift(other_default, models) == [
        "batch_size: default or description differ from RetranslateOptions"
    ]
    assert drift(other_type, models) == [
        "batch_size: type <class 'int'> is not RetranslateOptions's"
    ]
    assert drift(unknown, models) == ["colour: not declared in RetranslateOptions"]


def _options(command: str) -> dict[str, argparse.Action]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in subparsers.choices[command]._actions}


@pytest.mark.parametrize("command", ["run", "retranslate", "export", "translate"])
def test_every_setting_of_a_command_is_an_option_with_its_declared_help(command: str) -> None:
    options = _options(command)
    declared_here = [
        (model, name)
        for listed, _, model, names in SETTINGS_TABLES
        for name in names
        if command in listed.split(", ") and name in CLI_OPTIONS[listed]
    ]
    assert declared_here
    for model, name in declared_here:
        assert name in options, f"{command} has no option for {model.__name__}.{name}"
        assert options[name].help == help_of(model, name)
        assert options[name].default is None  # left out: the declared default applies


def test_options_turn_into_the_declared_settings() -> None:
    args = build_parser().parse_args(
        ["run", "--languages", "ko,ja", "--beam-size", "2", "--no-cache", "--force"]
    )
    from lingoflow.flows.cli.options import given, translation_from

    assert given(args, RunOptions) == {"force": True}
    assert given(args, PipelineConfig) == {"languages": ("ko", "ja")}
    config = translation_from(args)
    assert (config.beam_size, config.cache, config.device) == (2, False, "cpu")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--beam-size", "17"])  # beyond the declared bound


def test_the_readme_settings_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- settings -->\n(.*?)<!-- /settings -->", readme, re.S)
    assert found, "README.md has no <!-- settings --> table"
    assert found.group(1) == settings_table(), "run: lingoflow settings, and paste it"


def test_every_translation_setting_is_listed() -> None:
    listed = {
        n for _, _, model, names in SETTINGS_TABLES if model is TranslationConfig for n in names
    }
    assert listed == set(TranslationConfig.model_fields)
    assert Path(inspect.getfile(RunOptions)).name == "config.py"
