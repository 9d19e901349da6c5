"""`vmqproof`: parse argv, call one query, render the result; exit codes live here."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TextIO

from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_LEGAL
from vmqproof.model.config.errors import VmqproofError

# Each command lives in its own module of cli/commands, with NAME, register(subparsers) and
# run(args, fmt, out, err) -> exit code. A module is imported only when its command runs (or for --help), so
# that `check` does not pay for networkx, matplotlib or the MaxSMT machinery at start-up.
COMMANDS: tuple[str, ...] = ("check", "rules", "explain", "repair", "bands", "synth", "graph", "import_", "config",
                            "fleet")


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"vmqproof.cli.commands.{name}")


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


def build_parser(command: str | None = None) -> _Parser:
    """The parser; with `command`, only that command's module is imported (the others stay unregistered)."""
    parser = _Parser(prog="vmqproof", description="Prove or disprove NDIS VMQ/VMMQ configuration rules.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMANDS:
        if command is None or command == command_module_name(name):
            command_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in arguments if not a.startswith("-")), None)
    known = {command_module_name(name) for name in COMMANDS}
    parser = build_parser(first if first in known and not {"-h", "--help"} & set(arguments) else None)
    try:
        args = parser.parse_args(arguments)
    except _UsageExit as exc:
        print(str(exc), file=err)
        return EXIT_BAD_INPUT
    except SystemExit as exc:        # --help
        return int(exc.code or 0)
    if args.version:
        from vmqproof.cli.render.report import version
        print(f"vmqproof {version()}", file=out)
        return EXIT_LEGAL
    if args.command is None:
        parser.print_help(out)
        return EXIT_BAD_INPUT
    fmt = getattr(args, "format", None) or ("rich" if out.isatty() else "plain")
    try:
        name = next(n for n in COMMANDS if command_module_name(n) == args.command)
        return command_module(name).run(args, fmt, out, err)
    except VmqproofError as exc:
        print(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("vmqproof: interrupted", file=err)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
