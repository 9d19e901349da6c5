"""`vmqproof repair FILE`: the fewest field changes that make the file legal; `-o OUT` writes the repaired file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from rich import box
from rich.table import Table
from rich.text import Text

from vmqproof.cli.common import (
    EXIT_BAD_INPUT, EXIT_ILLEGAL, EXIT_LEGAL, EXIT_UNKNOWN, FORMATS, parse_rule_ids, seconds,
)
from vmqproof.cli.render import report as render
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.outputs.patching import convert_text, output_is_toml
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT
from vmqproof.properties.queries.repair import RepairReport, repair_file

NAME = "repair"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(NAME, help="the fewest field changes that make the file legal")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("-o", "--output", metavar="OUT", default=None,
                        help="write the repaired configuration to this new file (never the input); its format follows "
                             "OUT's suffix (.toml or .json)")
    parser.add_argument("--format", choices=FORMATS, default=None)
    parser.add_argument("--strict", action="store_true", help="warnings must hold too")
    parser.add_argument("--keep", nargs="+", action="extend", default=[], metavar="FIELD",
                        help="fields that must not change (dotted paths, e.g. msix.table_size)")
    parser.add_argument("--weight", action="append", default=[], metavar="FIELD=N",
                        help="the cost of changing FIELD (default 1); higher means change it less willingly")
    parser.add_argument("--rule", action="append", default=None, metavar="ID",
                        help="repair only these rules (repeatable, or comma-separated)")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--ndis", metavar="VERSION", default=None,
                        help="read a driver source tree at this NDIS version only")
    parser.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    rule_ids = parse_rule_ids(args.rule)
    if args.output is not None and Path(args.output).resolve() == Path(args.file).resolve():
        raise ConfigError("refusing to overwrite the input; give a new file", file="-o")
    to_toml = None if args.output is None else output_is_toml(args.output)
    report = repair_file(args.file, rule_ids, args.strict, args.keep, args.weight, args.timeout, args.ndis)
    if report.error is not None:
        print(report.error, file=err)
        return EXIT_BAD_INPUT
    written = None
    if args.output is not None and report.text is not None and report.status in ("repaired", "legal"):
        try:
            text = convert_text(report.text, report.is_toml, bool(to_toml))
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write: {exc.strerror or exc}", file=args.output) from None
        written = args.output
    if fmt == "json":
        out.write(json.dumps(repair_json(report, written), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "plain":
        out.write(repair_plain(report, written))
    else:
        repair_rich(report, render.console_for(out, args.width), written)
    return {"legal": EXIT_LEGAL, "repaired": EXIT_LEGAL, "impossible": EXIT_ILLEGAL}.get(report.status,
                                                                                         EXIT_UNKNOWN)


def repair_json(report: RepairReport, written: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "vmqproof": render.version(), "path": report.path, "status": report.status,
        "changes": [{"field": c.field, "from": c.before, "to": c.after}
                    | ({"location": c.location} if c.location else {}) for c in report.changes],
        "cost": report.cost, "minimal": report.minimal, "rounds": report.rounds,
    }
    if report.unrepairable:
        data["unrepairable"] = [{"rule": u.rule, "name": u.name, "instance": u.instance, "message": u.message}
                                for u in report.unrepairable]
    if report.commands:
        data["commands"] = list(report.commands)
    if written is not None:
        data["output"] = written
    return data


def _headline(report: RepairReport) -> str:
    if report.status == "legal":
        return f"{report.path}: already legal — nothing to change"
    if report.status == "impossible":
        return f"{report.path}: no repair by field changes — these rules cannot hold together:"
    if report.status == "unknown":
        return f"{report.path}: the solver could not find a repair in time"
    count = len(report.changes)
    proof = ("proved minimal: no repair of smaller cost exists" if report.minimal
             else "not proved minimal (the repair needed more than one round)")
    return f"{report.path}: {count} change{'s' if count != 1 else ''} (cost {report.cost}; {proof})"


def _tail(report: RepairReport, written: str | None) -> list[str]:
    lines = []
    if report.commands:
        lines.append("")
        lines.append("apply the host settings with:")
        lines.extend(f"  {c}" for c in report.commands)
    if written is not None:
        lines.append("")
        lines.append(f"wrote {written}")
    return lines


def repair_plain(report: RepairReport, written: str | None) -> str:
    lines = [_headline(report)]
    if report.changes:
        width = max(len(c.field) for c in report.changes)
        before = max(len(render.value_text(c.before)) for c in report.changes)
        lines.append(f"  {'field':<{width}}  {'from':<{before}}  to")
        for c in report.changes:
            lines.append(f"  {c.field:<{width}}  {render.value_text(c.before):<{before}}  "
                         f"{render.value_text(c.after)}" + (f"  (change {c.location})" if c.location else ""))
    for u in report.unrepairable:
        lines.append(f"  {u.rule} {u.name} at {u.instance}: {u.message}")
    lines.extend(_tail(report, written))
    return "\n".join(lines) + "\n"


def repair_rich(report: RepairReport, console: Any, written: str | None) -> None:
    style = {"legal": "bold green", "repaired": "bold green", "impossible": "bold red"}.get(report.status,
                                                                                          "bold magenta")
    console.print(Text(_headline(report), style=style))
    if report.changes:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        located = any(c.location for c in report.changes)
        for column in ("field", "from", "to") + (("source line",) if located else ()):
            table.add_column(column, overflow="fold")
        for c in report.changes:
            table.add_row(Text(c.field, style="cyan"), render.value_text(c.before),
                          Text(render.value_text(c.after), style="green"),
                          *((c.location or "",) if located else ()))
        console.print(table)
    for u in report.unrepairable:
        console.print(Text(f"{u.rule} {u.name} at {u.instance}: {u.message}", style="red"))
    for line in _tail(report, written):
        console.print(line, highlight=False)
