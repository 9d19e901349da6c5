"""rules.md §2.4 — NIC switch capabilities (`NDIS_NIC_SWITCH_CAPABILITIES`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vmqproof.model.config import constants as C
from vmqproof.model.config.fields import Value
from vmqproof.model.config.schema import Config, Record, VPort
from vmqproof.model.smt.logic import And, BoolTerm, FlagsTerm, If, IntTerm, Not, Or
from vmqproof.model.smt.symbolic import Symbolic, has, nextpow2, pow2
from vmqproof.properties.rules.common import (
    SectionFormula, header_is, non_default, not_zeroed, per_section, pf_vports,
)
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

HARDWARE = "nic_switch.hardware"
CURRENT = "nic_switch.current"
LAST_REVISION = max(C.NSC_SIZES)


def _per_section(cx: RuleContext, body: SectionFormula, message: str, *, since: int = 1,
                 premise: SectionFormula | None = None,
                 sections: tuple[str, ...] = (HARDWARE, CURRENT)) -> Iterator[Obligation]:
    return per_section(cx, sections, body, message, since=since, last_revision=LAST_REVISION, premise=premise)


def _caps(cx: RuleContext, record: Record) -> FlagsTerm:
    return cx.sym.field(record, "nic_switch_capabilities")


def _caps_have(cx: RuleContext, bit: int) -> SectionFormula:
    return lambda record: has(_caps(cx, record), bit)


def _vmmq_sup(cx: RuleContext) -> SectionFormula:
    return lambda _: cx.modes.vmmq_sup


@rule("NSC-1", "nic-switch-caps-header", "error", "D1 H1 H3",
      "The header of NDIS_NIC_SWITCH_CAPABILITIES: Type = 0x80, Revision ∈ {1, 2, 3} and Size = 32, 116 or 132 "
      "for that revision.")
def caps_header(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, lambda record: header_is(cx.sym, record, C.NSC_SIZES),
                            "the header is not Type 0x80 with Revision 1, 2 or 3 and the Size of that revision "
                            "(32, 116 or 132)")


@rule("NSC-2", "vmmq-caps-revision-3", "error", "S2",
      "A driver that advertises VMMQ reports revision 3: vmmq_sup ⇒ Revision = 3 ∧ Size = 132.")
def vmmq_revision_3(cx: RuleContext) -> Iterator[Obligation]:
    def body(record: Record) -> BoolTerm:
        return And(cx.sym.field(record, "revision") == 3, cx.sym.field(record, "size") == C.NSC_SIZES[3])
    yield from _per_section(cx, body, "the NIC switch advertises VMMQ (RSS_ON_PF_VPORTS_SUPPORTED) but the "
                                      "structure is not NDIS_NIC_SWITCH_CAPABILITIES_REVISION_3 of size 132",
                            premise=_vmmq_sup(cx))


@rule("NSC-3", "caps-revision-2-from-ndis-630", "error", "S13 D1",
      "From NDIS 6.30 the structure has revision 2 or later: ndis ≥ 6.30 ⇒ Revision ≥ 2.", min_ndis="6.30")
def revision_2_from_630(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, lambda r: cx.sym.field(r, "revision") >= 2,
                            "the miniport registers NDIS 6.30 or later but reports revision 1")


@rule("NSC-4", "legacy-mac-vlan-counts-zero", "error", "D1",
      "Revision ≥ 2 ⇒ NumTotalMacAddresses = NumMacAddressesPerPort = NumVlansPerPort = 0.")
def legacy_counts_zero(cx: RuleContext) -> Iterator[Obligation]:
    names = ("num_total_mac_addresses", "num_mac_addresses_per_port", "num_vlans_per_port")
    yield from _per_section(cx, lambda r: And([cx.sym.field(r, n) == 0 for n in names]),
                            "a revision 2 or later structure sets NumTotalMacAddresses, NumMacAddressesPerPort or "
                            "NumVlansPerPort, which must be 0", since=2)


@rule("NSC-5", "single-nic-switch", "error", "D1",
      "Only the default switch exists: Revision ≥ 2 ⇒ MaxNumSwitches = 1.")
def single_switch(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, lambda r: cx.sym.field(r, "max_num_switches") == 1,
                            "MaxNumSwitches is not 1 (only the default switch is supported)", since=2)


@rule("NSC-6", "vports-cover-vfs", "error", "D1",
      "The switch has a VPort per VF plus the default VPort: MaxNumVPorts ≥ MaxNumVFs + 1.")
def vports_cover_vfs(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(
        cx, lambda r: cx.sym.field(r, "max_num_vports") >= cx.sym.field(r, "max_num_vfs") + 1,
        "MaxNumVPorts is less than MaxNumVFs + 1 (a VPort per VF plus the default VPort)", since=2)


@rule("NSC-7", "queue-pairs-cover-vports", "error", "D1",
      "Every VPort, the default one included, has a queue pair: MaxNumQueuePairs ≥ MaxNumVPorts.")
def queue_pairs_cover_vports(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(
        cx, lambda r: cx.sym.field(r, "max_num_queue_pairs") >= cx.sym.field(r, "max_num_vports"),
        "MaxNumQueuePairs is less than MaxNumVPorts (every VPort needs a queue pair)", since=2)


@rule("NSC-8", "mac-addresses-cover-vports", "error", "D1",
      "Every VPort can have a unicast MAC filter: MaxNumMacAddresses ≥ MaxNumVPorts.")
def mac_addresses_cover_vports(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(
        cx, lambda r: cx.sym.field(r, "max_num_mac_addresses") >= cx.sym.field(r, "max_num_vports"),
        "MaxNumMacAddresses is less than MaxNumVPorts (every VPort needs a unicast MAC filter)", since=2)


def _powers_reading(config: Config) -> str:
    return f"A19 {config.policy.queue_pairs_power_of_two}"


def _power_of_two(cx: RuleContext, name: str, member: str, since: int) -> Iterator[Obligation]:
    """rules.md A19: reading (a) the value is a power of 2; reading (b) the field holds the exponent."""
    exponent = cx.config.policy.queue_pairs_power_of_two == "exponent"

    def body(record: Record) -> BoolTerm:
        value = cx.sym.field(record, name)
        return value <= 31 if exponent else pow2(value)
    yield from _per_section(cx, body, f"{member} is an exponent of 2 above 31 (reading A19 b)" if exponent
                            else f"{member} is not a power of 2", since=since)


@rule("NSC-9", "non-default-vport-queue-pairs-power-of-two", "error", "D1",
      "MaxNumQueuePairsPerNonDefaultVPort is specified in powers of 2: a power of 2 (A19 a), or an exponent "
      "≤ 31 (A19 b).", reading=_powers_reading)
def non_default_power_of_two(cx: RuleContext) -> Iterator[Obligation]:
    yield from _power_of_two(cx, "max_num_queue_pairs_per_non_default_vport", "MaxNumQueuePairsPerNonDefaultVPort",
                             2)


@rule("NSC-10", "default-vport-queue-pairs-power-of-two", "error", "D1",
      "Revision 3 ⇒ MaxNumQueuePairsForDefaultVPort is specified in powers of 2: a power of 2 (A19 a), or an "
      "exponent ≤ 31 (A19 b).", reading=_powers_reading)
def default_power_of_two(cx: RuleContext) -> Iterator[Obligation]:
    yield from _power_of_two(cx, "max_num_queue_pairs_for_default_vport", "MaxNumQueuePairsForDefaultVPort", 3)


@rule("NSC-11", "max-vfs-within-numvfs", "error", "D1 S9 S13",
      "The current capabilities report no more VFs than the keyword allows: MaxNumVFs ≤ *NumVFs.")
def max_vfs_within_numvfs(cx: RuleContext) -> Iterator[Obligation]:
    num_vfs = cx.sym.inf("*NumVFs")
    if num_vfs is None:
        return
    yield from _per_section(cx, lambda r: cx.sym.field(r, "max_num_vfs") <= num_vfs,
                            "MaxNumVFs exceeds the *NumVFs keyword", since=2, sections=(CURRENT,))


@rule("NSC-12", "vmmq-single-vport-pool", "error", "S2",
      "VMMQ needs non-default VPorts from one pool: vmmq_sup ⇒ SINGLE_VPORT_POOL (0x10).")
def vmmq_single_pool(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, _caps_have(cx, C.CAPS_SINGLE_VPORT_POOL),
                            "the NIC switch advertises VMMQ but lacks SINGLE_VPORT_POOL (0x10)", since=2,
                            premise=_vmmq_sup(cx), sections=(HARDWARE,))


@rule("NSC-13", "vmmq-needs-rss-on-pf-vports", "error", "S2 D1",
      "A VPort with VMMQ needs RSS_ON_PF_VPORTS_SUPPORTED (0x80) in the hardware NIC switch capabilities: "
      "vmmq(v) ⇒ vmmq_sup, per PF VPort (a VF VPort with VMMQ is VMMQ-VP-1's).")
def vmmq_needs_flag(cx: RuleContext) -> Iterator[Obligation]:
    hardware = cx.config.structure(HARDWARE)
    if hardware is None:
        return
    for vport in pf_vports(cx.config):
        yield Obligation(vport.record.path, has(_caps(cx, hardware), C.CAPS_RSS_ON_PF_VPORTS),
                         f"VPort {vport.id} has VMMQ but the hardware NIC switch capabilities lack "
                         "RSS_ON_PF_VPORTS_SUPPORTED (0x80)", guard=cx.sym.field(vport.record, "vmmq"))


@rule("NSC-14", "vmmq-per-vport-indirection-table", "error", "S2 D1",
      "VMMQ needs per-PF-VPort indirection tables: vmmq_sup ⇒ RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED (0x100).")
def vmmq_per_vport_table(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, _caps_have(cx, C.CAPS_PER_VPORT_TABLE),
                            "the NIC switch advertises VMMQ but lacks RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED "
                            "(0x100)", since=2, premise=_vmmq_sup(cx), sections=(HARDWARE,))


@rule("NSC-15", "hash-flags-all-or-none", "error", "S2",
      "HASH_FUNCTION (0x200), HASH_TYPE (0x400) and HASH_KEY (0x800) are all set or all clear.")
def hash_flags_all_or_none(cx: RuleContext) -> Iterator[Obligation]:
    def body(record: Record) -> BoolTerm:
        caps = _caps(cx, record)
        function = has(caps, C.CAPS_HASH_FUNCTION)
        return And(function == has(caps, C.CAPS_HASH_TYPE), function == has(caps, C.CAPS_HASH_KEY))
    yield from _per_section(cx, body, "the per-PF-VPort hash flags HASH_FUNCTION (0x200), HASH_TYPE (0x400) and "
                                      "HASH_KEY (0x800) are neither all set nor all clear", since=2)


@rule("NSC-15b", "hash-function-needs-key", "error", "D1",
      "RSS_PER_PF_VPORT_HASH_FUNCTION_SUPPORTED (0x200) ⇒ RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED (0x800).")
def hash_function_needs_key(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, _caps_have(cx, C.CAPS_HASH_KEY),
                            "HASH_FUNCTION (0x200) is set without HASH_KEY (0x800)", since=2,
                            premise=_caps_have(cx, C.CAPS_HASH_FUNCTION))


@rule("NSC-16", "symmetric-queue-pairs", "error", "D1 S12 S2",
      "Without ASYMMETRIC_QUEUE_PAIRS_FOR_NONDEFAULT_VPORT_SUPPORTED (0x4) in the hardware capabilities, every "
      "non-default VPort has the same NumQueuePairs.")
def symmetric_queue_pairs(cx: RuleContext) -> Iterator[Obligation]:
    hardware = cx.config.structure(HARDWARE)
    others = non_default(cx.config.vports)
    if hardware is None or not others:
        return
    first = others[0]
    for vport in others[1:]:
        pairs = cx.sym.field(vport.record, "num_queue_pairs")
        yield Obligation(vport.record.path, pairs == cx.sym.field(first.record, "num_queue_pairs"),
                         f"VPort {vport.id} has a different number of queue pairs from VPort {first.id}, and the "
                         "hardware NIC switch capabilities lack ASYMMETRIC_QUEUE_PAIRS_FOR_NONDEFAULT_VPORT_SUPPORTED "
                         "(0x4)", guard=Not(has(_caps(cx, hardware), C.CAPS_ASYMMETRIC)))


@rule("NSC-17", "restricted-table-size", "error", "S2 D1 S4",
      "With RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED (0x1000), every PF VPort with VMMQ has "
      "IndirectionTableSize = nextpow2(NumQueuePairs).")
def restricted_table_size(cx: RuleContext) -> Iterator[Obligation]:
    hardware = cx.config.structure(HARDWARE)
    if hardware is None:
        return
    sym = cx.sym
    for vport in cx.config.vports:
        if not vport.is_pf or not vport.table_size_known:
            continue
        size = sym.field(vport.record, "indirection_table_size")
        yield Obligation(vport.record.path, size == nextpow2(sym.field(vport.record, "num_queue_pairs")),
                         f"VPort {vport.id}'s indirection table size is not its queue-pair count rounded up to a "
                         "power of 2, which RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED (0x1000) requires",
                         guard=And(has(_caps(cx, hardware), C.CAPS_TABLE_SIZE_RESTRICTED),
                                   sym.field(vport.record, "vmmq")))


@rule("NSC-18", "vmmq-default-and-non-default-capacity", "error", "S2 D1",
      "VMMQ works on the default and at least one non-default VPort: vmmq_sup ⇒ "
      "MaxNumRssCapableNonDefaultPFVPorts, MaxNumQueuePairsForDefaultVPort and both indirection-table entry "
      "counts are ≥ 1.")
def vmmq_capacity(cx: RuleContext) -> Iterator[Obligation]:
    names = ("max_num_rss_capable_non_default_pf_vports", "max_num_queue_pairs_for_default_vport",
             "number_of_indirection_table_entries_for_default_vport",
             "number_of_indirection_table_entries_per_non_default_pf_vport")
    yield from _per_section(cx, lambda r: And([cx.sym.field(r, n) >= 1 for n in names]),
                            "the NIC switch advertises VMMQ but MaxNumRssCapableNonDefaultPFVPorts, "
                            "MaxNumQueuePairsForDefaultVPort or an indirection-table entry count is 0", since=3,
                            premise=_vmmq_sup(cx), sections=(HARDWARE,))


def first_vmmq_table_size(sym: Symbolic, vports: Sequence[VPort], otherwise: IntTerm) -> IntTerm:
    """The indirection_table_size of the first of `vports` with VMMQ (chosen by the solver where vmmq is open),
    else `otherwise`."""
    chain: list[tuple[BoolTerm, IntTerm]] = []
    for vport in vports:
        vmmq = vport.record.values["vmmq"]
        if vmmq is False:
            continue
        chain.append((sym.field(vport.record, "vmmq"), sym.field(vport.record, "indirection_table_size")))
        if vmmq is True:
            break
    term = otherwise
    for vmmq_on, size in reversed(chain):
        term = If(vmmq_on, size, term)
    return term


@rule("NSC-19", "equal-non-default-table-sizes", "warning", "S2",
      "All non-default PF VPorts with VMMQ have the same IndirectionTableSize.")
def equal_table_sizes(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    candidates = [v for v in non_default(cx.config.vports) if v.is_pf and v.table_size_known]
    for index, vport in enumerate(candidates):
        earlier = candidates[:index]
        if all(v.record.values["vmmq"] is False for v in earlier):
            continue
        size = sym.field(vport.record, "indirection_table_size")
        # compared when it has VMMQ and an earlier one does (the first VMMQ VPort has none to match)
        earlier_vmmq = Or([sym.field(v.record, "vmmq") for v in earlier])
        yield Obligation(vport.record.path, size == first_vmmq_table_size(sym, earlier, size),
                         f"VPort {vport.id}'s indirection table size differs from that of an earlier non-default "
                         "PF VPort with VMMQ", guard=And(sym.field(vport.record, "vmmq"), earlier_vmmq))


@rule("NSC-21", "vlan-flag-needs-vfs", "warning", "D1",
      "VLAN_SUPPORTED (0x1) is about filtering on SR-IOV VPorts, so it comes with VFs: VLAN_SUPPORTED ⇒ "
      "MaxNumVFs > 0.")
def vlan_needs_vfs(cx: RuleContext) -> Iterator[Obligation]:
    yield from _per_section(cx, lambda r: cx.sym.field(r, "max_num_vfs") > 0,
                            "VLAN_SUPPORTED (0x1) is set but MaxNumVFs is 0: the flag means VLAN filtering on "
                            "individual SR-IOV VPorts", since=2, premise=_caps_have(cx, C.CAPS_VLAN))


@rule("NSC-22", "nic-switch-without-iov", "error", "D1 S13",
      "NIC_SWITCH_WITHOUT_IOV_SUPPORTED (0x40) ⇒ ndis ≥ 6.60 ∧ vmq_sup; and without SR-IOV enabled, a NIC switch "
      "and VM queues do not coexist.")
def nic_switch_without_iov(cx: RuleContext) -> Iterator[Obligation]:
    ndis_660 = cx.config.adapter.ndis_version >= (6, 60)
    yield from _per_section(cx, lambda _: And(ndis_660, cx.modes.vmq_sup),
                            "NIC_SWITCH_WITHOUT_IOV_SUPPORTED (0x40) is set but the miniport does not both "
                            "register NDIS 6.60 or later and advertise VMQ (VM_QUEUE_SUPPORTED)", since=2,
                            premise=_caps_have(cx, C.CAPS_WITHOUT_IOV), sections=(HARDWARE,))
    config = cx.config
    if config.structure("nic_switch.parameters") is None and not config.vports:
        return
    yield Obligation("queues", not config.queues,
                     f"VM queues ({len(config.queues)}) exist beside a NIC switch while SR-IOV is not enabled; "
                     "without SR-IOV, VM queue allocation and NIC switch creation exclude each other",
                     guard=Not(cx.modes.sriov_en))


@rule("NSC-23", "vf-reports-no-nic-switch", "error", "S13",
      "Only the PF miniport reports NIC switch capabilities: a VF has neither hardware nor current ones (a "
      "current structure zeroed apart from its header stands for NULL, A7).",
      roles=("vf",))
def vf_reports_no_nic_switch(cx: RuleContext) -> Iterator[Obligation]:
    for section in (HARDWARE, CURRENT):
        record = cx.config.structure(section)
        reported = record is not None
        if record is not None and section == CURRENT:
            reported = not_zeroed(cx.sym, record)
        yield Obligation(section, Not(reported),
                         f"a VF miniport reports {section.split('.')[1]} NIC switch capabilities; only the PF does")


@rule("NSC-24", "vport-pool-accounting", "info", "S17 D1",
      "Non-default PF VPorts fit the pool: at most MaxNumVPorts − 1 with SINGLE_VPORT_POOL (0x10), else at most "
      "MaxNumVPorts − MaxNumVFs.")
def vport_pool_accounting(cx: RuleContext) -> Iterator[Obligation]:
    if not cx.config.vports:
        return
    count = sum(1 for v in non_default(cx.config.vports) if v.is_pf)

    def body(record: Record) -> BoolTerm:
        vports = cx.sym.field(record, "max_num_vports")
        pool = If(has(_caps(cx, record), C.CAPS_SINGLE_VPORT_POOL), vports - 1,
                  vports - cx.sym.field(record, "max_num_vfs"))
        return count <= pool
    yield from _per_section(cx, body, f"{count} non-default PF VPorts exceed the pool (MaxNumVPorts − 1 with "
                                      "SINGLE_VPORT_POOL, else MaxNumVPorts − MaxNumVFs)", since=2,
                            sections=(HARDWARE,))


@rule("NSC-25", "one-vport-per-vf", "info", "D1",
      "From WS2012 only one non-default VPort attaches to a VF: |{v : AttachedFunctionId(v) = vf}| ≤ 1.")
def one_vport_per_vf(cx: RuleContext) -> Iterator[Obligation]:
    by_vf: dict[Value, list[VPort]] = {}
    for vport in cx.config.vports:
        if not vport.is_pf:
            by_vf.setdefault(vport.record.values["attached_function_id"], []).append(vport)
    for vf, attached in by_vf.items():
        yield Obligation(f"vf:{vf}", len(attached) <= 1,
                         f"VPorts {', '.join(str(v.id) for v in attached)} are all attached to VF {vf}; only one "
                         "VPort attaches to a VF")


@rule("NSC-26", "table-entries-within-caps", "error", "S23",
      "RSSv2: |ITE[0]| ≤ NumberOfIndirectionTableEntriesForDefaultVPort and, for each non-default PF VPort, "
      "|ITE[v]| ≤ NumberOfIndirectionTableEntriesPerNonDefaultPFVPort (hardware capabilities).", min_ndis="6.80")
def table_entries_within_caps(cx: RuleContext) -> Iterator[Obligation]:
    hardware = cx.config.structure(HARDWARE)
    if hardware is None:
        return
    sym = cx.sym
    for vport in cx.config.vports:
        if not vport.is_pf or not vport.table_size_known:
            continue
        name, member = (("number_of_indirection_table_entries_for_default_vport",
                         "NumberOfIndirectionTableEntriesForDefaultVPort") if vport.id == 0 else
                        ("number_of_indirection_table_entries_per_non_default_pf_vport",
                         "NumberOfIndirectionTableEntriesPerNonDefaultPFVPort"))
        yield Obligation(vport.record.path,
                         sym.field(vport.record, "indirection_table_size") <= sym.field(hardware, name),
                         f"VPort {vport.id}'s indirection table has more entries than {member}",
                         guard=sym.field(hardware, "revision") == LAST_REVISION)


RULES: tuple[Rule, ...] = (
    caps_header, vmmq_revision_3, revision_2_from_630, legacy_counts_zero, single_switch, vports_cover_vfs,
    queue_pairs_cover_vports, mac_addresses_cover_vports, non_default_power_of_two, default_power_of_two,
    max_vfs_within_numvfs, vmmq_single_pool, vmmq_needs_flag, vmmq_per_vport_table, hash_flags_all_or_none,
    hash_function_needs_key, symmetric_queue_pairs, restricted_table_size, vmmq_capacity, equal_table_sizes,
    vlan_needs_vfs, nic_switch_without_iov, vf_reports_no_nic_switch, vport_pool_accounting, one_vport_per_vf,
    table_entries_within_caps,
)
