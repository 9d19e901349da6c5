"""`vmqproof check FILE…`: prove or disprove each file (configurations, INF files, PowerShell output, directories)."""

from __future__ import annotations

import argparse
from typing import TextIO

from vmqproof.cli.common import (
    CHECK_FORMATS, EXIT_BAD_INPUT, EXIT_ILLEGAL, EXIT_LEGAL, EXIT_UNKNOWN, parse_rule_ids, seconds,
)
from vmqproof.cli.render import report as render
from vmqproof.cli.runner import add_runner_options, checked_reports
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import INPUT_FORMATS, expand_paths
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT
from vmqproof.properties.results import Status

NAME = "check"


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="prove or disprove each configuration file")
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="configuration, INF or PowerShell files, or directories (searched recursively)")
    add_runner_options(check)
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
    check.add_argument("--graph", metavar="OUT", default=None,
                       help="also write the queue → vector → CPU graph of the (one) file to OUT; the format follows "
                            "OUT's suffix (.txt .dot .graphml .mmd .svg .png)")


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    rule_ids = parse_rule_ids(args.rule)
    graph_command = None
    if args.graph is not None:
        from vmqproof.cli.commands import graph as graph_command      # networkx only when a graph is asked for
        if len(args.files) != 1:
            raise ConfigError(f"draws the graph of one file; {len(args.files)} files given", file="--graph")
        graph_command.format_for(args.graph, None)
    paths = expand_paths(args.files)
    reports = list(checked_reports(args, paths, rule_ids, err))
    for report in reports:
        if report.error is not None:
            print(report.error, file=err)
    render.check_report(reports, fmt, out, strict=args.strict, width=args.width)
    if graph_command is not None and not graph_command.write_for_check(args.files[0], reports[0], args.graph, err):
        return EXIT_BAD_INPUT
    statuses = [r.status(args.strict) for r in reports]
    if Status.ERROR in statuses:
        return EXIT_BAD_INPUT
    if Status.ILLEGAL in statuses:
        return EXIT_ILLEGAL
    if Status.UNKNOWN in statuses:
        return EXIT_UNKNOWN
    return EXIT_LEGAL
