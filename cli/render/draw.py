"""SVG and PNG of the graph, laid out by a real layout library: Graphviz `dot` when it is installed, else
matplotlib through networkx (`pip install "vmqproof[draw]"`)."""

from __future__ import annotations

import io
import shutil
import subprocess
from typing import Any

import networkx as nx

from vmqproof.cli.render.graph import (
    KIND_FILL, OTHER_FILL, SEVERITY_FILL, SEVERITY_STROKE, display_label, fill_of, to_dot,
)

ENGINES = ("auto", "dot", "matplotlib")
INSTALL_HINT = ('install Graphviz (the `dot` program) or matplotlib (pip install "vmqproof[draw]") '
                "to draw svg or png")
LAYERS = {"vport": 0, "queue": 1, "vector": 2, "cpu": 3, "numa": 4}
SHAPES = {"vport": "s", "queue": "o", "vector": "D", "cpu": "s", "numa": "h"}
ARROWS_UP_TO = 400          # edges drawn as arrows up to this many; plain lines beyond (fast)


class DrawUnavailable(Exception):
    """Neither Graphviz nor matplotlib is installed, or the engine asked for is not."""


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def choose_engine(engine: str = "auto") -> str:
    if engine == "dot" or (engine == "auto" and shutil.which("dot")):
        if not shutil.which("dot"):
            raise DrawUnavailable("vmqproof graph: the Graphviz `dot` program is not installed; install Graphviz "
                                  'or use --engine matplotlib (pip install "vmqproof[draw]")')
        return "dot"
    if _has_matplotlib():
        return "matplotlib"
    if engine == "matplotlib":
        raise DrawUnavailable('vmqproof graph: matplotlib is not installed; pip install "vmqproof[draw]"')
    raise DrawUnavailable(f"vmqproof graph: {INSTALL_HINT}")


def render_image(graph: nx.DiGraph, fmt: str, engine: str = "auto") -> bytes:
    """`fmt` is svg or png."""
    chosen = choose_engine(engine)
    if chosen == "dot":
        return _with_dot(graph, fmt)
    return _with_matplotlib(graph, fmt)


def _with_dot(graph: nx.DiGraph, fmt: str) -> bytes:
    dot = shutil.which("dot")
    assert dot is not None
    done = subprocess.run([dot, f"-T{fmt}"], input=to_dot(graph).encode("utf-8"), capture_output=True,
                          check=False, timeout=600)
    if done.returncode != 0:
        raise DrawUnavailable("vmqproof graph: dot failed: "
                              + (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[0])
    return done.stdout


def _with_matplotlib(graph: nx.DiGraph, fmt: str) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    # Layers left to right (VPorts, queues, vectors, processors, NUMA nodes), each in the graph's node order
    # (queues by VPort and id, vectors by id, processors by index), which keeps most edges parallel.
    subsets: dict[int, list[str]] = {}
    for node, data in graph.nodes(data=True):
        subsets.setdefault(LAYERS[data["kind"]], []).append(node)
    pos: dict[Any, Any] = {}
    if len(graph):
        layered = nx.DiGraph()         # the layer as a node attribute: multipartite_layout of every networkx 3.x
        layered.add_nodes_from((n, {"layer": LAYERS[d["kind"]]}) for n, d in graph.nodes(data=True))
        pos = nx.multipartite_layout(layered, subset_key="layer")
        for nodes in subsets.values():      # top to bottom in node order
            ys = sorted((pos[n][1] for n in nodes), reverse=True)
            for node, y in zip(nodes, ys):
                pos[node] = (pos[node][0], y)

    counts = [sum(1 for _, d in graph.nodes(data=True) if LAYERS[d["kind"]] == layer) for layer in range(5)]
    rows = max(counts + [1])
    columns = sum(1 for c in counts if c)
    height_cap = 320.0 if fmt == "svg" else 150.0
    height = min(max(4.0, 0.32 * rows + 1.5), height_cap)
    width = max(8.0, 3.2 * columns)
    per_row = 72.0 * (height - 1.5) / rows          # points per node along a layer
    font = max(2.0, min(8.0, per_row * 0.55))
    size = max(6.0, min(300.0, (per_row * 0.6) ** 2))

    figure = Figure(figsize=(width, height), dpi=100 if fmt == "png" else 72)
    top = 1.0 - 0.55 / height
    bottom = 0.45 / height
    axes = figure.add_axes((0.02, bottom, 0.96, top - bottom))
    axes.set_axis_off()
    many = graph.number_of_edges() > ARROWS_UP_TO
    groups: dict[str, list[tuple[str, str]]] = {"solid": [], "dashed": [], "dotted": []}
    for tail, head, data in graph.edges(data=True):
        style = ("dotted" if data["kind"] == "numa" else "dashed" if data["kind"] == "queue_pair"
                 or data.get("via") in ("processor", "assumed-entry-0") else "solid")
        groups[style].append((tail, head))
    for style, edges in groups.items():
        if edges:
            arrows = not many and style != "dotted"
            extra: dict[str, Any] = {"arrowsize": 8, "node_size": size} if arrows else {}
            nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=axes, style=style, width=0.6,
                                   edge_color="#777777", arrows=arrows, alpha=0.8, **extra)
    for kind in LAYERS:
        nodes = [n for n, d in graph.nodes(data=True) if d["kind"] == kind]
        if not nodes:
            continue
        data = [graph.nodes[n] for n in nodes]
        nx.draw_networkx_nodes(graph, pos, nodelist=nodes, ax=axes, node_shape=SHAPES[kind], node_size=size,
                               node_color=[fill_of(d) for d in data],
                               edgecolors=[SEVERITY_STROKE.get(str(d.get("severity")), "#555555") for d in data],
                               linewidths=[2.0 if "severity" in d else 0.6 for d in data])
    labels = {n: display_label(d).replace("\n", "  ") for n, d in graph.nodes(data=True)}
    offsets = {n: (x + 0.03, y) for n, (x, y) in pos.items()}
    nx.draw_networkx_labels(graph, offsets, labels=labels, ax=axes, font_size=font, horizontalalignment="left",
                            font_family="DejaVu Sans", clip_on=False)
    title = str(graph.graph.get("name", ""))
    if graph.graph.get("status"):
        title += f" — {graph.graph['status']}"
    if graph.graph.get("violations"):
        title += f"; not on the graph: {graph.graph['violations']}"
    figure.suptitle(title, fontsize=11, y=1 - 0.25 / height)
    xs = [x for x, _ in pos.values()] or [0.0]
    axes.set_xlim(min(xs) - 0.08, max(xs) + 0.3)
    handles = [Patch(facecolor=KIND_FILL[k], edgecolor="#555555", label=k) for k in LAYERS
               if any(d["kind"] == k for _, d in graph.nodes(data=True))]
    if any(d.get("vector_kind") in ("other", "unallocated") for _, d in graph.nodes(data=True)):
        handles.append(Patch(facecolor=OTHER_FILL, edgecolor="#555555", label="other / unallocated vector"))
    if any(d.get("rss") is False for _, d in graph.nodes(data=True)):
        handles.append(Patch(facecolor="#ffffff", edgecolor="#555555", label="cpu outside the RSS set"))
    handles += [Patch(facecolor=SEVERITY_FILL[s], edgecolor=SEVERITY_STROKE[s], linewidth=2, label=f"{s} violation")
                for s in ("error", "warning", "info") if any(d.get("severity") == s for _, d in graph.nodes(data=True))]
    handles.append(Line2D([], [], color="#777777", linestyle="dashed", label="queue pair / by processor"))
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=7, frameon=False)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    from matplotlib import rc_context
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "vmqproof"}):   # text as <text>: fast, searchable
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
