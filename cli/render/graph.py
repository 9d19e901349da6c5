"""The graph formats: a rich tree, Graphviz dot, GraphML and Mermaid text, and the colours and labels the
image renderer (draw.py) shares."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
from rich.text import Text
from rich.tree import Tree

from vmqproof.model.outputs.graph import (
    indirection_spread, nodes_of, overloaded_processors, processors_outside_rss, queues_outside_table,
    queues_sharing_vector, remote_processors, scalar_attributes, target_of, vectors_outside_rss,
    vectors_without_processor,
)
from vmqproof.properties.results import FileReport

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "blue"}


# -- tree ----------------------------------------------------------------------------------------------

def _mark(data: Mapping[str, object]) -> Text:
    if "violations" not in data:
        return Text("")
    return Text(f"  ✗ {data['violations']}", style=SEVERITY_STYLE.get(str(data.get("severity")), "red"))


def _line(*parts: str | Text) -> Text:
    text = Text()
    for part in parts:
        text.append(part) if isinstance(part, Text) else text.append(part)
    return text


def _chain(graph: nx.DiGraph, queue: str) -> Text:
    """`queue 1 (cpu 0:1) → vector 1 → 0:1`, with the marks of every node on the way."""
    data = graph.nodes[queue]
    head = data["label"] if data.get("role") != "queue-pair" else f"qp {queue.rsplit(':', 1)[1]}"
    if data.get("default") and data.get("role") == "queue-pair":
        head += ", default queue"
    if "cpu" in data:
        head += f" (cpu {data['cpu']})"
    text = _line(head, _mark(data))
    vectors = [h for h in graph.successors(queue) if graph.edges[queue, h]["kind"] == "msix"]
    if not vectors:
        text.append(" → no vector" if data.get("role") != "queue-pair" or graph.nodes[
            f"vport:{data['vport']}"]["attached"] == "pf" else " → VF vectors")
    for vector in vectors:
        vdata = graph.nodes[vector]
        via = graph.edges[queue, vector]["via"]
        note = {"assumed-entry-0": " (entry 0, assumed)", "processor": " (by processor)"}.get(via, "")
        text.append(f" → {vdata['label']}{note}")
        if vdata["vector_kind"] != "data":
            text.append(f" ({vdata['vector_kind']})")
        text.append(_mark(vdata))
        target = target_of(graph, vector)
        if target is not None:
            text.append(f" → {graph.nodes[target]['label']}")
            text.append(_mark(graph.nodes[target]))
    return text


def _cpu_line(graph: nx.DiGraph, cpu: str) -> Text:
    data = graph.nodes[cpu]
    facts = []
    if data.get("rss") is True:
        facts.append("RSS")
    elif data.get("rss") is False:
        facts.append("outside the RSS set")
    if "numa_node" in data:
        facts.append(f"NUMA {data['numa_node']}" + (" (remote)" if data.get("remote") else ""))
    if "preference_index" in data:
        facts.append(f"preference {data['preference_index']}")
    vectors = [graph.nodes[t]["label"].split(" ")[1] for t in graph.predecessors(cpu)
               if graph.edges[t, cpu]["kind"] == "target"]
    facts.append("vectors: " + (", ".join(vectors) if vectors else "none"))
    return _line(f"{data['label']}  " + " · ".join(facts), _mark(data))


def findings(graph: nx.DiGraph) -> list[str]:
    """The analyses, one line each (empty when there is nothing to say)."""
    lines: list[str] = []
    label = lambda n: str(graph.nodes[n]["label"])  # noqa: E731
    for cpu, vectors in overloaded_processors(graph).items():
        lines.append(f"{label(cpu)}: {len(vectors)} data vectors ({', '.join(label(v) for v in vectors)}) "
                     "target one RSS processor")
    for vector, queues in queues_sharing_vector(graph).items():
        lines.append(f"{label(vector)} serves {len(queues)} queues ({', '.join(label(q) for q in queues)})")
    for queue in queues_outside_table(graph):
        lines.append(f"{label(queue)}: MSI-X table entry {graph.nodes[queue]['msix_entry']} is outside the table "
                     f"of {graph.graph['msix_table_size']} entries")
    for vector in vectors_without_processor(graph):
        kind = graph.nodes[vector]["vector_kind"]
        lines.append(f"{label(vector)} has no processor" + (" (no message allocated for this table entry)"
                                                             if kind == "unallocated" else " (open target)"))
    for vector, cpu in vectors_outside_rss(graph).items():
        lines.append(f"{label(vector)} targets {label(cpu)}, outside the RSS set")
    outside = processors_outside_rss(graph)
    if outside:
        lines.append("processors outside the RSS set: " + ", ".join(label(c) for c in outside))
    remote = remote_processors(graph)
    if remote:
        lines.append("processors on a remote NUMA node: " + ", ".join(label(c) for c in remote))
    for vport, spread in indirection_spread(graph).items():
        if not spread.balanced:
            lines.append(f"{label(vport)}: indirection table unbalanced ("
                         + ", ".join(f"{c}×{n}" for c, n in spread.processors) + ")")
        if spread.outside_affinity:
            lines.append(f"{label(vport)}: table processors outside its affinity: "
                         + ", ".join(spread.outside_affinity))
    return lines


def tree(graph: nx.DiGraph, report: FileReport) -> Tree:
    queues, vectors, cpus = (nodes_of(graph, k) for k in ("queue", "vector", "cpu"))
    status = str(graph.graph.get("status", report.status().value))
    root = Tree(Text(f"{graph.graph.get('path', report.path)} — {len(queues)} queues, {len(vectors)} vectors, "
                     f"{len(cpus)} processors; {status}",
                     style="bold red" if status == "illegal" else "bold green" if status == "legal" else "bold"))
    for vport in nodes_of(graph, "vport"):
        data = graph.nodes[vport]
        pairs = data["num_queue_pairs"]
        facts = [str(data["attached"])] + (["VMMQ"] if data["vmmq"] else []) + \
            [f"{pairs if pairs >= 0 else '?'} queue pairs"]
        if data["table_entries"]:
            facts.append(f"table {data['table_entries']} entries over {data['table_processors']} processors")
        branch = root.add(_line(f"{data['label']} ({', '.join(facts)})", _mark(data)))
        for qp in graph.successors(vport):
            branch.add(_chain(graph, qp))
        if "queue_pairs_not_drawn" in data:
            branch.add(f"… {data['queue_pairs_not_drawn']} more queue pairs not drawn")
    vm_queues = [q for q in queues if graph.nodes[q].get("role") != "queue-pair"]
    if vm_queues:
        branch = root.add("VM queues")
        for queue in vm_queues:
            branch.add(_chain(graph, queue))
    idle = [v for v in vectors if not any(graph.edges[t, v]["kind"] == "msix" for t in graph.predecessors(v))]
    if idle:
        branch = root.add("vectors serving no queue")
        for vector in idle:
            data = graph.nodes[vector]
            target = target_of(graph, vector)
            text = _line(f"{data['label']} ({data['vector_kind']})", _mark(data))
            if target is not None:
                text.append(f" → {graph.nodes[target]['label']}")
                text.append(_mark(graph.nodes[target]))
            elif data.get("target") == "?":
                text.append(" → ? (open)")
            branch.add(text)
    if cpus:
        branch = root.add("processors")
        for cpu in cpus:
            branch.add(_cpu_line(graph, cpu))
    found = findings(graph)
    if found:
        branch = root.add("findings")
        for line in found:
            branch.add(line)
    if "violations" in graph.graph:
        root.add(_line("violations not tied to a queue, vector or processor:",
                       _mark({"violations": graph.graph["violations"], "severity": graph.graph["severity"]})))
    return root


# -- dot, graphml, mermaid -----------------------------------------------------------------------------

KIND_FILL = {"vport": "#e4d7f5", "queue": "#d6e6f7", "vector": "#d7f0d2", "cpu": "#fbf0c9", "numa": "#e6e6e6"}
OTHER_FILL = "#eeeeee"
SEVERITY_FILL = {"error": "#f4a6a6", "warning": "#fdd49e", "info": "#c6dbef"}
SEVERITY_STROKE = {"error": "#c0392b", "warning": "#e67e22", "info": "#2c7fb8"}
SHAPES = {"vport": "folder", "queue": "box", "vector": "ellipse", "cpu": "box3d", "numa": "tab"}


def fill_of(data: Mapping[str, object]) -> str:
    if "severity" in data:
        return SEVERITY_FILL[str(data["severity"])]
    if data.get("kind") == "vector" and data.get("vector_kind") != "data":
        return OTHER_FILL
    if data.get("kind") == "cpu" and data.get("rss") is False:
        return "#ffffff"
    return KIND_FILL[str(data["kind"])]


def _dot_quote(value: object) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def display_label(data: Mapping[str, object]) -> str:
    text = str(data["label"])
    if data.get("kind") == "cpu" and "numa_node" in data:
        text += f" (NUMA {data['numa_node']})"
    if "violations" in data:
        text += f"\n✗ {data['violations']}"
    return text


def to_dot(graph: nx.DiGraph) -> str:
    plain = scalar_attributes(graph)
    title = str(plain.graph.get("name", ""))
    if "violations" in plain.graph:
        title += f"\n✗ {plain.graph['violations']}"
    lines = ["digraph vmqproof {",
             f"  graph [rankdir=LR, ranksep=1.2, fontname=Helvetica, labelloc=t, label={_dot_quote(title)}"
             + "".join(f", {k}={_dot_quote(v)}" for k, v in plain.graph.items() if k in ("violations", "status"))
             + "];",
             "  node [fontname=Helvetica, fontsize=10, style=filled];",
             "  edge [arrowsize=0.6];"]
    for node, data in plain.nodes(data=True):
        attrs = {k: v for k, v in data.items() if k != "label"}
        draw_attrs = {"label": display_label(data), "shape": SHAPES[str(data["kind"])], "fillcolor": fill_of(data)}
        if "severity" in data:
            draw_attrs.update(color=SEVERITY_STROKE[str(data["severity"])], penwidth="2")
        if data.get("kind") == "cpu" and data.get("rss") is False:
            draw_attrs["style"] = "filled,dashed"
        rendered = ", ".join(f"{k}={_dot_quote(v)}" for k, v in {**draw_attrs, **attrs}.items())
        lines.append(f"  {_dot_quote(node)} [{rendered}];")
    for tail, head, data in plain.edges(data=True):
        style = {"queue_pair": ", style=dashed", "numa": ", style=dotted, arrowhead=none"}.get(str(data["kind"]), "")
        if data.get("via") in ("processor", "assumed-entry-0"):
            style = ", style=dashed"
        rendered = ", ".join(f"{k}={_dot_quote(v)}" for k, v in data.items())
        lines.append(f"  {_dot_quote(tail)} -> {_dot_quote(head)} [{rendered}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graphml(graph: nx.DiGraph) -> str:
    return "\n".join(nx.generate_graphml(scalar_attributes(graph), prettyprint=True)) + "\n"


def _mermaid_id(node: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in node)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def to_mermaid(graph: nx.DiGraph) -> str:
    lines = ["flowchart LR"]
    shapes = {"vport": ('[/"', '"/]'), "queue": ('["', '"]'), "vector": ('(["', '"])'), "cpu": ('[["', '"]]'),
              "numa": ('[("', '")]')}
    for node, data in graph.nodes(data=True):
        left, right = shapes[str(data["kind"])]
        lines.append(f"  {_mermaid_id(node)}{left}{_mermaid_text(display_label(data))}{right}")
    for tail, head, data in graph.edges(data=True):
        arrow = "---" if data["kind"] == "numa" else "-.->" if data["kind"] == "queue_pair" or data.get("via") in (
            "processor", "assumed-entry-0") else "-->"
        lines.append(f"  {_mermaid_id(tail)} {arrow} {_mermaid_id(head)}")
    for kind in ("vport", "queue", "vector", "cpu", "numa"):
        lines.append(f"  classDef {kind} fill:{KIND_FILL[kind]},stroke:#555")
    lines.append(f"  classDef other fill:{OTHER_FILL},stroke:#555")
    lines.append("  classDef outside fill:#ffffff,stroke:#555,stroke-dasharray:4 2")
    for severity in ("error", "warning", "info"):
        lines.append(f"  classDef {severity} fill:{SEVERITY_FILL[severity]},stroke:{SEVERITY_STROKE[severity]},"
                     "stroke-width:2px")
    classes: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        if "severity" in data:
            name = str(data["severity"])
        elif data["kind"] == "vector" and data.get("vector_kind") != "data":
            name = "other"
        elif data["kind"] == "cpu" and data.get("rss") is False:
            name = "outside"
        else:
            name = str(data["kind"])
        classes.setdefault(name, []).append(_mermaid_id(node))
    for name, members in classes.items():
        lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"
