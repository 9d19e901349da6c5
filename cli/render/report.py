"""Rendering results: rich, plain text and JSON. Results are data; only this module formats them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from vmqproof.properties.results import FieldValue, FileReport, Result, Severity, Status, Verdict

VERDICT_ORDER = (Verdict.VIOLATED, Verdict.CONDITIONAL, Verdict.UNKNOWN, Verdict.UNSPECIFIED, Verdict.HOLDS,
                 Verdict.NOT_APPLICABLE)
VERDICT_STYLE = {Verdict.HOLDS: "green", Verdict.VIOLATED: "bold red", Verdict.CONDITIONAL: "yellow",
                 Verdict.NOT_APPLICABLE: "dim", Verdict.UNSPECIFIED: "magenta", Verdict.UNKNOWN: "bold magenta"}
SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
SHOWN = (Verdict.VIOLATED, Verdict.CONDITIONAL, Verdict.UNSPECIFIED, Verdict.UNKNOWN)


def version() -> str:
    try:
        return _package_version("vmqproof")
    except PackageNotFoundError:
        return "0+unknown"


# -- shared shaping -----------------------------------------------------------------------------------

def rule_rows(report: FileReport) -> list[tuple[Result, Verdict, str]]:
    """One row per rule: its first result, the worst verdict over its instances, and an instance count."""
    by_rule: dict[str, list[Result]] = {}
    for result in report.results:
        by_rule.setdefault(result.rule, []).append(result)
    rows = []
    for results in by_rule.values():
        worst = min((r.verdict for r in results), key=VERDICT_ORDER.index)
        failing = sum(1 for r in results if r.verdict is worst)
        count = f"{failing}/{len(results)}" if worst not in (Verdict.HOLDS, Verdict.NOT_APPLICABLE) \
            else str(len(results))
        severities = {r.severity for r in results if r.verdict is worst}
        first = next(r for r in results if r.verdict is worst and r.severity in severities)
        rows.append((first, worst, count))
    return rows


def shown_results(report: FileReport) -> list[Result]:
    return [r for r in report.results if r.verdict in SHOWN]


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _where(result: Result) -> str:
    return result.instance + (f" (line {result.line})" if result.line else "")


def _headline(report: FileReport, strict: bool) -> str:
    status = report.status(strict)
    if status is Status.ERROR:
        return f"{report.path}: error"
    counts = {v: 0 for v in Verdict}
    for result in report.results:
        counts[result.verdict] += 1
    failing = [r for r in report.results if r.fails(strict)]
    return (f"{report.path}: {status.value} — {len(report.results)} obligations: "
            + ", ".join(f"{counts[v]} {v.value}" for v in VERDICT_ORDER if counts[v])
            + (f"; {len(failing)} failing" if failing else ""))


def summary(reports: Sequence[FileReport], strict: bool) -> dict[str, int]:
    statuses = [r.status(strict) for r in reports]
    return {"files": len(reports), "legal": statuses.count(Status.LEGAL), "illegal": statuses.count(Status.ILLEGAL),
            "errors": statuses.count(Status.ERROR), "unknown": statuses.count(Status.UNKNOWN)}


def _summary_line(reports: Sequence[FileReport], strict: bool) -> str:
    counts = summary(reports, strict)
    return (f"{counts['files']} file{'s' if counts['files'] != 1 else ''}: {counts['legal']} legal, "
            f"{counts['illegal']} illegal, {counts['errors']} errors, {counts['unknown']} unknown")


# -- check ---------------------------------------------------------------------------------------------

def check_report(reports: Sequence[FileReport], fmt: str, out: TextIO, *, strict: bool = False,
                 width: int | None = None) -> None:
    if fmt == "json":
        write_check_json(reports, out, strict)
    elif fmt == "sarif":
        from vmqproof.cli.render.pipeline import sarif
        from vmqproof.properties.rules.catalog import catalog_listing
        summaries = {str(e["id"]): str(e.get("summary", "")) for e in catalog_listing()}
        out.write(sarif(reports, summaries, version()))
    elif fmt == "junit":
        from vmqproof.cli.render.pipeline import junit
        out.write(junit(reports, strict))
    elif fmt == "plain":
        out.write(check_plain(reports, strict))
    else:
        check_rich(reports, console_for(out, width), strict)


def _field_json(values: Iterable[FieldValue]) -> dict[str, Any]:
    return {v.path: v.value for v in values}


def result_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = {"rule": result.rule, "name": result.name, "severity": result.severity.value,
                            "verdict": result.verdict.value, "instance": result.instance,
                            "message": result.message}
    if result.counterexample:
        data["counterexample"] = _field_json(result.counterexample)
        data["chosen_by_solver"] = [v.path for v in result.counterexample if not v.given]
    if result.witness:
        data["witness"] = _field_json(result.witness)
    if result.legal_values:
        data["legal_values"] = result.legal_values
    if result.reading:
        data["reading"] = result.reading
    if result.line:
        data["line"] = result.line
    data["sources"] = list(result.sources)
    return data


def check_json(reports: Sequence[FileReport], strict: bool = False) -> dict[str, Any]:
    return {"vmqproof": version(), "files": [file_json(r, strict) for r in reports],
            "summary": summary(reports, strict)}


def file_json(report: FileReport, strict: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": report.path, "status": report.status(strict).value,
                             "results": [result_json(r) for r in report.results]}
    if report.error is not None:
        entry["error"] = report.error
    if report.readings:
        entry["readings"] = dict(report.readings)
    return entry


def write_check_json(reports: Sequence[FileReport], out: TextIO, strict: bool = False) -> None:
    """`check_json` as `json.dumps(..., indent=2)` writes it, built one file at a time: a fleet's document is never
    in memory at once (only its reports). The keys' order and indentation are json's, so the text is the same."""
    def indented(value: Any, depth: int) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth)

    out.write("{\n  \"vmqproof\": " + indented(version(), 1) + ",\n  \"files\": [")
    for index, report in enumerate(reports):
        out.write(("," if index else "") + "\n    " + indented(file_json(report, strict), 2))
    out.write(("\n  ]" if reports else "]") + ",\n  \"summary\": " + indented(summary(reports, strict), 1) + "\n}\n")


def _detail_lines(result: Result) -> list[str]:
    lines = [f"  {result.message}"]
    for title, values in (("counterexample", result.counterexample), ("witness", result.witness)):
        if values:
            lines.append(f"  {title}:")
            for value in values:
                mark = "given" if value.given else "chosen by the solver"
                lines.append(f"    {value.path} = {value_text(value.value)}  ({mark})")
    if result.legal_values:
        lines.append(f"  holds iff {result.legal_values}")
    if result.reading:
        lines.append(f"  reading: {result.reading}")
    lines.extend(f"  source: {source}" for source in result.sources)
    return lines


def check_plain(reports: Sequence[FileReport], strict: bool = False) -> str:
    lines: list[str] = []
    for report in reports:
        lines.append(_headline(report, strict))
        if report.error is not None:
            lines.append(f"  {report.error}")
            lines.append("")
            continue
        rows = rule_rows(report)
        id_width = max((len(r.rule) for r, _, _ in rows), default=4)
        name_width = max((len(r.name) for r, _, _ in rows), default=4)
        for result, verdict, count in rows:
            lines.append(f"  {result.rule:<{id_width}}  {result.name:<{name_width}}  {result.severity.value:<7}  "
                         f"{verdict.value:<14}  {count}")
        for result in shown_results(report):
            lines.append("")
            lines.append(f"{result.rule} {result.name} [{result.severity.value}] {result.verdict.value} at "
                         f"{_where(result)}")
            lines.extend(_detail_lines(result))
        lines.append("")
    lines.append(_summary_line(reports, strict))
    return "\n".join(lines) + "\n"


def console_for(out: TextIO, width: int | None) -> Console:
    return Console(file=out, width=width, highlight=False, soft_wrap=False,
                   force_terminal=None if width is None else False, no_color=width is not None)


def check_rich(reports: Sequence[FileReport], console: Console, strict: bool = False) -> None:
    for report in reports:
        status = report.status(strict)
        style = {Status.LEGAL: "bold green", Status.ILLEGAL: "bold red"}.get(status, "bold magenta")
        console.print(Text(_headline(report, strict), style=style))
        if report.error is not None:
            console.print(Text(report.error, style="red"))
            continue
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("rule", "name", "severity", "verdict", "instances"):
            table.add_column(column, no_wrap=column != "name")
        for result, verdict, count in rule_rows(report):
            table.add_row(result.rule, result.name, Text(result.severity.value, SEVERITY_STYLE[result.severity]),
                          Text(verdict.value, VERDICT_STYLE[verdict]), count)
        console.print(table)
        for result in shown_results(report):
            console.print(_panel(result))
    console.print(_summary_line(reports, strict))


def _panel(result: Result) -> Panel:
    parts: list[Any] = [Text(result.message)]
    for title, values in (("counterexample", result.counterexample), ("witness", result.witness)):
        if values:
            table = Table(box=None, show_header=False, pad_edge=False, title=title, title_justify="left",
                          title_style="bold")
            table.add_column("field", style="cyan")
            table.add_column("value", overflow="fold")
            table.add_column("origin", style="dim")
            for value in values:
                table.add_row(value.path, value_text(value.value), "given" if value.given else "chosen by solver")
            parts.append(table)
    if result.legal_values:
        parts.append(Text(f"holds iff {result.legal_values}", style="bold"))
    if result.reading:
        parts.append(Text(f"reading: {result.reading}", style="dim"))
    parts.extend(Text(f"source: {s}", style="blue") for s in result.sources)
    title = f"{result.rule} {result.name} · {result.severity.value} · {result.verdict.value} · {_where(result)}"
    return Panel(Group(*parts), title=title, title_align="left", border_style=VERDICT_STYLE[result.verdict])


# -- rules ---------------------------------------------------------------------------------------------

def rules_listing(listing: list[dict[str, Any]], fmt: str, out: TextIO, *, full: bool = False,
                  width: int | None = None) -> None:
    if fmt == "json":
        out.write(json.dumps(listing if not full else listing[0], indent=2, ensure_ascii=False) + "\n")
        return
    if full:
        entry = listing[0]
        lines = [f"{entry['id']} {entry['name']}", f"  severity: {entry['severity']}",
                 f"  checked: {'yes' if entry['checked'] else 'no'}"]
        if entry.get("summary"):
            lines.append(f"  rule: {entry['summary']}")
        if entry.get("reason"):
            lines.append(f"  not checked: {entry['reason']}")
        lines.extend(f"  source: {s}" for s in entry["sources"])
        text = "\n".join(lines) + "\n"
        if fmt == "plain":
            out.write(text)
        else:
            console_for(out, width).print(text, end="")
        return
    if fmt == "plain":
        id_width = max(len(str(e["id"])) for e in listing)
        name_width = max(len(str(e["name"])) for e in listing)
        for entry in listing:
            out.write(f"{entry['id']:<{id_width}}  {entry['name']:<{name_width}}  {entry['severity']:<7}  "
                      f"{'checked' if entry['checked'] else 'not checked: ' + str(entry['reason'])}\n")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("id", "name", "severity", "checked"):
        table.add_column(column)
    for entry in listing:
        table.add_row(str(entry["id"]), str(entry["name"]), str(entry["severity"]),
                      "yes" if entry["checked"] else Text("no: " + str(entry["reason"]), style="dim"))
    console_for(out, width).print(table)
