"""`explain`: golden output for the examples; every reported core is minimal (dropping any one fact makes the
violation disappear) and sufficient (the facts alone force it); clashes; conditional instances."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import z3
from vmqproof.model.readers.dispatch import load_config
from vmqproof.model.smt.reasoning import satisfiable
from vmqproof.properties.queries.explain import explain_config
from vmqproof.properties.queries.facts import track

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, check_golden, run  # noqa: E402

ILLEGAL_EXAMPLES = sorted((ROOT / "examples").glob("illegal-*.toml"))


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("example", ILLEGAL_EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["plain", "json", "rich"])
def test_explain_golden(example: Path, fmt: str) -> None:
    code, out, _ = run(["explain", "--format", fmt, "--width", "100", f"examples/{example.name}"])
    assert "\x1b[" not in out
    check_golden(f"explain-{example.stem}.{'json' if fmt == 'json' else fmt + '.txt'}", out)
    assert code in (0, 1)
    if fmt == "json":
        data = json.loads(out)
        assert set(data) == {"vmqproof", "path", "explanations", "clashes"}
        for entry in data["explanations"]:
            assert entry["minimal"] is True
            assert all(set(f) <= {"field", "value", "origin", "line"} for f in entry["facts"])


def _forced(tracked, instance, facts: dict[str, z3.BoolRef]) -> str:
    sym = tracked.sym
    background = list(sym.domains.values()) + tracked.ranges() + [instance.holds(sym)]
    return satisfiable(sym.ctx, background + list(facts.values()))


@pytest.mark.parametrize("example", ILLEGAL_EXAMPLES, ids=lambda p: p.stem)
def test_every_core_is_minimal_and_sufficient(example: Path) -> None:
    config = load_config(example)
    report = explain_config(config)
    tracked = track(config)
    by_key = {(i.rule.id, i.obligation.instance): i for i in tracked.instances}
    checked = 0
    for explanation in report.explanations:
        instance = by_key[(explanation.rule, explanation.instance)]
        facts = {f.path: tracked.bindings[f.path] for f in explanation.facts}
        assert _forced(tracked, instance, facts) == "unsat", "the facts force the violation"
        for dropped in facts:
            rest = {p: b for p, b in facts.items() if p != dropped}
            assert _forced(tracked, instance, rest) == "sat", f"{dropped} is needed in {explanation.rule}"
        checked += 1
    assert checked or not report.explanations


def test_conditional_explains_the_counterexample(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
                    'num_queues = 15\n[msix]\ntable_size = { min = 1, max = 64 }\n', encoding="utf-8")
    code, out, _ = run(["explain", "--format", "json", "--rule", "VMQ-IRQ-8", str(path)])
    (entry,) = json.loads(out)["explanations"]
    assert code == 1 and entry["verdict"] == "conditional"
    origins = {f["field"]: f["origin"] for f in entry["facts"]}
    assert origins["msix.table_size"] == "chosen" and origins["receive_filter.hardware.num_queues"] == "given"


@pytest.mark.parametrize("example", ILLEGAL_EXAMPLES, ids=lambda p: p.stem)
def test_reported_clashes_are_minimal_rule_sets(example: Path) -> None:
    """A clash is ≥ 2 error instances that cannot hold together once every implicated fact is freed."""
    report = explain_config(load_config(example))
    for clash in report.clashes:
        assert len(clash.rules) >= 2


def test_legal_file_has_nothing_to_explain() -> None:
    code, out, _ = run(["explain", "--format", "plain", "examples/vmq-nic.toml"])
    assert code == 0 and "nothing to explain" in out


CLASH = """
[nic_switch.parameters]
revision = 2
switch_type = 1
num_queue_pairs_for_default_vport = 1

[trace]
static_switch = true

[[trace.requests]]
oid = "OID_NIC_SWITCH_CREATE_SWITCH"
request = "set"
revision = 2
switch_type = 0
num_queue_pairs_for_default_vport = 1
"""


def test_rules_that_clash_for_every_value_are_named(tmp_path: Path) -> None:
    """The statically created switch was accepted with SwitchType 0 (the trace is fixed): NSP-7 wants the
    parameters to equal that request, NSP-4 wants SwitchType 1 — no value of switch_type satisfies both."""
    path = tmp_path / "clash.toml"
    path.write_text(CLASH, encoding="utf-8")
    report = explain_config(load_config(path))
    assert [sorted(m.rule for m in clash.rules) for clash in report.clashes] == [["NSP-4", "NSP-7"]]
    code, out, _ = run(["explain", "--format", "json", str(path)])
    assert code == 1 and {m["rule"] for m in json.loads(out)["clashes"][0]["rules"]} == {"NSP-4", "NSP-7"}
    path.write_text(CLASH.replace("switch_type = 0", "switch_type = 1"), encoding="utf-8")
    assert explain_config(load_config(path)).clashes == ()
