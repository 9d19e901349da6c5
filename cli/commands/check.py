"""`vmqproof check FILE…`: prove or disprove each file (configurations, INF files, PowerShell output, directories,
driver source trees)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from vmqproof.cli import settings
from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_ILLEGAL, EXIT_LEGAL, EXIT_UNKNOWN, parse_rule_ids
from vmqproof.cli.render import report as render
from vmqproof.cli.runner import add_input_options, checked_reports
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import expand_paths
from vmqproof.properties.queries.triage import (
    CheckRun, Selection, read_baseline, select_rule_ids, triage, write_baseline,
)
from vmqproof.properties.results import FileReport, Severity, Status
from vmqproof.properties.rules import all_rules
from vmqproof.properties.rules.catalog import known_ids

NAME = "check"


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="prove or disprove each configuration file")
    add_input_options(check)
    settings.add_options(check, with_jobs=False)
    check.add_argument("--rule", action="append", default=None, metavar="ID",
                       help="check only this rule id (repeatable, or comma-separated)")
    check.add_argument("--show", action="append", choices=render.SHOW_CHOICES, default=None,
                       help="what rich/plain list beside the summary: findings (default), all (the full rule "
                            "table), holds, suppressed (repeatable)")
    check.add_argument("-q", "--quiet", action="store_true", help="only the summary lines")
    check.add_argument("-v", "--verbose", action="count", default=0,
                       help="more detail per finding (witnesses, readings, every source)")
    check.add_argument("--write-baseline", metavar="FILE", default=None,
                       help="record today's violated and conditional findings in FILE (a new baseline)")
    check.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)
    check.add_argument("--graph", metavar="OUT", default=None,
                       help="also write the queue → vector → CPU graph of the (one) file to OUT; the format follows "
                            "OUT's suffix (.txt .dot .graphml .mmd .svg .png)")


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    project = settings.project_config(args.config, args.isolated)
    effective = {key: value for key, (value, _) in settings.effective(project, settings.given_options(args)).items()}
    if args.format is None and "format" in project.values:
        fmt = project.values["format"]
    baseline = effective["baseline"]
    selection, rule_ids = resolve_selection(effective["select"], effective["ignore"], args.rule)
    graph_command = None
    if args.graph is not None:
        from vmqproof.cli.commands import graph as graph_command      # networkx only when a graph is asked for
        if len(args.files) != 1:
            raise ConfigError(f"draws the graph of one file; {len(args.files)} files given", file="--graph")
        graph_command.format_for(args.graph, None)
    if baseline is not None:
        read_baseline(baseline)                     # a bad baseline is bad usage before any file is checked
    reports = collect(expand_paths(args.files), rule_ids, err, timeout=effective["timeout"],
                      input_format=args.input_format, jobs=effective["jobs"], dask=args.dask, ndis=args.ndis,
                      arch=args.arch)
    for report in reports:
        if report.error is not None:
            print(report.error, file=err)
    if args.write_baseline is not None:
        recorded = write_baseline(reports, args.write_baseline)
        print(f"{args.write_baseline}: recorded {recorded} finding{'s' if recorded != 1 else ''}", file=err)
    check_run = triage(reports, fail_on=Severity(effective["fail-on"]), selection=selection,
                       suppressions=project.suppress, root=project.root, baseline=baseline)
    show = tuple(args.show or ("findings",))
    render.render_run(check_run, fmt, out, show=show, verbosity=-1 if args.quiet else args.verbose,
                      width=args.width)
    if graph_command is not None and not graph_command.write_for_check(args.files[0], reports[0], args.graph, err):
        return EXIT_BAD_INPUT
    return exit_code(check_run)


# -- the pipeline: collect reports → triage (selection, suppressions, baseline) → render; another executor
# replaces `collect` and keeps the rest.

def resolve_selection(select: list[str] | None, ignore: list[str] | None,
                      rule: list[str] | None) -> tuple[Selection, list[str] | None]:
    """The selection, and the rule ids to check (None: every rule the registry has, minus `[policy] disable`)."""
    checked = [r.id for r in all_rules()]
    named = parse_rule_ids(rule) or []
    for rule_id in named:
        if rule_id not in checked:
            raise ConfigError(f"unknown or unchecked rule id {rule_id!r}", file="--rule")
    selection = select_rule_ids([*(select or []), *named], ignore or [], known_ids(), checked)
    return selection, None if selection.everything else list(selection.rules)


def collect(paths: list[str], rule_ids: list[str] | None, err: TextIO, **runner: Any) -> list[FileReport]:
    """Every file's report, from the runner `runner` chooses (cli/runner.py: serial, `--jobs`, `--dask`); each
    report already carries its own `[policy] suppress`."""
    return list(checked_reports(paths, rule_ids, err, **runner))


def exit_code(check_run: CheckRun) -> int:
    statuses = [r.status(check_run.fail_on) for r in check_run.reports]
    if Status.ERROR in statuses:
        return EXIT_BAD_INPUT
    if Status.ILLEGAL in statuses:
        return EXIT_ILLEGAL
    if Status.UNKNOWN in statuses:
        return EXIT_UNKNOWN
    return EXIT_LEGAL
