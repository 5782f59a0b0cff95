"""The optional compiled build: ``LINGOFLOW_COMPILE=1`` compiles the modules every page goes
through with mypyc (the pipeline's per-line and per-element Python: cleaning rules and
features, the DOM walk and the head's metadata, decoding and repair, detection, sentences);
without it (the default, and every editable install) lingoflow is the plain Python package
pyproject.toml describes.

    LINGOFLOW_COMPILE=1 pip install --no-build-isolation .   # needs mypy and a C compiler

The compiled modules give the same records (``make test-compiled`` runs the output tests
against them); bench/README.md, "A compiled build", has the figures. Everything else of the
package's description is in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from setuptools import setup

COMPILED = (
    "clean/boilerplate.py",
    "clean/cleaner.py",
    "clean/lines.py",
    "clean/notices.py",
    "clean/page_blocks.py",
    "clean/removal.py",
    "clean/roles.py",
    "language/detector.py",
    "read/decode.py",
    "read/dom.py",
    "read/html.py",
    "text/characters.py",
    "text/entities.py",
    "text/features.py",
    "text/garbling.py",
    "text/normalize.py",
    "text/repair.py",
    "text/sentences.py",
    "text/shapes.py",
    "pipeline.py",
)
"""The modules compiled, under processors/."""


def mypy_config(root: Path) -> str:
    """mypyc's settings for the staged copy: pyproject.toml's Python version and plugins
    (one place for them), the package found from the copy's layout, and third-party
    modules without stubs taken as they are."""
    settings = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    mypy = settings["tool"]["mypy"]
    return (
        "[mypy]\n"
        f"python_version = {mypy['python_version']}\n"
        "explicit_package_bases = True\n"
        "namespace_packages = True\n"
        "ignore_missing_imports = True\n"
        f"plugins = {', '.join(mypy.get('plugins', []))}\n"
    )


def compiled_extensions() -> list[Any]:
    """The mypyc extensions of :data:`COMPILED`, built from a copy of processors/ laid out
    as the installed package (``lingoflow/processors/...``), so that mypyc names the modules
    as Python imports them."""
    try:
        from mypyc.build import mypycify
    except ImportError as error:
        raise SystemExit(
            "LINGOFLOW_COMPILE=1 needs mypyc (part of mypy) where the package is built: "
            "pip install mypy, then pip install --no-build-isolation ."
        ) from error

    root = Path(__file__).resolve().parent
    staged = root / "build" / "mypyc" / "src"
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(
        root / "processors",
        staged / "lingoflow" / "processors",
        ignore=shutil.ignore_patterns("__pycache__", "*.so"),
    )
    (staged / "mypy.ini").write_text(mypy_config(root), encoding="utf-8")
    here = Path.cwd()
    os.chdir(staged)
    try:
        return mypycify(
            ["--config-file", "mypy.ini", *(f"lingoflow/processors/{m}" for m in COMPILED)],
            target_dir=str(root / "build" / "mypyc" / "c"),
            opt_level="3",
        )
    finally:
        os.chdir(here)


EDITABLE = any(command in sys.argv for command in ("editable_wheel", "develop"))
"""An editable install stays plain: a compiled module would be loaded instead of the source
being edited."""

if os.environ.get("LINGOFLOW_COMPILE") == "1" and EDITABLE:
    print("LINGOFLOW_COMPILE=1 is ignored by an editable install: it stays plain Python")
if os.environ.get("LINGOFLOW_COMPILE") == "1" and not EDITABLE:
    setup(ext_modules=compiled_extensions())
else:
    setup()
