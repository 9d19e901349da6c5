"""Reports for pipelines: SARIF 2.1.0 (code scanning) and JUnit XML (test reports)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from vmqproof.properties.queries.triage import BaselineEntry
from vmqproof.properties.results import BaselineState, FileReport, Result, Severity, Status, Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINDINGS = (Verdict.VIOLATED, Verdict.CONDITIONAL)


def _rule_descriptor(result: Result, summary: str) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": result.rule, "name": result.name,
        "shortDescription": {"text": result.name.replace("-", " ")},
        "fullDescription": {"text": summary or result.name},
        "defaultConfiguration": {"level": SARIF_LEVEL[result.severity]},
    }
    if result.sources:
        descriptor["helpUri"] = result.sources[0]
    return descriptor


def _location(path: str, result: Result) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": result.file or path}}
    if result.line:
        physical["region"] = {"startLine": result.line}
    fields = [v.path for v in result.counterexample] or [result.instance]
    return {"physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": fields[0], "kind": "member"}]}


def _note(path: str, note: str) -> dict[str, Any]:
    """A reader's note ("miniport.c:12: …") as a SARIF notification located at its file and line."""
    match = re.match(r"^(.+?):(\d+): (.*)$", note)
    physical: dict[str, Any] = {"artifactLocation": {"uri": match.group(1) if match else path}}
    if match:
        physical["region"] = {"startLine": int(match.group(2))}
    return {"level": "note", "message": {"text": match.group(3) if match else note},
            "locations": [{"physicalLocation": physical}]}


def _suppressions(result: Result) -> dict[str, Any]:
    if result.suppression is None:
        return {}
    # no `status`: the OASIS schema the tests validate against (sarif-schema-2.1.0) does not define it
    return {"suppressions": [{"kind": "external", "justification": result.suppression.reason}]}


def _baseline_state(result: Result) -> dict[str, Any]:
    return {} if result.baseline_state is None else {"baselineState": result.baseline_state.value}


def _absent(entry: BaselineEntry, index: Mapping[str, int]) -> dict[str, Any]:
    """A finding of the baseline that is fixed now (baselineState absent)."""
    data: dict[str, Any] = {"ruleId": entry.rule, "level": SARIF_LEVEL[Severity(entry.severity)],
                            "message": {"text": f"{entry.message} (fixed at {entry.instance})"},
                            "locations": [{"physicalLocation": {"artifactLocation": {"uri": entry.path}},
                                           "logicalLocations": [{"fullyQualifiedName": entry.instance,
                                                                 "kind": "member"}]}],
                            "baselineState": BaselineState.ABSENT.value}
    if entry.rule in index:
        data["ruleIndex"] = index[entry.rule]
    return data


def sarif(reports: Sequence[FileReport], summaries: Mapping[str, str], version: str,
          fixed: Sequence[BaselineEntry] = (), baseline: bool = False) -> str:
    """One run; tool.driver.rules lists every rule checked; one result per violated or conditional instance
    (suppressed ones with `suppressions`; against a baseline each with its `baselineState`, and the baseline's
    fixed findings as `absent` results); an instance the solver could not decide is a warning notification, and
    the run is then not successful."""
    descriptors: dict[str, dict[str, Any]] = {}
    for report in reports:
        for result in report.results:
            descriptors.setdefault(result.rule, _rule_descriptor(result, summaries.get(result.rule, "")))
    index = {rule_id: position for position, rule_id in enumerate(descriptors)}
    results = []
    notifications = []
    notes: list[dict[str, Any]] = []
    for report in reports:
        if report.error is not None:
            notifications.append({"level": "error", "message": {"text": report.error},
                                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.path}}}]})
        notes.extend(_note(report.path, note) for note in report.notes)
        for result in report.results:
            if result.verdict is Verdict.UNKNOWN:     # an undecided proof is no finding, but never a clean run
                notifications.append({"level": "warning", "associatedRule": {"id": result.rule},
                                      "message": {"text": f"{result.rule} unknown at {result.instance}: "
                                                          f"{result.message}"},
                                      "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.path}}}]})
            if result.verdict not in FINDINGS:
                continue
            text = f"{result.message} ({result.verdict.value} at {result.instance})"
            if result.reading:
                text += f"; reading {result.reading}"
            results.append({"ruleId": result.rule, "ruleIndex": index[result.rule],
                            "level": SARIF_LEVEL[result.severity], "message": {"text": text},
                            "locations": [_location(report.path, result)],
                            **_suppressions(result), **_baseline_state(result)})
    if baseline:
        results.extend(_absent(entry, index) for entry in fixed)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "vmqproof", "version": version,
                            "informationUri": "https://learn.microsoft.com/en-us/windows-hardware/drivers/network/",
                            "rules": list(descriptors.values())}},
        "invocations": [{"executionSuccessful": not notifications,
                         "toolExecutionNotifications": notifications + notes}],
        "results": results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2,
                      ensure_ascii=False) + "\n"


def junit(reports: Sequence[FileReport], strict: bool | Severity) -> str:
    """One test suite per file, one test case per rule; a failure for each rule whose findings fail the file."""
    suites = ElementTree.Element("testsuites", name="vmqproof")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for report in reports:
        suite = ElementTree.SubElement(suites, "testsuite", name=report.path)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if report.error is not None:
            case = ElementTree.SubElement(suite, "testcase", classname=report.path, name="read configuration")
            ElementTree.SubElement(case, "error", message=report.error)
            counts["tests"] += 1
            counts["errors"] += 1
        by_rule: dict[str, list[Result]] = {}
        for result in report.results:
            by_rule.setdefault(result.rule, []).append(result)
        for rule_id, results in by_rule.items():
            case = ElementTree.SubElement(suite, "testcase", classname=report.path, name=f"{rule_id} {results[0].name}")
            counts["tests"] += 1
            failing = [r for r in results if r.fails(strict)]
            if failing:
                counts["failures"] += 1
                failure = ElementTree.SubElement(case, "failure", message=failing[0].message,
                                                 type=failing[0].severity.value)
                failure.text = "\n".join(f"{r.verdict.value} at {r.instance}: {r.message}" for r in failing)
            elif any(r.verdict is Verdict.UNKNOWN for r in results):     # undecided: skipped, never passed
                undecided = [r for r in results if r.verdict is Verdict.UNKNOWN]
                skipped = ElementTree.SubElement(case, "skipped")
                skipped.set("message", f"unknown: {len(undecided)} of {len(results)} instances undecided "
                                       f"({undecided[0].message})")
            elif all(r.verdict is Verdict.NOT_APPLICABLE for r in results):
                skipped = ElementTree.SubElement(case, "skipped")
                skipped.set("message", results[0].verdict.value)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("status", report.status(strict).value if report.error is None else Status.ERROR.value)
    for key, value in totals.items():
        suites.set(key, str(value))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
