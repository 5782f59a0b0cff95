"""The examples in the docstrings of lingoflow.processors and lingoflow.flows are run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import lingoflow.flows
import lingoflow.processors


def _modules() -> list[str]:
    names = []
    for package in (lingoflow.processors, lingoflow.flows):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(names)


MODULES = _modules()


def _examples(module: ModuleType) -> int:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return sum(len(test.examples) for test in finder.find(module))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_small_pure_functions_have_examples() -> None:
    counts = {name: _examples(importlib.import_module(name)) for name in MODULES}
    for name in (
        "lingoflow.processors.core.config",
        "lingoflow.processors.translate.packages",
        "lingoflow.processors.summary",
        "lingoflow.processors.pipeline",
        "lingoflow.processors.read.html",
        "lingoflow.processors.text.repair",
        "lingoflow.processors.text.sentences",
        "lingoflow.processors.text.entities",
        "lingoflow.processors.text.normalize",
        "lingoflow.processors.language.detector",
        "lingoflow.processors.read.ingest",
        "lingoflow.flows.cli.options",
        "lingoflow.flows.cli.server",
    ):
        assert counts[name] > 0, f"{name} has no docstring examples"
