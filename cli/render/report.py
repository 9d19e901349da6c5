"""Rendering results: rich, plain text and JSON. Results are data; only this module formats them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from vmqproof.properties.queries.triage import CheckRun
from vmqproof.properties.results import (
    FINDINGS, BaselineState, FieldValue, FileReport, Result, Severity, Status, Verdict,
)

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
    if result.file and result.line:
        return f"{result.instance} ({result.file}:{result.line})"
    return result.instance + (f" (line {result.line})" if result.line else "")


def _origin(value: FieldValue, given: str = "given", chosen: str = "chosen by the solver") -> str:
    return (given if value.given else chosen) + (f", {value.location}" if value.location else "")


def _headline(report: FileReport, strict: bool | Severity) -> str:
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


def summary(reports: Sequence[FileReport], strict: bool | Severity) -> dict[str, int]:
    statuses = [r.status(strict) for r in reports]
    return {"files": len(reports), "legal": statuses.count(Status.LEGAL), "illegal": statuses.count(Status.ILLEGAL),
            "errors": statuses.count(Status.ERROR), "unknown": statuses.count(Status.UNKNOWN)}


def _summary_line(reports: Sequence[FileReport], strict: bool | Severity) -> str:
    counts = summary(reports, strict)
    return (f"{counts['files']} file{'s' if counts['files'] != 1 else ''}: {counts['legal']} legal, "
            f"{counts['illegal']} illegal, {counts['errors']} errors, {counts['unknown']} unknown")


# -- check ---------------------------------------------------------------------------------------------

def rule_table(reports: Sequence[FileReport], fmt: str, out: TextIO, *, strict: bool | Severity = False,
               width: int | None = None) -> None:
    """0.1's full rule table per file (`--show all`), plain or rich."""
    if fmt == "plain":
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
    if result.file:
        data["file"] = result.file
    locations = {v.path: v.location for v in (*result.counterexample, *result.witness) if v.location}
    if locations:
        data["locations"] = locations
    data["sources"] = list(result.sources)
    return data


def check_json(reports: Sequence[FileReport], strict: bool | Severity = False) -> dict[str, Any]:
    return {"vmqproof": version(), "files": [file_json(r, strict) for r in reports],
            "summary": summary(reports, strict)}


def file_json(report: FileReport, strict: bool | Severity = False) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": report.path, "status": report.status(strict).value,
                             "results": [result_json(r) for r in report.results]}
    if report.error is not None:
        entry["error"] = report.error
    if report.readings:
        entry["readings"] = dict(report.readings)
    if report.notes:
        entry["notes"] = list(report.notes)
    return entry


def write_check_json(reports: Sequence[FileReport], out: TextIO, strict: bool | Severity = False, *,
                     entry: Callable[[FileReport], dict[str, Any]] | None = None,
                     tail: Mapping[str, Any] | None = None) -> None:
    """`check_json` (each file's `entry`, default `file_json`; then the keys of `tail` after `summary`) as
    `json.dumps(..., indent=2)` writes it, built one file at a time: a fleet's document is never in memory at once
    (only its reports). The keys' order and indentation are json's, so the text is the same."""
    def indented(value: Any, depth: int) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * depth)

    out.write("{\n  \"vmqproof\": " + indented(version(), 1) + ",\n  \"files\": [")
    for index, report in enumerate(reports):
        data = file_json(report, strict) if entry is None else entry(report)
        out.write(("," if index else "") + "\n    " + indented(data, 2))
    out.write(("\n  ]" if reports else "]") + ",\n  \"summary\": " + indented(summary(reports, strict), 1))
    for key, value in (tail or {}).items():
        out.write(",\n  " + json.dumps(key) + ": " + indented(value, 1))
    out.write("\n}\n")


def _detail_lines(result: Result) -> list[str]:
    lines = [f"  {result.message}"]
    for title, values in (("counterexample", result.counterexample), ("witness", result.witness)):
        if values:
            lines.append(f"  {title}:")
            for value in values:
                lines.append(f"    {value.path} = {value_text(value.value)}  ({_origin(value)})")
    if result.legal_values:
        lines.append(f"  holds iff {result.legal_values}")
    if result.reading:
        lines.append(f"  reading: {result.reading}")
    lines.extend(f"  source: {source}" for source in result.sources)
    return lines


def check_plain(reports: Sequence[FileReport], strict: bool | Severity = False) -> str:
    lines: list[str] = []
    for report in reports:
        lines.append(_headline(report, strict))
        if report.error is not None:
            lines.append(f"  {report.error}")
            lines.append("")
            continue
        lines.extend(f"  note: {note}" for note in report.notes)
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


def check_rich(reports: Sequence[FileReport], console: Console, strict: bool | Severity = False) -> None:
    for report in reports:
        status = report.status(strict)
        style = {Status.LEGAL: "bold green", Status.ILLEGAL: "bold red"}.get(status, "bold magenta")
        console.print(Text(_headline(report, strict), style=style))
        if report.error is not None:
            console.print(Text(report.error, style="red"))
            continue
        for note in report.notes:
            console.print(Text(f"note: {note}", style="dim"))
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
                table.add_row(value.path, value_text(value.value), _origin(value, chosen="chosen by solver"))
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


# -- check, findings first -----------------------------------------------------------------------------------
# The default of rich and plain: per file its findings (violated, conditional, unspecified, unknown), one summary
# line, and a total. Both are rendered from the same styled lines, so they say the same.

SHOW_CHOICES = ("findings", "all", "holds", "suppressed")
_VERDICT_NOUNS = {Verdict.UNSPECIFIED: "unspecified", Verdict.UNKNOWN: "unknown"}
Line = tuple[str, str]          # text, rich style


def location(path: str, result: Result) -> str:
    """Where a finding is: `file:line` when the line is known (in a driver tree, the .c or .h file that gives the
    value). The one place locations of findings are spelled."""
    if not result.line:
        return path
    return f"{result.file or path}:{result.line}"


def _plural(count: int, noun: str) -> str:
    if noun == "info":
        return f"{count} info"
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _file_counts(report: FileReport, fail_on: Severity) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0, "unspecified": 0, "unknown": 0, "suppressed": 0,
              "in the baseline": 0, "rules held": 0, "not applicable": 0}
    for result in report.results:
        if result.verdict not in FINDINGS:
            continue
        if result.suppression is not None:
            counts["suppressed"] += 1
        elif result.baseline_state is BaselineState.UNCHANGED:
            counts["in the baseline"] += 1
        elif result.verdict in _VERDICT_NOUNS:
            counts[_VERDICT_NOUNS[result.verdict]] += 1
        else:
            counts[result.severity.value] += 1
    for _, verdict, _ in rule_rows(report):
        if verdict is Verdict.HOLDS:
            counts["rules held"] += 1
        elif verdict is Verdict.NOT_APPLICABLE:
            counts["not applicable"] += 1
    return counts


def _counts_text(counts: dict[str, int]) -> str:
    parts = [_plural(counts[k], k) for k in ("error", "warning", "info") if counts[k]]
    parts += [f"{counts[k]} {k}" for k in ("unspecified", "unknown", "suppressed", "in the baseline") if counts[k]]
    parts.append(f"{counts['rules held']} {'rule' if counts['rules held'] == 1 else 'rules'} held")
    parts.append(f"{counts['not applicable']} not applicable")
    return ", ".join(parts)


def _visible(result: Result) -> bool:
    return (result.verdict in FINDINGS and result.suppression is None
            and result.baseline_state is not BaselineState.UNCHANGED)


def _finding_lines(path: str, result: Result, verbose: bool) -> list[Line]:
    style = VERDICT_STYLE[result.verdict] if result.verdict in _VERDICT_NOUNS else SEVERITY_STYLE[result.severity]
    head = (f"{location(path, result)}: {result.rule} {result.severity.value} {result.verdict.value}: "
            f"{result.name} at {result.instance}")
    if result.baseline_state is BaselineState.NEW:
        head += " (new)"
    lines: list[Line] = [(head, "bold " + style), (f"    {result.message}", "")]
    groups = [("", result.counterexample)] + ([("witness: ", result.witness)] if verbose else [])
    for title, values in groups:
        for value in values:
            lines.append((f"    {title}{value.path} = {value_text(value.value)} ({_origin(value)})", "cyan"))
    if result.legal_values:
        lines.append((f"    holds iff {result.legal_values}", "bold"))
    if verbose and result.reading:
        lines.append((f"    reading: {result.reading}", "dim"))
    lines.extend((f"    source: {source}", "blue") for source in result.sources[:None if verbose else 1])
    return lines


def _suppressed_lines(path: str, result: Result) -> list[Line]:
    suppression = result.suppression
    assert suppression is not None
    expires = f", until {suppression.expires}" if suppression.expires else ""
    return [(f"{location(path, result)}: {result.rule} {result.severity.value} {result.verdict.value}: "
             f"{result.name} at {result.instance} (suppressed)", "dim"),
            (f"    reason: {suppression.reason}{expires} ({suppression.source})", "dim")]


def _file_lines(report: FileReport, run: CheckRun, show: Sequence[str], verbosity: int) -> list[Line]:
    status = report.status(run.fail_on)
    style = {Status.LEGAL: "bold green", Status.ILLEGAL: "bold red"}.get(status, "bold magenta")
    if report.error is not None:
        return [(f"{report.path}: error: {report.error}", style)]
    lines: list[Line] = []
    if verbosity >= 0:
        lines.extend((f"{report.path}: note: {note}", "dim") for note in report.notes)
        for result in report.results:
            if _visible(result):
                lines.extend(_finding_lines(report.path, result, verbosity > 0))
        if "suppressed" in show:
            for result in report.results:
                if result.suppression is not None:
                    lines.extend(_suppressed_lines(report.path, result))
        if "holds" in show:
            for result, verdict, count in rule_rows(report):
                if verdict is Verdict.HOLDS:
                    lines.append((f"{report.path}: {result.rule} holds: {result.name} ({count})", "green"))
        lines.extend((f"{report.path}: warning: {w}", "yellow") for w in report.warnings)
    lines.append((f"{report.path}: {status.value}: {_counts_text(_file_counts(report, run.fail_on))}", style))
    return lines


def _total_line(run: CheckRun) -> str:
    statuses = [r.status(run.fail_on) for r in run.reports]
    totals = dict.fromkeys(_file_counts(FileReport(""), run.fail_on), 0)
    for report in run.reports:
        for key, value in _file_counts(report, run.fail_on).items():
            totals[key] += value
    parts = [f"{len(run.reports)} file{'s' if len(run.reports) != 1 else ''}"]
    parts += [f"{statuses.count(s)} {name}" for s, name in ((Status.ILLEGAL, "illegal"), (Status.UNKNOWN, "unknown"),
                                                            (Status.ERROR, "unreadable")) if statuses.count(s)]
    if len(parts) == 1:
        parts.append("legal" if len(run.reports) == 1 else "all legal")
    return ", ".join(parts) + ": " + _counts_text(totals)


def _note_lines(run: CheckRun) -> list[Line]:
    """What `--show all` adds below 0.1's table: suppressed findings, warnings, and fixed findings."""
    lines: list[Line] = []
    for report in run.reports:
        for result in report.results:
            if result.suppression is not None:
                lines.extend(_suppressed_lines(report.path, result))
        lines.extend((f"{report.path}: warning: {w}", "yellow") for w in report.warnings)
    return lines + _run_note_lines(run)


def _run_note_lines(run: CheckRun) -> list[Line]:
    return ([(f"warning: {w}", "yellow") for w in run.warnings]
            + [(f"{e.path}: {e.rule} fixed since the baseline: {e.instance}", "green") for e in run.fixed])


def _run_lines(run: CheckRun, show: Sequence[str], verbosity: int) -> list[Line]:
    lines: list[Line] = []
    for report in run.reports:
        lines.extend(_file_lines(report, run, show, verbosity))
    if verbosity >= 0:
        lines.extend(_run_note_lines(run))
    lines.append((_total_line(run), "bold"))
    return lines


def render_run(run: CheckRun, fmt: str, out: TextIO, *, show: Sequence[str] = ("findings",), verbosity: int = 0,
               width: int | None = None) -> None:
    """The check output of a triaged run in any format; `--show all` is the full rule table of 0.1."""
    if fmt == "json":
        write_check_json(run.reports, out, run.fail_on, entry=lambda report: _run_file_json(report, run),
                         tail=_run_tail(run))
    elif fmt == "sarif":
        from vmqproof.cli.render.pipeline import sarif
        from vmqproof.properties.rules.catalog import catalog_listing
        summaries = {str(e["id"]): str(e.get("summary", "")) for e in catalog_listing()}
        out.write(sarif(run.reports, summaries, version(), fixed=run.fixed, baseline=run.baseline is not None))
    elif fmt == "junit":
        from vmqproof.cli.render.pipeline import junit
        out.write(junit(run.reports, run.fail_on))
    elif "all" in show and verbosity >= 0:
        rule_table(run.reports, fmt, out, strict=run.fail_on, width=width)
        _write_lines(_note_lines(run), fmt, out, width)
    else:
        _write_lines(_run_lines(run, show, verbosity), fmt, out, width)


def _write_lines(lines: Sequence[Line], fmt: str, out: TextIO, width: int | None) -> None:
    if fmt == "plain":
        out.write("".join(text + "\n" for text, _ in lines))
        return
    console = console_for(out, width)
    for text, style in lines:
        console.print(Text(text, style=style))


def run_json(run: CheckRun) -> dict[str, Any]:
    """check_json, extended: per result its suppression and baseline state; the selection, the warnings, the
    findings fixed since the baseline, and the finding counts (`counts`) beside the file counts (`summary`)."""
    return {"vmqproof": version(), "files": [_run_file_json(r, run) for r in run.reports],
            "summary": summary(run.reports, run.fail_on), **_run_tail(run)}


def _run_file_json(report: FileReport, run: CheckRun) -> dict[str, Any]:
    entry = file_json(report, run.fail_on)
    for result_data, result in zip(entry["results"], report.results):
        if result.suppression is not None:
            s = result.suppression
            result_data["suppression"] = {"reason": s.reason, "expires": s.expires, "source": s.source}
        if result.baseline_state is not None:
            result_data["baseline_state"] = result.baseline_state.value
    if report.warnings:
        entry["warnings"] = list(report.warnings)
    return entry


def _run_tail(run: CheckRun) -> dict[str, Any]:
    """What run_json adds after `summary`."""
    totals = dict.fromkeys(("errors_found", "warnings_found", "info_found", "suppressed", "in_baseline"), 0)
    for report in run.reports:
        counts = _file_counts(report, run.fail_on)
        totals["errors_found"] += counts["error"]
        totals["warnings_found"] += counts["warning"]
        totals["info_found"] += counts["info"]
        totals["suppressed"] += counts["suppressed"]
        totals["in_baseline"] += counts["in the baseline"]
    data: dict[str, Any] = {"counts": {**totals, "fixed": len(run.fixed)},     # beside "summary", unchanged
                            "fail_on": run.fail_on.value}
    if run.selection is not None:
        data["selection"] = run.selection.as_json()
    data["warnings"] = list(run.warnings) + [w for r in run.reports for w in r.warnings]
    if run.baseline is not None:
        data["baseline"] = run.baseline
        data["fixed"] = [{"rule": e.rule, "path": e.path, "instance": e.instance, "fingerprint": e.fingerprint,
                          "baseline_state": BaselineState.ABSENT.value} for e in run.fixed]
    return data
