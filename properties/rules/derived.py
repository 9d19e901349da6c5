"""rules.md §5 — derived invariants (not documented; reported as warnings unless promoted)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import HEADER_SIZES, HEADER_TYPES, Config, Record
from vmqproof.model.smt.logic import And, BoolTerm, If, Implies, IntTerm, Not, Or, Sum, decided, is_int_term
from vmqproof.model.smt.symbolic import bool_to_int, has, nextpow2, pow2
from vmqproof.properties.results import Severity
from vmqproof.properties.rules.common import (
    default_vport, non_default, not_zeroed, pf_vports, present, processors, vport_name,
)
from vmqproof.properties.rules.modes import keyword_equals, keyword_is_one
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule
from vmqproof.properties.rules.rss import INDEPENDENT_ENTRY_MOVE
from vmqproof.properties.rules.vports import switch_limit

PER_PF_VPORT_RSS = (C.CAPS_PER_VPORT_TABLE | C.CAPS_HASH_FUNCTION | C.CAPS_HASH_TYPE | C.CAPS_HASH_KEY
                    | C.CAPS_TABLE_SIZE_RESTRICTED)
RECEIVE_FILTER_MASKED = ("flags", "supported_queue_properties", "enabled_filter_types", "enabled_queue_types")
NIC_SWITCH_MASKED = ("flags", "nic_switch_capabilities")
# Flag fields whose bits outside the documented mask must be zero, by section; the `flags` fields of the
# receive-filter and NIC-switch capabilities are reserved (documented mask 0), so they must be 0.
MASKED: dict[str, tuple[str, ...]] = {
    "receive_filter.hardware": RECEIVE_FILTER_MASKED,
    "receive_filter.current": RECEIVE_FILTER_MASKED,
    "nic_switch.hardware": NIC_SWITCH_MASKED,
    "nic_switch.current": NIC_SWITCH_MASKED,
    "nic_switch.parameters": (),
    "rss_capabilities": ("capabilities_flags",),
}


def combined(instance: str, parts: Sequence[tuple[BoolTerm, str]], lead: str) -> Obligation:
    """One obligation for all `parts`; the message names the parts that fail (all, when undecided)."""
    failing = [text for formula, text in parts if decided(formula) is not True]
    shown = failing or [text for _, text in parts]
    return Obligation(instance, And([formula for formula, _ in parts]), lead + "; ".join(shown))


@rule("D-7", "nic-switch-flag-implications", "warning", "D1 S2",
      "Inside NicSwitchCapabilities: any of 0x100–0x1000 ⇒ 0x80; 0x1000 ⇒ 0x100; any of 0x40–0x1000 ⇒ "
      "revision = 3; 0x80 ⇒ 0x10.")
def nic_switch_flag_implications(cx: RuleContext) -> Iterator[Obligation]:
    for record in present(cx.config, "nic_switch.hardware", "nic_switch.current"):
        caps = cx.sym.field(record, "nic_switch_capabilities")
        parts = [
            (Implies(has(caps, PER_PF_VPORT_RSS), has(caps, C.CAPS_RSS_ON_PF_VPORTS)),
             "a per-PF-VPort RSS flag (0x100–0x1000) without RSS_ON_PF_VPORTS_SUPPORTED (0x80)"),
            (Implies(has(caps, C.CAPS_TABLE_SIZE_RESTRICTED), has(caps, C.CAPS_PER_VPORT_TABLE)),
             "INDIRECTION_TABLE_SIZE_RESTRICTED (0x1000) without RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED "
             "(0x100)"),
            (Implies(has(caps, C.CAPS_NDIS660_FLAGS), cx.sym.field(record, "revision") == 3),
             "an NDIS 6.60 flag (0x40–0x1000) in a structure whose revision is not 3"),
            (Implies(has(caps, C.CAPS_RSS_ON_PF_VPORTS), has(caps, C.CAPS_SINGLE_VPORT_POOL)),
             "RSS_ON_PF_VPORTS_SUPPORTED (0x80) without SINGLE_VPORT_POOL (0x10)"),
        ]
        yield combined(record.path, parts, "NicSwitchCapabilities has ")


def reserved_parts(cx: RuleContext, record: Record) -> list[tuple[BoolTerm, str]]:
    parts: list[tuple[BoolTerm, str]] = []
    for name, spec in record.specs.items():
        if name in MASKED[record.path]:
            assert spec.flags is not None
            mask = spec.flags.documented_mask
            unknown = ((1 << spec.width) - 1) & ~mask
            text = f"{name} has bits outside {mask:#x}" if mask else f"{name} (reserved) is not 0"
        elif name.startswith("ndis_reserved"):
            unknown, text = spec.hi, f"{name} is not 0"
        else:
            continue
        value = record[name]
        # A fixed field that complies adds nothing; leaving it out keeps the report to the fields at stake.
        if record.is_open(name) or (isinstance(value, int) and value & unknown):
            term = cx.sym.field(record, name)
            parts.append(((term & unknown) == 0 if not is_int_term(term) else term == 0, text))
    return parts


@rule("D-8", "unknown-bits-zero", "warning", "D1 D3 D6 H1",
      "Undocumented bits are zero (NicSwitchCapabilities & ~0x1FFF, SupportedQueueProperties & ~0x1FF, "
      "EnabledFilterTypes & ~0x3, EnabledQueueTypes & ~0x1, RSS CapabilitiesFlags outside the documented set), "
      "and the reserved fields (NdisReserved*, the reserved Flags) are 0.")
def unknown_bits_zero(cx: RuleContext) -> Iterator[Obligation]:
    for record in present(cx.config, *MASKED):
        parts = reserved_parts(cx, record)
        if parts:
            yield combined(record.path, parts, "undocumented bits or reserved fields are set: ")
        else:
            yield Obligation(record.path, True, "no undocumented bit or reserved field is set")


def nic_switch_sections(cx: RuleContext) -> Iterator[tuple[Record, BoolTerm]]:
    """The present NIC switch capability sections, each with the guard that it is reported (A7 iii)."""
    for record in present(cx.config, "nic_switch.hardware", "nic_switch.current"):
        yield record, True if record.path.endswith("hardware") else not_zeroed(cx.sym, record)


def _revision(cx: RuleContext, record: Record) -> IntTerm:
    return cx.sym.field(record, "revision")


CURRENT_WITHIN_HARDWARE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # section group → (flag fields: current ⊆ hardware, numeric maxima: current ≤ hardware)
    "receive_filter": (("supported_queue_properties", "supported_filter_tests", "supported_headers",
                        "supported_mac_header_fields", "supported_arp_header_fields", "supported_ipv4_header_fields",
                        "supported_ipv6_header_fields", "supported_udp_header_fields"),
                       ("num_queues", "max_mac_header_filters", "max_field_tests_per_packet_coalescing_filter",
                        "max_packet_coalescing_filters")),
    "nic_switch": (("nic_switch_capabilities",),
                   ("max_num_vports", "max_num_vfs", "max_num_queue_pairs", "max_num_queue_pairs_per_non_default_vport",
                    "max_num_mac_addresses", "max_num_rss_capable_non_default_pf_vports",
                    "number_of_indirection_table_entries_for_default_vport",
                    "number_of_indirection_table_entries_per_non_default_pf_vport",
                    "max_num_queue_pairs_for_default_vport")),
}


@rule("D-1", "current-within-hardware", "warning", "D1 D3 S15",
      "The currently enabled capabilities are within the hardware ones: current flags ⊆ hardware flags and "
      "current maxima ≤ hardware maxima, for the receive-filter and NIC switch capabilities.")
def current_within_hardware(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for group, (flag_fields, maxima) in CURRENT_WITHIN_HARDWARE.items():
        current, hardware = cx.config.structure(f"{group}.current"), cx.config.structure(f"{group}.hardware")
        if current is None or hardware is None:
            continue
        parts = [((sym.field(current, name) & ~sym.field(hardware, name)) == 0, f"{name} has flags the hardware "
                  "lacks") for name in flag_fields]
        parts += [(sym.field(current, name) <= sym.field(hardware, name), f"{name} exceeds the hardware's")
                  for name in maxima]
        yield combined(current.path, parts, "the current capabilities exceed the hardware ones: ")


# Fields introduced by a later revision (rules.md §3), by section: revision → field names.
REVISION_FIELDS: dict[str, dict[int, tuple[str, ...]]] = {
    "receive_filter": {2: ("supported_arp_header_fields", "supported_ipv4_header_fields",
                           "supported_ipv6_header_fields", "supported_udp_header_fields",
                           "max_field_tests_per_packet_coalescing_filter", "max_packet_coalescing_filters",
                           "ndis_reserved")},
    "nic_switch": {2: ("nic_switch_capabilities", "max_num_switches", "max_num_vports", "max_num_vfs",
                       "max_num_queue_pairs", "max_num_queue_pairs_per_non_default_vport", "max_num_mac_addresses",
                       *(f"ndis_reserved{i}" for i in range(4, 18))),
                   3: ("max_num_rss_capable_non_default_pf_vports",
                       "number_of_indirection_table_entries_for_default_vport",
                       "number_of_indirection_table_entries_per_non_default_pf_vport",
                       "max_num_queue_pairs_for_default_vport")},
    "nic_switch.parameters": {2: ("num_queue_pairs_for_default_vport",)},
    "rss_capabilities": {2: ("number_of_indirection_table_entries",)},
    "rss_processors": {2: ("rss_max_processor", "rss_profile")},
}


def header_records(config: Config) -> Iterator[Record]:
    yield from config.structures.values()
    if config.rss_processors is not None:
        yield config.rss_processors.record


def _revision_fields(record: Record) -> dict[int, tuple[str, ...]]:
    return REVISION_FIELDS.get(record.path, REVISION_FIELDS.get(record.path.split(".")[0], {}))


@rule("D-2", "header-sanity", "warning", "H1 H3 D1 D3 D6 D4",
      "Per structure: Type as in rules.md §3, 1 ≤ Revision ≤ the highest defined, Size ≥ NDIS_SIZEOF of that "
      "revision, and a field of revision N non-zero ⇒ Revision ≥ N (NDIS-filled [rss_processors]: fields the file "
      "gives).")
def header_sanity(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for record in header_records(cx.config):
        sizes = HEADER_SIZES[record.path]
        revision, size = _revision(cx, record), sym.field(record, "size")
        least: IntTerm = 0
        for number, bytes_ in sorted(sizes.items()):
            least = If(revision == number, int(bytes_), least)
        parts = [(sym.field(record, "type") == HEADER_TYPES[record.path], f"Type is not {HEADER_TYPES[record.path]:#x}"),
                 (And(revision >= 1, revision <= max(sizes)), f"Revision is not 1…{max(sizes)}"),
                 (size >= least, "Size is below NDIS_SIZEOF of its revision")]
        ndis_filled = record.path == "rss_processors"
        for since, names in _revision_fields(record).items():
            for name in names:
                if ndis_filled and name not in record.given:
                    continue
                parts.append((Implies(sym.field(record, name) != 0, revision >= since),
                              f"{name} (a revision {since} field) is set in a revision below {since}"))
        yield combined(record.path, parts, "header: ")


@rule("D-3", "msix-physical-limits", "warning", "S21 D6",
      "PCIe MSI-X limits: 1 ≤ msix.table_size ≤ 2048 and NumberOfInterruptMessages ≤ 2048.", physical_only=True)
def msix_physical_limits(cx: RuleContext) -> Iterator[Obligation]:
    sym, config = cx.sym, cx.config
    if config.msix is not None:
        table_size = sym.field(config.msix.record, "table_size")
        yield Obligation("msix", And(table_size >= 1, table_size <= C.PCIE_MSIX_TABLE_MAX),
                         f"the MSI-X table size is outside the PCIe range 1…{C.PCIE_MSIX_TABLE_MAX}")
    capabilities = config.structure("rss_capabilities")
    if capabilities is not None:
        yield Obligation("rss_capabilities",
                         sym.field(capabilities, "number_of_interrupt_messages") <= C.PCIE_MSIX_TABLE_MAX,
                         f"NumberOfInterruptMessages exceeds {C.PCIE_MSIX_TABLE_MAX}, the PCIe MSI-X maximum")


NATIVE_RSS_TABLE_MAX = 128      # NDIS_RSS_INDIRECTION_TABLE_MAX_SIZE_REVISION_2 / sizeof(PROCESSOR_NUMBER)
ITE_DEFAULT = "number_of_indirection_table_entries_for_default_vport"
ITE_NON_DEFAULT = "number_of_indirection_table_entries_per_non_default_pf_vport"


def _table_size_reading(config: Config) -> str:
    return f"A32 {config.policy.vport_table_size}"


@rule("D-4", "indirection-table-limits", "warning", "D6 D7 D1 S2 S4",
      "RSS NumberOfIndirectionTableEntries ≤ 128; the NIC switch entry counts are 0 or powers of 2 and, under "
      "INDIRECTION_TABLE_SIZE_RESTRICTED, ≥ nextpow2 of the matching queue-pair maximum; each PF VPort with VMMQ has "
      "IndirectionTableSize ≤ min(both counts) (A32 common-min) or ≤ its own count (A32 separate).",
      reading=_table_size_reading)
def indirection_table_limits(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    capabilities = config.structure("rss_capabilities")
    if capabilities is not None:
        yield Obligation("rss_capabilities",
                         sym.field(capabilities, "number_of_indirection_table_entries") <= NATIVE_RSS_TABLE_MAX,
                         f"NumberOfIndirectionTableEntries exceeds {NATIVE_RSS_TABLE_MAX}, the native RSS maximum")
    for record, reported in nic_switch_sections(cx):
        for_default, per_non_default = sym.field(record, ITE_DEFAULT), sym.field(record, ITE_NON_DEFAULT)
        restricted = has(sym.field(record, "nic_switch_capabilities"), C.CAPS_TABLE_SIZE_RESTRICTED)
        parts = [
            (Or(for_default == 0, pow2(for_default)), "NumberOfIndirectionTableEntriesForDefaultVPort is not a "
                                                           "power of 2"),
            (Or(per_non_default == 0, pow2(per_non_default)), "NumberOfIndirectionTableEntriesPerNonDefaultPFVPort "
                                                                   "is not a power of 2"),
            (Implies(restricted, And(
                for_default >= nextpow2(sym.field(record, "max_num_queue_pairs_for_default_vport")),
                per_non_default >= nextpow2(sym.field(record, "max_num_queue_pairs_per_non_default_vport")))),
             "under INDIRECTION_TABLE_SIZE_RESTRICTED an entry count is below nextpow2 of its queue-pair maximum"),
        ]
        obligation = combined(record.path, parts, "indirection-table entry counts: ")
        yield Obligation(obligation.instance, obligation.body, obligation.message,
                         guard=And(reported, _revision(cx, record) == 3))
    separate = config.policy.vport_table_size == "separate"
    for vport in pf_vports(config):
        limits = switch_limit(cx, ITE_DEFAULT, 3), switch_limit(cx, ITE_NON_DEFAULT, 3)
        if not vport.table_size_known or limits[0] is None or limits[1] is None:
            continue
        (for_default, applies), (per_non_default, _) = limits
        if separate:
            bound, member = ((for_default, "NumberOfIndirectionTableEntriesForDefaultVPort") if vport.id == 0 else
                             (per_non_default, "NumberOfIndirectionTableEntriesPerNonDefaultPFVPort"))
        else:
            bound = If(for_default <= per_non_default, for_default, per_non_default)
            member = "the smaller of the two NIC switch indirection-table entry counts (A32)"
        yield Obligation(vport.record.path, sym.field(vport.record, "indirection_table_size") <= bound,
                         f"{vport_name(vport)}'s IndirectionTableSize exceeds {member}",
                         guard=And(applies, sym.field(vport.record, "vmmq")))


@rule("D-5", "queue-pair-arithmetic", "warning", "S12 D1 S2",
      "MaxNumQueuePairsForDefaultVPort ≤ MaxNumQueuePairs − (MaxNumVPorts − 1) (revision 3), "
      "MaxNumQueuePairsPerNonDefaultVPort ≤ MaxNumQueuePairs, and the default VPort's NumQueuePairs ≤ "
      "MaxNumQueuePairsForDefaultVPort; the runtime sums are VPORT-9.")
def queue_pair_arithmetic(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for record, reported in nic_switch_sections(cx):
        pairs = sym.field(record, "max_num_queue_pairs")
        revision = _revision(cx, record)
        obligation = combined(record.path, [
            (Implies(revision == 3, sym.field(record, "max_num_queue_pairs_for_default_vport")
                     <= pairs - (sym.field(record, "max_num_vports") - 1)),
             "MaxNumQueuePairsForDefaultVPort leaves fewer than one queue pair per other VPort"),
            (sym.field(record, "max_num_queue_pairs_per_non_default_vport") <= pairs,
             "MaxNumQueuePairsPerNonDefaultVPort exceeds MaxNumQueuePairs"),
        ], "queue-pair maxima: ")
        yield Obligation(obligation.instance, obligation.body, obligation.message,
                         guard=And(reported, revision >= 2))
    vport = default_vport(cx.config.vports)
    limit = switch_limit(cx, "max_num_queue_pairs_for_default_vport", 3)
    if vport is not None and limit is not None:
        yield Obligation(vport.record.path, sym.field(vport.record, "num_queue_pairs") <= limit[0],
                         "the default VPort has more queue pairs than MaxNumQueuePairsForDefaultVPort",
                         guard=limit[1])


@rule("D-6", "rss-capable-vport-bound", "warning", "D1 S2",
      "MaxNumRssCapableNonDefaultPFVPorts ≤ MaxNumVPorts − 1, and ≤ MaxNumVPorts − MaxNumVFs without "
      "SINGLE_VPORT_POOL (revision 3); at runtime, non-default PF VPorts with VMMQ ≤ "
      "MaxNumRssCapableNonDefaultPFVPorts.")
def rss_capable_vport_bound(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    for record, reported in nic_switch_sections(cx):
        capable, vports = sym.field(record, "max_num_rss_capable_non_default_pf_vports"), sym.field(record,
                                                                                                 "max_num_vports")
        single_pool = has(sym.field(record, "nic_switch_capabilities"), C.CAPS_SINGLE_VPORT_POOL)
        yield Obligation(record.path, And(capable <= vports - 1, Implies(
            Not(single_pool), capable <= vports - sym.field(record, "max_num_vfs"))),
            "MaxNumRssCapableNonDefaultPFVPorts exceeds the non-default VPorts the switch can have (MaxNumVPorts − 1, "
            "or MaxNumVPorts − MaxNumVFs without SINGLE_VPORT_POOL)",
            guard=And(reported, _revision(cx, record) == 3))
    limit = switch_limit(cx, "max_num_rss_capable_non_default_pf_vports", 3)
    candidates = [v for v in non_default(cx.config.vports) if v.is_pf]
    if limit is None or not candidates:
        return
    with_vmmq = Sum([bool_to_int(sym.field(v.record, "vmmq")) for v in candidates])
    yield Obligation("vports", with_vmmq <= limit[0],
                     "more non-default PF VPorts have VMMQ than MaxNumRssCapableNonDefaultPFVPorts", guard=limit[1])


@rule("D-9", "vmmq-end-to-end", "warning", "S2 S3 S6 S13",
      "vmmq_en ⇒ *RssOnHostVPorts ≠ 0, RSS_ON_PF_VPORTS, PER_VPORT_INDIRECTION_TABLE and SINGLE_VPORT_POOL in the "
      "hardware caps, NIC switch capabilities revision 3 and parameters revision 2, a creatable switch (NSP-11), "
      "NDIS ≥ 6.60, and NIC_SWITCH_WITHOUT_IOV unless SR-IOV is on and preferred.")
def vmmq_end_to_end(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    if not config.vports:
        return
    hardware, parameters = config.structure("nic_switch.hardware"), config.structure("nic_switch.parameters")
    preferred = keyword_equals(sym, "*SriovPreferred", 1)
    parts = [
        (sym.inf("*RssOnHostVPorts") != 0, "*RssOnHostVPorts is 0"),
        (Or(preferred, And(keyword_equals(sym, "*SriovPreferred", 0),
                                 keyword_equals(sym, "*RssOrVmqPreference", 1))),
         "the keywords do not make the NIC switch creatable (NSP-11)"),
        (config.adapter.ndis_version >= (6, 60), f"the adapter registers NDIS {config.adapter.ndis}"),
    ]
    if hardware is not None:
        caps = sym.field(hardware, "nic_switch_capabilities")
        needed = C.CAPS_RSS_ON_PF_VPORTS | C.CAPS_PER_VPORT_TABLE | C.CAPS_SINGLE_VPORT_POOL
        without_sriov = Or(Not(keyword_is_one(sym, "*SRIOV")), Not(preferred))
        parts += [((caps & needed) == needed, "the hardware caps lack RSS_ON_PF_VPORTS_SUPPORTED, "
                   "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED or SINGLE_VPORT_POOL"),
                  (_revision(cx, hardware) == 3, "the NIC switch capabilities are not revision 3"),
                  (Implies(without_sriov, has(caps, C.CAPS_WITHOUT_IOV)),
                   "VMMQ without SR-IOV needs NIC_SWITCH_WITHOUT_IOV_SUPPORTED")]
    if parameters is not None:
        parts.append((_revision(cx, parameters) == 2, "the NIC switch parameters are not revision 2"))
    obligation = combined("vports", parts, "VMMQ is enabled but ")
    yield Obligation(obligation.instance, obligation.body, obligation.message, guard=cx.modes.vmmq_en)


@rule("D-10", "vmmq-dynamic-affinity", "warning", "S2 S4 D3 S23",
      "vmmq_sup ⇒ DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8) in the hardware SupportedQueueProperties, and "
      "from NDIS 6.80 (RSSv2) SUPPORTS_INDEPENDENT_ENTRY_MOVE in the RSS CapabilitiesFlags.")
def vmmq_dynamic_affinity(cx: RuleContext) -> Iterator[Obligation]:
    config, sym, vmmq_sup = cx.config, cx.sym, cx.modes.vmmq_sup
    receive_filter = config.structure("receive_filter.hardware")
    if receive_filter is not None:
        yield Obligation(receive_filter.path,
                         has(sym.field(receive_filter, "supported_queue_properties"), C.SQP_DYNAMIC_AFFINITY),
                         "the NIC supports VMMQ but not DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8)",
                         guard=vmmq_sup)
    capabilities = config.structure("rss_capabilities")
    if capabilities is not None and config.adapter.ndis_version >= (6, 80):
        yield Obligation("rss_capabilities",
                         has(sym.field(capabilities, "capabilities_flags"), INDEPENDENT_ENTRY_MOVE),
                         "the NIC supports VMMQ on NDIS 6.80 (RSSv2) but not SUPPORTS_INDEPENDENT_ENTRY_MOVE",
                         guard=vmmq_sup)


@rule("D-11", "per-queue-vector-budget", "warning", "S14 S24 S1",
      "Every queue has its own MSI-X table entry: vmq_sup ⇒ NumQueues + 1 ≤ msix.table_size; vmmq_en ⇒ Σ "
      "NumQueuePairs of the PF VPorts ≤ msix.table_size; vmmq_sup ⇒ MaxNumQueuePairs ≤ msix.table_size (info).",
      physical_only=True)
def per_queue_vector_budget(cx: RuleContext) -> Iterator[Obligation]:
    config, sym, modes = cx.config, cx.sym, cx.modes
    if config.msix is None:
        return
    msix = config.msix.record
    receive_filter = config.structure("receive_filter.hardware")
    if receive_filter is not None:
        yield Obligation("msix", sym.field(receive_filter, "num_queues") + 1 <= sym.field(msix, "table_size"),
                         "the MSI-X table has fewer entries than the VM queues plus the default queue",
                         guard=modes.vmq_sup)
    pf = pf_vports(config)
    if pf:
        yield Obligation("msix (VMMQ queue pairs)",
                         Sum([sym.field(v.record, "num_queue_pairs") for v in pf]) <= sym.field(msix, "table_size"),
                         "the MSI-X table has fewer entries than the PF VPorts' queue pairs", guard=modes.vmmq_en)
    hardware = config.structure("nic_switch.hardware")
    if hardware is not None:
        yield Obligation("msix (MaxNumQueuePairs)", sym.field(hardware, "max_num_queue_pairs") <= sym.field(msix, "table_size"),
                         "the MSI-X table has fewer entries than MaxNumQueuePairs", severity=Severity.INFO,
                         guard=And(modes.vmmq_sup, _revision(cx, hardware) >= 2))


@rule("D-13", "rss-queue-keyword-within-hardware", "warning", "S10 D6",
      "*NumRSSQueues ≤ NumberOfReceiveQueues (the other RSS keyword coherence checks of D-13 are INF-RSS-11, "
      "INF-RSS-7 and INF-RSS-3).")
def rss_queue_keyword(cx: RuleContext) -> Iterator[Obligation]:
    capabilities = cx.config.structure("rss_capabilities")
    if capabilities is None or not cx.sym.inf_present("*NumRSSQueues"):
        return
    queues = cx.sym.inf("*NumRSSQueues")
    if queues is None:
        return
    yield Obligation('inf."*NumRSSQueues"', queues <= cx.sym.field(capabilities, "number_of_receive_queues"),
                     "*NumRSSQueues asks for more queues than NumberOfReceiveQueues")


@rule("D-14", "rss-processors-distinct", "warning", "D4",
      "The RSS processor array lists each processor once (its bounds are RPI-3, its count RPI-2 and RPI-4).")
def rss_processors_distinct(cx: RuleContext) -> Iterator[Obligation]:
    info = cx.config.rss_processors
    if info is None:
        return
    cpus = [p.cpu for p in info.processors]
    repeated = sorted(cpu for cpu in info.cpus if cpus.count(cpu) > 1) if len(cpus) != len(info.cpus) else []
    yield Obligation("rss_processors", not repeated,
                     f"processors listed more than once: {processors(cx.sym, repeated)}")


@rule("D-15", "queue-processor-in-rss-set", "warning", "S1 S20 D8 D4",
      "Per VM queue: its processor is an RSS processor (distinct data vector targets are VMQ-IRQ-5, the NUMA "
      "preference RPI-6; the format holds no MSI-X table entry → message mapping for the entry bullet).",
      physical_only=True)
def queue_processor_in_rss_set(cx: RuleContext) -> Iterator[Obligation]:
    info = cx.config.rss_processors
    if info is None:
        return
    for queue in cx.config.queues:
        yield Obligation(queue.record.path, cx.sym.in_set(cx.sym.field(queue.record, "cpu"), info.cpus),
                         f"VM queue {queue.id}'s processor is not an RSS processor")


@rule("D-17", "symmetric-queue-pairs-single-value", "info", "D1 S12",
      "Without ASYMMETRIC_QUEUE_PAIRS_FOR_NONDEFAULT_VPORT_SUPPORTED, all non-default VPorts share one NumQueuePairs "
      "value (the form a synthesizer fixes as one variable; per VPort, NSC-16).")
def symmetric_single_value(cx: RuleContext) -> Iterator[Obligation]:
    hardware = cx.config.structure("nic_switch.hardware")
    others = non_default(cx.config.vports)
    if hardware is None or len(others) < 2:
        return
    sym = cx.sym
    first = sym.field(others[0].record, "num_queue_pairs")
    yield Obligation("vports", And([sym.field(v.record, "num_queue_pairs") == first for v in others[1:]]),
                     "the non-default VPorts do not share one NumQueuePairs value in symmetric mode",
                     guard=Not(has(sym.field(hardware, "nic_switch_capabilities"), C.CAPS_ASYMMETRIC)))


@rule("D-18", "sriov-and-vmq-vport-pool", "warning", "D1 S17 S9",
      "Without SINGLE_VPORT_POOL and with VMQ: MaxNumVPorts − MaxNumVFs ≥ 1; with it: the non-default PF VPorts plus "
      "one VPort per VF (NumVFs of the switch parameters, else the VFs VPorts attach to) ≤ MaxNumVPorts − 1.")
def sriov_and_vmq_pool(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    hardware = config.structure("nic_switch.hardware")
    if hardware is None:
        return
    parameters = config.structure("nic_switch.parameters")
    vports, vfs = sym.field(hardware, "max_num_vports"), sym.field(hardware, "max_num_vfs")
    single_pool = has(sym.field(hardware, "nic_switch_capabilities"), C.CAPS_SINGLE_VPORT_POOL)
    parts = [(Implies(And(Not(single_pool), cx.modes.vmq_sup), vports - vfs >= 1),
              "without SINGLE_VPORT_POOL, MaxNumVFs leaves no VPort for VM queues")]
    if config.vports or parameters is not None:
        pf_count = sum(1 for v in non_default(config.vports) if v.is_pf)
        allocated = (sym.field(parameters, "num_vfs") if parameters is not None else
                     len({v.record.values["attached_function_id"] for v in config.vports if not v.is_pf}))
        parts.append((Implies(single_pool, pf_count + allocated <= vports - 1),
                      f"the {pf_count} non-default PF VPorts and a VPort per allocated VF exhaust the pool"))
    obligation = combined(hardware.path, parts, "the VPort pool: ")
    yield Obligation(obligation.instance, obligation.body, obligation.message,
                     guard=_revision(cx, hardware) >= 2)


RULES: tuple[Rule, ...] = (
    current_within_hardware, header_sanity, msix_physical_limits, indirection_table_limits, queue_pair_arithmetic,
    rss_capable_vport_bound, nic_switch_flag_implications, unknown_bits_zero, vmmq_end_to_end,
    vmmq_dynamic_affinity, per_queue_vector_budget, rss_queue_keyword, rss_processors_distinct,
    queue_processor_in_rss_set, symmetric_single_value, sriov_and_vmq_pool,
)
