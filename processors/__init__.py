"""lingoflow processors: the steps over one document model, in plain Python (no Prefect).

Most modules are pure functions of their inputs (decode, repair, normalize, html, clean,
sentences, metadata, langid, pipeline, record, document, config). These do I/O, and say so:

- :mod:`.ingest` reads input files (never outside the raw folder);
- :mod:`.writer` writes records and the index atomically and holds the run lock;
- :mod:`.batch` reads inputs and existing records, and writes a batch's records;
- :mod:`.runner` deletes orphaned records when asked to prune;
- :mod:`.models` finds, installs and downloads translation packages;
- :mod:`.translate` loads models and keeps the translation cache (SQLite);
- :mod:`.validate` reads records to check them against the published schema.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lingoflow")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


def compiled_modules() -> list[str]:
    """The lingoflow modules loaded so far from compiled extensions (the optional mypyc build
    of setup.py, ``LINGOFLOW_COMPILE=1``); empty for the plain package.

    >>> import lingoflow.processors.core.config
    >>> "lingoflow.processors.core.config" in compiled_modules()
    False
    """
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name.startswith("lingoflow.")
        and (getattr(module, "__file__", None) or "").endswith((".so", ".pyd"))
    )
