"""Flow ``install-models``: install Argos Translate packages where deployments run."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed

from lingoflow.processors.core.config import InstallOptions, declared
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.translate.packages import (
    InstalledPackage,
    install_archive,
    install_from_index,
    package_files,
)
from lingoflow.processors.translate.packages import packages_dir as default_packages_dir


@task(cache_policy=NO_CACHE)
def install_files(paths: tuple[str, ...], folder: Path) -> list[InstalledPackage]:
    """Install .argosmodel files (or every one in the folders given), offline."""
    return [install_archive(path, folder) for path in package_files([Path(p) for p in paths])]


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def install_pairs(pairs: tuple[str, ...], folder: Path) -> list[InstalledPackage]:
    """Download and install packages for FROM:TO pairs from the Argos package index."""
    return install_from_index([Pair.parse(p) for p in pairs], folder)


@flow(name="install-models", log_prints=True)
def install_models(
    files: tuple[str, ...] = declared(InstallOptions, "files"),
    from_index: tuple[str, ...] = declared(InstallOptions, "from_index"),
    packages_dir: str | None = declared(InstallOptions, "packages_dir"),
) -> list[str]:
    """Install translation packages offline from files, or online from the Argos index."""
    logger = get_run_logger()
    if not files and not from_index:
        message = (
            "nothing to install: give files (.argosmodel files or folders of them on the "
            "worker) or from_index (FROM:TO pairs such as ko:en, downloaded from the Argos index)"
        )
        logger.warning(message)
        return Completed(name="Nothing installed", message=message, data=[])  # type: ignore[return-value]
    for spec in from_index:  # fail before any work on a malformed pair
        Pair.parse(spec)
    folder = Path(packages_dir) if packages_dir else default_packages_dir()
    installed = install_files(files, folder) if files else []
    if from_index:
        installed += install_pairs(from_index, folder)
    for package in installed:
        logger.info("installed %s %s in %s", package.pair, package.version, package.path)
    names = [f"{p.pair} {p.version}" for p in installed]
    if not names:
        message = f"no package found in {', '.join(files)}: nothing installed"
        logger.warning(message)
        return Completed(name="Nothing installed", message=message, data=[])  # type: ignore[return-value]
    return Completed(message=f"installed {', '.join(names)} in {folder}", data=names)  # type: ignore[return-value]
