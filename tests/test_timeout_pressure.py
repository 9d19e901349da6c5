"""`unknown` stays honest under pressure (issue 13, item 4): the largest benchmark host (2048 processors in 32 groups,
1024 VM queues, 2048 vectors, 256 VPorts) with some fields left open, checked with a tiny `--timeout`, is never
reported as a pass: exit 3 (1 only if something was decided as violated), status "unknown" in every output format.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402

OPENED = {                                      # a line of the generated host → the same field left open
    r"^table_size = (\d+)$": lambda m: f"table_size = {{ min = {m.group(1)}, max = {int(m.group(1)) + 64} }}",
    r'^"\*VMQ" = 1$': lambda m: '"*VMQ" = "?"',
    r'^cpu = "0:5"$': lambda m: 'cpu = { one_of = ["0:5", "0:6", "1:0"] }',
    r"^max_num_vports = (\d+)$": lambda m: f"max_num_vports = {{ min = 1, max = {m.group(1)} }}",
}


@pytest.fixture(scope="module")
def largest_open_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location("benchmark_cases", ROOT / "benchmarks" / "cases.py")
    assert spec is not None and spec.loader is not None
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    text = cases.host(2048, 32, 1024, 2048, 256)
    for pattern, opened in OPENED.items():
        text, count = re.subn(pattern, opened, text, flags=re.M)
        assert count >= 1, pattern
    path = tmp_path_factory.mktemp("pressure") / "largest-open.toml"
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path, fmt: str, *options: str) -> tuple[int, str]:
    width = ["--width", "120"] if fmt in ("rich", "plain") else []
    code, out, err = run(["check", "--format", fmt, "--timeout", "0.001", *width, *options, str(path)])
    assert code != 0, f"an undecided check passed ({fmt})"
    assert code in (1, 3), (code, err)
    return code, out


def test_json_says_unknown(largest_open_host: Path) -> None:
    code, out = check(largest_open_host, "json")
    report = json.loads(out)
    file = report["files"][0]
    unknown = [r for r in file["results"] if r["verdict"] == "unknown"]
    failing = [r for r in file["results"] if r["verdict"] in ("violated", "conditional") and r["severity"] == "error"]
    assert unknown, "a tiny budget leaves the open fields undecided"
    if code == 3:
        assert file["status"] == "unknown" and report["summary"]["unknown"] == 1 and not failing
    else:
        assert file["status"] == "illegal" and failing
    assert all("could not decide" in r["message"] for r in unknown)


@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_text_says_unknown(largest_open_host: Path, fmt: str) -> None:
    code, out = check(largest_open_host, fmt)
    lines = out.rstrip().splitlines()
    assert " unknown: " in lines[0], "findings first: an undecided instance is listed as unknown"
    file_line, total = lines[-2], lines[-1]
    assert file_line.startswith(str(largest_open_host) + (": unknown: " if code == 3 else ": illegal: "))
    assert " unknown, " in file_line
    assert total.startswith("1 file, 1 unknown: " if code == 3 else "1 file, 1 illegal")
    assert ": legal" not in out and ", legal" not in out
    code, table = check(largest_open_host, fmt, "--show", "all")
    headline = table.splitlines()[0]
    assert (": unknown — " if code == 3 else ": illegal — ") in headline and " unknown" in headline
    assert table.rstrip().endswith("0 legal, 0 illegal, 0 errors, 1 unknown" if code == 3 else "0 unknown")


def test_sarif_says_unknown(largest_open_host: Path) -> None:
    code, out = check(largest_open_host, "sarif")
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    undecided = [n for n in invocation["toolExecutionNotifications"] if " unknown at " in n["message"]["text"]]
    assert undecided and all(n["level"] == "warning" and n["associatedRule"]["id"] for n in undecided)


def test_junit_says_unknown(largest_open_host: Path) -> None:
    code, out = check(largest_open_host, "junit")
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None and suite.get("status") == ("unknown" if code == 3 else "illegal")
    skipped = [case for case in suite.iter("testcase")
               if (s := case.find("skipped")) is not None and (s.get("message") or "").startswith("unknown")]
    assert skipped, "an undecided rule is skipped with its reason, not passed"


def test_with_a_budget_the_same_instances_are_decided(largest_open_host: Path) -> None:
    """The unknowns come from the budget: with the default one, every instance is decided, and the file is illegal
    (open fields make some rules conditional), so an exit 0 under pressure would have hidden real failures."""
    _, tiny = check(largest_open_host, "json")
    code, out, _ = run(["check", "--format", "json", str(largest_open_host)])
    decided = {(r["rule"], r["instance"]): r["verdict"] for r in json.loads(out)["files"][0]["results"]}
    undecided = [(r["rule"], r["instance"]) for r in json.loads(tiny)["files"][0]["results"] if r["verdict"] == "unknown"]
    assert code == 1 and "unknown" not in decided.values()
    assert undecided and all(key in decided for key in undecided)
    assert any(decided[key] == "conditional" for key in undecided)
