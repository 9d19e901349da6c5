"""Every encoded rule has fixtures that must violate it and fixtures that must satisfy it.

A fixture is `tests/fixtures/rules/<RULE-ID>/<name>.toml` (or .json, an INF `.inf` or `.inx` template with
`; expect:`, or PowerShell output `.txt`) whose first lines say `# expect: <verdict>` and,
optionally, `# instance: <instance>` (the verdict must then be that instance's).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vmqproof.properties import Verdict, check_file
from vmqproof.properties.rules import all_rules

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
EXPECTATIONS = ("violated", "holds", "conditional", "not-applicable", "unspecified")


def fixture_files() -> list[Path]:
    return [p for suffix in ("toml", "json", "inf", "inx", "txt") for p in sorted(FIXTURES.glob(f"*/*.{suffix}"))]


def expectation(path: Path) -> tuple[str, str | None]:
    head = path.read_text(encoding="utf-8").splitlines()[:5]
    expect = instance = None
    for line in head:
        if m := re.match(r"[#/; ]*expect:\s*(\S+)", line.lstrip("#; ")):
            expect = m.group(1)
        if m := re.match(r"[#/; ]*instance:\s*(.+)", line.lstrip("#; ")):
            instance = m.group(1).strip()
    assert expect in EXPECTATIONS, f"{path}: first lines must say '# expect: <verdict>'"
    return expect, instance


def aggregate(verdicts: list[Verdict]) -> str:
    values = {v.value for v in verdicts}
    if "unspecified" in values:
        return "unspecified"
    if "violated" in values:
        return "violated"
    if "conditional" in values:
        return "conditional"
    if "unknown" in values:
        return "unknown"
    if "holds" in values:
        return "holds"
    return "not-applicable"


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_verdict(path: Path) -> None:
    rule_id = path.parent.name
    expect, instance = expectation(path)
    report = check_file(path, rule_ids=[rule_id])
    assert report.error is None, report.error
    results = [r for r in report.results if instance is None or r.instance == instance]
    assert results, f"no result for instance {instance!r}: {[r.instance for r in report.results]}"
    got = aggregate([r.verdict for r in results])
    detail = [(r.instance, r.verdict.value, r.message) for r in report.results]
    assert got == expect, detail
    for result in results:
        if result.verdict is Verdict.CONDITIONAL:
            assert result.counterexample and result.witness, "a conditional verdict shows both completions"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_has_violating_and_satisfying_fixtures(rule) -> None:
    folder = FIXTURES / rule.id
    kinds = {expectation(p)[0] for p in folder.glob("*.*")} if folder.is_dir() else set()
    # A rule whose failures mean "the documentation does not cover this" (INF-SRIOV-2, A33) fails as unspecified.
    assert kinds & {"violated", "unspecified"}, f"{rule.id} has no fixture that violates it"
    assert "holds" in kinds, f"{rule.id} has no fixture that satisfies it"
