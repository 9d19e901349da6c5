"""Packaging and layering traps of design.md, each a test."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("model", "properties", "cli")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {"vmqproof." + ".".join(p.parent.relative_to(ROOT).parts)
             for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("__init__.py")}
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"


def test_no_root_conftest_and_no_tests_package() -> None:
    assert not (ROOT / "conftest.py").exists()
    assert not (ROOT / "tests" / "__init__.py").exists()


def test_build_outputs_are_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and "*.egg-info/" in ignored


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _folder_imports(folder: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): _imports(p) for p in (ROOT / folder).rglob("*.py")}


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path}: {name}" for path, names in _folder_imports(folder).items() for name in names
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_dependencies_point_down() -> None:
    assert not _offenders("model", ("vmqproof.properties", "vmqproof.cli", "rich"))
    assert not _offenders("properties", ("vmqproof.cli", "rich"))
    assert not _offenders("cli", ("z3",))


def test_first_party_imports_are_spelled_vmqproof() -> None:
    assert not [o for folder in CODE_FOLDERS for o in _offenders(folder, CODE_FOLDERS)]


def test_vmqproof_is_a_namespace_package() -> None:
    assert not (ROOT / "__init__.py").exists()
    import vmqproof
    assert getattr(vmqproof, "__file__", None) is None


def test_console_script_points_at_main() -> None:
    assert _pyproject()["project"]["scripts"]["vmqproof"] == "vmqproof.cli.main:main"
