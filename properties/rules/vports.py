"""rules.md §2.11 — VPort parameters (`NDIS_NIC_SWITCH_VPORT_PARAMETERS`), general."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C
from vmqproof.model.smt.logic import And, BoolTerm, If, Implies, IntTerm, Not, Or, Sum
from vmqproof.model.smt.symbolic import has
from vmqproof.properties.rules.common import non_default, not_zeroed, vport_name
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

AFFINITY_CHANGED = C.VPORT_FLAGS.by_name()["PROCESSOR_AFFINITY_CHANGED"]
LAST_NSC_REVISION = max(C.NSC_SIZES)


def switch_limit(cx: RuleContext, name: str, since: int) -> tuple[IntTerm, BoolTerm] | None:
    """A NIC switch maximum that bounds the VPorts, and when it applies: the current capabilities when they are
    given and not zeroed (A7 iii), else the hardware ones; a field of revision `since` only from that revision."""
    sym = cx.sym

    def of(section: str) -> tuple[IntTerm, BoolTerm] | None:
        record = cx.config.structure(section)
        if record is None:
            return None
        revision = sym.field(record, "revision")
        return sym.field(record, name), revision == since if since == LAST_NSC_REVISION else revision >= since

    current, hardware = of("nic_switch.current"), of("nic_switch.hardware")
    if current is None:
        return hardware
    record = cx.config.structure("nic_switch.current")
    assert record is not None
    reported = not_zeroed(sym, record)
    if hardware is None:
        return current[0], And(reported, current[1])
    return If(reported, current[0], hardware[0]), If(reported, current[1], hardware[1])


@rule("VPORT-1", "vport-parameters-header", "error", "D9",
      "Per VPort: Type = 0x80 and Revision ∈ {1, 2}; Revision 2 (QosSqId) needs NDIS ≥ 6.50.", min_ndis="6.30")
def vport_header(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    ndis_650 = cx.config.adapter.ndis_version >= (6, 50)
    for vport in cx.config.vports:
        revision = sym.field(vport.record, "revision")
        yield Obligation(vport.record.path,
                         And(sym.field(vport.record, "type") == C.NDIS_OBJECT_TYPE_DEFAULT,
                             Or(revision == 1, And(revision == 2, ndis_650))),
                         f"{vport_name(vport)}: the header is not Type 0x80 with Revision 1, or 2 from NDIS 6.50")


@rule("VPORT-2", "vport-default-switch-id", "error", "D9",
      "Per VPort: SwitchId = NDIS_DEFAULT_SWITCH_ID (0).", min_ndis="6.30")
def vport_switch_id(cx: RuleContext) -> Iterator[Obligation]:
    for vport in cx.config.vports:
        yield Obligation(vport.record.path, cx.sym.field(vport.record, "switch_id") == 0,
                         f"{vport_name(vport)}: SwitchId is not NDIS_DEFAULT_SWITCH_ID (0)")


@rule("VPORT-3", "vport-id-range", "error", "D9 D11",
      "Per VPort: VPortId < NumVPorts, bounded by MaxNumVPorts of the NIC switch capabilities (current when "
      "reported, else hardware); VPortId 0 is the default VPort, attached to the PF.")
def vport_id_range(cx: RuleContext) -> Iterator[Obligation]:
    for vport in cx.config.vports:
        limit = switch_limit(cx, "max_num_vports", 2)
        default_on_pf = bool(vport.id != 0 or vport.is_pf)
        in_range = True if limit is None else Implies(limit[1], vport.id < limit[0])
        yield Obligation(vport.record.path, And(in_range, default_on_pf),
                         f"{vport_name(vport)}: " + ("VPortId 0 is the default VPort, which is attached to the PF"
                                                     if not vport.is_pf and vport.id == 0 else
                                                     "VPortId is not below MaxNumVPorts (NDIS_NIC_SWITCH_INFO."
                                                     "NumVPorts)"))


@rule("VPORT-5", "processor-affinity-on-pf-vports-only", "error", "D9 D3",
      "Per VPort: attached to a VF ⇒ no PROCESSOR_AFFINITY_CHANGED (0x100000) flag; a non-default PF VPort with "
      "that flag ⇒ DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8) in the hardware SupportedQueueProperties.")
def affinity_on_pf_only(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    receive_filter = cx.config.structure("receive_filter.hardware")
    for vport in cx.config.vports:
        changed = has(sym.field(vport.record, "flags"), AFFINITY_CHANGED)
        if not vport.is_pf:
            yield Obligation(vport.record.path, Not(changed),
                             f"{vport_name(vport)} is attached to a VF but its Flags set PROCESSOR_AFFINITY_CHANGED; "
                             "ProcessorAffinity is valid only for PF VPorts")
        elif vport.id != 0 and receive_filter is not None:
            yield Obligation(vport.record.path,
                             has(sym.field(receive_filter, "supported_queue_properties"), C.SQP_DYNAMIC_AFFINITY),
                             f"{vport_name(vport)} changes its processor affinity (PROCESSOR_AFFINITY_CHANGED) but the "
                             "hardware SupportedQueueProperties lack DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED (0x8)",
                             guard=changed)


@rule("VPORT-7", "vport-lookahead-size-zero", "error", "D9", "Per VPort: LookaheadSize = 0.")
def vport_lookahead_zero(cx: RuleContext) -> Iterator[Obligation]:
    for vport in cx.config.vports:
        yield Obligation(vport.record.path, cx.sym.field(vport.record, "lookahead_size") == 0,
                         f"{vport_name(vport)}: LookaheadSize is not 0")


@rule("VPORT-9", "vport-totals-within-switch", "warning", "S12 D1",
      "The VPorts fit the NIC switch (current capabilities when reported, else hardware; D-5's runtime part): "
      "Σ NumQueuePairs ≤ MaxNumQueuePairs, |VPorts| ≤ MaxNumVPorts, and each non-default VPort's NumQueuePairs ≤ "
      "MaxNumQueuePairsPerNonDefaultVPort.")
def vport_totals(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    if not config.vports:
        return
    pairs = switch_limit(cx, "max_num_queue_pairs", 2)
    if pairs is not None:
        total = Sum([sym.field(v.record, "num_queue_pairs") for v in config.vports])
        yield Obligation("vports", total <= pairs[0],
                         "the VPorts' NumQueuePairs add up to more than MaxNumQueuePairs", guard=pairs[1])
    vports = switch_limit(cx, "max_num_vports", 2)
    if vports is not None:
        count = len(config.vports)
        yield Obligation("vports (count)", count <= vports[0],
                         f"{count} VPorts exceed MaxNumVPorts", guard=vports[1])
    for vport in non_default(config.vports):
        per_vport = switch_limit(cx, "max_num_queue_pairs_per_non_default_vport", 2)
        if per_vport is not None:
            yield Obligation(vport.record.path, sym.field(vport.record, "num_queue_pairs") <= per_vport[0],
                             f"{vport_name(vport)} has more queue pairs than MaxNumQueuePairsPerNonDefaultVPort",
                             guard=per_vport[1])


RULES: tuple[Rule, ...] = (vport_header, vport_switch_id, vport_id_range, affinity_on_pf_only,
                           vport_lookahead_zero, vport_totals)
