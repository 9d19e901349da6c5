"""rules.md §2.2 — receive-filter capabilities (`NDIS_RECEIVE_FILTER_CAPABILITIES`)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import Config, Record
from vmqproof.model.smt.logic import And, BoolTerm, If, Not, Or
from vmqproof.model.smt.symbolic import has
from vmqproof.properties.results import Severity
from vmqproof.properties.rules.common import (
    SectionFormula, header_is, not_zeroed, per_section, present, section_guards,
)
from vmqproof.properties.rules.modes import keyword_equals
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

HARDWARE = "receive_filter.hardware"
CURRENT = "receive_filter.current"

SQP = C.SUPPORTED_QUEUE_PROPERTIES.by_name()
SQP_LOOKAHEAD_SPLIT = SQP["LOOKAHEAD_SPLIT_SUPPORTED"]
SQP_BIT_0X40 = SQP["IMPLAT_MIN_OF_QUEUES_MODE"]       # renamed from NDIS 6.80 (A14)
SQP_IMPLAT_SUM = SQP["IMPLAT_SUM_OF_QUEUES_MODE"]
NDIS_RENAMING_BIT_0X40 = (6, 80)
HEADER_FIELD_EQUAL = C.SUPPORTED_FILTER_TESTS.by_name()["TEST_HEADER_FIELD_EQUAL_SUPPORTED"]
MAC_HEADER = C.SUPPORTED_HEADERS.by_name()["MAC_HEADER_SUPPORTED"]
MAC_DEST_ADDR = C.SUPPORTED_MAC_HEADER_FIELDS.by_name()["MAC_HEADER_DEST_ADDR_SUPPORTED"]
MAC_VLAN_ID = C.SUPPORTED_MAC_HEADER_FIELDS.by_name()["MAC_HEADER_VLAN_ID_SUPPORTED"]
VMQ_FILTERS_ENABLED = C.ENABLED_FILTER_TYPES.by_name()["VMQ_FILTERS_ENABLED"]
VM_QUEUES_ENABLED = C.ENABLED_QUEUE_TYPES.by_name()["VM_QUEUES_ENABLED"]
MIN_FIELD_TESTS_PER_COALESCING_FILTER = 5
MIN_COALESCING_FILTERS = 10


def _guards(cx: RuleContext, record: Record, since: int) -> BoolTerm | None:
    guards = section_guards(cx.sym, record, since)
    return And(guards) if guards else None


def _per_section(cx: RuleContext, body: SectionFormula, message: str, *, since: int = 1,
                 premise: BoolTerm | None = None) -> Iterator[Obligation]:
    """One value obligation per present section (both the hardware and the current capabilities)."""
    return per_section(cx, (HARDWARE, CURRENT), body, message, since=since,
                       premise=None if premise is None else lambda _: premise)


def _hardware(cx: RuleContext, body: SectionFormula, message: str, premise: BoolTerm) -> Iterator[Obligation]:
    """An obligation on the hardware capabilities, which the `*_sup` premises are about."""
    for record in present(cx.config, HARDWARE):
        yield Obligation(record.path, body(record), message, guard=premise)


def _current(cx: RuleContext, body: SectionFormula, message: str, premise: BoolTerm) -> Iterator[Obligation]:
    """An obligation on the current capabilities when an interface is enabled (a zeroed structure is no excuse)."""
    for record in present(cx.config, CURRENT):
        yield Obligation(record.path, body(record), message, guard=premise)


def _has(cx: RuleContext, name: str, bit: int) -> SectionFormula:
    return lambda record: has(cx.sym.field(record, name), bit)


def _sqp_has(cx: RuleContext, bit: int) -> SectionFormula:
    return _has(cx, "supported_queue_properties", bit)


def _vmq_or_sriov_sup(cx: RuleContext) -> BoolTerm:
    return Or(cx.modes.vmq_sup, cx.modes.sriov_sup)


def _vmq_or_sriov_en(cx: RuleContext) -> BoolTerm:
    return Or(cx.modes.vmq_en, cx.modes.sriov_en)


@rule("RF-CAP-1", "receive-filter-caps-header", "error", "D3 H1 H3",
      "The header of NDIS_RECEIVE_FILTER_CAPABILITIES: Type = 0x80, Revision ∈ {1, 2} and Size = 56 or 84 for that "
      "revision.")
def caps_header(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, lambda record: header_is(cx.sym, record, C.RFC_SIZES),
                            "the header is not Type 0x80 with Revision 1 or 2 and the Size of that revision (56 or 84)")


@rule("RF-CAP-2", "receive-filter-caps-revision-2-from-ndis-630", "error", "S15",
      "From NDIS 6.30 the driver sets revision 2: ndis ≥ 6.30 ⇒ Revision = 2 ∧ Size = 84.", min_ndis="6.30")
def revision_2_from_630(cx: RuleContext) -> Iterator[Obligation]:
    def body(record: Record) -> BoolTerm:
        return And(cx.sym.field(record, "revision") == 2, cx.sym.field(record, "size") == C.RFC_SIZES[2])
    yield from _per_section(cx, body, "the miniport registers NDIS 6.30 or later but the structure is not "
                                      "NDIS_RECEIVE_FILTER_CAPABILITIES_REVISION_2 of size 84")


@rule("RF-CAP-3", "vm-queue-supported-when-enabled", "error", "D3 S14",
      "A driver enabled for VMQ or SR-IOV sets VM_QUEUE_SUPPORTED (0x2) in the current SupportedQueueProperties: "
      "(vmq_en ∨ sriov_en) ⇒ has(RFC_cur.SQP, 0x2).")
def vm_queue_supported(cx: RuleContext) -> Iterator[Obligation]:
    yield from _current(cx, _sqp_has(cx, C.SQP_VM_QUEUE),
                        "VMQ or SR-IOV is enabled but the current SupportedQueueProperties lack VM_QUEUE_SUPPORTED "
                        "(0x2)", _vmq_or_sriov_en(cx))


@rule("RF-CAP-4", "sriov-msix-supported-flag", "error", "D3 S14",
      "The SR-IOV case of VMQ-IRQ-2: sriov_sup ⇒ MSI_X_SUPPORTED (0x1) in the hardware SupportedQueueProperties; "
      "sriov_en ⇒ in the current ones too.", physical_only=True)
def sriov_msix_supported(cx: RuleContext) -> Iterator[Obligation]:
    message = "SR-IOV is {} but SupportedQueueProperties lack MSI_X_SUPPORTED (0x1)"
    yield from _hardware(cx, _sqp_has(cx, C.SQP_MSI_X), message.format("supported"), cx.modes.sriov_sup)
    yield from _current(cx, _sqp_has(cx, C.SQP_MSI_X), message.format("enabled"), cx.modes.sriov_en)


@rule("RF-CAP-5", "dynamic-affinity-change-supported", "error", "D3",
      "NDIS ≥ 6.30: (vmq_sup ∨ sriov_sup) ⇒ DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8) in the hardware "
      "SupportedQueueProperties.", min_ndis="6.30")
def dynamic_affinity_change(cx: RuleContext) -> Iterator[Obligation]:
    yield from _hardware(cx, _sqp_has(cx, C.SQP_DYNAMIC_AFFINITY),
                         "VMQ or SR-IOV is supported but SupportedQueueProperties lack "
                         "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8)", _vmq_or_sriov_sup(cx))


@rule("RF-CAP-6", "coalescing-supported", "error", "D3",
      "NDIS ≥ 6.30: (vmq_sup ∨ sriov_sup) ⇒ INTERRUPT_VECTOR_COALESCING_SUPPORTED (0x10) in the hardware "
      "SupportedQueueProperties (VMQ-IRQ-9 is the enabled case).", min_ndis="6.30")
def coalescing_supported(cx: RuleContext) -> Iterator[Obligation]:
    yield from _hardware(cx, _sqp_has(cx, C.SQP_COALESCING),
                         "VMQ or SR-IOV is supported but SupportedQueueProperties lack "
                         "INTERRUPT_VECTOR_COALESCING_SUPPORTED (0x10)", _vmq_or_sriov_sup(cx))


@rule("RF-CAP-7", "no-lookahead-split", "error", "D3 S14 S8",
      "NDIS ≥ 6.30: no LOOKAHEAD_SPLIT_SUPPORTED (0x4), MinLookaheadSplitSize = MaxLookaheadSplitSize = 0.",
      min_ndis="6.30")
def no_lookahead_split(cx: RuleContext) -> Iterator[Obligation]:
    def body(record: Record) -> BoolTerm:
        return And(Not(_sqp_has(cx, SQP_LOOKAHEAD_SPLIT)(record)),
                   cx.sym.field(record, "min_lookahead_split_size") == 0,
                   cx.sym.field(record, "max_lookahead_split_size") == 0)
    yield from _per_section(cx, body, "lookahead split is not supported from NDIS 6.30, but LOOKAHEAD_SPLIT_SUPPORTED "
                                      "(0x4) or a lookahead split size is set")


def _bit_0x40_reading(config: Config) -> str:
    if config.adapter.ndis_version >= NDIS_RENAMING_BIT_0X40:
        return "A14 bit 0x40 = DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED (NDIS ≥ 6.80)"
    return "A14 bit 0x40 = IMPLAT_MIN_OF_QUEUES_MODE (NDIS < 6.80)"


@rule("RF-CAP-8", "no-lbfo-queue-modes", "error", "D3 H2",
      "IMPLAT_SUM_OF_QUEUES_MODE (0x80) is not set by miniports; neither is bit 0x40 before NDIS 6.80, where it is "
      "IMPLAT_MIN_OF_QUEUES_MODE (from 6.80 it is DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED, A14).",
      reading=_bit_0x40_reading)
def no_lbfo_queue_modes(cx: RuleContext) -> Iterator[Obligation]:
    forbidden = SQP_IMPLAT_SUM
    names = "IMPLAT_SUM_OF_QUEUES_MODE (0x80)"
    if cx.config.adapter.ndis_version < NDIS_RENAMING_BIT_0X40:
        forbidden |= SQP_BIT_0X40
        names = "IMPLAT_MIN_OF_QUEUES_MODE (0x40) or " + names
    yield from _per_section(cx, lambda record: Not(_sqp_has(cx, forbidden)(record)),
                            f"SupportedQueueProperties set {names}, which are for LBFO filters, not miniports")


@rule("RF-CAP-9", "header-field-equal-test", "error", "D3 S14",
      "(vmq_sup ∨ sriov_sup) ⇒ TEST_HEADER_FIELD_EQUAL_SUPPORTED (0x1) in the hardware SupportedFilterTests.")
def header_field_equal(cx: RuleContext) -> Iterator[Obligation]:
    yield from _hardware(cx, _has(cx, "supported_filter_tests", HEADER_FIELD_EQUAL),
                         "VMQ or SR-IOV is supported but SupportedFilterTests lack TEST_HEADER_FIELD_EQUAL_SUPPORTED "
                         "(0x1)", _vmq_or_sriov_sup(cx))


@rule("RF-CAP-10", "mac-header-supported", "error", "S14",
      "vmq_sup ⇒ MAC_HEADER_SUPPORTED (0x1) in the hardware SupportedHeaders.")
def mac_header_supported(cx: RuleContext) -> Iterator[Obligation]:
    yield from _hardware(cx, _has(cx, "supported_headers", MAC_HEADER),
                         "VMQ is supported but SupportedHeaders lack MAC_HEADER_SUPPORTED (0x1)", cx.modes.vmq_sup)


@rule("RF-CAP-11", "mac-dest-addr-supported", "error", "S14 D3",
      "vmq_sup ∨ (sriov_sup ∧ ndis ≥ 6.30) ⇒ MAC_HEADER_DEST_ADDR_SUPPORTED (0x1) in the hardware "
      "SupportedMacHeaderFields.")
def mac_dest_addr_supported(cx: RuleContext) -> Iterator[Obligation]:
    since_630 = cx.config.adapter.ndis_version >= (6, 30)
    yield from _hardware(cx, _has(cx, "supported_mac_header_fields", MAC_DEST_ADDR),
                         "VMQ (or, from NDIS 6.30, SR-IOV) is supported but SupportedMacHeaderFields lack "
                         "MAC_HEADER_DEST_ADDR_SUPPORTED (0x1)",
                         Or(cx.modes.vmq_sup, And(cx.modes.sriov_sup, since_630)))


def _num_queues_reading(config: Config) -> str:
    return f"A10 {config.policy.sriov_and_vmq_num_queues}"


@rule("RF-CAP-12", "num-queues-by-enabled-interface", "error", "D3 S15",
      "sriov_en ⇒ RFC_cur.NumQueues = 0; vmq_en ⇒ RFC_cur.NumQueues ≥ 1. With both enabled, the policy reading of "
      "A10 decides (default: SR-IOV wins).", reading=_num_queues_reading)
def num_queues_by_interface(cx: RuleContext) -> Iterator[Obligation]:
    modes = cx.modes
    sriov_wins = cx.config.policy.sriov_and_vmq_num_queues == "sriov-wins"
    for record in present(cx.config, CURRENT):
        num_queues = cx.sym.field(record, "num_queues")
        body = (If(modes.sriov_en, num_queues == 0, num_queues >= 1) if sriov_wins
                else If(modes.vmq_en, num_queues >= 1, num_queues == 0))
        yield Obligation(record.path, body,
                         "the current NumQueues does not match the enabled interface (0 with SR-IOV, at least 1 "
                         f"with VMQ; with both, reading A10 {cx.config.policy.sriov_and_vmq_num_queues})",
                         guard=_vmq_or_sriov_en(cx))


@rule("RF-CAP-14", "mac-filters-cover-queues", "warning", "S14",
      "vmq_sup ⇒ MaxMacHeaderFilters ≥ NumQueues, in each of the hardware and current capabilities.")
def mac_filters_cover_queues(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, lambda r: cx.sym.field(r, "max_mac_header_filters") >= cx.sym.field(r, "num_queues"),
                            "there are fewer MAC header filters (MaxMacHeaderFilters) than VM queues (NumQueues)",
                            premise=cx.modes.vmq_sup)


@rule("RF-CAP-15", "vmq-filters-enabled", "error", "S15 D3",
      "(vmq_en ∨ sriov_en) ⇒ VMQ_FILTERS_ENABLED (0x1) in the current EnabledFilterTypes.")
def vmq_filters_enabled(cx: RuleContext) -> Iterator[Obligation]:
    yield from _current(cx, _has(cx, "enabled_filter_types", VMQ_FILTERS_ENABLED),
                        "VMQ or SR-IOV is enabled but the current EnabledFilterTypes lack VMQ_FILTERS_ENABLED (0x1)",
                        _vmq_or_sriov_en(cx))


@rule("RF-CAP-17", "vm-queues-enabled", "error", "D3 S14",
      "vmq_en ⇒ VM_QUEUES_ENABLED (0x1) in the current EnabledQueueTypes.")
def vm_queues_enabled(cx: RuleContext) -> Iterator[Obligation]:
    yield from _current(cx, _has(cx, "enabled_queue_types", VM_QUEUES_ENABLED),
                        "VMQ is enabled but the current EnabledQueueTypes lack VM_QUEUES_ENABLED (0x1)",
                        cx.modes.vmq_en)


@rule("RF-CAP-18", "packet-coalescing-minimums", "error", "D3",
      "Revision 2: MaxFieldTestsPerPacketCoalescingFilter is 0 or ≥ 5, MaxPacketCoalescingFilters is 0 or ≥ 10.")
def packet_coalescing_minimums(cx: RuleContext) -> Iterator[Obligation]:
    def zero_or_at_least(record: Record, name: str, minimum: int) -> BoolTerm:
        value = cx.sym.field(record, name)
        return Or(value == 0, value >= minimum)

    def body(record: Record) -> BoolTerm:
        return And(zero_or_at_least(record, "max_field_tests_per_packet_coalescing_filter",
                                       MIN_FIELD_TESTS_PER_COALESCING_FILTER),
                      zero_or_at_least(record, "max_packet_coalescing_filters", MIN_COALESCING_FILTERS))
    yield from _per_section(cx, body, "MaxFieldTestsPerPacketCoalescingFilter is neither 0 nor ≥ 5, or "
                                      "MaxPacketCoalescingFilters is neither 0 nor ≥ 10", since=2)


@rule("RF-CAP-19", "reserved-fields-zero", "error", "D3",
      "Revision 2: NdisReserved = 0 (error); Flags, MaxQueueGroups and MaxQueuesPerQueueGroup are reserved for NDIS "
      "and expected to be 0 (our derivation: warning).")
def reserved_fields_zero(cx: RuleContext) -> Iterator[Obligation]:
    for record in present(cx.config, HARDWARE, CURRENT):
        yield Obligation(f"{record.path} (NdisReserved)", cx.sym.field(record, "ndis_reserved") == 0,
                         "NdisReserved is not 0", guard=_guards(cx, record, 2))
        reserved = ("flags", "max_queue_groups", "max_queues_per_queue_group")
        yield Obligation(f"{record.path} (reserved for NDIS)",
                         And([cx.sym.field(record, name) == 0 for name in reserved]),
                         "Flags, MaxQueueGroups or MaxQueuesPerQueueGroup (reserved for NDIS) is not 0",
                         guard=_guards(cx, record, 1), severity=Severity.WARNING)


@rule("RF-CAP-20", "vf-reports-no-receive-filter", "error", "S15",
      "Only the PF miniport reports receive-filtering capabilities: a VF has neither hardware nor current ones (a "
      "current structure zeroed apart from its header stands for NULL, A7).", roles=("vf",))
def vf_reports_no_receive_filter(cx: RuleContext) -> Iterator[Obligation]:
    for section in (HARDWARE, CURRENT):
        record = cx.config.structure(section)
        reported = record is not None
        if record is not None and section == CURRENT:
            reported = not_zeroed(cx.sym, record)
        yield Obligation(section, Not(reported),
                         f"a VF miniport reports {section.split('.')[1]} receive-filtering capabilities; only the PF "
                         "does")


@rule("RF-CAP-21", "vlan-filtering-off-not-advertised", "error", "S8 S11",
      "*VMQVlanFiltering = 0 ⇒ no MAC_HEADER_VLAN_ID_SUPPORTED (0x8) in the current SupportedMacHeaderFields.")
def vlan_filtering_off(cx: RuleContext) -> Iterator[Obligation]:
    yield from _current(cx, lambda r: Not(_has(cx, "supported_mac_header_fields", MAC_VLAN_ID)(r)),
                        "*VMQVlanFiltering is 0 but the current SupportedMacHeaderFields advertise "
                        "MAC_HEADER_VLAN_ID_SUPPORTED (0x8)", keyword_equals(cx.sym, "*VMQVlanFiltering", 0))


RULES: tuple[Rule, ...] = (caps_header, revision_2_from_630, vm_queue_supported, sriov_msix_supported,
                           dynamic_affinity_change, coalescing_supported, no_lookahead_split, no_lbfo_queue_modes,
                           header_field_equal, mac_header_supported, mac_dest_addr_supported, num_queues_by_interface,
                           mac_filters_cover_queues, vmq_filters_enabled, vm_queues_enabled,
                           packet_coalescing_minimums, reserved_fields_zero, vf_reports_no_receive_filter,
                           vlan_filtering_off)
