"""`vmqproof graph FILE`: the queue → vector → CPU graph, violations marked.

Formats: `tree` (rich, the default), `dot`, `graphml`, `mermaid`, `svg`, `png` (`-o FILE`). The text formats are
written here; SVG and PNG are laid out by Graphviz or matplotlib (cli/draw.py).
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import networkx as nx
from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from vmqproof.cli import draw
from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_LEGAL, seconds
from vmqproof.model.errors import ConfigError, UsageError
from vmqproof.model.graph import (indirection_spread, nodes_of, overloaded_processors, processors_outside_rss,
                                  queues_outside_table, queues_sharing_vector, remote_processors, scalar_attributes, target_of,
                                  vectors_outside_rss, vectors_without_processor)
from vmqproof.model.loader import load_config
from vmqproof.properties.check import DEFAULT_TIMEOUT, check_config
from vmqproof.properties.graphing import checked_graph
from vmqproof.properties.results import FileReport

NAME = "graph"
GRAPH_FORMATS = ("tree", "dot", "graphml", "mermaid", "svg", "png")
SUFFIXES = {".txt": "tree", ".dot": "dot", ".gv": "dot", ".graphml": "graphml", ".mmd": "mermaid",
            ".mermaid": "mermaid", ".svg": "svg", ".png": "png"}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "blue"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("graph", help="draw the queue → vector → CPU graph, violations marked")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--format", choices=GRAPH_FORMATS, default=None,
                        help="tree (default; from the suffix of -o when given), dot, graphml, mermaid, svg, png")
    parser.add_argument("-o", "--output", metavar="OUT", default=None, help="write to OUT instead of stdout")
    parser.add_argument("--engine", choices=draw.ENGINES, default="auto",
                        help="layout for svg/png: Graphviz dot when installed, else matplotlib (auto)")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="solver budget for finding the violations to mark")
    parser.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def format_for(output: str | None, given: str | None) -> str:
    """The explicit format, else the one of the output file's suffix, else tree."""
    if given is not None:
        return given
    if output is not None:
        suffix = Path(output).suffix.lower()
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
        raise UsageError(f"vmqproof graph: cannot tell the format of {output!r} from its suffix; "
                         f"give --format ({', '.join(GRAPH_FORMATS)})")
    return "tree"


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    graph_format = format_for(args.output, args.format if args.format in GRAPH_FORMATS else None)
    config = load_config(args.file)
    report = check_config(config, timeout=args.timeout)
    graph = checked_graph(config, report)
    try:
        write_graph(graph, report, graph_format, args.output, out, engine=args.engine, width=args.width)
    except draw.DrawUnavailable as exc:
        print(str(exc), file=err)
        return EXIT_BAD_INPUT
    return EXIT_LEGAL


def write_graph(graph: nx.DiGraph, report: FileReport, graph_format: str, output: str | None, out: TextIO,
                *, engine: str = "auto", width: int | None = None) -> None:
    """Render `graph` as `graph_format` to `output` (a path) or to `out`."""
    if graph_format in ("svg", "png"):
        if output is None and graph_format == "png":
            raise UsageError("vmqproof graph: png output needs -o FILE")
        data = draw.render_image(graph, graph_format, engine)
        if output is None:
            out.write(data.decode("utf-8"))
        else:
            _write(output, data)
        return
    if graph_format == "tree":
        buffer = io.StringIO()
        if output is None:      # the terminal: colour unless a fixed width is asked for (tests)
            console = Console(file=out, width=width, highlight=False, soft_wrap=False,
                              force_terminal=None if width is None else False, no_color=width is not None)
        else:                   # a file: plain text at a fixed width
            console = Console(file=buffer, width=width or 100, highlight=False, soft_wrap=False,
                              force_terminal=False, no_color=True)
        console.print(tree(graph, report))
        text = buffer.getvalue()
    elif graph_format == "dot":
        text = to_dot(graph)
    elif graph_format == "graphml":
        text = to_graphml(graph)
    elif graph_format == "mermaid":
        text = to_mermaid(graph)
    else:
        raise UsageError(f"vmqproof graph: unknown format {graph_format!r}")
    if output is None:
        out.write(text)
    else:
        _write(output, text.encode("utf-8"))


def _write(output: str, data: bytes) -> None:
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror or exc}", file=output) from None


def write_for_check(path: str, report: FileReport, output: str, err: TextIO) -> bool:
    """`check --graph OUT`: the graph of the checked file, format from OUT's suffix; False if it was not drawn."""
    if report.error is not None:
        return False
    try:
        write_graph(checked_graph(load_config(path), report), report, format_for(output, None), output,
                    io.StringIO())
    except draw.DrawUnavailable as exc:
        print(str(exc), file=err)
        return False
    return True


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
