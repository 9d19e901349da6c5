"""The queue → vector → CPU graph: GraphML round-trips, golden tree/dot/mermaid, SVG/PNG through matplotlib,
`check --graph`, and the analyses agreeing with the verdicts of the catalog rules they mirror.

Regenerate the golden files after an intended change with VMQPROOF_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import dataclasses
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from vmqproof.cli.render import draw
from vmqproof.model.outputs.graph import (
    KINDS, build_graph, indirection_spread, overloaded_processors, queues_outside_table, queues_sharing_vector,
    remote_processors, vectors_outside_rss, vectors_without_processor,
)
from vmqproof.model.readers.dispatch import load_config, loads_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.queries.graphing import counterexample_graph, nodes_of_result
from vmqproof.properties.results import FAILING, Verdict
from vmqproof.properties.rules import all_rules

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, check_golden, run  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
GRAPHED = [p for p in EXAMPLES if p.stem in ("vmq-nic", "vmmq-nic", "illegal-vmq-irq", "illegal-vmmq")]


@pytest.fixture(autouse=True)
def _relative_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


# -- structure and GraphML -----------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_graphml_round_trips(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    code, _, err = run(["graph", "--format", "graphml", "-o", str(out), f"examples/{example.name}"])
    assert code == 0, err
    read = nx.read_graphml(out)
    built = build_graph(load_config(f"examples/{example.name}"))
    assert isinstance(read, nx.DiGraph)
    assert set(read.nodes) == set(built.nodes) and set(read.edges) == set(built.edges)
    assert {d["kind"] for _, d in read.nodes(data=True)} <= set(KINDS)
    for tail, head, data in read.edges(data=True):
        assert (read.nodes[tail]["kind"], read.nodes[head]["kind"], data["kind"]) in {
            ("vport", "queue", "queue_pair"), ("queue", "vector", "msix"), ("vector", "cpu", "target"),
            ("cpu", "numa", "numa")}


def test_vmq_graph_shape() -> None:
    graph = build_graph(load_config("examples/vmq-nic.toml"))
    assert graph.nodes["queue:0"]["default"] is True
    assert graph.edges["queue:0", "vector:0"]["via"] == "assumed-entry-0"
    assert graph.edges["queue:1", "vector:1"]["via"] == "msix_entry"
    assert list(graph.successors("vector:1")) == ["cpu:0:1"]
    assert graph.nodes["vector:8"]["vector_kind"] == "other" and not list(graph.successors("vector:8"))
    assert all(graph.nodes[f"cpu:0:{i}"]["rss"] for i in range(8))


def test_vmmq_queue_pairs_link_by_processor() -> None:
    graph = build_graph(load_config("examples/vmmq-nic.toml"))
    assert [graph.nodes[q]["cpu"] for q in graph.successors("vport:0")] == ["0:0", "0:2", "0:4", "0:6"]
    assert graph.nodes["vport:0/qp:0"]["default"] is True
    assert graph.edges["vport:0/qp:1", "vector:1"]["via"] == "processor"
    spread = indirection_spread(graph)["vport:1"]
    assert spread.processors == (("0:8", 8), ("0:10", 8)) and spread.balanced and not spread.outside_affinity


NUMA = """format = "vmqproof/1"
[rss_processors]
preferred_numa_node = 0
processors = [{ cpu = "0:0", numa_node = 0 }, { cpu = "0:1", numa_node = 0 }, { cpu = "1:0", numa_node = 1 }]
[msix]
table_size = 8
vectors = [{ id = 0, kind = "data", cpu = "0:0" }, { id = 1, kind = "data", cpu = "0:0" },
           { id = 2, kind = "data", cpu = "1:0" }, { id = 3, kind = "data", cpu = "0:5" },
           { id = 4, kind = "data", cpu = "?" }, { id = 5, kind = "other" }]
[[queues]]
id = 1
cpu = "0:0"
msix_entry = 1
[[queues]]
id = 2
cpu = "0:1"
msix_entry = 1
[[queues]]
id = 3
cpu = "0:1"
msix_entry = 6
[[vports]]
id = 0
num_queue_pairs = 2
indirection_table = ["0:0", "0:1", "0:0", "0:0"]
processor_affinity = ["0:0"]
"""


def test_analyses_on_a_crafted_host() -> None:
    graph = build_graph(loads_config(NUMA, "numa.toml"))
    assert overloaded_processors(graph) == {"cpu:0:0": ("vector:0", "vector:1")}
    assert set(overloaded_processors(graph, exactly_one=True)) == {"cpu:0:0", "cpu:0:1"}
    assert queues_sharing_vector(graph) == {"vector:1": ("queue:1", "queue:2")}
    assert vectors_without_processor(graph) == ["vector:4", "vector:6"]
    assert graph.nodes["vector:6"]["vector_kind"] == "unallocated"
    assert vectors_outside_rss(graph) == {"vector:3": "cpu:0:5"}
    assert remote_processors(graph) == ["cpu:1:0"]
    assert graph.edges["cpu:1:0", "numa:1"]["kind"] == "numa"
    assert queues_outside_table(graph) == [] and queues_outside_table(build_graph(loads_config(OUTSIDE))) == [
        "queue:3"]
    spread = indirection_spread(graph)["vport:0"]
    assert not spread.balanced and spread.outside_affinity == ("0:1",)


# -- the analyses agree with the rules they mirror -------------------------------------------------------

def _failing_nodes(graph: nx.DiGraph, report: object, rule: str) -> set[str]:
    return {node for r in report.results if r.rule == rule and r.verdict in FAILING  # type: ignore[attr-defined]
            for node in nodes_of_result(graph, r)}


OUTSIDE = NUMA.replace("msix_entry = 6", "msix_entry = 9")
AGREEMENT_CASES = [NUMA, OUTSIDE] + [p.read_text(encoding="utf-8") for p in EXAMPLES]
CASE_IDS = ["numa", "entry-outside-table"] + [p.stem for p in EXAMPLES]


@pytest.mark.parametrize("text", AGREEMENT_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reading", ["at-most-one", "exactly-one"])
def test_fan_in_agrees_with_vmq_irq_5(text: str, reading: str) -> None:
    config = loads_config(text, "case.toml")
    config = dataclasses.replace(config, policy=dataclasses.replace(config.policy, vectors_per_processor=reading))
    graph = build_graph(config)
    report = check_config(config, ["VMQ-IRQ-5"])
    if any(v.record.is_open("cpu") for v in (config.msix.vectors if config.msix else ())):
        return  # an open target makes the rule's verdict conditional; the graph has no target to count
    assert _failing_nodes(graph, report, "VMQ-IRQ-5") == set(overloaded_processors(graph, reading == "exactly-one"))


@pytest.mark.parametrize("text", AGREEMENT_CASES, ids=CASE_IDS)
def test_outside_rss_agrees_with_vmq_irq_4(text: str) -> None:
    config = loads_config(text, "case.toml")
    graph = build_graph(config)
    report = check_config(config, ["VMQ-IRQ-4"])
    failing = _failing_nodes(graph, report, "VMQ-IRQ-4")
    concrete = {v for v in failing if graph.nodes[v]["vector_kind"] == "data" and "target" in graph.nodes[v]
                and graph.nodes[v]["target"] != "?"}
    assert concrete == set(vectors_outside_rss(graph))
    open_targets = {v for v in vectors_without_processor(graph) if graph.nodes[v]["vector_kind"] == "data"}
    if config.rss_processors is not None:
        assert open_targets <= failing, "an open target may leave the RSS set: VMQ-IRQ-4 is conditional"
    holds = {node for r in report.results if r.verdict is Verdict.HOLDS for node in nodes_of_result(graph, r)}
    assert not holds & set(vectors_outside_rss(graph))


def test_sharing_agrees_with_vmq_q_4() -> None:
    if "VMQ-Q-4" not in {r.id for r in all_rules()}:
        pytest.skip("VMQ-Q-4 is not in the registry yet")
    for text in AGREEMENT_CASES:
        config = loads_config(text, "case.toml")
        graph = build_graph(config)
        report = check_config(config, ["VMQ-Q-4"])
        failing = _failing_nodes(graph, report, "VMQ-Q-4")
        shared = {q for queues in queues_sharing_vector(graph).values() for q in queues if q != "queue:0"}
        shared |= set(queues_outside_table(graph))
        assert {n for n in failing if graph.nodes[n]["kind"] == "queue"} == shared


# -- marking ---------------------------------------------------------------------------------------------

def test_violations_marked_on_nodes() -> None:
    code, out, _ = run(["graph", "--format", "graphml", "examples/illegal-vmq-irq.toml"])
    assert code == 0
    graph = nx.parse_graphml(out)
    assert graph.nodes["vector:7"]["violations"] == "VMQ-IRQ-4" and graph.nodes["vector:7"]["severity"] == "error"
    assert "VMQ-IRQ-8" in graph.graph["violations"]
    assert graph.graph["status"] == "illegal"
    assert "violations" not in graph.nodes["vector:0"]


def test_counterexample_graph_draws_the_chosen_completion() -> None:
    config = loads_config(NUMA, "numa.toml")
    report = check_config(config, ["VMQ-IRQ-4"])
    (result,) = [r for r in report.results if r.instance.startswith("msix.vectors[4]")]
    graph = counterexample_graph(config, result)
    target = next(iter(graph.successors("vector:4")))
    assert graph.nodes[target]["rss"] is False and graph.nodes["vector:4"]["violations"] == "VMQ-IRQ-4"


# -- formats ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("example", GRAPHED, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["tree", "dot", "mermaid"])
def test_graph_golden(example: Path, fmt: str) -> None:
    code, out, err = run(["graph", "--format", fmt, "--width", "100", f"examples/{example.name}"])
    assert code == 0, err
    assert "\x1b[" not in out
    check_golden(f"graph-{example.stem}.{ {'tree': 'tree.txt', 'dot': 'dot', 'mermaid': 'mmd'}[fmt] }", out)


def test_tree_marks_violations() -> None:
    _, out, _ = run(["graph", "--width", "100", "examples/illegal-vmq-irq.toml"])
    assert "vector 7 (data)  ✗ VMQ-IRQ-4" in out and "VMQ-IRQ-8" in out and "outside the RSS set" in out


def test_dot_carries_violation_attributes() -> None:
    _, out, _ = run(["graph", "--format", "dot", "examples/illegal-vmq-irq.toml"])
    line = next(line for line in out.splitlines() if line.startswith('  "vector:7" ['))
    assert 'violations="VMQ-IRQ-4"' in line and 'kind="vector"' in line


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_matplotlib_drawing(fmt: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / f"g.{fmt}"
    code, _, err = run(["graph", "--engine", "matplotlib", "-o", str(out), "examples/illegal-vmq-irq.toml"])
    assert code == 0, err
    data = out.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    else:
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        assert b"vector 7" in data or b"VMQ-IRQ-4" in data or len(list(root.iter())) > 100


def test_svg_to_stdout_and_png_needs_output() -> None:
    pytest.importorskip("matplotlib")
    code, out, _ = run(["graph", "--format", "svg", "--engine", "matplotlib", "examples/vmq-nic.toml"])
    assert code == 0 and ET.fromstring(out.encode()).tag.endswith("svg")
    code, _, err = run(["graph", "--format", "png", "examples/vmq-nic.toml"])
    assert code == 2 and err.count("\n") == 1 and "-o" in err


def test_no_renderer_is_exit_2_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(draw.shutil, "which", lambda name: None)
    monkeypatch.setattr(draw, "_has_matplotlib", lambda: False)
    code, _, err = run(["graph", "-o", str(tmp_path / "g.svg"), "examples/vmq-nic.toml"])
    assert code == 2 and err.count("\n") == 1 and "Graphviz" in err and "vmqproof[draw]" in err
    assert not (tmp_path / "g.svg").exists()


def test_bad_input_and_unknown_suffix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[msix\n", encoding="utf-8")
    code, out, err = run(["graph", str(bad)])
    assert code == 2 and not out and err.count("\n") == 1
    code, _, err = run(["graph", "-o", str(tmp_path / "g.xyz"), "examples/vmq-nic.toml"])
    assert code == 2 and err.count("\n") == 1 and "--format" in err


def test_check_writes_the_graph_beside_the_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    code, text, _ = run(["check", "--format", "plain", "--graph", str(out), "examples/illegal-vmq-irq.toml"])
    assert code == 1 and "VMQ-IRQ-4" in text
    assert nx.read_graphml(out).nodes["vector:7"]["violations"] == "VMQ-IRQ-4"
    mermaid = tmp_path / "g.mmd"
    assert run(["check", "--graph", str(mermaid), "examples/vmq-nic.toml"])[0] == 0
    assert mermaid.read_text(encoding="utf-8").startswith("flowchart LR")
    code, _, err = run(["check", "--graph", str(out), "examples/vmq-nic.toml", "examples/vmmq-nic.toml"])
    assert code == 2 and err.count("\n") == 1


def test_cpu_nodes_name_their_smt_sibling_when_the_host_has_smt(tmp_path: Path) -> None:
    from vmqproof.model.outputs.graph import build_graph
    from vmqproof.model.readers.dispatch import loads_config
    text = ('[host]\nlogical_processors = 8\nsmt = true\n[rss_processors]\nprocessors = ["0:2", "0:4"]\n'
            '[msix]\ntable_size = 4\nvectors = [{ id = 0, kind = "data", cpu = "0:2" }, { id = 1, kind = "data", cpu = "0:4" }]\n')
    graph = build_graph(loads_config(text, "smt.toml"))
    assert graph.nodes["cpu:0:2"]["smt_sibling"] == "0:3"
    assert graph.nodes["cpu:0:4"]["smt_sibling"] == "0:5"
    without = build_graph(loads_config(text.replace("smt = true", "smt = false"), "nosmt.toml"))
    assert "smt_sibling" not in without.nodes["cpu:0:2"]
