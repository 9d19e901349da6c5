"""`check --format sarif` and `--format junit`: the structure pipelines rely on, and the counts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _json_results(paths: list[str], strict: bool = False) -> list[dict]:
    argv = ["check", "--format", "json", *(["--strict"] if strict else []), *paths]
    return [r for f in json.loads(run(argv)[1])["files"] for r in f["results"]]


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
