"""Gather the rule classes of a built-in pack from its modules.

Each pack (``kgclint_rules.sources`` …) is one entry point; its rules live
one per module, so that several people can add rules to a pack without
editing a shared list. The pack's ``RULES`` is every ``Rule`` subclass
defined in one of its modules, sorted by code.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from kgclint.rule import Rule


def collect(package_name: str, package_path: list[str]) -> tuple[type[Rule], ...]:
    """Every Rule subclass defined in a module of the package, sorted by code."""
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(package_path):
        if info.name.startswith("_"):
            continue
        module = import_module(f"{package_name}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
                and getattr(value, "code", None)
            ):
                found[f"{value.code}:{value.__qualname__}"] = value
    return tuple(found[key] for key in sorted(found))
