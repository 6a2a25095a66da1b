"""Configuration from ``[tool.kgclint]`` in pyproject.toml, or from ``.kgclint.toml``.

The file is looked up from the tree root (the directory kgclint treats as the
top of the kernel tree). Values are data only: nothing in a configuration
is ever executed or evaluated. Unknown keys are errors, so a typo does not
silently turn a rule back on. The cache location is deliberately not a key:
the configuration travels with the tree under review, and a tree that could
point kgclint at a cache it supplies could make it load its own pickles.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_FILES = (".kgclint.toml", "pyproject.toml")
DEFAULT_MAX_FILE_SIZE = 8 * 1024 * 1024
DEFAULT_FILE_TIMEOUT = 30.0


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    """Settings for one run, before the command line overrides them."""

    path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    arch: str | None = None
    linker: str = "bfd"
    build_dir: Path | None = None
    kconfig: Path | None = None
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    report_unused_suppressions: bool = True

    def excluded(self, relpath: str) -> bool:
        """Whether a tree-relative path (or any of its parent folders) matches an ``exclude`` glob."""
        parts = relpath.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(fnmatch.fnmatchcase(p, pattern) for pattern in self.exclude for p in prefixes)

    def ignored_codes(self, relpath: str) -> tuple[str, ...]:
        """The code prefixes ``per-file-ignores`` switches off for this path."""
        codes: list[str] = []
        for pattern, prefixes in self.per_file_ignores:
            if fnmatch.fnmatchcase(relpath, pattern):
                codes.extend(prefixes)
        return tuple(codes)


def find_config(root: Path) -> Path | None:
    """``.kgclint.toml`` in the root, else a ``pyproject.toml`` there that has ``[tool.kgclint]``."""
    candidate = root / ".kgclint.toml"
    if candidate.is_file():
        return candidate
    candidate = root / "pyproject.toml"
    if candidate.is_file():
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return candidate  # let load_config say what is wrong with it
        if "kgclint" in data.get("tool", {}):
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read a configuration file; raise ConfigError with file and reason when it is wrong."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses once per nesting level
        raise ConfigError(f"{path}: not usable TOML: values nested too deeply") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses once per nesting level
        raise ConfigError(f"{path}: nested too deeply to be a kgclint configuration") from exc
    table = data.get("tool", {}).get("kgclint")
    if table is None:
        table = {} if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kgclint] must be a table")
    return _from_table(path, table)


_STRING_LISTS = ("select", "ignore", "extend-select", "exclude")


def _from_table(path: Path, table: dict[str, Any]) -> Config:
    known = {
        "select", "ignore", "extend-select", "arch", "linker", "build-dir", "config",
        "exclude", "per-file-ignores", "max-file-size", "file-timeout",
        "report-unused-suppressions",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [tool.kgclint]: {', '.join(unknown)}")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {key} must be a list of strings")
        return tuple(value)

    def text(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
        return value

    def number(key: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{path}: {key} must be a positive number")
        return value

    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in per_file.values()
    ):
        raise ConfigError(f"{path}: per-file-ignores must map path globs to lists of codes")
    linker = text("linker") or "bfd"
    if linker not in ("bfd", "lld"):
        raise ConfigError(f"{path}: linker must be 'bfd' or 'lld', not {linker!r}")
    unused = table.get("report-unused-suppressions", True)
    if not isinstance(unused, bool):
        raise ConfigError(f"{path}: report-unused-suppressions must be true or false")
    base = path.parent

    def directory(key: str) -> Path | None:
        value = text(key)
        return (base / value) if value else None

    return Config(
        path=path,
        select=strings("select") if "select" in table else None,
        ignore=strings("ignore"),
        extend_select=strings("extend-select"),
        arch=text("arch"),
        linker=linker,
        build_dir=directory("build-dir"),
        kconfig=directory("config"),
        exclude=strings("exclude"),
        per_file_ignores=tuple((glob, tuple(codes)) for glob, codes in sorted(per_file.items())),
        max_file_size=int(number("max-file-size", DEFAULT_MAX_FILE_SIZE)),
        file_timeout=float(number("file-timeout", DEFAULT_FILE_TIMEOUT)),
        report_unused_suppressions=unused,
    )
