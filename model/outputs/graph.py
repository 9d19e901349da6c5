"""The queue → vector → CPU graph (networkx, z3-free) and the analyses users ask of it.

Nodes (attribute `kind`): `vport`, `queue` (VM queues, the default queue, VPort queue pairs), `vector` (MSI-X
messages: data, other, or a table entry a queue names that has no allocated message), `cpu` (`group:number`)
and `numa`. Edges (attribute `kind`): VPort → queue (`queue_pair`), queue → vector (`msix`, with `via` saying how
the link is known), vector → processor (`target`), processor → NUMA node (`numa`).

Node ids: `vport:<id>`, `queue:<id>` (the default queue of a VMQ configuration is `queue:0`),
`vport:<id>/qp:<k>`, `vector:<id>`, `cpu:<group>:<number>`, `numa:<node>`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from vmqproof.model.config.fields import Open, format_processor
from vmqproof.model.config.schema import Config, Record

KINDS = ("vport", "queue", "vector", "cpu", "numa")
EDGE_KINDS = ("queue_pair", "msix", "target", "numa")
MAX_QUEUE_PAIRS_DRAWN = 256       # per VPort; more are counted in `queue_pairs_not_drawn`


def vport_node(vport: int) -> str:
    return f"vport:{vport}"


def queue_node(queue: int) -> str:
    return f"queue:{queue}"


def queue_pair_node(vport: int, index: int) -> str:
    return f"vport:{vport}/qp:{index}"


def vector_node(vector: int) -> str:
    return f"vector:{vector}"


def cpu_node(label: str) -> str:
    return f"cpu:{label}"


def numa_node(node: int) -> str:
    return f"numa:{node}"


class _Values:
    """Concrete values of a record's fields, with overrides by dotted path (a counterexample's choices)."""

    def __init__(self, overrides: Mapping[str, int] | None) -> None:
        self.overrides = dict(overrides or {})

    def get(self, record: Record, name: str) -> int | None:
        path = f"{record.path}.{name}"
        if path in self.overrides:
            return int(self.overrides[path])
        value = record.values.get(name)
        if value is None or isinstance(value, Open) or isinstance(value, str):
            return None
        return int(value)


def build_graph(config: Config, overrides: Mapping[str, int] | None = None) -> nx.DiGraph:
    """The graph of a configuration. `overrides` fixes open fields by dotted path (`msix.vectors[2].cpu`), e.g. to
    draw a counterexample; fields still open are left unlinked and marked open."""
    values = _Values(overrides)
    per_group = config.adapter.procs_per_group
    graph = nx.DiGraph(name=config.adapter.name or config.path, path=config.path)

    def label(cpu: int) -> str:
        return format_processor(cpu, per_group)

    rpi = config.rss_processors
    rss: frozenset[int] | None = rpi.cpus if rpi is not None else None
    preferred = values.get(rpi.record, "preferred_numa_node") if rpi is not None else None
    cpus: dict[int, dict[str, object]] = {}

    def use_cpu(cpu: int) -> str:
        cpus.setdefault(cpu, {})
        return cpu_node(label(cpu))

    if rpi is not None:
        for index, processor in enumerate(rpi.processors):
            info = cpus.setdefault(processor.cpu, {})
            info.setdefault("path", f"rss_processors.processors[{index}]")
            if processor.numa_node is not None:
                info["numa_node"] = processor.numa_node
            if processor.preference_index is not None:
                info["preference_index"] = processor.preference_index

    vectors = {v.id: v for v in config.msix.vectors} if config.msix is not None else {}
    table_size = values.get(config.msix.record, "table_size") if config.msix is not None else None
    graph.graph["msix_table_size"] = table_size if table_size is not None else -1

    # VPorts and their queue pairs.
    pending_edges: list[tuple[str, str, dict[str, object]]] = []
    qp_targets: list[tuple[str, int]] = []
    default_vport = any(v.id == 0 for v in config.vports)
    for vport in config.vports:
        node = vport_node(vport.id)
        attached = vport.record.values["attached_function_id"]
        is_pf = vport.is_pf
        table = vport.indirection_table or ()
        spread = Counter(table)
        order = list(dict.fromkeys(table or vport.processor_affinity))
        pairs = values.get(vport.record, "num_queue_pairs")
        drawn = pairs if pairs is not None else max(1, len(order))
        attrs: dict[str, object] = {
            "kind": "vport", "label": f"VPort {vport.id}", "path": vport.record.path,
            "attached": "pf" if is_pf else f"vf:{attached}",
            "vmmq": bool(values.get(vport.record, "vmmq")),
            "num_queue_pairs": -1 if pairs is None else pairs,
            "table_entries": len(table), "table_processors": len(spread),
            "table": tuple(label(c) for c in table),
            "affinity": tuple(label(c) for c in vport.processor_affinity),
        }
        if drawn > MAX_QUEUE_PAIRS_DRAWN:
            attrs["queue_pairs_not_drawn"] = drawn - MAX_QUEUE_PAIRS_DRAWN
            drawn = MAX_QUEUE_PAIRS_DRAWN
        graph.add_node(node, **attrs)
        for cpu in set(table) | set(vport.processor_affinity):
            use_cpu(cpu)
        for k in range(drawn):
            qp = queue_pair_node(vport.id, k)
            qattrs: dict[str, object] = {"kind": "queue", "label": f"VPort {vport.id} qp {k}", "role": "queue-pair",
                                         "path": vport.record.path, "vport": vport.id,
                                         "default": vport.id == 0 and k == 0}
            if k < len(order):
                qattrs["cpu"] = label(order[k])
                if is_pf:
                    qp_targets.append((qp, order[k]))
            graph.add_node(qp, **qattrs)
            graph.add_edge(node, qp, kind="queue_pair")

    # VM queues, and the default queue of a VMQ configuration.
    claimed = {values.get(q.record, "msix_entry") for q in config.queues if q.has_msix_entry}
    if config.queues and not default_vport and not any(q.id == 0 for q in config.queues):
        graph.add_node(queue_node(0), kind="queue", label="default queue", role="default", default=True,
                       path="queues")
        if 0 not in claimed and 0 in vectors:
            pending_edges.append((queue_node(0), vector_node(0), {"kind": "msix", "via": "assumed-entry-0"}))
    for queue in sorted(config.queues, key=lambda q: q.id):
        node = queue_node(queue.id)
        cpu = values.get(queue.record, "cpu")
        entry = values.get(queue.record, "msix_entry") if queue.has_msix_entry else None
        qattrs = {"kind": "queue", "label": f"queue {queue.id}" if queue.id else "default queue",
                  "role": "vm" if queue.id else "default", "default": queue.id == 0, "path": queue.record.path,
                  "cpu": "?" if cpu is None else label(cpu)}
        if entry is not None:
            qattrs["msix_entry"] = entry
        elif queue.has_msix_entry:
            qattrs["open"] = "msix_entry"
        if cpu is not None:
            use_cpu(cpu)
        graph.add_node(node, **qattrs)
        if entry is not None:
            pending_edges.append((node, vector_node(entry), {"kind": "msix", "via": "msix_entry"}))

    # Vectors: the allocated messages, then table entries that queues name but that have no message.
    for vector_id in sorted(vectors):
        vector = vectors[vector_id]
        target = values.get(vector.record, "cpu") if vector.has_cpu else None
        vattrs: dict[str, object] = {"kind": "vector", "label": f"vector {vector_id}", "vector_kind": vector.kind,
                                     "path": vector.record.path}
        if vector.has_cpu:
            vattrs["target"] = "?" if target is None else label(target)
        graph.add_node(vector_node(vector_id), **vattrs)
        if target is not None:
            pending_edges.append((vector_node(vector_id), use_cpu(target), {"kind": "target"}))
    for _, head, data in list(pending_edges):
        if data["kind"] == "msix" and head not in graph:
            vid = int(head.split(":")[1])
            graph.add_node(head, kind="vector", label=f"entry {vid}", vector_kind="unallocated",
                           path="msix.vectors", beyond_table=table_size is not None and vid >= table_size)

    # VPort queue pairs interrupt on their processor: link each to the lowest data vector aimed there.
    by_target: dict[int, int] = {}
    for vector_id in sorted(vectors):
        vector = vectors[vector_id]
        target = values.get(vector.record, "cpu") if vector.kind == "data" and vector.has_cpu else None
        if target is not None:
            by_target.setdefault(target, vector_id)
    for qp, cpu in qp_targets:
        if cpu in by_target:
            pending_edges.append((qp, vector_node(by_target[cpu]), {"kind": "msix", "via": "processor"}))

    # Processors (sorted by index) and NUMA nodes.
    for cpu in sorted(cpus):
        info = cpus[cpu]
        text = label(cpu)
        cattrs: dict[str, object] = {"kind": "cpu", "label": text, "group": cpu // per_group,
                                     "number": cpu % per_group, "index": cpu}
        if rss is not None:
            cattrs["rss"] = cpu in rss
        if config.host is not None and config.host.smt:     # siblings are 2k and 2k+1 of a group
            cattrs["smt_sibling"] = label(cpu ^ 1)
        cattrs.update(info)
        numa = info.get("numa_node")
        if isinstance(numa, int) and preferred is not None:
            cattrs["remote"] = numa != preferred
        graph.add_node(cpu_node(text), **cattrs)
    numa_nodes = sorted({int(n) for info in cpus.values() if isinstance(n := info.get("numa_node"), int)})
    for numa in numa_nodes:
        graph.add_node(numa_node(numa), kind="numa", label=f"NUMA {numa}", preferred=numa == preferred)
    for cpu in sorted(cpus):
        numa = cpus[cpu].get("numa_node")
        if isinstance(numa, int):
            pending_edges.append((cpu_node(label(cpu)), numa_node(numa), {"kind": "numa"}))

    for tail, head, data in pending_edges:
        graph.add_edge(tail, head, **data)
    return graph


# -- analyses ------------------------------------------------------------------------------------------

def nodes_of(graph: nx.DiGraph, kind: str) -> list[str]:
    return [n for n, k in graph.nodes(data="kind") if k == kind]


def _data_vectors(graph: nx.DiGraph) -> list[str]:
    return [n for n in nodes_of(graph, "vector") if graph.nodes[n].get("vector_kind") == "data"]


def target_of(graph: nx.DiGraph, vector: str) -> str | None:
    return next((h for h in graph.successors(vector) if graph.edges[vector, h]["kind"] == "target"), None)


def vector_fan_in(graph: nx.DiGraph) -> dict[str, tuple[str, ...]]:
    """Per processor, the data vectors that target it (every processor node, in node order)."""
    fan_in: dict[str, list[str]] = {n: [] for n in nodes_of(graph, "cpu")}
    for vector in _data_vectors(graph):
        target = target_of(graph, vector)
        if target is not None:
            fan_in[target].append(vector)
    return {cpu: tuple(vs) for cpu, vs in fan_in.items()}


def overloaded_processors(graph: nx.DiGraph, exactly_one: bool = False) -> dict[str, tuple[str, ...]]:
    """RSS processors whose data-vector fan-in breaks "one vector per RSS processor" (more than one; with
    `exactly_one`, other than one) — the graph side of VMQ-IRQ-5."""
    return {cpu: vs for cpu, vs in vector_fan_in(graph).items()
            if graph.nodes[cpu].get("rss") is True and (len(vs) != 1 if exactly_one else len(vs) > 1)}


def queues_sharing_vector(graph: nx.DiGraph, via: tuple[str, ...] = ("msix_entry", "assumed-entry-0")) \
        -> dict[str, tuple[str, ...]]:
    """Vectors (table entries) that serve more than one queue through the links in `via` (by default, the
    queues' MSI-X table entries — the graph side of VMQ-Q-4; add "processor" to include VPort queue pairs)."""
    shared: dict[str, tuple[str, ...]] = {}
    for vector in nodes_of(graph, "vector"):
        queues = tuple(t for t in graph.predecessors(vector)
                       if graph.edges[t, vector]["kind"] == "msix" and graph.edges[t, vector]["via"] in via)
        if len(queues) > 1:
            shared[vector] = queues
    return shared


def queues_outside_table(graph: nx.DiGraph) -> list[str]:
    """Queues whose MSI-X table entry is not below the table size (the other half of VMQ-Q-4)."""
    size = int(graph.graph.get("msix_table_size", -1))
    if size < 0:
        return []
    return [q for q in nodes_of(graph, "queue") if int(graph.nodes[q].get("msix_entry", -1)) >= size]


def vectors_without_processor(graph: nx.DiGraph) -> list[str]:
    """Data vectors whose target is open, and table entries that queues name but that have no message."""
    return [v for v in nodes_of(graph, "vector")
            if (graph.nodes[v]["vector_kind"] == "data" and target_of(graph, v) is None)
            or graph.nodes[v]["vector_kind"] == "unallocated"]


def vectors_outside_rss(graph: nx.DiGraph) -> dict[str, str]:
    """Data vectors aimed at a processor outside the RSS set → that processor (the graph side of VMQ-IRQ-4)."""
    found: dict[str, str] = {}
    for vector in _data_vectors(graph):
        target = target_of(graph, vector)
        if target is not None and graph.nodes[target].get("rss") is False:
            found[vector] = target
    return found


def processors_outside_rss(graph: nx.DiGraph) -> list[str]:
    """Processors in use (by a vector, queue or VPort) that NDIS did not return as RSS processors."""
    return [c for c in nodes_of(graph, "cpu") if graph.nodes[c].get("rss") is False]


def remote_processors(graph: nx.DiGraph) -> list[str]:
    """Processors on a NUMA node other than the preferred one of the RSS processor information."""
    return [c for c in nodes_of(graph, "cpu") if graph.nodes[c].get("remote") is True]


@dataclass(frozen=True, slots=True)
class Spread:
    """How a VPort's indirection table spreads over processors."""

    vport: str
    entries: int
    processors: tuple[tuple[str, int], ...]      # processor label → entries, in order of first appearance
    queue_pairs: int                              # -1 when open
    outside_affinity: tuple[str, ...]             # table processors not in the VPort's processor affinity

    @property
    def balanced(self) -> bool:
        """Every processor of the table has the same number of entries."""
        return len({n for _, n in self.processors}) <= 1


def indirection_spread(graph: nx.DiGraph) -> dict[str, Spread]:
    """Per VPort with an indirection table: entries per processor."""
    spreads: dict[str, Spread] = {}
    for vport in nodes_of(graph, "vport"):
        table = graph.nodes[vport]["table"]
        if not table:
            continue
        counts = Counter(table)
        affinity = set(graph.nodes[vport]["affinity"])
        spreads[vport] = Spread(vport, len(table), tuple((c, counts[c]) for c in dict.fromkeys(table)),
                                int(graph.nodes[vport]["num_queue_pairs"]),
                                tuple(c for c in dict.fromkeys(table) if c not in affinity))
    return spreads


def scalar_attributes(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose attributes are GraphML scalars: tuples joined with commas, None dropped."""
    def convert(data: Mapping[str, object]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in data.items():
            if value is None:
                continue
            out[key] = ",".join(str(v) for v in value) if isinstance(value, (tuple, list)) else value
        return out

    copy = nx.DiGraph(**convert(graph.graph))
    copy.add_nodes_from((n, convert(d)) for n, d in graph.nodes(data=True))
    copy.add_edges_from((t, h, convert(d)) for t, h, d in graph.edges(data=True))
    return copy
