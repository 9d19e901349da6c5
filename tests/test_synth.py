"""`synth`: over a grid of requests (queues 1…256, 4…128 processors, with and without SMT and NUMA, VMQ and
VMMQ, every objective) the output passes `check --strict` with every registered rule, every RSS processor has
exactly one data vector, and the objective one lower is infeasible (re-proved on a fresh model; for min-vectors
also: the file with one MSI-X entry fewer fails `check --strict`)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from vmqproof.model.config.hostspec import parse_numa, parse_processor_set
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.queries.synth import SynthRequest, prove_objective, synthesize

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402


def request(queues: int | None, processors: str, *, smt: bool = False, numa: str | None = None,
            node: int | None = None, objective: str = "min-vectors", vports: int | None = None,
            pairs: int | None = None, ndis: str = "6.60", avoid: str | None = None,
            reading: str = "R2a") -> SynthRequest:
    return SynthRequest(processors=parse_processor_set(processors), queues=queues, vports=vports, queue_pairs=pairs,
                        smt=smt, numa=None if numa is None else parse_numa(numa), numa_node=node, ndis=ndis,
                        objective=objective, avoid=() if avoid is None else parse_processor_set(avoid),
                        reading=reading)


TWO_NODES_16 = "0=0:0-0:7;1=0:8-0:15"
TWO_NODES_64 = "0=0:0-0:31;1=0:32-0:63"
TWO_NODES_128 = "0=0:0-0:63;1=1:0-1:63"
GRID = [
    request(1, "0:0-0:3"),
    request(2, "0:0-0:3", objective="min-processors"),
    request(3, "0:0-0:3", smt=True, avoid="0:0"),
    request(8, "0:0-0:7", ndis="6.30"),
    request(15, "0:0-0:15", objective="numa-local", numa=TWO_NODES_16, node=1),
    request(16, "0:0-0:15", smt=True, numa=TWO_NODES_16),
    request(17, "0:0-0:15", reading="R4"),
    request(31, "0:0-0:31", objective="min-processors", smt=True),
    request(63, "0:0-0:63", numa=TWO_NODES_64, node=1, reading="R1"),
    request(64, "0:0-0:63", objective="numa-local", smt=True, numa=TWO_NODES_64),
    request(100, "0:0-0:63", ndis="6.80", reading="R3"),
    request(128, "0:0-1:63", smt=True, numa=TWO_NODES_128, node=1),
    request(200, "0:0-1:63", objective="numa-local", numa=TWO_NODES_128, reading="R2b"),
    request(256, "0:0-1:63", smt=True, numa=TWO_NODES_128, node=0),
    request(256, "0:0-0:3", objective="min-processors"),
    request(None, "0:0-0:7", vports=2, pairs=1),
    request(None, "0:0-0:15", vports=3, pairs=4, smt=True),
    request(None, "0:0-0:15", vports=4, pairs=3, objective="min-processors", numa=TWO_NODES_16),
    request(None, "0:0-1:63", vports=16, pairs=8, objective="numa-local", smt=True, numa=TWO_NODES_128, node=1),
    request(None, "0:0-0:63,1:0-1:63", vports=8, pairs=4, ndis="6.82"),
]


def _ids(req: SynthRequest) -> str:
    mode = f"q{req.queues}" if req.queues is not None else f"v{req.vports}x{req.queue_pairs}"
    return (f"{mode}-p{len(req.processors)}-{req.objective}" + ("-smt" if req.smt else "")
            + ("-numa" if req.numa else ""))


@pytest.mark.parametrize("req", GRID, ids=_ids)
def test_synth_grid(req: SynthRequest) -> None:
    result = synthesize(req)
    assert result.legal, [(c.source, c.message) for c in result.clashes]
    config = loads_config(result.text, "<synth>")
    report = check_config(config)
    assert not [r.rule for r in report.results if r.fails(strict=True)]
    # every RSS processor has exactly one data vector; no other processor has one
    assert config.rss_processors is not None and config.msix is not None
    data = [v.record.values["cpu"] for v in config.msix.vectors if v.kind == "data"]
    assert sorted(data) == sorted(p.cpu for p in config.rss_processors.processors)
    assert len(set(data)) == len(data)
    rss = set(config.rss_processors.cpus)
    assert rss <= set(req.processors) and not rss & set(req.avoid)
    if req.smt:
        assert len({cpu // 2 for cpu in rss}) == len(rss)
    # minimal: the objective is attained, and one lower is infeasible, proved twice
    proof = result.proof
    assert proof is not None and proof.below == "unsat"
    assert prove_objective(req, req.objective, proof.value) == ("sat", "unsat")
    if req.objective == "min-vectors":
        assert config.msix.record.values["table_size"] == proof.value
        lowered = re.sub(r"(?m)^table_size = \d+$", f"table_size = {proof.value - 1}", result.text)
        lowered = re.sub(r"(?m)^number_of_interrupt_messages = \d+$",
                         f"number_of_interrupt_messages = {proof.value - 1}", lowered)
        assert lowered != result.text
        failing = [r.rule for r in check_config(loads_config(lowered, "<lowered>")).results if r.fails(strict=True)]
        assert failing, "one MSI-X entry fewer must fail check --strict"
    elif req.objective == "min-processors":
        assert len(rss) == proof.value
    else:
        remote = [p for p in config.rss_processors.processors if p.preference_index == 1]
        assert len(remote) == proof.value


def test_cli_writes_a_file_that_check_strict_proves(tmp_path: Path) -> None:
    target = tmp_path / "synth.toml"
    code, out, err = run(["synth", "--queues", "6", "--processors", "0:0-0:7", "--avoid", "0:0", "-o", str(target)])
    assert code == 0, err
    assert out == target.read_text(encoding="utf-8")
    assert "unsat at ≤" in out and "check --strict: legal" in out
    assert run(["check", "--strict", str(target)])[0] == 0
    assert '"0:0"' not in out.split("[rss_processors]")[1].split("[msix]")[0]


def test_cli_json() -> None:
    code, out, _ = run(["synth", "--vports", "2", "--queue-pairs", "2", "--processors", "0:0-0:3", "--format", "json"])
    assert code == 0
    data = json.loads(out)
    assert data["legal"] is True and data["check"]["status"] == "legal"
    assert data["objective"]["below"] == "unsat" and data["objective"]["value"] == 4
    assert data["config"]["msix"]["table_size"] == 4


@pytest.mark.parametrize("argv,rules", [
    (["--queues", "4000", "--processors", "0:0-0:7"], {"D-11", "D-3"}),
    (["--vports", "2", "--queue-pairs", "8", "--processors", "0:0-0:3"], {"VMMQ-VP-3"}),
    (["--vports", "2", "--queue-pairs", "2", "--processors", "0:0-0:3", "--ndis", "6.30"], {"VMMQ-CAP-5"}),
    (["--queues", "2", "--processors", "0:0-0:1", "--avoid", "0:0-0:1"], {"--avoid", "VMQ-IRQ-4"}),
])
def test_no_legal_setup_names_the_clash(argv: list[str], rules: set[str]) -> None:
    code, out, _ = run(["synth", *argv])
    assert code == 1
    assert "no legal setup" in out
    named = set(re.findall(r"(?m)^  (\S+):", out))
    assert rules <= named


@pytest.mark.parametrize("argv", [
    ["--queues", "4", "--processors", "0:0-0:x"],
    ["--queues", "4", "--processors", "0:5-0:1"],
    ["--queues", "4", "--processors", "0:0-0:3", "--numa", "0=0:0-0:1"],
    ["--queues", "4", "--processors", "0:0-0:3", "--numa", "0=0:0-0:3", "--numa-node", "3"],
    ["--queues", "4", "--vports", "2", "--processors", "0:0-0:3"],
    ["--processors", "0:0-0:3"],
    ["--queues", "0", "--processors", "0:0-0:3"],
    ["--queues", "4", "--processors", "0:0-0:3", "--ndis", "7.0"],
])
def test_bad_input(argv: list[str]) -> None:
    code, _, err = run(["synth", *argv])
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
