"""The layout holds: stages depend one way (the import-linter contracts in pyproject.toml), no
module imports itself back through others, no step hides an import inside a function, and
importing the package loads no step."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import ROOT


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _cycle(graph: grimp.ImportGraph, modules: set[str]) -> list[str] | None:
    """One import cycle among ``modules``, or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if state.get(imported) == 1:
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(modules):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph("lingoflow")
    modules = {m for m in graph.modules if m.startswith("lingoflow.")}
    assert _cycle(graph, modules) is None, " -> ".join(_cycle(graph, modules) or [])


def test_a_cycle_is_found_when_there_is_one() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    assert _cycle(graph, {"a", "b", "c"}) is None
    graph.add_import(importer="c", imported="a")
    assert _cycle(graph, {"a", "b", "c"}) == ["a", "b", "c", "a"]


def _function_level_imports(source: str) -> list[str]:
    """``lingoflow`` modules imported inside a function or method of ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                    "lingoflow"
                ):
                    found.append(str(inner.module))
                elif isinstance(inner, ast.Import):
                    found += [a.name for a in inner.names if a.name.startswith("lingoflow")]
    return found


def test_steps_import_each_other_at_the_top_of_the_module() -> None:
    """Heavy third-party libraries may load lazily inside a function; lingoflow's own modules
    never do (an import hidden in a function is how a cycle hides)."""
    hidden = {
        str(path.relative_to(ROOT)): modules
        for path in sorted((ROOT / "processors").rglob("*.py"))
        if (modules := _function_level_imports(path.read_text(encoding="utf-8")))
    }
    assert hidden == {}
    assert _function_level_imports("def f():\n    from lingoflow.processors import x\n") == [
        "lingoflow.processors"
    ]


def test_importing_the_package_loads_no_step() -> None:
    probe = (
        "import sys, lingoflow.processors, lingoflow.processors.core.record\n"
        "print(sorted(m for m in sys.modules if m.startswith('lingoflow.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path("/")
    )
    loaded = set(ast.literal_eval(done.stdout))
    assert loaded == {
        "lingoflow.processors",
        "lingoflow.processors.core",
        "lingoflow.processors.core.record",
    }
