"""`vmqproof explain FILE`: the minimal set of the user's facts that forces each failing rule instance, and
which rules clash."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from vmqproof.cli.common import (
    EXIT_BAD_INPUT, EXIT_ILLEGAL, EXIT_LEGAL, EXIT_UNKNOWN, FORMATS, parse_rule_ids, seconds,
)
from vmqproof.cli.render import report as render
from vmqproof.model.config.errors import ConfigError
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT
from vmqproof.properties.queries.explain import Clash, Explanation, ExplainReport, Fact, explain_file

NAME = "explain"

ORIGIN = {"given": "given", "default": "default (not in the file)", "chosen": "chosen by the solver"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(NAME, help="the minimal set of facts that forces each violation")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--format", choices=FORMATS, default=None)
    parser.add_argument("--strict", action="store_true", help="warnings fail too (for clashes)")
    parser.add_argument("--rule", action="append", default=None, metavar="ID",
                        help="explain only this rule id (repeatable, or comma-separated)")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--ndis", metavar="VERSION", default=None,
                        help="read a driver source tree at this NDIS version only")
    parser.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    rule_ids = parse_rule_ids(args.rule)
    try:
        report = explain_file(args.file, rule_ids, args.timeout, args.strict, args.ndis)
    except ConfigError as exc:
        raise ConfigError(exc.message, file="--rule") from None
    if report.error is not None:
        print(report.error, file=err)
        return EXIT_BAD_INPUT
    if fmt == "json":
        out.write(json.dumps(explain_json(report), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "plain":
        out.write(explain_plain(report))
    else:
        explain_rich(report, render.console_for(out, args.width))
    failing = any(e.severity.value == "error" or (args.strict and e.severity.value == "warning")
                  for e in report.explanations)
    if failing:
        return EXIT_ILLEGAL
    return EXIT_UNKNOWN if report.unknown else EXIT_LEGAL


def _fact_json(fact: Fact) -> dict[str, Any]:
    data: dict[str, Any] = {"field": fact.path, "value": fact.value, "origin": fact.origin}
    if fact.line:
        data["line"] = fact.line
    if fact.file:
        data["file"] = fact.file
    return data


def explain_json(report: ExplainReport) -> dict[str, Any]:
    return {
        "vmqproof": render.version(), "path": report.path,
        "explanations": [{"rule": e.rule, "name": e.name, "severity": e.severity.value,
                          "verdict": e.verdict.value, "instance": e.instance, "message": e.message,
                          "minimal": e.status == "minimal", "facts": [_fact_json(f) for f in e.facts],
                          "sources": list(e.sources)} for e in report.explanations],
        "clashes": [{"rules": [{"rule": m.rule, "name": m.name, "instance": m.instance, "message": m.message}
                               for m in c.rules],
                     "facts": [_fact_json(f) for f in c.facts]} for c in report.clashes],
    }


def _where(fact: Fact) -> str:
    if fact.file and fact.line:
        return f", {fact.file}:{fact.line}"
    return f", line {fact.line}" if fact.line else ""


def _fact_line(fact: Fact) -> str:
    where = _where(fact)
    return f"{fact.path} = {render.value_text(fact.value)}  ({ORIGIN[fact.origin]}{where})"


def _forced_by(explanation: Explanation) -> str:
    if explanation.status != "minimal":
        return "the solver could not find the facts in time"
    if not explanation.facts:
        return "forced by the configuration's shape alone (no field value is needed)"
    if explanation.verdict.value == "conditional":
        return "this counterexample fails because of (minimal):"
    return "forced by (minimal: without any one of these the violation disappears):"


def _headline(report: ExplainReport) -> str:
    if not report.explanations:
        return f"{report.path}: nothing to explain — no rule is violated"
    count = len(report.explanations)
    clashes = len(report.clashes)
    return (f"{report.path}: {count} failing rule instance{'s' if count != 1 else ''}"
            + (f", {clashes} clash{'es' if clashes != 1 else ''}" if clashes else ""))


def explain_plain(report: ExplainReport) -> str:
    lines = [_headline(report)]
    for e in report.explanations:
        lines.append("")
        lines.append(f"{e.rule} {e.name} [{e.severity.value}] {e.verdict.value} at {e.instance}")
        lines.append(f"  {e.message}")
        lines.append(f"  {_forced_by(e)}")
        lines.extend(f"    {_fact_line(f)}" for f in e.facts)
        lines.extend(f"  source: {s}" for s in e.sources)
    for clash in report.clashes:
        lines.append("")
        lines.extend(_clash_lines(clash))
    return "\n".join(lines) + "\n"


def _clash_lines(clash: Clash) -> list[str]:
    lines = ["clash: these rules cannot all hold, whatever the implicated fields and the open fields are:"]
    lines.extend(f"  {m.rule} {m.name} at {m.instance}: {m.message}" for m in clash.rules)
    if clash.facts:
        lines.append("  given:")
        lines.extend(f"    {_fact_line(f)}" for f in clash.facts)
    return lines


def _facts_table(facts: tuple[Fact, ...]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("field", style="cyan")
    table.add_column("value", overflow="fold")
    table.add_column("origin", style="dim")
    for fact in facts:
        table.add_row(fact.path, render.value_text(fact.value),
                      ORIGIN[fact.origin] + _where(fact))
    return table


def explain_rich(report: ExplainReport, console: Any) -> None:
    console.print(Text(_headline(report), style="bold red" if report.explanations else "bold green"))
    for e in report.explanations:
        parts: list[Any] = [Text(e.message), Text(_forced_by(e), style="bold")]
        if e.facts:
            parts.append(_facts_table(e.facts))
        parts.extend(Text(f"source: {s}", style="blue") for s in e.sources)
        title = f"{e.rule} {e.name} · {e.severity.value} · {e.verdict.value} · {e.instance}"
        console.print(Panel(Group(*parts), title=title, title_align="left",
                            border_style=render.VERDICT_STYLE[e.verdict]))
    for clash in report.clashes:
        parts = [Text("these rules cannot all hold, whatever the implicated fields and the open fields are:")]
        parts.extend(Text(f"{m.rule} {m.name} at {m.instance}: {m.message}") for m in clash.rules)
        if clash.facts:
            parts.append(_facts_table(clash.facts))
        console.print(Panel(Group(*parts), title="clash", title_align="left", border_style="bold red"))
