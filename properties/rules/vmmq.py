"""rules.md §2.6 — VMMQ advertising and operation (S2–S7)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from vmqproof.model.config import constants as C
from vmqproof.model.smt.logic import And, BoolTerm, If, Implies, IntTerm, Not, Or, decided
from vmqproof.model.smt.symbolic import Symbolic, has, pow2
from vmqproof.properties.rules.common import default_vport, pf_vports, processors
from vmqproof.properties.rules.modes import keyword_is_one
from vmqproof.properties.rules.nic_switch import first_vmmq_table_size
from vmqproof.properties.rules.nic_switch_parameters import HARDWARE
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule


def _all_of(head: str, clauses: Sequence[tuple[BoolTerm, str]]) -> tuple[BoolTerm, str]:
    """The conjunction of the clauses, and a message naming the failing ones: those already false, else those
    that may fail, else all."""
    truths = [(decided(clause), text) for clause, text in clauses]
    false = [text for truth, text in truths if truth is False]
    open_ = [text for truth, text in truths if truth is not True]
    detail = " and ".join(false) if false else " or ".join(open_ or [text for _, text in clauses])
    return And([clause for clause, _ in clauses]), head + detail


def _stray(sym: Symbolic, cpus: Iterable[int], allowed: Iterable[int]) -> tuple[bool, str]:
    """Whether cpus ⊆ allowed, and the processors outside it, shown for a message."""
    outside = sorted(set(cpus) - set(allowed))
    return not outside, f" ({processors(sym, outside)})" if outside else ""


@rule("VMMQ-CAP-1", "vmmq-on-default-and-non-default-vports", "error", "S2",
      "vmmq_en ⇒ the default VPort has VMMQ on, and (NSC_hw given) MaxNumRssCapableNonDefaultPFVPorts ≥ 1.")
def vmmq_vport_coverage(cx: RuleContext) -> Iterator[Obligation]:
    config, sym, vmmq_en = cx.config, cx.sym, cx.modes.vmmq_en
    if not config.vports:
        return
    vport = default_vport(config.vports)
    if vport is None:
        yield Obligation("vports", False, "VMMQ is enabled on a VPort but there is no default VPort (id 0)",
                         guard=vmmq_en)
    else:
        yield Obligation(vport.record.path, sym.field(vport.record, "vmmq"),
                         "VMMQ is enabled on a VPort but not on the default VPort (VPort 0)", guard=vmmq_en)
    hardware = config.structure(HARDWARE)
    if hardware is not None:
        yield Obligation(HARDWARE, sym.field(hardware, "max_num_rss_capable_non_default_pf_vports") >= 1,
                         "VMMQ is enabled but MaxNumRssCapableNonDefaultPFVPorts is 0: no non-default PF VPort "
                         "supports VMMQ", guard=vmmq_en)


@rule("VMMQ-CAP-2", "vmmq-needs-rss-on-host-vports", "error", "S2 S3",
      "vmmq_en ⇒ *RssOnHostVPorts = 1 (absent means its default, 1).")
def vmmq_needs_rss_on_host_vports(cx: RuleContext) -> Iterator[Obligation]:
    yield Obligation("inf", keyword_is_one(cx.sym, "*RssOnHostVPorts"),
                     "VMMQ is enabled on a VPort but *RssOnHostVPorts is not 1", guard=cx.modes.vmmq_en)


@rule("VMMQ-CAP-3", "interrupt-messages-not-capped", "warning", "S2 S3",
      "vmmq_en ⇒ NumberOfInterruptMessages is not capped by *MaxRssProcessors: "
      "¬(NumberOfInterruptMessages < msix.table_size ∧ NumberOfInterruptMessages = *MaxRssProcessors).")
def interrupt_messages_not_capped(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    capabilities, msix = config.structure("rss_capabilities"), config.msix
    if capabilities is None or msix is None or not sym.inf_present("*MaxRssProcessors"):
        return
    limit = sym.inf("*MaxRssProcessors")
    if limit is None:
        return
    messages = sym.field(capabilities, "number_of_interrupt_messages")
    yield Obligation("rss_capabilities",
                     Not(And(messages < sym.field(msix.record, "table_size"), messages == limit)),
                     "VMMQ is enabled and NumberOfInterruptMessages is below the MSI-X table size and equal to "
                     "*MaxRssProcessors: the keyword appears to cap it", guard=cx.modes.vmmq_en)


@rule("VMMQ-CAP-5", "vmmq-needs-ndis-6-60", "info", "S6 D1", "vmmq_sup ⇒ ndis ≥ 6.60.")
def vmmq_needs_ndis_660(cx: RuleContext) -> Iterator[Obligation]:
    adapter = cx.config.adapter
    yield Obligation("adapter", adapter.ndis_version >= (6, 60),
                     f"the adapter supports VMMQ but registers NDIS {adapter.ndis}; VMMQ needs NDIS 6.60 or later",
                     guard=cx.modes.vmmq_sup)


@rule("VMMQ-VP-1", "vmmq-vport-on-pf", "error", "S5",
      "A VPort with VMMQ on is attached to the PF: vmmq(v) ⇒ AttachedFunctionId = NDIS_PF_FUNCTION_ID (0xFFFF).")
def vmmq_vport_on_pf(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for vport in cx.config.vports:
        record = vport.record
        yield Obligation(record.path, sym.field(record, "attached_function_id") == C.NDIS_PF_FUNCTION_ID,
                         f"VPort {vport.id} has VMMQ on but is attached to a VF, not to the PF",
                         guard=sym.field(record, "vmmq"))


@rule("VMMQ-VP-2", "vport-queue-pairs-cover-processors", "error", "S5 S4",
      "Per PF VPort: VMMQ on ⇒ |distinct(ITE) ∪ {DefaultProcessorNumber}| ≤ NumQueuePairs; "
      "VMMQ off ⇒ NumQueuePairs = 1.")
def vport_queue_pairs(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for vport in pf_vports(cx.config):
        record = vport.record
        vmmq, pairs = sym.field(record, "vmmq"), sym.field(record, "num_queue_pairs")
        cpus = set(vport.indirection_table or ())
        used: IntTerm = len(cpus)
        if vport.has_default_processor:
            used = used + If(sym.in_set(sym.field(record, "default_processor"), cpus), 0, 1)
        on = "with VMMQ on, its indirection table and default processor use more processors than NumQueuePairs"
        off = "with VMMQ off, NumQueuePairs is not 1"
        truth = decided(vmmq)
        detail = on if truth is True else off if truth is False else f"{on}; {off}"
        yield Obligation(record.path, If(vmmq, used <= pairs, pairs == 1), f"VPort {vport.id}: {detail}")


@rule("VMMQ-VP-3", "vport-affinity-between-table-and-rss-set", "error", "S5",
      "Per PF VPort with VMMQ on: set(ITE) ⊆ ProcessorAffinity ⊆ RPI.P (the last part when [rss_processors] "
      "is given).")
def vport_affinity_between(cx: RuleContext) -> Iterator[Obligation]:
    sym, rpi = cx.sym, cx.config.rss_processors
    for vport in pf_vports(cx.config):
        table_ok, table_stray = _stray(sym, vport.indirection_table or (), vport.processor_affinity)
        clauses = [(bool(table_ok), f"its indirection table uses processors outside its "
                                            f"ProcessorAffinity{table_stray}")]
        if rpi is not None:
            affinity_ok, affinity_stray = _stray(sym, vport.processor_affinity, rpi.cpus)
            clauses.append((bool(affinity_ok),
                            f"its ProcessorAffinity has processors that are not RSS processors{affinity_stray}"))
        body, message = _all_of(f"VPort {vport.id} has VMMQ on but ", clauses)
        yield Obligation(vport.record.path, body, message, guard=sym.field(vport.record, "vmmq"))


@rule("VMMQ-VP-4", "non-vmmq-vport-lowest-affinity-processor", "error", "S5",
      "Per PF VPort with VMMQ off, a default processor and a ProcessorAffinity: "
      "DefaultProcessorNumber = min(ProcessorAffinity).")
def non_vmmq_lowest_processor(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for vport in pf_vports(cx.config):
        if not vport.has_default_processor or not vport.processor_affinity:
            continue
        record, lowest = vport.record, min(vport.processor_affinity)
        yield Obligation(record.path, sym.field(record, "default_processor") == lowest,
                         f"VPort {vport.id} has VMMQ off but its processor is not {sym.show_processor(lowest)}, the "
                         "lowest of its ProcessorAffinity", guard=Not(sym.field(record, "vmmq")))


@rule("VMMQ-RSS-1", "vport-rss-parameters-header", "error", "S4 D7",
      "Per PF VPort with VMMQ on: RSS parameters Type 0x89, Revision 3, Size 44, BaseCpuNumber 0.")
def vport_rss_header(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for vport in pf_vports(cx.config):
        record = vport.record
        body, message = _all_of(f"VPort {vport.id} has VMMQ on but its RSS parameters have ", [
            (sym.field(record, "rss_type") == C.NDIS_OBJECT_TYPE_RSS_PARAMETERS, "Type ≠ 0x89"),
            (sym.field(record, "rss_revision") == 3, "Revision ≠ 3"),
            (sym.field(record, "rss_size") == C.RSS_PARAMETERS_SIZES[3], "Size ≠ 44"),
            (sym.field(record, "base_cpu_number") == 0, "BaseCpuNumber ≠ 0"),
        ])
        yield Obligation(record.path, body, message, guard=sym.field(record, "vmmq"))


@rule("VMMQ-RSS-2", "vport-table-size-pow2-and-uniform", "error", "S4 D7",
      "Per PF VPort with VMMQ on and a known table size: pow2(entries) and the same entry count as the first "
      "such VPort.")
def vport_table_size(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    sized = [v for v in pf_vports(cx.config) if v.record.values["vmmq"] is not False
             and v.table_size_known]
    for index, vport in enumerate(sized):
        record, earlier = vport.record, sized[:index]
        size = sym.field(record, "indirection_table_size")
        # the first such VPort is the first earlier one with VMMQ on, which an open vmmq leaves to the completion
        body = And(pow2(size), size == first_vmmq_table_size(sym, earlier, size))
        message = f"VPort {vport.id} has VMMQ on but its indirection table's entry count is not a power of 2"
        if earlier and earlier[0].record.values["vmmq"] is True:
            message += f" or differs from that of VPort {earlier[0].id} ({earlier[0].record.path})"
        elif earlier:
            message += " or differs from that of the first earlier PF VPort with VMMQ on"
        yield Obligation(record.path, body, message, guard=sym.field(record, "vmmq"))


@rule("VMMQ-RSS-3", "default-processor-in-rss-set", "error", "S4",
      "Per VPort with VMMQ on and a default processor: DefaultProcessorNumber ∈ RPI.P.")
def default_processor_in_rss_set(cx: RuleContext) -> Iterator[Obligation]:
    sym, rpi = cx.sym, cx.config.rss_processors
    if rpi is None:
        return
    for vport in cx.config.vports:
        if not vport.has_default_processor:
            continue
        record = vport.record
        yield Obligation(record.path, sym.in_set(sym.field(record, "default_processor"), rpi.cpus),
                         f"VPort {vport.id} has VMMQ on but its DefaultProcessorNumber is not an RSS processor",
                         guard=sym.field(record, "vmmq"))


@rule("VMMQ-RSS-4", "shared-rss-settings-without-per-vport-caps", "error", "S4 S2",
      "Each PF VPort matches the first PF VPort in its hash function unless NSC_hw has per-VPort HASH_FUNCTION, in "
      "its hash type unless HASH_TYPE, in its hash key unless HASH_KEY, and in its indirection table unless "
      "PER_VPORT_TABLE.")
def shared_rss_settings(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    hardware, pf = config.structure(HARDWARE), pf_vports(config)
    if hardware is None or len(pf) < 2:
        return
    first = pf[0]
    for vport in pf[1:]:
        caps = sym.field(hardware, "nic_switch_capabilities")
        difference = sym.field(vport.record, "hash_information") ^ sym.field(first.record, "hash_information")
        keys = sym.field(vport.record, "hash_secret_key") == sym.field(first.record, "hash_secret_key")
        # Each part of HashInformation may differ only with its flag: the function byte (NDIS_HASH_FUNCTION_MASK)
        # with HASH_FUNCTION, the type bits (NDIS_HASH_TYPE_MASK) with HASH_TYPE; no flag covers the rest.
        clauses = [
            (And(Or(has(caps, C.CAPS_HASH_FUNCTION), difference & 0xFF == 0),
                 Or(has(caps, C.CAPS_HASH_TYPE), difference & 0xFFFF00 == 0),
                 difference & 0xFF000000 == 0),
             "HashInformation (its hash function needs RSS_PER_PF_VPORT_HASH_FUNCTION_SUPPORTED, its hash type "
             "RSS_PER_PF_VPORT_HASH_TYPE_SUPPORTED)"),
            (Implies(Not(has(caps, C.CAPS_HASH_KEY)), keys),
             "the hash secret key (needs RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED)"),
        ]
        if vport.indirection_table is not None and first.indirection_table is not None:
            clauses.append((Implies(Not(has(caps, C.CAPS_PER_VPORT_TABLE)),
                                    vport.indirection_table == first.indirection_table),
                            "the indirection table (needs RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED)"))
        body, message = _all_of(f"VPort {vport.id} differs from the first PF VPort ({first.record.path}) in a "
                                "setting the hardware NicSwitchCapabilities do not allow per PF VPort: ", clauses)
        yield Obligation(vport.record.path, body, message)


@rule("VMMQ-RSS-5", "table-processors-within-queue-pairs", "error", "S4",
      "Per PF VPort with VMMQ on and a known table: |distinct(ITE)| ≤ NumQueuePairs ∧ set(ITE) ⊆ RPI.P "
      "(the last part when [rss_processors] is given).")
def table_within_queue_pairs(cx: RuleContext) -> Iterator[Obligation]:
    sym, rpi = cx.sym, cx.config.rss_processors
    for vport in pf_vports(cx.config):
        if vport.indirection_table is None:
            continue
        record, cpus = vport.record, set(vport.indirection_table)
        clauses = [(len(cpus) <= sym.field(record, "num_queue_pairs"),
                    f"uses {len(cpus)} distinct processors, more than its NumQueuePairs")]
        if rpi is not None:
            ok, stray = _stray(sym, cpus, rpi.cpus)
            clauses.append((bool(ok), f"uses processors that are not RSS processors{stray}"))
        body, message = _all_of(f"VPort {vport.id} has VMMQ on but its indirection table ", clauses)
        yield Obligation(record.path, body, message, guard=sym.field(record, "vmmq"))


RULES: tuple[Rule, ...] = (vmmq_vport_coverage, vmmq_needs_rss_on_host_vports, interrupt_messages_not_capped,
                           vmmq_needs_ndis_660, vmmq_vport_on_pf, vport_queue_pairs, vport_affinity_between,
                           non_vmmq_lowest_processor, vport_rss_header, vport_table_size,
                           default_processor_in_rss_set, shared_rss_settings, table_within_queue_pairs)
