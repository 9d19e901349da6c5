"""`vmqproof`: parse argv, call one query, render the result; exit codes live here."""

from __future__ import annotations

import argparse
import importlib
import difflib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TextIO

from vmqproof.cli import render
from vmqproof.cli.common import (
    CHECK_FORMATS,
    EXIT_BAD_INPUT,
    EXIT_ILLEGAL,
    EXIT_LEGAL,
    EXIT_UNKNOWN,
    FORMATS,
    seconds,
)
from vmqproof.model.errors import ConfigError, VmqproofError
from vmqproof.model.inputs import INPUT_FORMATS, expand_paths
from vmqproof.properties.catalog import catalog_listing, known_ids
from vmqproof.properties.check import DEFAULT_TIMEOUT
from vmqproof.properties.inputs import check_inputs
from vmqproof.properties.results import Status

# Further commands live in their own modules of this package, each with NAME, register(subparsers) and
# run(args, fmt, out, err) -> exit code. They are imported only when used (or for --help), so that `check`
# does not pay for networkx, matplotlib or the MaxSMT machinery at start-up.
EXTRA_COMMANDS: tuple[str, ...] = ("explain", "repair", "bands", "synth", "graph", "import_")


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"vmqproof.cli.{name}")


def command_module_name(name: str) -> str:
    """The command a module implements: its module name without the trailing underscore (`import_`)."""
    return name.rstrip("_")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit 2, on the injected stream."""

    stderr: TextIO = sys.stderr

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageExit(f"{self.prog}: {message}")


class _UsageExit(Exception):
    pass


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 256, given {text!r}")
    return int(text)


def build_parser(command: str | None = None) -> _Parser:
    """The parser; with `command`, only that command's module is imported (the others stay unregistered)."""
    parser = _Parser(prog="vmqproof", description="Prove or disprove NDIS VMQ/VMMQ configuration rules.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    _register_check(commands)
    _register_rules(commands)
    for name in EXTRA_COMMANDS:
        if command is None or command == command_module_name(name):
            command_module(name).register(commands)
    return parser


def _register_check(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="prove or disprove each configuration file")
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="configuration, INF or PowerShell files, directories (searched recursively), or driver "
                            "source trees (directories with .c files)")
    check.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="check files in N processes")
    check.add_argument("--format", choices=CHECK_FORMATS, default=None,
                       help="output format (default: rich on a terminal, plain otherwise)")
    check.add_argument("--strict", action="store_true", help="warnings fail too (never info)")
    check.add_argument("--rule", action="append", default=None, metavar="ID",
                       help="check only this rule id (repeatable, or comma-separated)")
    check.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"solver budget per file (default {DEFAULT_TIMEOUT:g}); undecided rules are unknown")
    check.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)
    check.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                       help="what the files hold: a configuration (toml, json), a driver INF, or Get-NetAdapter* "
                            "output (default: detected by content)")
    check.add_argument("--ndis", metavar="VERSION", default=None,
                       help="read driver source trees at this NDIS version only (default: every version their "
                            "#if NDIS_SUPPORT_NDIS6xx blocks tell apart)")
    check.add_argument("--graph", metavar="OUT", default=None,
                       help="also write the queue → vector → CPU graph of the (one) file to OUT; the format follows "
                            "OUT's suffix (.txt .dot .graphml .mmd .svg .png)")


def _register_rules(commands: argparse._SubParsersAction) -> None:
    rules = commands.add_parser("rules", help="the rule catalog; one rule in full with ID")
    rules.add_argument("id", nargs="?", metavar="ID")
    rules.add_argument("--format", choices=FORMATS, default=None)
    rules.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in arguments if not a.startswith("-")), None)
    known = {command_module_name(name) for name in EXTRA_COMMANDS} | {"check", "rules"}
    parser = build_parser(first if first in known and not {"-h", "--help"} & set(arguments) else None)
    try:
        args = parser.parse_args(arguments)
    except _UsageExit as exc:
        print(str(exc), file=err)
        return EXIT_BAD_INPUT
    except SystemExit as exc:        # --help
        return int(exc.code or 0)
    if args.version:
        print(f"vmqproof {render.version()}", file=out)
        return EXIT_LEGAL
    if args.command is None:
        parser.print_help(out)
        return EXIT_BAD_INPUT
    fmt = getattr(args, "format", None) or ("rich" if out.isatty() else "plain")
    try:
        if args.command in ("check", "rules"):
            return (_check if args.command == "check" else _rules)(args, fmt, out, err)
        name = next(n for n in EXTRA_COMMANDS if command_module_name(n) == args.command)
        return command_module(name).run(args, fmt, out, err)
    except VmqproofError as exc:
        print(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("vmqproof: interrupted", file=err)
        return EXIT_BAD_INPUT


def _rule_ids(raw: list[str] | None) -> list[str] | None:
    if raw is None:
        return None
    ids = [part.strip() for item in raw for part in item.split(",") if part.strip()]
    known = known_ids()
    for rule_id in ids:
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown rule id {rule_id!r}{hint}", file="--rule")
    return ids


def _check(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    rule_ids = _rule_ids(args.rule)
    if getattr(args, "graph", None) is not None:
        if len(args.files) != 1:
            raise ConfigError(f"draws the graph of one file; {len(args.files)} files given", file="--graph")
        command_module("graph").format_for(args.graph, None)
    paths = expand_paths(args.files)
    try:
        reports = check_inputs(paths, rule_ids, args.timeout, args.input_format, args.jobs, args.ndis)
    except ConfigError as exc:      # --rule names a catalog rule that is not checked
        raise ConfigError(exc.message.removeprefix("--rule: "), file="--rule") from None
    for report in reports:
        if report.error is not None:
            print(report.error, file=err)
    render.check_report(reports, fmt, out, strict=args.strict, width=args.width)
    if getattr(args, "graph", None) is not None and not command_module("graph").write_for_check(args.files[0], reports[0],
                                                                                    args.graph, err):
        return EXIT_BAD_INPUT
    statuses = [r.status(args.strict) for r in reports]
    if Status.ERROR in statuses:
        return EXIT_BAD_INPUT
    if Status.ILLEGAL in statuses:
        return EXIT_ILLEGAL
    if Status.UNKNOWN in statuses:
        return EXIT_UNKNOWN
    return EXIT_LEGAL


def _rules(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    listing = catalog_listing()
    if args.id is not None:
        matches = [entry for entry in listing if str(entry["id"]).lower() == args.id.lower()]
        if not matches:
            close = difflib.get_close_matches(args.id, known_ids(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            print(f"vmqproof rules: unknown rule id {args.id!r}{hint}", file=err)
            return EXIT_BAD_INPUT
        listing = matches
    render.rules_listing(listing, fmt, out, full=args.id is not None, width=args.width)
    return EXIT_LEGAL


if __name__ == "__main__":
    raise SystemExit(main())
