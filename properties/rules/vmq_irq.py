"""rules.md §2.1 — VMQ interrupt requirements (seed page S1)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import Config, Vector
from vmqproof.model.smt.logic import If, IntTerm, Or
from vmqproof.model.smt.symbolic import has
from vmqproof.properties.rules.common import count_equal, present
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule


@rule("VMQ-IRQ-1", "vmq-requires-msix", "error", "S1",
      "A miniport that supports VMQ supports MSI-X: vmq_sup ⇒ msix.table_size ≥ 1.", physical_only=True)
def vmq_requires_msix(cx: RuleContext) -> Iterator[Obligation]:
    msix = cx.config.msix
    if msix is None:
        return
    yield Obligation("msix", cx.sym.field(msix.record, "table_size") >= 1,
                     "the adapter supports VMQ (VM_QUEUE_SUPPORTED in its hardware receive-filter capabilities) "
                     "but exposes no MSI-X table entry", guard=cx.modes.vmq_sup)


@rule("VMQ-IRQ-2", "msix-supported-flag", "error", "S1 D3 S14",
      "(vmq_sup ∨ sriov_sup) ⇒ MSI_X_SUPPORTED in the hardware SupportedQueueProperties; when VMQ or SR-IOV "
      "is enabled, in the current ones too.", physical_only=True)
def msix_supported_flag(cx: RuleContext) -> Iterator[Obligation]:
    sym, modes = cx.sym, cx.modes
    for record in present(cx.config, "receive_filter.hardware", "receive_filter.current"):
        hardware = record.path.endswith("hardware")
        guard = Or(modes.vmq_sup, modes.sriov_sup) if hardware else Or(modes.vmq_en, modes.sriov_en)
        yield Obligation(record.path, has(sym.field(record, "supported_queue_properties"), C.SQP_MSI_X),
                         "VMQ or SR-IOV is " + ("supported" if hardware else "enabled")
                         + " but SupportedQueueProperties lacks MSI_X_SUPPORTED (0x1)", guard=guard)


def _rss_set(cx: RuleContext) -> frozenset[int] | None:
    rpi = cx.config.rss_processors
    return None if rpi is None else rpi.cpus


@rule("VMQ-IRQ-4", "vectors-on-ndis-rss-processors", "error", "S1 D5",
      "Every data vector targets a processor of NDIS_RSS_PROCESSOR_INFO: ∀ data vector i: tgt(i) ∈ RPI.P.",
      physical_only=True)
def vectors_on_rss_processors(cx: RuleContext) -> Iterator[Obligation]:
    cpus = _rss_set(cx)
    if cpus is None or cx.config.msix is None:
        return
    for vector in cx.config.msix.vectors:
        if vector.kind != "data":
            continue
        target = cx.sym.field(vector.record, "cpu")
        yield Obligation(f"{vector.record.path}", cx.sym.in_set(target, cpus),
                         f"data vector {vector.id} targets a processor that NdisGetRssProcessorInformation did "
                         "not return")


def _vectors_per_processor(config: Config) -> str:
    return f"A2 {config.policy.vectors_per_processor}"


@rule("VMQ-IRQ-5", "one-vector-per-rss-processor", "warning", "S1",
      "Only one data vector per processor of NDIS_RSS_PROCESSOR_INFO (reading A2: at most one, or exactly one).",
      physical_only=True, reading=_vectors_per_processor)
def one_vector_per_processor(cx: RuleContext) -> Iterator[Obligation]:
    rpi, msix = cx.config.rss_processors, cx.config.msix
    if rpi is None or msix is None:
        return
    exactly = cx.config.policy.vectors_per_processor == "exactly-one"
    data = [v for v in msix.vectors if v.kind == "data"]
    open_targets = [v for v in data if v.record.is_open("cpu")]
    by_target: dict[object, list[Vector]] = {}
    for vector in data:
        by_target.setdefault(vector.record["cpu"], []).append(vector)
    seen: set[int] = set()
    for index, processor in enumerate(rpi.processors):
        if processor.cpu in seen:
            continue
        seen.add(processor.cpu)
        relevant = by_target.get(processor.cpu, []) + open_targets
        targets = [cx.sym.field(v.record, "cpu") for v in relevant]
        count = count_equal(cx.sym, targets, processor.cpu)
        name = cx.sym.show_processor(processor.cpu)
        expected = "exactly one" if exactly else "at most one"
        if isinstance(count, int):
            body = count == 1 if exactly else count <= 1
            detail = f"{count} data vectors target RSS processor {name}; expected {expected}"
        else:
            body = count == 1 if exactly else count <= 1
            detail = f"RSS processor {name} is not the target of {expected} data vector"
        yield Obligation(f"rss_processors.processors[{index}]", body, detail)


@rule("VMQ-IRQ-6", "at-most-two-other-vectors", "warning", "S1",
      "No more than two vectors for events unrelated to sending or receiving: |{i : kind(i) = other}| ≤ 2.",
      physical_only=True)
def at_most_two_other(cx: RuleContext) -> Iterator[Obligation]:
    msix = cx.config.msix
    if msix is None:
        return
    other = [v.id for v in msix.vectors if v.kind == "other"]
    yield Obligation("msix", len(other) <= 2,
                     f"{len(other)} vectors are allocated for other events (ids {other}); at most 2 should be")


@rule("VMQ-IRQ-7", "vectors-within-processors-plus-two", "warning", "S1",
      "At most one vector per RSS processor plus two others: |IRQ.V| ≤ |RPI.P| + 2.", physical_only=True)
def vectors_within_budget(cx: RuleContext) -> Iterator[Obligation]:
    rpi, msix = cx.config.rss_processors, cx.config.msix
    if rpi is None or msix is None:
        return
    budget = len(rpi.cpus) + 2
    yield Obligation("msix", len(msix.vectors) <= budget,
                     f"{len(msix.vectors)} vectors are allocated for {len(rpi.cpus)} RSS processors; "
                     f"at most {budget} should be")


def msix_minimum(queues: IntTerm, reading: str) -> IntTerm:
    """f(Q) of VMQ-IRQ-8 under a reading of rules.md A1 (Q ≥ 0; f(0) = 0)."""
    half = _divide(queues + 1, 2)
    low: IntTerm
    middle: IntTerm
    high: IntTerm
    if reading == "R1":
        low, middle, high = 1, 16, 32
    elif reading in ("R2a", "R2b"):
        low = queues
        middle = If(half > 16, half, 16)
        high = If(half > 32, half, 32) if reading == "R2b" else 32
    elif reading == "R3":
        low, middle, high = queues, 16 + _divide((queues - 17) * 16 + 46, 47), 32
    elif reading == "R4":
        low, middle, high = 16, 32, 32
    else:
        raise ValueError(reading)
    return If(queues <= 0, 0, If(queues <= 16, low, If(queues <= 64, middle, high)))


def _divide(term: IntTerm, divisor: int) -> IntTerm:
    """Integer division (z3's on an open term; floor, which agrees for a positive divisor, on a fixed one)."""
    return term // divisor if isinstance(term, int) else term / divisor


def _msix_reading(config: Config) -> str:
    return f"A1 {config.policy.msix_minimum_reading}, Q = {config.policy.msix_queue_count}"


@rule("VMQ-IRQ-8", "msix-minimum-for-queues", "error", "S1",
      "The device supports at least f(Q) MSI-X vectors for Q queues (1–16 → 1–16, 17–64 → 16–32, 65+ → 32+), "
      "f and Q as the policy reads rules.md A1.", physical_only=True, reading=_msix_reading)
def msix_minimum_for_queues(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    if config.msix is None:
        return
    policy = config.policy
    source = {
        "num_queues_plus_one": ("receive_filter.hardware", "num_queues", 1),
        "num_queues": ("receive_filter.hardware", "num_queues", 0),
        "max_num_queue_pairs": ("nic_switch.hardware", "max_num_queue_pairs", 0),
        "rss_receive_queues": ("rss_capabilities", "number_of_receive_queues", 0),
    }[policy.msix_queue_count]
    record = config.structure(source[0])
    if record is None:
        return
    queues = sym.field(record, source[1]) + source[2]
    minimum = msix_minimum(queues, policy.msix_minimum_reading)
    table_size = sym.field(config.msix.record, "table_size")
    yield Obligation("msix", table_size >= minimum,
                     f"the MSI-X table is smaller than the minimum for the queue count "
                     f"(reading {policy.msix_minimum_reading}, Q = {policy.msix_queue_count})",
                     guard=cx.modes.vmq_sup)


@rule("VMQ-IRQ-9", "interrupt-vector-coalescing", "error", "D3",
      "NDIS ≥ 6.30 with VMQ or SR-IOV enabled: INTERRUPT_VECTOR_COALESCING_SUPPORTED (0x10) in "
      "SupportedQueueProperties (the current capabilities where given, else the hardware ones).", min_ndis="6.30")
def interrupt_vector_coalescing(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure("receive_filter.current") or cx.config.structure("receive_filter.hardware")
    if record is None:
        return
    yield Obligation(record.path, has(cx.sym.field(record, "supported_queue_properties"), C.SQP_COALESCING),
                     "VMQ or SR-IOV is enabled but SupportedQueueProperties lacks "
                     "INTERRUPT_VECTOR_COALESCING_SUPPORTED (0x10)",
                     guard=Or(cx.modes.vmq_en, cx.modes.sriov_en))


RULES: tuple[Rule, ...] = (vmq_requires_msix, msix_supported_flag, vectors_on_rss_processors,
                           one_vector_per_processor, at_most_two_other, vectors_within_budget,
                           msix_minimum_for_queues, interrupt_vector_coalescing)
