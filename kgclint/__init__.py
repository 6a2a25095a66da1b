"""kgclint: find what linker garbage collection would wrongly drop from a kernel."""

from importlib.metadata import PackageNotFoundError, version as _dist_version

try:
    __version__ = _dist_version("kgclint")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
