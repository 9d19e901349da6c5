"""rules.md §2.9 — RSS capabilities (`NDIS_RECEIVE_SCALE_CAPABILITIES`) and processor info (`NDIS_RSS_PROCESSOR_INFO`)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import Config, Record, RssProcessors
from vmqproof.model.smt.logic import And, BoolTerm, Implies, Not, Or, decided
from vmqproof.model.smt.symbolic import has, pow2
from vmqproof.properties.rules.common import pf_vports, processors, vport_name
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

CAPABILITIES = "rss_capabilities"
PROCESSORS = "rss_processors"
RSS_CAPS = C.RSS_CAPS.by_name()
TOEPLITZ = RSS_CAPS["HASH_FUNCTION_TOEPLITZ"]
INDEPENDENT_ENTRY_MOVE = RSS_CAPS["SUPPORTS_INDEPENDENT_ENTRY_MOVE"]
# RSS-CAP-2's `msi`: any of the message-signalled-interrupt capability flags.
MSI_FLAGS = RSS_CAPS["MESSAGE_SIGNALED_INTERRUPTS"] | RSS_CAPS["USING_MSI_X"] | RSS_CAPS["SUPPORTS_MSI_X"]
BALANCED_PROFILE = 6                  # NdisRssProfileBalanced, NDIS 6.88 (rules.md §3.9, A15)


def rss_capabilities_revision(config: Config) -> int:
    """RSS-CAP-1: the revision a miniport of this NDIS version sets (3 from 6.60, 2 from 6.30, else 1)."""
    version = config.adapter.ndis_version
    return 3 if version >= (6, 60) else 2 if version >= (6, 30) else 1


def rss_processor_info_revision(config: Config) -> int:
    """RPI-1: the revision NDIS returns (2 from 6.30, else 1)."""
    return 2 if config.adapter.ndis_version >= (6, 30) else 1


def msi_supported(cx: RuleContext, capabilities: Record) -> BoolTerm:
    """The NIC supports MSI: an MSI flag in CapabilitiesFlags, or an MSI-X table of at least one entry."""
    flagged = has(cx.sym.field(capabilities, "capabilities_flags"), MSI_FLAGS)
    msix = cx.config.msix
    return flagged if msix is None else Or(flagged, cx.sym.field(msix.record, "table_size") >= 1)


@rule("RSS-CAP-1", "rss-capabilities-header", "error", "D6 H1",
      "NDIS_RECEIVE_SCALE_CAPABILITIES header: Type = 0x88 and the revision of the adapter's NDIS version "
      "(3 from 6.60, 2 from 6.30, else 1) with its Size (18, 18, 16).")
def rss_capabilities_header(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(CAPABILITIES)
    if record is None:
        return
    sym = cx.sym
    revision = rss_capabilities_revision(cx.config)
    size = C.RSC_SIZES[revision]
    yield Obligation(CAPABILITIES, And(sym.field(record, "type") == C.NDIS_OBJECT_TYPE_RSS_CAPABILITIES,
                                       sym.field(record, "revision") == revision,
                                       sym.field(record, "size") == size),
                     f"the header is not Type 0x88, Revision {revision}, Size {size}, which an NDIS "
                     f"{cx.config.adapter.ndis} miniport sets")


@rule("RSS-CAP-2", "line-based-one-interrupt-message", "error", "D6",
      "Without MSI (no MESSAGE_SIGNALED_INTERRUPTS, USING_MSI_X or SUPPORTS_MSI_X flag and no MSI-X table entry), "
      "NumberOfInterruptMessages = 1.", physical_only=True)
def line_based_one_message(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(CAPABILITIES)
    if record is None:
        return
    yield Obligation(CAPABILITIES, cx.sym.field(record, "number_of_interrupt_messages") == 1,
                     "the NIC supports only line-based interrupts (no MSI flag in CapabilitiesFlags, no MSI-X "
                     "table) but NumberOfInterruptMessages is not 1",
                     guard=Not(msi_supported(cx, record)))


@rule("RSS-CAP-3", "indirection-table-entries-power-of-two", "error", "D6",
      "NDIS ≥ 6.30 ⇒ NumberOfIndirectionTableEntries is a power of 2.", min_ndis="6.30")
def indirection_entries_power_of_two(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(CAPABILITIES)
    if record is None:
        return
    yield Obligation(CAPABILITIES, pow2(cx.sym.field(record, "number_of_indirection_table_entries")),
                     "NumberOfIndirectionTableEntries is not a power of 2")


@rule("RSS-CAP-4", "toeplitz-mandatory", "error", "D6 S22",
      "rss_sup ⇒ NdisHashFunctionToeplitz (0x1) in CapabilitiesFlags.")
def toeplitz_mandatory(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(CAPABILITIES)
    if record is None:
        return
    yield Obligation(CAPABILITIES, has(cx.sym.field(record, "capabilities_flags"), TOEPLITZ),
                     "the NIC reports RSS capabilities without NdisHashFunctionToeplitz (0x1)")


@rule("RSS-CAP-6", "rssv2-dynamic-affinity", "error", "S23 D3",
      "RSSv2 (SUPPORTS_INDEPENDENT_ENTRY_MOVE, 0x40000000) on a VMQ or VMMQ NIC ⇒ "
      "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8) in the hardware SupportedQueueProperties.")
def rssv2_dynamic_affinity(cx: RuleContext) -> Iterator[Obligation]:
    capabilities = cx.config.structure(CAPABILITIES)
    receive_filter = cx.config.structure("receive_filter.hardware")
    if capabilities is None or receive_filter is None:
        return
    sym, modes = cx.sym, cx.modes
    rssv2 = has(sym.field(capabilities, "capabilities_flags"), INDEPENDENT_ENTRY_MOVE)
    yield Obligation(CAPABILITIES, has(sym.field(receive_filter, "supported_queue_properties"),
                                       C.SQP_DYNAMIC_AFFINITY),
                     "the NIC advertises RSSv2 (SUPPORTS_INDEPENDENT_ENTRY_MOVE) with VMQ or VMMQ but its hardware "
                     "SupportedQueueProperties lack DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8)",
                     guard=And(rssv2, Or(modes.vmq_sup, modes.vmmq_sup)))


@rule("RSS-CAP-7", "table-processors-within-receive-queues", "info", "S22 D7",
      "Per PF VPort with a known table: |distinct(ITE)| ≤ NumberOfReceiveQueues; otherwise the miniport uses a "
      "subset of exactly NumberOfReceiveQueues processors.")
def table_within_receive_queues(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(CAPABILITIES)
    if record is None:
        return
    for vport in pf_vports(cx.config):
        if vport.indirection_table is None:
            continue
        used = len(set(vport.indirection_table))
        yield Obligation(vport.record.path, used <= cx.sym.field(record, "number_of_receive_queues"),
                         f"{vport_name(vport)}'s indirection table references {used} processors, more than "
                         "NumberOfReceiveQueues: the miniport will use a subset of them")


# -- NDIS_RSS_PROCESSOR_INFO --------------------------------------------------------------------------------------

def _processor_info(cx: RuleContext) -> RssProcessors | None:
    return cx.config.rss_processors


@rule("RPI-1", "rss-processor-info-header", "error", "D4 H1",
      "NDIS_RSS_PROCESSOR_INFO header: Type = 0xB1, the revision of the adapter's NDIS version (2 from 6.30, else "
      "1) with its Size (40, 32), and Flags = 0.", min_ndis="6.20")
def rss_processor_info_header(cx: RuleContext) -> Iterator[Obligation]:
    info = _processor_info(cx)
    if info is None:
        return
    sym, record = cx.sym, info.record
    revision = rss_processor_info_revision(cx.config)
    size = C.RPI_SIZES[revision]
    yield Obligation(PROCESSORS, And(sym.field(record, "type") == C.NDIS_OBJECT_TYPE_RSS_PROCESSOR_INFO,
                                     sym.field(record, "revision") == revision,
                                     sym.field(record, "size") == size, sym.field(record, "flags") == 0),
                     f"the header is not Type 0xB1, Revision {revision}, Size {size} with Flags 0, as NDIS "
                     f"returns it to an NDIS {cx.config.adapter.ndis} miniport")


@rule("RPI-2", "rss-processor-array-well-formed", "error", "D4 H1",
      "RssProcessorArrayOffset ≥ Size, RssProcessorEntrySize ≥ 6 (NDIS_SIZEOF_RSS_PROCESSOR_REVISION_1), and "
      "RssProcessorCount = the number of listed processors.", min_ndis="6.20")
def rss_processor_array(cx: RuleContext) -> Iterator[Obligation]:
    info = _processor_info(cx)
    if info is None:
        return
    sym, record = cx.sym, info.record
    yield Obligation(PROCESSORS, And(
        sym.field(record, "rss_processor_array_offset") >= sym.field(record, "size"),
        sym.field(record, "rss_processor_entry_size") >= C.NDIS_SIZEOF_RSS_PROCESSOR_REVISION_1,
        sym.field(record, "rss_processor_count") == len(info.processors)),
        "the processor array is malformed: RssProcessorArrayOffset below Size, RssProcessorEntrySize below 6, or "
        f"RssProcessorCount not the {len(info.processors)} listed processors")


@rule("RPI-3", "rss-processors-within-base-and-max", "error", "D4 S10",
      "Every listed processor is ≥lex RssBaseProcessor and, from revision 2, ≤lex RssMaxProcessor.",
      min_ndis="6.20")
def processors_within_bounds(cx: RuleContext) -> Iterator[Obligation]:
    info = _processor_info(cx)
    if info is None or not info.cpus:
        return
    sym, record = cx.sym, info.record
    base, highest = sym.field(record, "rss_base_processor"), sym.field(record, "rss_max_processor")
    revision_2 = sym.field(record, "revision") >= 2
    lowest, top = min(info.cpus), max(info.cpus)
    # Every processor lies within the bounds exactly when the lowest and the highest do.
    body = And(base <= lowest, Implies(revision_2, highest >= top))
    outside = [cpu for cpu in sorted(info.cpus)
               if (isinstance(base, int) and cpu < base)
               or (isinstance(highest, int) and decided(revision_2) is True and cpu > highest)]
    yield Obligation(PROCESSORS, body, "RSS processors lie below RssBaseProcessor or above RssMaxProcessor"
                     + (f" ({processors(sym, outside)})" if outside else ""))


@rule("RPI-4", "max-rss-processors-within-count", "info", "D4",
      "MaxNumRssProcessors ≤ RssProcessorCount (observed NDIS behaviour).", min_ndis="6.20")
def max_within_count(cx: RuleContext) -> Iterator[Obligation]:
    info = _processor_info(cx)
    if info is None:
        return
    sym, record = cx.sym, info.record
    yield Obligation(PROCESSORS, sym.field(record, "max_num_rss_processors")
                     <= sym.field(record, "rss_processor_count"),
                     "MaxNumRssProcessors exceeds RssProcessorCount")


@rule("RPI-5", "preferred-numa-node-from-keyword", "info", "D4 S10",
      "PreferredNumaNode = *NumaNodeId when the keyword is present and below the node count (the nodes the listed "
      "processors show, at least one).", min_ndis="6.20")
def preferred_numa_node(cx: RuleContext) -> Iterator[Obligation]:
    info = _processor_info(cx)
    if info is None or not cx.sym.inf_present("*NumaNodeId"):
        return
    keyword = cx.sym.inf("*NumaNodeId")
    if keyword is None:
        return
    nodes = 1 + max((p.numa_node for p in info.processors if p.numa_node is not None), default=0)
    yield Obligation(PROCESSORS, cx.sym.field(info.record, "preferred_numa_node") == keyword,
                     "PreferredNumaNode differs from *NumaNodeId although that node exists",
                     guard=keyword < nodes)


@rule("RPI-6", "prefer-lower-preference-index", "warning", "D4",
      "Each data vector targets a processor whose PreferenceIndex is not above that of an RSS processor no data "
      "vector targets (when the listed processors give preference indexes).", physical_only=True,
      min_ndis="6.20")
def prefer_lower_index(cx: RuleContext) -> Iterator[Obligation]:
    info, msix = _processor_info(cx), cx.config.msix
    if info is None or msix is None:
        return
    ranked = {p.cpu: p.preference_index for p in info.processors if p.preference_index is not None}
    if not ranked:
        return
    sym = cx.sym
    data = [v for v in msix.vectors if v.kind == "data"]
    targets = [sym.field(v.record, "cpu") for v in data]
    fixed = {t for t in targets if isinstance(t, int)}
    open_targets = [t for t in targets if not isinstance(t, int)]
    lowest_unused = min((index for cpu, index in ranked.items() if cpu not in fixed), default=None)

    def used(cpu: int) -> BoolTerm:
        return True if cpu in fixed else Or([t == cpu for t in open_targets] or [False])

    for vector, target in zip(data, targets):
        if not open_targets:
            index = ranked.get(target)
            body = index is None or lowest_unused is None or index <= lowest_unused
        else:
            body = And([True] + [
                Implies(target == cpu, And([True] + [used(other) for other, other_index in ranked.items()
                                                                 if other_index < index]))
                for cpu, index in ranked.items() if not isinstance(target, int) or target == cpu])
        yield Obligation(vector.record.path, body,
                         f"data vector {vector.id} targets a processor with a higher PreferenceIndex while a "
                         "processor with a lower one is unused")


@rule("RPI-7", "rss-profile-value", "info", "D4 H3",
      "Revision 2 ⇒ RssProfile is an NDIS_RSS_PROFILE value: 1…5, and 6 (Balanced) from NDIS 6.88.",
      min_ndis="6.30")
def rss_profile_value(cx: RuleContext) -> Iterator[Obligation]:
    info = _processor_info(cx)
    if info is None:
        return
    sym, record = cx.sym, info.record
    highest = BALANCED_PROFILE if cx.config.adapter.ndis_version >= (6, 88) else BALANCED_PROFILE - 1
    profile = sym.field(record, "rss_profile")
    yield Obligation(PROCESSORS, And(profile >= 1, profile <= highest),
                     f"RssProfile is not an NDIS_RSS_PROFILE value (1…{highest})",
                     guard=sym.field(record, "revision") >= 2)


RULES: tuple[Rule, ...] = (
    rss_capabilities_header, line_based_one_message, indirection_entries_power_of_two, toeplitz_mandatory,
    rssv2_dynamic_affinity, table_within_receive_queues,
    rss_processor_info_header, rss_processor_array, processors_within_bounds, max_within_count,
    preferred_numa_node, prefer_lower_index, rss_profile_value,
)
