"""`vmqproof fleet FILE…`: check many files and print what the fleet has in common — per rule, how many files
violate it; the files that fail; totals. Reports are folded as they come, so the run holds no more than that."""

from __future__ import annotations

import argparse
from typing import TextIO

from vmqproof.cli.common import (
    EXIT_BAD_INPUT, EXIT_ILLEGAL, EXIT_LEGAL, EXIT_UNKNOWN, FORMATS, parse_rule_ids, seconds,
)
from vmqproof.cli.render.fleet import fleet_report
from vmqproof.cli.runner import add_input_options, checked_reports
from vmqproof.model.readers.dispatch import expand_paths
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT
from vmqproof.properties.queries.fleet import summarize
from vmqproof.properties.results import FileReport

NAME = "fleet"


def register(commands: argparse._SubParsersAction) -> None:
    fleet = commands.add_parser("fleet", help="check many files; per rule, how many files violate it")
    add_input_options(fleet)
    fleet.add_argument("--format", choices=FORMATS, default=None,
                       help="output format (default: rich on a terminal, plain otherwise)")
    fleet.add_argument("--strict", action="store_true", help="warnings fail too (never info)")
    fleet.add_argument("--rule", action="append", default=None, metavar="ID",
                       help="check only this rule id (repeatable, or comma-separated)")
    fleet.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"solver budget per file (default {DEFAULT_TIMEOUT:g}); undecided rules are unknown")
    fleet.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    rule_ids = parse_rule_ids(args.rule)
    paths = expand_paths(args.files)

    def report_error(report: FileReport) -> None:
        if report.error is not None:
            print(report.error, file=err)

    reports = checked_reports(paths, rule_ids, err, timeout=args.timeout, input_format=args.input_format,
                              jobs=args.jobs, dask=args.dask, ndis=args.ndis, arch=args.arch)
    summary = summarize(reports, args.strict, on_report=report_error)
    fleet_report(summary, fmt, out, width=args.width)
    if summary.totals["errors"]:
        return EXIT_BAD_INPUT
    if summary.totals["illegal"]:
        return EXIT_ILLEGAL
    if summary.totals["unknown"]:
        return EXIT_UNKNOWN
    return EXIT_LEGAL
