"""The queue → vector → CPU graph with the check's violations on it (results → graph nodes)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import networkx as nx

from vmqproof.model.config.schema import Config
from vmqproof.model.outputs.graph import build_graph
from vmqproof.properties.results import FAILING, FileReport, Result, Severity

_PATH = re.compile(r"[a-z_]+(?:\.[a-z_]+)*(?:\[\d+\])?(?:\.[a-z_]+)*")
_SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def path_index(graph: nx.DiGraph) -> dict[str, list[str]]:
    """Configuration path (`msix.vectors[3]`, `queues[0]`, `rss_processors.processors[2]`, `vports[1]`) → the
    nodes drawn for it (a VPort's path names the VPort node only, not its queue pairs)."""
    index: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        path = data.get("path")
        if isinstance(path, str) and not (data["kind"] == "queue" and data.get("role") == "queue-pair"):
            index.setdefault(path, []).append(node)
    return index


def _nodes_for_path(index: Mapping[str, list[str]], path: str) -> list[str]:
    """The nodes of a field path or of its nearest enclosing entry (`msix.vectors[3].cpu` → `vector:3`)."""
    probe = path
    while probe:
        if probe in index:
            return index[probe]
        if "." not in probe:
            break
        probe = probe.rpartition(".")[0]
    return []


def nodes_of_result(graph: nx.DiGraph, result: Result, index: Mapping[str, list[str]] | None = None) -> list[str]:
    """The nodes a result is about: those its instance names; failing that, those of its counterexample fields."""
    index = path_index(graph) if index is None else index
    found: list[str] = []
    for match in _PATH.finditer(result.instance):
        for node in _nodes_for_path(index, match.group(0)):
            if node not in found:
                found.append(node)
    if not found:
        for value in result.counterexample:
            for node in _nodes_for_path(index, value.path):
                if node not in found:
                    found.append(node)
    return found


def violations_by_node(graph: nx.DiGraph, results: Iterable[Result]) -> tuple[dict[str, list[Result]],
                                                                                list[Result]]:
    """Failing results (violated or conditional, any severity) per node, and those that name no node."""
    index = path_index(graph)
    by_node: dict[str, list[Result]] = {}
    unplaced: list[Result] = []
    for result in results:
        if result.verdict not in FAILING:
            continue
        nodes = nodes_of_result(graph, result, index)
        if not nodes:
            unplaced.append(result)
        for node in nodes:
            by_node.setdefault(node, []).append(result)
    return by_node, unplaced


def _worst(results: Iterable[Result]) -> Severity:
    return min((r.severity for r in results), key=_SEVERITY_ORDER.index)


def _ids(results: Iterable[Result]) -> str:
    return ",".join(dict.fromkeys(r.rule for r in results))


def mark_violations(graph: nx.DiGraph, report: FileReport) -> nx.DiGraph:
    """A copy of `graph` with `violations` ("VMQ-IRQ-5,…") and `severity` (the worst) on the nodes the failing
    results name; failing results that name no node go into the graph attributes of the same names."""
    marked = graph.copy()
    by_node, unplaced = violations_by_node(graph, report.results)
    for node, results in by_node.items():
        marked.nodes[node]["violations"] = _ids(results)
        marked.nodes[node]["severity"] = _worst(results).value
    if unplaced:
        marked.graph["violations"] = _ids(unplaced)
        marked.graph["severity"] = _worst(unplaced).value
    marked.graph["status"] = report.status().value
    return marked


def checked_graph(config: Config, report: FileReport) -> nx.DiGraph:
    """The graph of a checked configuration with its violations marked."""
    return mark_violations(build_graph(config), report)


def counterexample_overrides(config: Config, result: Result) -> dict[str, int]:
    """The solver's choices for open fields in a result's counterexample, as integers by dotted path."""
    per_group = config.adapter.procs_per_group
    overrides: dict[str, int] = {}
    for value in result.counterexample:
        if value.given:
            continue
        if isinstance(value.value, bool):
            overrides[value.path] = int(value.value)
        elif isinstance(value.value, int):
            overrides[value.path] = value.value
        elif isinstance(value.value, str) and (m := re.fullmatch(r"(\d+):(\d+)", value.value)):
            overrides[value.path] = int(m.group(1)) * per_group + int(m.group(2))
    return overrides


def counterexample_graph(config: Config, result: Result) -> nx.DiGraph:
    """The graph of the completion a counterexample chose, with the result's nodes marked."""
    graph = build_graph(config, counterexample_overrides(config, result))
    return mark_violations(graph, FileReport(path=config.path, results=(result,)))


__all__ = ["checked_graph", "counterexample_graph", "mark_violations", "nodes_of_result",
           "violations_by_node"]
