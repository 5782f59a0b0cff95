"""Installed Argos Translate packages, found on disk without importing argostranslate.

The packages folder follows argostranslate's own settings: ``ARGOS_PACKAGES_DIR``, else
``$XDG_DATA_HOME/argos-translate/packages`` (``~/.local/share/...`` when XDG_DATA_HOME is unset).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lingoflow.processors.core.config import TranslationConfig
from lingoflow.processors.core.languages import Pair

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledPackage:
    """One installed translation package: direction, version and folder."""

    from_code: str
    to_code: str
    version: str
    path: Path

    @property
    def pair(self) -> Pair:
        return Pair(self.from_code, self.to_code)


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
    if not folder.is_dir():
        return []
    for metadata in sorted(folder.glob("*/metadata.json")):
        if metadata.parent.name.startswith("."):
            continue
        try:
            data = json.loads(metadata.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning(
                "skipping package %s: unreadable metadata.json (%s)", metadata.parent, exc
            )
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
    return sorted(found, key=lambda p: (p.from_code, p.to_code, _version_key(p.version)))


def packages_folder(config: TranslationConfig) -> Path:
    """The packages folder a translation configuration uses: its own, else
    :func:`packages_dir`."""
    return Path(config.packages_dir) if config.packages_dir else packages_dir()


def model_languages(folder: Path | None = None) -> set[str]:
    """Every language an installed package translates from or to."""
    return {code for p in installed_packages(folder) for code in (p.from_code, p.to_code)}


class InstallError(Exception):
    """A package could not be installed; the message says why in one line."""


def install_archive(archive: Path, folder: Path | None = None) -> InstalledPackage:
    """Install one ``.argosmodel`` file into ``folder`` (default :func:`packages_dir`).

    The archive must hold exactly one top-level folder with a metadata.json; members may not
    leave it (no absolute paths, no ``..``). It is unpacked beside the destination and moved in
    with one rename, replacing an installed package of the same name.
    """
    folder = folder or packages_dir()
    if not zipfile.is_zipfile(archive):
        raise InstallError(f"{archive}: not an Argos package (not a zip archive)")
    with zipfile.ZipFile(archive) as zf:
        names = [n for n in zf.namelist() if n and not n.endswith("/")]
        tops = {PurePosixPath(n).parts[0] for n in zf.namelist() if n}
        if len(tops) != 1:
            raise InstallError(f"{archive}: expected one top-level folder, found {len(tops)}")
        top = tops.pop()
        for name in names:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or "\\" in name:
                raise InstallError(f"{archive}: unsafe member path {name!r}")
        if f"{top}/metadata.json" not in names:
            raise InstallError(f"{archive}: no {top}/metadata.json")
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".install-", dir=folder))
        try:
            zf.extractall(staging)
            _check_metadata(staging / top / "metadata.json", archive)
            target = folder / top
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=".old-", dir=folder))
                target.rename(old / top)
            (staging / top).rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            for old_dir in folder.glob(".old-*"):
                shutil.rmtree(old_dir, ignore_errors=True)
    return next(p for p in installed_packages(folder) if p.path.name == top)


def _check_metadata(metadata: Path, archive: Path) -> None:
    try:
        data = json.loads(metadata.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InstallError(f"{archive}: unreadable metadata.json ({exc})") from exc
    if not (isinstance(data.get("from_code"), str) and isinstance(data.get("to_code"), str)):
        raise InstallError(f"{archive}: metadata.json has no from_code/to_code")


def package_files(paths: list[Path]) -> list[Path]:
    """``.argosmodel`` files named, or found directly inside the folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.argosmodel")))
        else:
            found.append(path)
    return found


def install_from_index(
    pairs: list[Pair], folder: Path | None = None, timeout: float = 15.0
) -> list[InstalledPackage]:
    """Download and install packages for ``pairs`` from argostranslate's package index.

    Raises :class:`InstallError` with a one-line reason when the index or a package cannot be
    reached or a pair is not in the index.
    """
    import urllib.error
    import urllib.request

    from argostranslate import settings
    from argostranslate.package import AvailablePackage

    url = str(settings.remote_package_index)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            index = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InstallError(
            f"cannot reach the Argos package index at {url} ({reason}); download the "
            ".argosmodel files on a machine with internet access and run "
            "`lingoflow models install FILE...`"
        ) from exc
    available = [AvailablePackage(m) for m in index if m.get("type", "translate") == "translate"]
    installed = []
    for pair in pairs:
        matches = [p for p in available if (p.from_code, p.to_code) == (pair.source, pair.target)]
        if not matches:
            raise InstallError(f"the Argos package index has no package for {pair}")
        best = max(matches, key=lambda p: _version_key(str(p.package_version)))
        links = [str(link) for link in getattr(best, "links", [])]
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / f"{pair.source}_{pair.target}.argosmodel"
            _download(links, archive, timeout)
            installed.append(install_archive(archive, folder))
    return installed


def _download(links: list[str], dest: Path, timeout: float) -> None:
    import urllib.error
    import urllib.request

    errors = []
    for link in links:
        try:
            with urllib.request.urlopen(link, timeout=timeout) as response, dest.open("wb") as f:
                shutil.copyfileobj(response, f)
            return
        except (urllib.error.URLError, OSError) as exc:
            errors.append(f"{link}: {getattr(exc, 'reason', exc)}")
    raise InstallError("download failed: " + ("; ".join(errors) or "no download link"))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def install_command(missing: Iterable[Pair]) -> str:
    """The command that installs packages for ``missing`` pairs from the Argos index.

    >>> install_command([Pair("ko", "en"), Pair("en", "ko")])
    'lingoflow models install --from-index en:ko ko:en'
    """
    return "lingoflow models install --from-index " + " ".join(p.spec for p in sorted(missing))
