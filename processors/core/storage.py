"""Folders and files addressed by URL (``s3://bucket/raw``, ``gs://``, ``az://``) through
fsspec: the raw folder read, the processed folder and exports written, each object in one
upload.

:class:`RemoteFolder` is a folder of objects: listed with their size and version tag
(ETag), read whole or up to a limit, written with one PUT each (an object store shows an
object only once its upload completes, so a reader never sees part of one). Local paths never
come here: they keep the file-system code, with its atomic renames and descriptor-relative
reads.

An export is made locally first, with the same code as a local output, and then uploaded whole
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

import contextlib
import posixpath
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

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


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path on it; a clear error when no library
    handles the scheme. fsspec keeps one filesystem per set of options, so this is cheap."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        scheme = url.split("://", 1)[0]
        raise StorageError(f"{scheme}:// needs a library fsspec does not have here: {exc}") from exc
    except ValueError as exc:  # an unknown protocol
        raise StorageError(f"cannot use {url}: {exc}") from exc
    return fs, str(path)


def remote(url: str) -> Remote:
    """The filesystem and path of ``url``; a clear error when no library handles it."""
    fs, path = _filesystem(url)
    if url.endswith("/") or "/" not in path.strip("/"):  # "s3://bucket/" is no file
        raise StorageError(f"{url} names a bucket or folder, not a file")
    return Remote(url=url, fs=fs, path=path)


@dataclass(frozen=True)
class ObjectInfo:
    """An object of a folder as its listing shows it."""

    name: str
    """Its key relative to the folder, POSIX style."""
    version: str
    """What changes whenever its content does: its size and ETag (or generation), as
    ``size:tag``."""


@dataclass(frozen=True)
class RemoteFolder:
    """A folder of objects addressed by URL (``s3://bucket/processed``). Only the URL is kept,
    so that it travels to worker processes and hosts; each process makes its own filesystem
    from the environment it runs in."""

    url: str

    def __str__(self) -> str:
        return self.url

    @property
    def fs(self) -> Any:
        return _folder_filesystem(self.url)[0]

    @property
    def root(self) -> str:
        """The folder's path on its filesystem, without a trailing slash."""
        return _folder_filesystem(self.url)[1]

    def key(self, name: str) -> str:
        """The full path of ``name`` (relative, POSIX) in the folder."""
        return f"{self.root}/{name}"

    def where(self, name: str) -> str:
        """The URL of ``name``, for messages."""
        return f"{self.url}/{name}"

    def objects(self) -> Iterator[ObjectInfo]:
        """Every object under the folder, at any depth, with size and version; the storage
        library pages through the listing. Raises StorageError when the folder cannot be
        listed (no bucket, refused credentials, unreachable endpoint)."""
        found = self._call("list", self.fs.find, self.root, detail=True)
        prefix = self.root + "/"
        for path, info in found.items():
            if info.get("type") == "directory" or not path.startswith(prefix):
                continue
            tag = info.get("ETag") or info.get("etag") or info.get("generation")
            yield ObjectInfo(path[len(prefix) :], _version(info.get("size"), tag))

    def pages(self) -> Iterator[list[ObjectInfo]]:
        """The objects under the folder, at any depth, a page at a time in the order of their
        names' code points, so that a listing of any length is never held whole. On S3 each
        page is one ListObjectsV2 request, on GCS one objects.list request, on Azure one List
        Blobs request (up to 1,000 keys; the stores return keys in that order, which is
        checked); other stores are listed whole by their library, then sorted and cut into
        pages. Raises StorageError when the folder cannot be listed."""
        fs = self.fs
        if hasattr(fs, "call_s3") and hasattr(fs, "split_path"):  # s3fs
            yield from _in_order(self._s3_pages(fs), self.url)
            return
        if "gs" in _protocols(fs) and hasattr(fs, "call"):  # gcsfs
            yield from _in_order(self._gcs_pages(fs), self.url)
            return
        if "az" in _protocols(fs) and hasattr(fs, "service_client"):  # adlfs
            yield from _in_order(self._azure_pages(fs), self.url)
            return
        found = sorted(self.objects(), key=lambda o: o.name)
        for start in range(0, len(found), LISTING_PAGE):
            yield found[start : start + LISTING_PAGE]

    def _s3_pages(self, fs: Any) -> Iterator[list[ObjectInfo]]:
        bucket, prefix = self._bucket_and_prefix(fs)
        request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": LISTING_PAGE}

        def fetch(token: str | None) -> tuple[list[Entry], str | None]:
            more = {"ContinuationToken": token} if token else {}
            out = self._call("list", fs.call_s3, "list_objects_v2", **request, **more)
            entries = [(c["Key"], c.get("Size"), c.get("ETag")) for c in out.get("Contents", [])]
            return entries, out["NextContinuationToken"] if out.get("IsTruncated") else None

        return _pages_of(fetch, prefix)

    def _gcs_pages(self, fs: Any) -> Iterator[list[ObjectInfo]]:
        bucket, prefix = self._bucket_and_prefix(fs)
        request: dict[str, Any] = {"prefix": prefix or None, "maxResults": LISTING_PAGE}

        def fetch(token: str | None) -> tuple[list[Entry], str | None]:
            more = {"pageToken": token} if token else {}
            out = self._call(
                "list", fs.call, "GET", "b/{}/o", bucket, json_out=True, **request, **more
            )
            entries = [
                (item["name"], item.get("size"), item.get("etag") or item.get("generation"))
                for item in out.get("items", [])
            ]
            return entries, out.get("nextPageToken")

        return _pages_of(fetch, prefix)

    def _azure_pages(self, fs: Any) -> Iterator[list[ObjectInfo]]:
        from fsspec.asyn import sync

        container, prefix = self._bucket_and_prefix(fs)

        async def one_page(token: str | None) -> tuple[list[Entry], str | None]:
            async with fs.service_client.get_container_client(container) as client:
                listing = client.list_blobs(name_starts_with=prefix, results_per_page=LISTING_PAGE)
                pager = listing.by_page(continuation_token=token)
                try:
                    page = await pager.__anext__()
                except StopAsyncIteration:
                    return [], None
                blobs = [(blob.name, blob.size, blob.etag) async for blob in page]
                return blobs, pager.continuation_token

        def fetch(token: str | None) -> tuple[list[Entry], str | None]:
            found: tuple[list[Entry], str | None] = self._call(
                "list", sync, fs.loop, one_page, token
            )
            return found

        return _pages_of(fetch, prefix)

    def _bucket_and_prefix(self, fs: Any) -> tuple[str, str]:
        bucket, key, _ = fs.split_path(self.root)
        return bucket, f"{key}/" if key else ""

    def lines(self, name: str) -> Iterator[bytes]:
        """The lines of object ``name``, read in blocks as they are consumed (a file of any
        length is never held whole). Raises FileNotFoundError when there is no such object,
        OSError when it cannot be read."""
        try:
            with self.fs.open(self.key(name), "rb", block_size=LINE_BLOCK) as handle:
                pending = bytearray()  # not readline: fsspec's copies a block per line
                while block := handle.read(LINE_BLOCK):
                    end = block.rfind(b"\n") + 1
                    if not end:
                        pending += block
                        continue
                    pending += block[: end - 1]
                    yield from (line + b"\n" for line in bytes(pending).split(b"\n"))
                    pending = bytearray(block[end:])
                if pending:
                    yield bytes(pending)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    def glob(self, pattern: str) -> list[str]:
        """Names of the objects directly in the folder matching ``pattern``, sorted."""
        prefix = self.root + "/"
        found = self._call("list", self.fs.glob, prefix + pattern)
        return sorted(p[len(prefix) :] for p in found if p.startswith(prefix))

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        """The bytes of ``name`` (at most ``limit`` + 1 of them when a limit is given, in one
        ranged GET), or None when there is no such object. Other failures raise OSError
        with the storage library's message."""
        try:
            if limit is None:
                return bytes(self.fs.cat_file(self.key(name)))
            return bytes(self.fs.cat_file(self.key(name), start=0, end=limit + 1))
        except FileNotFoundError:
            return None
        except OSError:
            raise
        except Exception as exc:  # botocore and aiohttp errors: not OSError
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    def read_many(
        self, names: list[str], limit: int | None = None
    ) -> dict[str, bytes | OSError | None]:
        """:meth:`read` of each of ``names``, :data:`REQUESTS_IN_FLIGHT` at a time (a batch's
        objects in about the time of one request): its bytes, None when it does not exist,
        or the OSError that reading it raised."""

        def read(name: str) -> bytes | OSError | None:
            try:
                return self.read(name, limit)
            except OSError as exc:
                return exc

        return dict(zip(names, _each(read, names), strict=True))

    def write_many(self, items: dict[str, bytes]) -> dict[str, OSError]:
        """:meth:`write` of each item, :data:`REQUESTS_IN_FLIGHT` at a time; the errors of
        those that failed, by name (the others are written)."""
        errors: dict[str, OSError] = {}

        def write(name: str) -> None:
            try:
                self.write(name, items[name])
            except OSError as exc:
                errors[name] = exc

        _each(write, list(items))
        return errors

    def prefetch(self, names: list[str], limit: int | None = None) -> RemoteFolder:
        """This folder with ``names`` read already (:meth:`read_many`): its :meth:`read` of
        each of them returns what was read (once), without a request."""
        return PrefetchedFolder(self.url, self.read_many(names, limit))

    def size(self, name: str) -> int | None:
        """The size of ``name`` in bytes, None when unknown."""
        try:
            return int(self.fs.info(self.key(name))["size"])
        except Exception:
            return None

    def upload(self, name: str, local: Path) -> None:
        """Write ``name`` from the file ``local`` in one upload (a multipart upload for a
        large file, which the store shows only once complete). Raises OSError when it
        fails."""
        options = {"chunksize": UPLOAD_PART} if hasattr(self.fs, "call_s3") else {}
        try:
            self.fs.put_file(str(local), self.key(name), **options)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    def write(self, name: str, data: bytes) -> None:
        """Write ``name`` in one PUT: readers see the old object or the new one. Raises
        OSError when it fails."""
        try:
            self.fs.pipe_file(self.key(name), data)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    def remove(self, name: str) -> None:
        """Delete ``name``; nothing when it is already gone."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.key(name))

    def exists(self) -> bool:
        """True when the folder holds at least one object (a prefix exists through its
        objects). Raises StorageError when the store cannot be asked."""
        return bool(self._call("read", self.fs.exists, self.root))

    def check_writable(self) -> None:
        """Raise StorageError unless an object can be written and removed in the folder."""
        probe = self.key(f".lingoflow-probe-{uuid.uuid4().hex}")
        self._call("write", self.fs.pipe_file, probe, b"")
        self._call("write", self.fs.rm_file, probe)

    def _call(self, action: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        return _call(Remote(self.url, self.fs, self.root), action, function, *args, **kwargs)


@dataclass(frozen=True)
class PrefetchedFolder(RemoteFolder):
    """A :class:`RemoteFolder` with some objects read already (:meth:`RemoteFolder.prefetch`)."""

    fetched: dict[str, bytes | OSError | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        if name not in self.fetched:
            return super().read(name, limit)
        found = self.fetched.pop(name)
        if isinstance(found, OSError):
            raise found
        return found


Entry = tuple[str, object, object]
"""An object as a store's listing gives it: its full key, size and ETag (or generation)."""


def _pages_of(
    fetch: Callable[[str | None], tuple[list[Entry], str | None]], prefix: str
) -> Iterator[list[ObjectInfo]]:
    """The pages of a listing that ``fetch`` gets one request at a time (each answer with the
    token of the next page, None after the last), names relative to ``prefix``, folder
    markers left out.

    >>> answers = {None: ([("raw/a", 1, '"x"'), ("raw/b/", 0, "")], "t"), "t": ([], None)}
    >>> [[(o.name, o.version) for o in p] for p in _pages_of(answers.__getitem__, "raw/")]
    [[('a', '1:x')]]
    """
    token: str | None = None
    while True:
        entries, token = fetch(token)
        page = [
            ObjectInfo(key[len(prefix) :], _version(size, tag))
            for key, size, tag in entries
            if not key.endswith("/")  # folder markers
        ]
        if page:
            yield page
        if not token:
            return


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = getattr(fs, "protocol", ())
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _in_order(pages: Iterator[list[ObjectInfo]], url: str) -> Iterator[list[ObjectInfo]]:
    """``pages`` as the store gives them, each sorted by name, checked to follow one another
    in order (a store that lists out of order across pages is an error, never a listing
    read wrong).

    >>> pages = [[ObjectInfo("b", ""), ObjectInfo("a", "")], [ObjectInfo("c", "")]]
    >>> [[o.name for o in page] for page in _in_order(iter(pages), "gs://x")]
    [['a', 'b'], ['c']]
    """
    last: str | None = None
    for page in pages:
        page.sort(key=lambda o: o.name)
        if last is not None and page[0].name <= last:
            raise StorageError(
                f"{url}: the store listed its objects out of order ({page[0].name!r} after "
                f"{last!r}); lingoflow reads a listing page by page in name order"
            )
        last = page[-1].name
        yield page


def _version(size: object, tag: object) -> str:
    """An object's version as :attr:`ObjectInfo.version` says: ``size:tag``, quotes off.

    >>> _version(12, '"9b2cf535f27731c974343645a3985328"')
    '12:9b2cf535f27731c974343645a3985328'
    """
    return f"{int(str(size or 0))}:{str(tag or '').strip(chr(34))}"


LISTING_PAGE = 1000
"""Keys per listing request (S3's largest page)."""
LINE_BLOCK = 1 << 20
"""Bytes read per request when an object is read line by line."""
UPLOAD_PART = 8 << 20
"""Bytes held per request when a file is uploaded to S3: a larger file goes up as a multipart
upload of parts this size (the store shows it only once the last part is in)."""
REQUESTS_IN_FLIGHT = 16
"""Requests to a store at once for the objects of one batch: enough to hide a store's
latency (tens of milliseconds per request on S3), few enough for any endpoint."""

T = TypeVar("T")


def _each(function: Callable[[str], T], names: list[str]) -> list[T]:
    """``function`` of each name, on threads (the storage library's event loop runs the
    requests; the threads only wait)."""
    if len(names) <= 1:
        return [function(n) for n in names]
    with ThreadPoolExecutor(min(REQUESTS_IN_FLIGHT, len(names))) as pool:
        return list(pool.map(function, names))


def _folder_filesystem(url: str) -> tuple[Any, str]:
    """fsspec keeps one filesystem per set of options (credentials are read when it is made),
    so asking again is cheap and follows the environment."""
    fs, path = _filesystem(url)
    path = path.rstrip("/")
    if not path:
        raise StorageError(f"cannot use {url} as a folder: no bucket")
    return fs, path


Folder = Path | RemoteFolder
"""Where documents are read or records written: a local folder or one in object storage."""


def folder(location: str | Path) -> Folder:
    """The folder at ``location``: a :class:`RemoteFolder` for a URL other than ``file://``,
    else the local path, made absolute.

    >>> folder("s3://bucket/processed/")
    RemoteFolder(url='s3://bucket/processed')
    >>> folder("file:///srv/raw")
    PosixPath('/srv/raw')
    """
    text = str(location)
    if is_url(text):
        return RemoteFolder(text.rstrip("/"))
    return local_path(text).expanduser().absolute()


def check_writable(target: Remote) -> None:
    """Raise :class:`StorageError` unless a file can be written beside ``target`` (its bucket
    exists, the credentials are accepted, a probe object is written and removed)."""
    RemoteFolder(target.url.rsplit("/", 1)[0]).check_writable()


def _call(target: Remote, action: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
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
