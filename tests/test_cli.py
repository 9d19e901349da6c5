"""The CLI: golden output (fixed width, no colour), the JSON contract, exit codes, --strict/--rule/--timeout.

Regenerate the golden files after an intended change with VMQPROOF_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, check_golden, run  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["plain", "json", "rich"])
def test_check_golden(example: Path, fmt: str) -> None:
    """`--show all`: the full rule table (0.1's default); JSON lists every result whatever is shown."""
    show = [] if fmt == "json" else ["--show", "all"]
    code, out, _ = run(["check", "--format", fmt, "--width", "100", *show, f"examples/{example.name}"])
    assert "\x1b[" not in out, "no colour at a fixed width"
    check_golden(f"check-{example.stem}.{'json' if fmt == 'json' else fmt + '.txt'}", out)
    assert code == (1 if example.stem.startswith("illegal") and "strict" not in example.read_text() else 0)
    if "--strict" in example.read_text():
        assert run(["check", "--strict", f"examples/{example.name}"])[0] == 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt,width", [("plain", "80"), ("rich", "80"), ("rich", "160")])
def test_check_findings_first_golden(example: Path, fmt: str, width: str) -> None:
    """The default: only the findings, a summary line per file and a total, at 80 and 160 columns."""
    code, out, _ = run(["check", "--format", fmt, "--width", width, f"examples/{example.name}"])
    assert "\x1b[" not in out, "no colour at a fixed width"
    name = f"check-{example.stem}.findings.{'plain' if fmt == 'plain' else 'rich' + width}.txt"
    check_golden(name, out)
    assert code == (1 if example.stem.startswith("illegal") and "strict" not in example.read_text() else 0)
    total = " ".join(out.split()).rsplit(f"examples/{example.name}: ", 1)[-1]
    assert re.search(r" 1 file, .*\d+ rules held, \d+ not applicable$", total), total
    assert "  holds  " not in out and "not-applicable" not in out, "no rule table by default"


def test_rules_golden() -> None:
    code, out, _ = run(["rules", "--format", "plain"])
    assert code == 0
    check_golden("rules.plain.txt", out)


def test_json_contract() -> None:
    _, out, _ = run(["check", "--format", "json", "examples/vmmq-nic.toml"])
    data = json.loads(out)
    assert set(data) == {"vmqproof", "files", "summary", "counts", "fail_on", "selection", "warnings"}
    assert set(data["summary"]) == {"files", "legal", "illegal", "errors", "unknown"}
    assert set(data["counts"]) == {"errors_found", "warnings_found", "info_found", "suppressed", "in_baseline", "fixed"}
    assert data["selection"] == {"select": [], "ignore": [], "all": True} and data["fail_on"] == "error"
    entry = data["files"][0]
    assert entry["path"] == "examples/vmmq-nic.toml" and entry["status"] == "legal"
    for result in entry["results"]:
        assert {"rule", "name", "severity", "verdict", "instance", "message", "sources"} <= set(result)
        assert result["severity"] in ("error", "warning", "info")
        assert result["verdict"] in ("holds", "violated", "conditional", "not-applicable", "unspecified", "unknown")
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", result["name"])
    checked = {r["rule"] for r in entry["results"]}
    _, listing, _ = run(["rules", "--format", "json"])
    assert checked == {r["id"] for r in json.loads(listing) if r["checked"]}, "results list every rule checked"


def test_counterexample_names_fields_and_sources(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n',
                    encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--rule", "VMQ-IRQ-2", str(path)])
    assert code == 1
    (result,) = [r for r in json.loads(out)["files"][0]["results"] if r["verdict"] == "violated"]
    assert result["counterexample"] == {"receive_filter.hardware.supported_queue_properties": ["VM_QUEUE_SUPPORTED"]}
    assert result["line"] == 3
    assert result["sources"][0].startswith("https://learn.microsoft.com/")


def test_conditional_shows_counterexample_and_witness(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
                    'num_queues = 15\n[msix]\ntable_size = { min = 1, max = 64 }\n', encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--rule", "VMQ-IRQ-8", str(path)])
    (result,) = json.loads(out)["files"][0]["results"]
    assert code == 1 and result["verdict"] == "conditional"
    assert result["counterexample"]["msix.table_size"] < 16 <= result["witness"]["msix.table_size"]
    assert result["chosen_by_solver"] == ["msix.table_size"]
    assert result["reading"] == "A1 R2a, Q = num_queues_plus_one"


def test_open_values_that_always_hold_are_proved(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
                    'num_queues = { one_of = [3, 7, 15] }\n[msix]\ntable_size = { min = 16, max = 2048 }\n',
                    encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--rule", "VMQ-IRQ-8", str(path)])
    assert code == 0 and json.loads(out)["files"][0]["results"][0]["verdict"] == "holds"


def test_strict_makes_warnings_fail_but_never_info(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text('[msix]\ntable_size = 8\nvectors = [{ id = 0, kind = "other" }, { id = 1, kind = "other" },'
                    ' { id = 2, kind = "other" }]\n', encoding="utf-8")
    assert run(["check", "--rule", "VMQ-IRQ-6", str(path)])[0] == 0
    assert run(["check", "--strict", "--rule", "VMQ-IRQ-6", str(path)])[0] == 1
    path.write_text(path.read_text() + '[policy]\nseverity = { "VMQ-IRQ-6" = "info" }\n', encoding="utf-8")
    assert run(["check", "--strict", "--rule", "VMQ-IRQ-6", str(path)])[0] == 0


def test_policy_disable_and_rule_selection(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n',
                    encoding="utf-8")
    assert run(["check", "--rule", "VMQ-IRQ-2", str(path)])[0] == 1
    _, out, _ = run(["check", "--format", "json", "--rule", "VMQ-IRQ-2,VMQ-IRQ-6", str(path)])
    assert {r["rule"] for r in json.loads(out)["files"][0]["results"]} == {"VMQ-IRQ-2", "VMQ-IRQ-6"}
    path.write_text(path.read_text() + '[policy]\ndisable = ["VMQ-IRQ-2"]\n', encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", str(path)])
    assert "VMQ-IRQ-2" not in {r["rule"] for r in json.loads(out)["files"][0]["results"]}


def test_timeout_reports_unknown_and_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED",'
                    ' "MSI_X_SUPPORTED"]\nnum_queues = "?"\n[msix]\ntable_size = "?"\n', encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--timeout", "1e-9", "--rule", "VMQ-IRQ-8", str(path)])
    data = json.loads(out)
    assert code == 3 and data["files"][0]["status"] == "unknown" and data["summary"]["unknown"] == 1
    assert data["files"][0]["results"][0]["verdict"] == "unknown"


def test_rules_json_lists_every_catalog_id() -> None:
    code, out, _ = run(["rules", "--format", "json"])
    listing = json.loads(out)
    assert code == 0 and len(listing) == len({r["id"] for r in listing})
    for entry in listing:
        assert {"id", "name", "severity", "sources", "checked"} <= set(entry)
        assert entry["checked"] or entry["reason"]
    ids = {r["id"] for r in listing}
    assert {"VMQ-IRQ-5", "NSC-15b", "D-20", "INF-RSS-12", "VPORT-9"} <= ids


def test_rules_one_in_full() -> None:
    code, out, _ = run(["rules", "VMQ-IRQ-8", "--format", "plain"])
    assert code == 0 and out.startswith("VMQ-IRQ-8 msix-minimum-for-queues") and "vmq-interrupt-requirements" in out
    code, out, _ = run(["rules", "VMQ-IRQ-3", "--format", "plain"])
    assert code == 0 and "not checked:" in out


def test_version() -> None:
    code, out, _ = run(["--version"])
    assert code == 0 and re.fullmatch(r"vmqproof \S+\n", out)
