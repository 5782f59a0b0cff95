"""Packaging: lingoflow installs as lingoflow.processors and lingoflow.flows, nothing else."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROBE = """
import importlib.util, json
import lingoflow.flows, lingoflow.flows.cli, lingoflow.processors
found = {}
for name in ("lingoflow.processors.pipeline", "processors", "flows", "bench", "tests"):
    spec = importlib.util.find_spec(name)
    found[name] = None if spec is None else (spec.origin or list(spec.submodule_search_locations))
print(json.dumps(found))
"""


def test_installed_under_the_lingoflow_namespace_only(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,  # outside the checkout: only what is installed is importable
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    assert found["lingoflow.processors.pipeline"] is not None
    assert found["processors"] is None and found["flows"] is None and found["bench"] is None
    # argostranslate installs a top-level "tests" package of its own; ours is never installed.
    assert found["tests"] is None or str(ROOT / "tests") not in str(found["tests"])


def test_the_distribution_holds_only_the_lingoflow_namespace(tmp_path: Path) -> None:
    listing = (
        "from importlib.metadata import distribution\n"
        "d = distribution('lingoflow')\n"
        "print(repr((d.read_text('top_level.txt'), [str(f) for f in d.files or []])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", listing], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    top_level, files = ast.literal_eval(done.stdout)
    assert top_level.split() == ["lingoflow"]
    site = Path(sys.executable).parent.parent / "lib"
    for name in files:  # a wheel install: lingoflow/...; an editable one: a path file
        path = Path(name)
        if path.parts[0] == "lingoflow" or path.parts[0].endswith(".dist-info"):
            continue
        if path.suffix == ".pth":
            pth = next(site.rglob(path.name))
            for line in pth.read_text().splitlines():
                if line and not line.startswith("import") and Path(line).is_dir():
                    assert sorted(p.name for p in Path(line).iterdir()) == ["lingoflow"], line
            continue
        assert path.parts[0] == ".." and path.name == "lingoflow", name  # the console script


def test_console_script_runs_from_anywhere(tmp_path: Path) -> None:
    lingoflow = Path(sys.executable).with_name("lingoflow")
    done = subprocess.run(
        [str(lingoflow), "--version"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("lingoflow ")
