"""Rendering the fleet summary: rich, plain text and JSON."""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich import box
from rich.table import Table
from rich.text import Text

from vmqproof.cli.render.report import SEVERITY_STYLE, console_for, version
from vmqproof.properties.queries.fleet import FailingFile, FleetSummary, RuleCount
from vmqproof.properties.results import Status

RULE_COLUMNS = ("rule", "name", "severity", "files", "violated", "conditional", "unknown")
STATUS_STYLE = {Status.ILLEGAL: "bold red", Status.ERROR: "bold magenta", Status.UNKNOWN: "magenta"}


def fleet_report(summary: FleetSummary, fmt: str, out: TextIO, *, width: int | None = None) -> None:
    if fmt == "json":
        out.write(json.dumps(fleet_json(summary), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "plain":
        out.write(fleet_plain(summary))
    else:
        fleet_rich(summary, out, width)


def _rule_json(count: RuleCount) -> dict[str, Any]:
    return {"rule": count.rule, "name": count.name, "severity": count.severity.value, "files": count.files,
            "violated": count.violated, "conditional": count.conditional, "unknown": count.unknown}


def _failing_json(failing: FailingFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": failing.path, "status": failing.status.value, "rules": list(failing.rules)}
    if failing.reason is not None:
        entry["reason"] = failing.reason
    return entry


def fleet_json(summary: FleetSummary) -> dict[str, Any]:
    return {"vmqproof": version(), "rules": [_rule_json(c) for c in summary.rules],
            "failing": [_failing_json(f) for f in summary.failing],
            "summary": dict(summary.totals, obligations=summary.obligations)}


def _rule_cells(count: RuleCount) -> list[str]:
    return [count.rule, count.name, count.severity.value, str(count.files), str(count.violated),
            str(count.conditional), str(count.unknown)]


def _failing_text(failing: FailingFile) -> str:
    detail = ", ".join(failing.rules) if failing.rules else failing.reason or ""
    return f"{failing.path}: {failing.status.value}" + (f" — {detail}" if detail else "")


def totals_line(summary: FleetSummary) -> str:
    totals = summary.totals
    return (f"{totals['files']} file{'s' if totals['files'] != 1 else ''}: {totals['legal']} legal, "
            f"{totals['illegal']} illegal, {totals['errors']} errors, {totals['unknown']} unknown; "
            f"{summary.obligations} obligations")


def fleet_plain(summary: FleetSummary) -> str:
    lines: list[str] = []
    if summary.rules:
        rows = [list(RULE_COLUMNS)] + [_rule_cells(c) for c in summary.rules]
        widths = [max(len(row[i]) for row in rows) for i in range(len(RULE_COLUMNS))]
        numeric = range(3, len(RULE_COLUMNS))
        for row in rows:
            lines.append("  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                                   for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    else:
        lines.append("no rule is violated, conditional or undecided in any file")
    if summary.failing:
        lines += ["", "failing files:"] + [f"  {_failing_text(f)}" for f in summary.failing]
    lines += ["", totals_line(summary)]
    return "\n".join(lines) + "\n"


def fleet_rich(summary: FleetSummary, out: TextIO, width: int | None) -> None:
    console = console_for(out, width)
    if summary.rules:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in RULE_COLUMNS:
            table.add_column(column, justify="right" if column in RULE_COLUMNS[3:] else "left",
                             no_wrap=column != "name")
        for count in summary.rules:
            cells = _rule_cells(count)
            table.add_row(*cells[:2], Text(cells[2], SEVERITY_STYLE[count.severity]), *cells[3:])
        console.print(table)
    else:
        console.print(Text("no rule is violated, conditional or undecided in any file", style="bold green"))
    if summary.failing:
        console.print(Text("failing files", style="bold"))
        for failing in summary.failing:
            console.print(Text(f"  {_failing_text(failing)}", style=STATUS_STYLE[failing.status]))
    console.print(totals_line(summary))
