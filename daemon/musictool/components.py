"""Finds every `musictool.**.component` module so that a capability plugs in without editing the service."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from types import ModuleType

import musictool

log = logging.getLogger(__name__)


def discover() -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(musictool.__path__, prefix="musictool."):
        if info.name.endswith(".component"):
            found.append(importlib.import_module(info.name))
    return sorted(found, key=lambda m: m.__name__)


class PluginError(Exception):
    pass


def plugins(names: list[str]) -> list[ModuleType]:
    """User plugins named in [plugins] modules: same shape as a component (async setup(ctx))."""
    loaded = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise PluginError(f"[plugins] modules: cannot import {name!r}: {exc}") from exc
        if not callable(getattr(module, "setup", None)):
            raise PluginError(f"[plugins] modules: {name!r} has no setup(ctx) function")
        loaded.append(module)
    return loaded
