"""The layout of issue 14: no import cycle between the package's modules, z3 only in model/smt, every file that
docs/architecture.md names exists, and the 0.1 module paths still import (deprecated) with the same objects."""

from __future__ import annotations

import ast
import importlib
import re
import warnings
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("model", "properties", "cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return "vmqproof." + ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for folder in CODE_FOLDERS for p in sorted((ROOT / folder).rglob("*.py"))}


def _imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The first-party modules a module imports anywhere in its body (top level, functions, TYPE_CHECKING)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in known:
                    found.add(target)          # `from package import module`
                elif base in known:
                    found.add(base)
    found.discard(module)
    return found


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        graph.add_edges_from((module, target) for target in _imported(module, path, set(modules)))
    return graph


def test_the_import_graph_is_read() -> None:
    graph = import_graph()
    assert ("vmqproof.properties.queries.check", "vmqproof.model.smt.solver") in graph.edges
    assert ("vmqproof.cli.commands.check", "vmqproof.cli.render.report") in graph.edges     # `from … import report`
    assert graph.number_of_nodes() > 60


def test_no_import_cycle() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c + [c[0]]) for c in cycles[:10])


def test_cycle_detection_finds_a_cycle() -> None:
    graph = import_graph()
    graph.add_edge("vmqproof.model.config.constants", "vmqproof.model.config.schema")
    assert list(nx.simple_cycles(graph))


def test_z3_is_imported_only_in_model_smt() -> None:
    offenders = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(n == "z3" or n.startswith("z3.") for n in names) and not module.startswith("vmqproof.model.smt."):
                offenders.append(module)
    assert not offenders


def test_every_package_says_what_it_holds_and_may_import_in_one_line() -> None:
    for folder in CODE_FOLDERS:
        for init in (ROOT / folder).rglob("__init__.py"):
            docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
            assert docstring and "\n" not in docstring, init
            assert re.search(r"\b(may import|imports?|never|no other)\b", docstring), init


# -- docs/architecture.md ----------------------------------------------------------------------------------

def test_files_named_in_architecture_doc_exist() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:model|properties|cli|tests|docs|benchmarks|examples)/[\w./<>*-]+)`", text))
    assert len(named) >= 20
    missing = []
    for name in sorted(named):
        if "<" in name or "*" in name:          # a pattern such as tests/fixtures/rules/<ID>/
            parent = ROOT / name.split("<")[0].split("*")[0]
            if not parent.exists():
                missing.append(name)
        elif not (ROOT / name).exists():
            missing.append(name)
    assert not missing, missing


def test_architecture_doc_names_every_package() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for folder in CODE_FOLDERS:
        for init in (ROOT / folder).rglob("__init__.py"):
            package = str(init.parent.relative_to(ROOT)) + "/"
            assert f"`{package}`" in text, package


# -- the 0.1 module paths ----------------------------------------------------------------------------------

from vmqproof.model._moved import MOVED  # noqa: E402


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_module_path_imports_with_a_deprecation_warning(old: str) -> None:
    new = [importlib.import_module(target) for target in MOVED[old]]
    public = [name for module in new for name in vars(module) if not name.startswith("_")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
        name = next(n for n in public if not isinstance(getattr(new[0], n, None), type(importlib)))
        value = getattr(module, name)
    assert any(issubclass(w.category, DeprecationWarning) and old in str(w.message) for w in caught)
    assert value is next(getattr(m, name) for m in new if hasattr(m, name))


def test_old_paths_of_the_readme_keep_working() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from vmqproof.model.loader import load_config
        from vmqproof.properties.inputs import check_input
        from vmqproof.model.config import Config, Open
    import vmqproof.model.readers.dispatch as dispatch
    import vmqproof.properties.queries.inputs as inputs
    from vmqproof.model.config.fields import Open as NewOpen
    from vmqproof.model.config.schema import Config as NewConfig
    assert load_config is dispatch.load_config and check_input is inputs.check_input
    assert Config is NewConfig and Open is NewOpen


def test_an_unknown_name_of_an_old_path_is_an_attribute_error() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module("vmqproof.model.loader")
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_the_library_api() -> None:
    import vmqproof.properties as api
    for name in ("check_config", "check_file", "check_input", "check_inputs", "load_config", "loads_config",
                 "FileReport", "Result", "Severity", "Verdict", "Status", "ConfigError"):
        assert name in api.__all__ and hasattr(api, name)
    report = api.check_file(ROOT / "examples" / "vmmq-nic.toml")
    assert report.status() is api.Status.LEGAL
