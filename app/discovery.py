"""Import every module of a feature package so that its routes or commands register.

Feature packages (``app.admin``, ``app.office``, ``app.api``) are split into one module per
concern (units, waves, monitoring, ...); each module adds its routes to the package's blueprint.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def import_submodules(package: str, path: list[str]) -> list[ModuleType]:
    """Import ``package``'s direct submodules in name order and return them."""
    return [
        importlib.import_module(f"{package}.{info.name}")
        for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]
