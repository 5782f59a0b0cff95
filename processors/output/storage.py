"""Outputs addressed by URL (``s3://bucket/exports/records.parquet``, ``gs://``, ``az://``):
written through fsspec, each file in one upload.

A file is made locally first, with the same code as a local output, and then uploaded whole
(``put_file``): an object store shows an object only once its upload completes (a single PUT,
or a multipart upload's final request), so a reader never sees part of one. Credentials and
endpoints come from the storage library's usual environment and configuration files (for S3,
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_PROFILE``, ``AWS_ENDPOINT_URL`` for
MinIO, Ceph or a local server); nothing secret goes through lingoflow's own settings. The
libraries are optional: ``s3://`` needs ``s3fs``, ``gs://`` ``gcsfs``, ``az://`` ``adlfs``.

Before any work, :func:`check_writable` proves the target can be written (the bucket exists,
the credentials are accepted, a probe object can be written and removed), so a typo in a
bucket name or a missing permission is an error at once, not after the export.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class StorageError(Exception):
    """A URL that cannot be used, said in one line."""


def is_url(target: str) -> bool:
    """True for a URL other than ``file://`` (which is a local path).

    >>> is_url("s3://bucket/a.parquet"), is_url("exports/a.parquet"), is_url("file:///tmp/a")
    (True, False, False)
    """
    return bool(_URL.match(target)) and not target.lower().startswith("file://")


def local_path(target: str) -> Path:
    """The local path of a plain path or ``file://`` URL.

    >>> local_path("file:///tmp/out.parquet").as_posix(), local_path("out.parquet").as_posix()
    ('/tmp/out.parquet', 'out.parquet')
    """
    return Path(target[7:]) if target.lower().startswith("file://") else Path(target)


@dataclass(frozen=True)
class Remote:
    """A file addressed by URL: its filesystem and its path there."""

    url: str
    fs: Any
    path: str

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)

    def sibling(self, name: str) -> str:
        """The path of ``name`` in the same folder."""
        return posixpath.join(self.folder, name)

    def exists(self, path: str) -> bool:
        return bool(_call(self, "read", self.fs.exists, path))

    def fetch(self, path: str, local: Path) -> None:
        _call(self, "read", self.fs.get_file, path, str(local))

    def upload(self, local: Path, path: str) -> None:
        """Upload ``local`` to ``path`` in one upload (visible only once complete)."""
        _call(self, "write", self.fs.put_file, str(local), path)

    def listing(self, pattern: str) -> list[str]:
        return list(_call(self, "list", self.fs.glob, self.sibling(pattern)))


def remote(url: str) -> Remote:
    """The filesystem and path of ``url``; a clear error when no library handles it."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        scheme = url.split("://", 1)[0]
        raise StorageError(f"{scheme}:// needs a library fsspec does not have here: {exc}") from exc
    except ValueError as exc:  # an unknown protocol
        raise StorageError(f"cannot use {url}: {exc}") from exc
    if url.endswith("/") or "/" not in path.strip("/"):  # "s3://bucket/" is no file
        raise StorageError(f"{url} names a bucket or folder, not a file")
    return Remote(url=url, fs=fs, path=path)


def check_writable(target: Remote) -> None:
    """Raise :class:`StorageError` unless a file can be written beside ``target`` (its bucket
    exists, the credentials are accepted, a probe object is written and removed)."""
    probe = target.sibling(f".lingoflow-probe-{uuid.uuid4().hex}")
    _call(target, "write", target.fs.pipe_file, probe, b"")
    _call(target, "write", target.fs.rm_file, probe)


def _call(target: Remote, action: str, function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except FileNotFoundError as exc:
        raise StorageError(
            f"cannot {action} {target.url}: the bucket or folder does not exist ({exc})"
        ) from exc
    except PermissionError as exc:
        raise StorageError(
            f"cannot {action} {target.url}: permission denied or credentials refused ({exc})"
        ) from exc
    except Exception as exc:  # the storage library's own (credentials, endpoint, network)
        raise StorageError(f"cannot {action} {target.url}: {type(exc).__name__}: {exc}") from exc
