"""The project configuration: `[tool.vmqproof]` in `pyproject.toml`, or a `vmqproof.toml` (the same keys at its
top level), found from the working directory upward as ruff finds its own (the closest directory wins; in one
directory `vmqproof.toml` before `pyproject.toml`; a pyproject without `[tool.vmqproof]` is skipped). These are
CLI settings, so they live in cli/; suppressions are read by model/config/suppressions.py like the `[policy]` ones.
"""

from __future__ import annotations

import argparse
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmqproof.cli.common import CHECK_FORMATS, jobs, seconds
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.suppressions import parse_suppressions
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT
from vmqproof.properties.results import Severity, Suppression

KEYS = ("format", "select", "ignore", "fail-on", "suppress", "baseline", "jobs", "timeout")
DEFAULTS: Mapping[str, Any] = {"format": "rich on a terminal, plain otherwise", "select": [], "ignore": [],
                               "fail-on": "error", "suppress": [], "baseline": None, "jobs": 1,
                               "timeout": DEFAULT_TIMEOUT}


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The settings one project file gives, each with the file:line it came from."""

    file: str | None = None                      # None: no project file (or --isolated)
    values: Mapping[str, Any] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    suppress: tuple[Suppression, ...] = ()

    @property
    def root(self) -> Path:
        return Path(self.file).resolve().parent if self.file else Path.cwd()


def discover(start: Path | None = None) -> Path | None:
    """The closest project file from `start` (the working directory) upward."""
    folder = (start or Path.cwd()).resolve()
    for directory in (folder, *folder.parents):
        candidate = directory / "vmqproof.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False                             # not ours to judge: ruff would skip it too
    return isinstance(document.get("tool"), dict) and "vmqproof" in document["tool"]


def _line_of(lines: list[str], header: str | None, key: str) -> int | None:
    """The line of `key = …` in the table `header` (None: the top level), for messages and `vmqproof config`."""
    in_table = header is None
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if stripped.startswith("["):
            in_table = header is not None and re.fullmatch(rf"\[\s*{re.escape(header)}\s*\]", stripped) is not None
            continue
        if in_table and pattern.match(text):
            return number
    return None


def load(path: str | Path) -> ProjectConfig:
    """Read one project file; bad content is a ConfigError naming file:line and the key."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"cannot read the project configuration: {exc.strerror or exc}", file=file) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        line = int(at.group(1)) if at else None
        raise ConfigError(f"malformed TOML: {str(exc).split(' (at line')[0]}", file=file, line=line) from None
    is_pyproject = Path(path).name == "pyproject.toml"
    header = "tool.vmqproof" if is_pyproject else None
    table = document.get("tool", {}).get("vmqproof", {}) if is_pyproject else document
    lines = text.splitlines()
    prefix = "tool.vmqproof." if is_pyproject else ""

    def fail(key: str, message: str, expected: str | None = None, given: Any = None) -> ConfigError:
        top = key.split(".")[0].split("[")[0]
        return ConfigError(message, file=file, path=prefix + key, line=_line_of(lines, header, top),
                           expected=expected, given=None if given is None else repr(given))

    if not isinstance(table, dict):
        raise fail("", "wrong type", "a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            raise fail(key, f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
        values[key] = _validated(key, value, fail)
    suppress = parse_suppressions(table.get("suppress", []), "suppress", fail,
                                  lambda where: f"{file}:{_line_of(lines, header, 'suppress')}", True)
    sources = {key: f"{file}:{_line_of(lines, header, key)}" for key in values}
    if "baseline" in values:
        values["baseline"] = str(Path(path).resolve().parent / values["baseline"])
    return ProjectConfig(file, values, sources, suppress)


def _validated(key: str, value: Any, fail: Any) -> Any:
    if key == "format":
        if value not in CHECK_FORMATS:
            raise fail(key, "unknown format", " | ".join(CHECK_FORMATS), value)
    elif key in ("select", "ignore"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "wrong type", "a list of rule ids, prefixes or families", value)
    elif key == "fail-on":
        if value not in [s.value for s in Severity]:
            raise fail(key, "unknown severity", "error | warning | info", value)
    elif key == "baseline":
        if not isinstance(value, str) or not value:
            raise fail(key, "wrong type", "a path (relative to this file)", value)
    elif key == "jobs":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256:
            raise fail(key, "out of range", "a number of processes from 1 to 256", value)
    elif key == "timeout":
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise fail(key, "out of range", "a positive number of seconds", value)
        value = float(value)
    return value


def add_jobs_option(container: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    container.add_argument("--jobs", type=jobs, default=None, metavar="N", help="check files in N processes")


def add_options(parser: argparse.ArgumentParser, with_jobs: bool = True) -> None:
    """The options a project file can also set (their defaults are None: not given), and the escapes; without
    `--jobs` when the caller adds it beside the other runners (cli/runner.py)."""
    parser.add_argument("--format", choices=CHECK_FORMATS, default=None,
                        help="output format (default: rich on a terminal, plain otherwise)")
    if with_jobs:
        add_jobs_option(parser)
    parser.add_argument("--timeout", type=seconds, default=None, metavar="SECONDS",
                        help=f"solver budget per file (default {DEFAULTS['timeout']:g}); undecided rules are unknown")
    parser.add_argument("--strict", action="store_true", help="warnings fail too (never info); = --fail-on warning")
    parser.add_argument("--fail-on", choices=[s.value for s in Severity], default=None,
                        help="the least severity of a violated or conditional finding that fails the run "
                             "(default error; info fails only when asked for here)")
    parser.add_argument("--select", action="append", default=None, metavar="SELECTOR",
                        help="check only these rules: ids, id prefixes at a '-' (VMQ-IRQ, INF, D) or families "
                             "(repeatable, or comma-separated)")
    parser.add_argument("--ignore", action="append", default=None, metavar="SELECTOR",
                        help="do not check these rules (same selectors as --select)")
    parser.add_argument("--baseline", metavar="FILE", default=None,
                        help="fail only on findings that are not in this baseline; list the fixed ones")
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="read this project configuration instead of searching for one")
    parser.add_argument("--isolated", action="store_true", help="ignore every project configuration file")


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """What the command line set, by setting name (None: not given)."""
    return {"format": args.format, "select": args.select, "ignore": args.ignore,
            "fail-on": args.fail_on or ("warning" if args.strict else None), "baseline": args.baseline,
            "jobs": args.jobs, "timeout": args.timeout}


def project_config(config_file: str | None, isolated: bool) -> ProjectConfig:
    """`--config FILE` (read, never searched), `--isolated` (none), else the discovered file, if any."""
    if isolated:
        return ProjectConfig()
    if config_file is not None:
        return load(config_file)
    found = discover()
    return load(found) if found is not None else ProjectConfig()


def effective(project: ProjectConfig, given: Mapping[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each setting with where it came from: the command line (a flag that was given) wins over the project
    file, which wins over the default."""
    settings: dict[str, tuple[Any, str]] = {}
    for key in KEYS:
        if key in given and given[key] is not None and key != "suppress":
            settings[key] = (given[key], "command line")
        elif key == "suppress" and project.suppress:
            settings[key] = ([f"{s.rule}{' at ' + s.instance if s.instance else ''}"
                              f"{' in ' + s.path if s.path else ''}: {s.reason}" for s in project.suppress],
                             project.sources["suppress"])
        elif key in project.values and key != "suppress":
            settings[key] = (project.values[key], project.sources[key])
        else:
            settings[key] = (DEFAULTS[key], "default")
    return settings
