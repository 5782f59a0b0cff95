"""Installed Argos Translate packages, found on disk without importing argostranslate.

The packages folder follows argostranslate's own settings: ``ARGOS_PACKAGES_DIR``, else
``$XDG_DATA_HOME/argos-translate/packages`` (``~/.local/share/...`` when XDG_DATA_HOME is unset).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InstalledPackage:
    """One installed translation package: direction, version and folder."""

    from_code: str
    to_code: str
    version: str
    path: Path


def packages_dir() -> Path:
    """The folder argostranslate installs packages into."""
    explicit = os.environ.get("ARGOS_PACKAGES_DIR")
    if explicit:
        return Path(explicit)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "argos-translate" / "packages"


def installed_packages(folder: Path | None = None) -> list[InstalledPackage]:
    """Translation packages in ``folder`` (default :func:`packages_dir`), sorted by direction."""
    folder = folder or packages_dir()
    found = []
    for metadata in sorted(folder.glob("*/metadata.json")):
        try:
            data = json.loads(metadata.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("type", "translate") != "translate":
            continue
        if isinstance(data.get("from_code"), str) and isinstance(data.get("to_code"), str):
            found.append(
                InstalledPackage(
                    from_code=data["from_code"],
                    to_code=data["to_code"],
                    version=str(data.get("package_version", "")),
                    path=metadata.parent,
                )
            )
    return sorted(found, key=lambda p: (p.from_code, p.to_code, p.version))


def model_languages(folder: Path | None = None) -> set[str]:
    """Every language an installed package translates from or to."""
    return {code for p in installed_packages(folder) for code in (p.from_code, p.to_code)}
