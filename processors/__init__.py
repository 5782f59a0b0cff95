"""lingoflow processors: pure-Python steps over one document model (no Prefect here)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lingoflow")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
