"""`synth`: a complete legal configuration, minimal for an objective, from hardware and host limits.

The synthesis model is a small set of integer facts over the quantities a setup is built from — the MSI-X table
size, the RSS processors chosen (one Boolean per processor of the host), the vectors for other events — each fact
tagged with the catalog rule (or the command-line limit) it comes from; VMQ-IRQ-8 enters through the rule's own
encoding (`msix_minimum`). The objective is minimised and proved (a model at V, `unsat` at ≤ V − 1); the setup is
then written out in full and `check`ed with every registered rule (`--strict`: warnings count too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


from vmqproof.model.config import constants as C
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.schema import MSIX_READINGS
from vmqproof.model.outputs.toml_writer import dumps_toml
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.model.smt.logic import And, Context, Formula, IntTerm, Or, Sum, int_var, lift
from vmqproof.model.smt.minimize import Minimizer
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.results import FileReport, Status
from vmqproof.properties.rules.vmq_irq import msix_minimum

OBJECTIVES = ("min-vectors", "min-processors", "numa-local")
QUANTITY = {"min-vectors": "msix.table_size", "min-processors": "rss_processors.count",
            "numa-local": "rss_processors.remote"}
TABLE, COUNT, REMOTE, OTHER = "msix.table_size", "rss_processors.count", "rss_processors.remote", "msix.other"
MAX_QUEUES = 4096
MAX_VPORTS = 4096


@dataclass(frozen=True, slots=True)
class SynthRequest:
    processors: tuple[int, ...]
    queues: int | None = None                  # VMQ: VM queues (excluding the default queue)
    vports: int | None = None                  # VMMQ: VPorts including the default VPort
    queue_pairs: int | None = None             # VMMQ: queue pairs per VPort
    smt: bool = False                          # processors 2k and 2k+1 of a group are siblings
    numa: Mapping[int, tuple[int, ...]] | None = None
    numa_node: int | None = None               # the NIC's node (default: the lowest node of `numa`)
    ndis: str = "6.60"
    objective: str = "min-vectors"
    avoid: tuple[int, ...] = ()
    reading: str = "R2a"
    arch: str = "amd64"

    @property
    def vmmq(self) -> bool:
        return self.vports is not None


@dataclass(frozen=True, slots=True)
class Clash:
    """One fact of the synthesis model that takes part in an infeasibility (or a rule the output fails)."""

    source: str       # catalog id, or the option that imposed it
    message: str


@dataclass(frozen=True, slots=True)
class ObjectiveProof:
    """`quantity` = `value` is attained (`witness`: the solver's model at it) and ≤ value − 1 is `below`."""

    objective: str
    quantity: str
    value: int
    witness: tuple[tuple[str, int], ...]
    below: str
    checks: int


@dataclass(frozen=True, slots=True)
class SynthResult:
    request: SynthRequest
    document: Mapping[str, Any] | None = None
    text: str = ""
    proof: ObjectiveProof | None = None
    secondary: tuple[ObjectiveProof, ...] = ()
    clashes: tuple[Clash, ...] = ()
    report: FileReport | None = None
    facts: tuple[Clash, ...] = field(default_factory=tuple)

    @property
    def legal(self) -> bool:
        return (self.document is not None and self.report is not None
                and self.report.status(strict=True) is Status.LEGAL and not self.clashes)


# -- the synthesis model -------------------------------------------------------------------------------

@dataclass(slots=True)
class _Model:
    ctx: Context
    use: dict[int, IntTerm]                      # 1 when the processor is an RSS processor
    table: IntTerm
    count: IntTerm
    remote: IntTerm
    other: IntTerm
    facts: dict[str, tuple[str, str, Formula]]     # key → (source, message, formula)
    demand: int
    local: frozenset[int]

    def quantity(self, objective: str) -> IntTerm:
        return {"min-vectors": self.table, "min-processors": self.count, "numa-local": self.remote}[objective]


def _show(cpu: int, per_group: int) -> str:
    return f"{cpu // per_group}:{cpu % per_group}"


def validate(request: SynthRequest) -> None:
    if request.objective not in OBJECTIVES:
        raise ConfigError(f"unknown objective {request.objective!r}", file="--objective",
                          expected=" | ".join(OBJECTIVES))
    if request.reading not in MSIX_READINGS:
        raise ConfigError(f"unknown reading {request.reading!r}", file="--reading",
                          expected=" | ".join(MSIX_READINGS))
    if request.ndis not in C.NDIS_VERSIONS:
        raise ConfigError("unknown NDIS version", file="--ndis", expected='a version such as "6.60"',
                          given=repr(request.ndis))
    if (request.queues is None) == (request.vports is None):
        raise ConfigError("give either --queues N (VMQ) or --vports K --queue-pairs Q (VMMQ)", file="synth")
    if request.queues is not None and not 1 <= request.queues <= MAX_QUEUES:
        raise ConfigError("out of range", file="--queues", expected=f"an integer in [1, {MAX_QUEUES}]",
                          given=str(request.queues))
    if request.vports is not None:
        if not 1 <= request.vports <= MAX_VPORTS:
            raise ConfigError("out of range", file="--vports", expected=f"an integer in [1, {MAX_VPORTS}]",
                              given=str(request.vports))
        if request.queue_pairs is None or not 1 <= request.queue_pairs <= 2048:
            raise ConfigError("--vports needs --queue-pairs in [1, 2048]", file="--queue-pairs",
                              given=str(request.queue_pairs))
    elif request.queue_pairs is not None:
        raise ConfigError("--queue-pairs goes with --vports", file="--queue-pairs")
    if not request.processors:
        raise ConfigError("no processors", file="--processors", expected="at least one processor")
    if request.numa is not None:
        per_group = C.procs_per_group(request.arch)
        owner = {cpu for cpus in request.numa.values() for cpu in cpus}
        missing = [cpu for cpu in request.processors if cpu not in owner]
        if missing:
            raise ConfigError("processor in no NUMA node", file="--numa", expected="every --processors entry in a node",
                              given=_show(missing[0], per_group))
        if request.numa_node is not None and request.numa_node not in request.numa:
            raise ConfigError("unknown NUMA node", file="--numa-node", expected=f"one of {sorted(request.numa)}",
                              given=str(request.numa_node))
    elif request.numa_node is not None:
        raise ConfigError("--numa-node needs --numa", file="--numa-node")


def _nic_node(request: SynthRequest) -> int | None:
    if request.numa is None:
        return None
    return request.numa_node if request.numa_node is not None else min(request.numa)


def _build_model(request: SynthRequest) -> _Model:
    ctx = Context()
    per_group = C.procs_per_group(request.arch)
    use = {cpu: int_var(f"use[{_show(cpu, per_group)}]", ctx) for cpu in request.processors}
    node = _nic_node(request)
    local = frozenset(request.processors if node is None or request.numa is None else
                      set(request.numa[node]) & set(request.processors))

    def count(cpus: list[int]) -> IntTerm:
        return Sum([use[c] for c in cpus])

    table, rss, remote, other = (int_var(name, ctx) for name in (TABLE, COUNT, REMOTE, OTHER))
    facts: dict[str, tuple[str, str, Formula]] = {}

    def fact(key: str, source: str, message: str, formula: Formula | bool) -> None:
        facts[key] = (source, message, lift(formula, ctx))  # type: ignore[assignment]

    fact("choice", "model", "a processor is chosen (1) or not (0)",
         And([And(u >= 0, u <= 1) for u in use.values()]))
    fact("count", "model", "the RSS processor count is the number of processors chosen",
         rss == count(list(request.processors)))
    fact("remote", "model", "remote processors are those chosen outside the NIC's NUMA node",
         remote == count([c for c in request.processors if c not in local]))
    ndis = C.ndis_tuple(request.ndis)
    if request.vmmq:
        vports, pairs = int(request.vports or 0), int(request.queue_pairs or 0)
        qcount = vports                                   # NumQueues = non-default VPorts, + 1 (A1 default)
        demand = vports * pairs
        fact("VMMQ-CAP-5", "VMMQ-CAP-5", f"VMMQ needs NDIS 6.60 or later (--ndis {request.ndis})", ndis >= (6, 60))
        fact("VMMQ-CAP-1", "VMMQ-CAP-1", f"VMMQ runs on the default VPort and at least one non-default VPort "
             f"(--vports {vports})", vports >= 2)
        fact("D-11", "D-11", f"every queue pair has its own MSI-X table entry: table size ≥ {vports} × {pairs}",
             table >= demand)
        groups: dict[int, list[int]] = {}
        for cpu in request.processors:
            groups.setdefault(cpu // per_group, []).append(cpu)
        fact("spread", "VMMQ-VP-3",
             f"a VPort spreads its {pairs} queue pairs over {pairs} distinct RSS processors of one group "
             "(its ProcessorAffinity is a GROUP_AFFINITY)",
             Or([count(cpus) >= pairs for cpus in groups.values()]))
    else:
        queues = int(request.queues or 0)
        qcount = queues + 1
        demand = queues + 1
        fact("VMQ", "VMQ-Q-8", f"VM queues need NDIS 6.20 or later (--ndis {request.ndis})", ndis >= (6, 20))
        fact("D-11", "D-11", f"every VM queue and the default queue have their own MSI-X table entry: "
             f"table size ≥ {queues} + 1", table >= queues + 1)
    fact("VMQ-IRQ-8", "VMQ-IRQ-8", f"the MSI-X table supports at least f({qcount}) vectors "
         f"(reading {request.reading}, Q = NumQueues + 1)", table >= msix_minimum(lift(qcount, ctx),
                                                                                 request.reading))
    fact("D-3", "D-3", f"the MSI-X table has at most {C.PCIE_MSIX_TABLE_MAX} entries (PCIe)",
         And(table >= 1, table <= C.PCIE_MSIX_TABLE_MAX))
    fact("VMQ-IRQ-6", "VMQ-IRQ-6", "at most two vectors for other events", And(other >= 0, other <= 2))
    fact("allocation", "VMQ-IRQ-5", "one data vector per RSS processor plus the other vectors fit in the MSI-X "
         "table", rss + other <= table)
    fact("VMQ-IRQ-4", "VMQ-IRQ-4", "queues and data vectors need at least one RSS processor", rss >= 1)
    avoided = [c for c in request.avoid if c in use]
    if avoided:
        fact("--avoid", "--avoid", "processors " + ", ".join(_show(c, per_group) for c in avoided) + " are avoided",
             And([use[c] == 0 for c in avoided]))
    if request.smt:
        pairs_of: dict[int, list[int]] = {}
        for cpu in request.processors:
            pairs_of.setdefault(cpu // 2, []).append(cpu)
        siblings = [cpus for cpus in pairs_of.values() if len(cpus) == 2]
        if siblings:
            fact("--smt", "--smt", "at most one processor of each SMT sibling pair (2k, 2k+1)",
                 And([use[a] + use[b] <= 1 for a, b in siblings]))
    return _Model(ctx, use, table, rss, remote, other, facts, demand, local)


def _clashes(model: _Model) -> tuple[Clash, ...]:
    minimizer = Minimizer(model.ctx, [])
    core = minimizer.unsat_core({key: formula for key, (_, _, formula) in model.facts.items()})
    return tuple(Clash(model.facts[key][0], model.facts[key][1]) for key in core
                 if model.facts[key][0] != "model") or tuple(Clash(s, m) for s, m, _ in model.facts.values())


def _summary(model: _Model, witness: Mapping[str, int | bool]) -> tuple[tuple[str, int], ...]:
    return tuple((k, int(witness[k])) for k in (TABLE, COUNT, REMOTE, OTHER) if k in witness)


SECONDARY = {"min-vectors": ("shortfall", "numa-local"), "min-processors": ("min-vectors", "numa-local"),
             "numa-local": ("shortfall", "min-vectors")}


def prove_objective(request: SynthRequest, objective: str, value: int) -> tuple[str, str]:
    """Re-check a minimum on a fresh model: the solver's answers for objective = value and ≤ value − 1."""
    model = _build_model(request)
    minimizer = Minimizer(model.ctx, [f for _, _, f in model.facts.values()])
    quantity = model.quantity(objective)
    at, _ = minimizer.satisfiable(quantity == value)
    below, _ = minimizer.satisfiable(quantity <= value - 1)
    return at, below


def synthesize(request: SynthRequest, timeout: float | None = 60.0) -> SynthResult:
    validate(request)
    model = _build_model(request)
    constraints = [formula for _, _, formula in model.facts.values()]
    minimizer = Minimizer(model.ctx, constraints, timeout)
    status, _ = minimizer.satisfiable()
    if status == "unsat":
        return SynthResult(request, clashes=_clashes(model))
    if status != "sat":
        return SynthResult(request, clashes=(Clash("solver", "the solver could not decide (timeout)"),))
    quantity = model.quantity(request.objective)
    found = minimizer.minimum(quantity)
    assert found.value is not None
    proof = ObjectiveProof(request.objective, QUANTITY[request.objective], found.value,
                           _summary(model, found.witness), found.below, found.checks)
    fixed = [quantity == found.value]
    secondary: list[ObjectiveProof] = []
    witness = found.witness
    for name in SECONDARY[request.objective]:
        if name == "shortfall":
            term = model.demand - model.count
            fixed.append(model.count <= model.demand)
            label = "rss_processors.shortfall"
        else:
            term = model.quantity(name)
            label = QUANTITY[name]
        step = minimizer.minimum(term, *fixed)
        if step.value is None:          # only when `count ≤ demand` is impossible; drop that preference
            fixed.pop()
            continue
        fixed.append(term == step.value)
        witness = step.witness
        secondary.append(ObjectiveProof(name, label, step.value, _summary(model, step.witness), step.below,
                                        step.checks))
    chosen = _choose_processors(request, model, minimizer, fixed, witness)
    table = int(witness[TABLE])
    other = min(1, table - len(chosen))
    document = build_document(request, table, chosen, other, model.local)
    header = _proof_lines(request, proof, tuple(secondary))
    text = dumps_toml(document, header)
    config = loads_config(text, "<synthesized>")
    report = check_config(config)
    failing = tuple(Clash(r.rule, f"{r.instance}: {r.message}") for r in report.results if r.fails(strict=True))
    if not failing and report.status(strict=True) is Status.LEGAL:
        text = dumps_toml(document, header + [f"check --strict: legal ({len(report.results)} obligations, "
                                              "none failing)."])
    return SynthResult(request, document, text, proof, tuple(secondary), failing, report,
                       tuple(Clash(s, m) for s, m, _ in model.facts.values() if s != "model"))


def _choose_processors(request: SynthRequest, model: _Model, minimizer: Minimizer, fixed: list[Formula],
                       witness: Mapping[str, int | bool]) -> list[int]:
    """The RSS processors: the lowest-numbered ones on the NIC's node first, then the others, skipping avoided
    processors and second SMT siblings, checked against the model; else the solver's own choice."""
    wanted = int(witness[COUNT])
    remote_wanted = int(witness[REMOTE])
    avoid = set(request.avoid)
    taken_pairs: set[int] = set()
    local: list[int] = []
    remote: list[int] = []
    for cpu in request.processors:
        if cpu in avoid or (request.smt and cpu // 2 in taken_pairs):
            continue
        bucket = local if cpu in model.local else remote
        limit = wanted - remote_wanted if bucket is local else remote_wanted
        if len(bucket) < limit:
            bucket.append(cpu)
            taken_pairs.add(cpu // 2)
    chosen = sorted(local + remote)
    assignment = [model.use[c] == (1 if c in chosen else 0) for c in request.processors]
    status, _ = minimizer.satisfiable(*fixed, *assignment)
    if status == "sat":
        return chosen
    return sorted(c for c in request.processors if witness.get(str(model.use[c])) == 1)


def _proof_lines(request: SynthRequest, proof: ObjectiveProof,
                 secondary: tuple[ObjectiveProof, ...]) -> list[str]:
    mode = (f"VMMQ: {request.vports} VPorts × {request.queue_pairs} queue pairs" if request.vmmq
            else f"VMQ: {request.queues} VM queues")
    lines = [f"Synthesized by vmqproof synth ({mode}, NDIS {request.ndis}, reading {request.reading}).",
             f"Objective {proof.objective}: {proof.quantity} = {proof.value} is minimal — "
             f"sat at {proof.value}, {proof.below} at ≤ {proof.value - 1} ({proof.checks} solver checks)."]
    for step in secondary:
        lines.append(f"Then {step.objective}: {step.quantity} = {step.value} ({step.below} at ≤ {step.value - 1}).")
    return lines


# -- the configuration document ------------------------------------------------------------------------

def _nextpow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def build_document(request: SynthRequest, table: int, rss: list[int], other: int,
                   local: frozenset[int]) -> dict[str, Any]:
    per_group = C.procs_per_group(request.arch)
    ndis = C.ndis_tuple(request.ndis)
    show = [_show(c, per_group) for c in rss]
    vmmq = request.vmmq
    vports, pairs = int(request.vports or 0), int(request.queue_pairs or 0)
    num_queues = vports - 1 if vmmq else int(request.queues or 0)
    properties = ["MSI_X_SUPPORTED", "VM_QUEUE_SUPPORTED"]
    if ndis >= (6, 30):
        properties += ["DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED", "INTERRUPT_VECTOR_COALESCING_SUPPORTED"]
    receive_filter = {
        "revision": 2 if ndis >= (6, 30) else 1,
        "enabled_filter_types": ["VMQ_FILTERS_ENABLED"],
        "enabled_queue_types": ["VM_QUEUES_ENABLED"],
        "supported_queue_properties": properties,
        "supported_filter_tests": ["TEST_HEADER_FIELD_EQUAL_SUPPORTED"],
        "supported_headers": ["MAC_HEADER_SUPPORTED"],
        "supported_mac_header_fields": ["MAC_HEADER_DEST_ADDR_SUPPORTED"],
        "num_queues": num_queues,
        "max_mac_header_filters": num_queues,
    }
    inf: dict[str, int] = {"*VMQ": 1, "*RssOrVmqPreference": 1}
    document: dict[str, Any] = {"format": "vmqproof/1",
                                "adapter": {"name": "synthesized", "ndis": request.ndis, "arch": request.arch},
                                "inf": inf,
                                "receive_filter": {"hardware": receive_filter, "current": dict(receive_filter)}}
    ite = max(16, _nextpow2(pairs)) if vmmq else 1
    if vmmq:
        inf.update({"*RssOnHostVPorts": 1, "*RSSProfile": 1})
        per_vport = _nextpow2(pairs)
        switch = {
            "revision": 3,
            "nic_switch_capabilities": ["SINGLE_VPORT_POOL", "NIC_SWITCH_WITHOUT_IOV_SUPPORTED",
                                        "RSS_ON_PF_VPORTS_SUPPORTED", "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED"],
            "max_num_switches": 1, "max_num_vports": vports, "max_num_queue_pairs": vports * pairs,
            "max_num_queue_pairs_per_non_default_vport": per_vport, "max_num_mac_addresses": vports,
            "max_num_rss_capable_non_default_pf_vports": vports - 1,
            "number_of_indirection_table_entries_for_default_vport": ite,
            "number_of_indirection_table_entries_per_non_default_pf_vport": ite,
            "max_num_queue_pairs_for_default_vport": per_vport,
        }
        document["nic_switch"] = {"hardware": switch, "current": dict(switch),
                                  "parameters": {"revision": 2, "switch_type": 1,
                                                 "num_queue_pairs_for_default_vport": pairs}}
    elif ndis >= (6, 60):
        # NSC-22: without SR-IOV, an NDIS 6.60 driver advertises both NIC switch and VMQ capabilities; no switch is
        # created (no [nic_switch.parameters], no VPorts), because VM queues and a NIC switch exclude each other.
        switch = {"revision": 3, "nic_switch_capabilities": ["SINGLE_VPORT_POOL", "NIC_SWITCH_WITHOUT_IOV_SUPPORTED"],
                  "max_num_switches": 1, "max_num_vports": 1, "max_num_queue_pairs": 1,
                  "max_num_queue_pairs_per_non_default_vport": 1, "max_num_mac_addresses": 1,
                  "max_num_queue_pairs_for_default_vport": 1,
                  "number_of_indirection_table_entries_for_default_vport": 1,
                  "number_of_indirection_table_entries_per_non_default_pf_vport": 1}
        document["nic_switch"] = {"hardware": switch, "current": dict(switch)}
    rss_flags = ["HASH_FUNCTION_TOEPLITZ", "HASH_TYPE_TCP_IPV4", "HASH_TYPE_TCP_IPV6", "MESSAGE_SIGNALED_INTERRUPTS",
                 "SUPPORTS_MSI_X" if ndis >= (6, 30) else "USING_MSI_X"]
    if ndis >= (6, 80):
        rss_flags.append("SUPPORTS_INDEPENDENT_ENTRY_MOVE")       # RSSv2 (RSS-CAP-6, D-10)
    document["rss_capabilities"] = {
        "revision": 3 if ndis >= (6, 60) else 2 if ndis >= (6, 30) else 1,
        "capabilities_flags": rss_flags,
        "number_of_interrupt_messages": table,
        "number_of_receive_queues": max(16, len(rss)),
        "number_of_indirection_table_entries": 128,
    }
    node = _nic_node(request)
    if request.numa is not None and node is not None:
        node_of = {cpu: n for n, cpus in request.numa.items() for cpu in cpus}
        entries: list[Any] = [{"cpu": s, "numa_node": node_of[c], "preference_index": 0 if c in local else 1}
                              for c, s in zip(rss, show)]
        document["rss_processors"] = {"preferred_numa_node": node, "processors": entries}
    else:
        document["rss_processors"] = {"processors": show}
    vectors: list[dict[str, Any]] = [{"id": i, "kind": "data", "cpu": s} for i, s in enumerate(show)]
    vectors += [{"id": len(show) + i, "kind": "other"} for i in range(other)]
    document["msix"] = {"table_size": table, "vectors": vectors}
    if vmmq:
        by_group: dict[int, list[int]] = {}
        for cpu in rss:
            by_group.setdefault(cpu // per_group, []).append(cpu)
        usable = [cpus for _, cpus in sorted(by_group.items()) if len(cpus) >= pairs]
        entries_v: list[dict[str, Any]] = []
        cursor = 0
        for v in range(vports):
            cpus = usable[v % len(usable)]
            start = (cursor if len(usable) == 1 else (v // len(usable)) * pairs) % len(cpus)
            mine = [cpus[(start + k) % len(cpus)] for k in range(pairs)]
            cursor += pairs
            names = [_show(c, per_group) for c in mine]
            entries_v.append({"id": v, "num_queue_pairs": pairs, "vmmq": True,
                              "processor_affinity": sorted(names, key=lambda n: tuple(map(int, n.split(":")))),
                              "indirection_table": [names[k % pairs] for k in range(ite)]})
        document["vports"] = entries_v
    else:
        document["queues"] = [{"id": q, "cpu": show[q % len(show)], "msix_entry": q}
                              for q in range(1, num_queues + 1)]
    document["policy"] = {"msix_minimum_reading": request.reading}     # the reading the minimum was proved under
    return document
