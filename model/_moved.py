"""The module paths of the 0.1 layout, for one more release: each old path still imports, with a DeprecationWarning,
and gives the same objects from the modules they moved to (docs/architecture.md, "Module paths")."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

_M, _P, _C = "vmqproof.model", "vmqproof.properties", "vmqproof.cli"

# old module → the modules that now hold its names, searched in order
MOVED: dict[str, tuple[str, ...]] = {
    **{f"{_M}.{name}": (f"{_M}.config.{name}",) for name in (
        "constants", "keywords", "errors", "host", "hostspec", "trace", "declarations")},
    f"{_M}.config": (f"{_M}.config.schema", f"{_M}.config.fields"),
    f"{_M}.loader": (f"{_M}.config.loader", f"{_M}.readers.dispatch"),
    f"{_M}.inf": (f"{_M}.readers.inf",),
    f"{_M}.powershell": (f"{_M}.readers.powershell",),
    f"{_M}.inputs": (f"{_M}.readers.dispatch",),
    **{f"{_M}.{name}": (f"{_M}.smt.{name}",) for name in ("symbolic", "logic", "solver", "reasoning", "minimize")},
    **{f"{_M}.{name}": (f"{_M}.outputs.{name}",) for name in ("graph", "emit", "toml_writer", "patching")},
    f"{_P}.registry": (f"{_P}.rules.registry", f"{_P}.rules"),
    **{f"{_P}.{name}": (f"{_P}.rules.{name}",) for name in ("modes", "sources", "catalog")},
    **{f"{_P}.{name}": (f"{_P}.queries.{name}",) for name in (
        "check", "inputs", "explain", "facts", "repair", "synth", "bands", "graphing")},
    **{f"{_C}.{name}": (f"{_C}.commands.{name}",) for name in ("explain", "repair", "bands", "synth", "import_")},
    f"{_C}.graph": (f"{_C}.commands.graph", f"{_C}.render.graph"),
    f"{_C}.render": (f"{_C}.render.report",),
    f"{_C}.pipeline": (f"{_C}.render.pipeline",),
    f"{_C}.draw": (f"{_C}.render.draw",),
}


def forward(old: str, name: str) -> Any:
    """`old.name` of the 0.1 layout, looked up where it lives now."""
    for target in MOVED[old]:
        module = importlib.import_module(target)
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {old!r} has no attribute {name!r}")


def warn(old: str) -> None:
    warnings.warn(f"{old} is a 0.1 module path; import from {' or '.join(MOVED[old])} (or the API of "
                  f"vmqproof.properties) instead", DeprecationWarning, stacklevel=3)


class _Alias(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return forward(self.__name__, name)


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _Alias(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        warn(module.__name__)


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED or fullname in PACKAGES:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader())


# Old modules whose name is now a package: the package's __init__ forwards their names (module __getattr__).
PACKAGES = (f"{_M}.config", f"{_C}.render")


def install() -> None:
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
