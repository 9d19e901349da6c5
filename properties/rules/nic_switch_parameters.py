"""rules.md §2.5 — NIC switch parameters (NDIS_NIC_SWITCH_PARAMETERS) and switch creation."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import Config
from vmqproof.model.smt.logic import And, Or
from vmqproof.properties.rules.common import default_vport, header_is
from vmqproof.properties.rules.modes import keyword_equals
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

NSP = "nic_switch.parameters"
HARDWARE = "nic_switch.hardware"


@rule("NSP-1", "switch-parameters-header", "error", "D2 H1 H3",
      "The NIC switch parameters header is Type 0x80 with Revision 1 (Size 548) or Revision 2 (Size 552).")
def switch_parameters_header(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(NSP)
    if record is None:
        return
    yield Obligation(NSP, header_is(cx.sym, record, C.NSP_SIZES),
                     "the header is not Type 0x80 with Revision 1 and Size 548, or Revision 2 and Size 552")


@rule("NSP-2", "switch-parameters-revision-2-for-vmmq", "error", "S2",
      "vmmq_sup ⇒ the NIC switch parameters have Revision 2 and Size 552.")
def revision_2_for_vmmq(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(NSP)
    if record is None:
        return
    sym = cx.sym
    yield Obligation(NSP, And(sym.field(record, "revision") == 2, sym.field(record, "size") == C.NSP_SIZES[2]),
                     "the adapter supports VMMQ (RSS_ON_PF_VPORTS_SUPPORTED) but the NIC switch parameters are "
                     "not Revision 2 with Size 552", guard=cx.modes.vmmq_sup)


@rule("NSP-3", "default-vport-queue-pairs", "error", "S2 H2",
      "vmmq_sup ⇒ NumQueuePairsForDefaultVPort = VP[0].NumQueuePairs; with Revision 2, "
      "1 ≤ NumQueuePairsForDefaultVPort ≤ NSC_hw.MaxNumQueuePairsForDefaultVPort.")
def default_vport_queue_pairs(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    record = config.structure(NSP)
    if record is None:
        return
    vport = default_vport(config.vports)
    if vport is not None:
        yield Obligation(NSP, sym.field(record, "num_queue_pairs_for_default_vport")
                         == sym.field(vport.record, "num_queue_pairs"),
                         f"the adapter supports VMMQ but NumQueuePairsForDefaultVPort differs from the default "
                         f"VPort's NumQueuePairs ({vport.record.path})", guard=cx.modes.vmmq_sup)
    hardware = config.structure(HARDWARE)
    if hardware is not None:
        pairs = sym.field(record, "num_queue_pairs_for_default_vport")
        maximum = sym.field(hardware, "max_num_queue_pairs_for_default_vport")
        yield Obligation(NSP, And(pairs >= 1, pairs <= maximum),
                         "NumQueuePairsForDefaultVPort is 0 or exceeds the hardware "
                         "MaxNumQueuePairsForDefaultVPort", guard=sym.field(record, "revision") == 2)


@rule("NSP-4", "external-switch-type", "error", "D2 S18",
      "SwitchType = NdisNicSwitchTypeExternal (1).", min_ndis="6.30")
def external_switch_type(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(NSP)
    if record is None:
        return
    yield Obligation(NSP, cx.sym.field(record, "switch_type") == 1,
                     "SwitchType is not NdisNicSwitchTypeExternal (1)")


@rule("NSP-5", "default-switch-id", "error", "D2 S18", "SwitchId = NDIS_DEFAULT_SWITCH_ID (0).")
def default_switch_id(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(NSP)
    if record is None:
        return
    yield Obligation(NSP, cx.sym.field(record, "switch_id") == 0, "SwitchId is not NDIS_DEFAULT_SWITCH_ID (0)")


@rule("NSP-6", "no-change-flags-at-creation", "info", "D2",
      "At switch creation no change flag is set: Flags & 0xFFFF0000 = 0 (SWITCH_NAME_CHANGED belongs to "
      "OID_NIC_SWITCH_PARAMETERS sets).")
def no_change_flags(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure(NSP)
    if record is None:
        return
    yield Obligation(NSP, (cx.sym.field(record, "flags") & 0xFFFF0000) == 0,
                     "Flags has a change bit (0xFFFF0000, e.g. SWITCH_NAME_CHANGED), valid only in an "
                     "OID_NIC_SWITCH_PARAMETERS set request, not at switch creation")


@rule("NSP-8", "num-vfs-within-max", "error", "S18 D2", "NumVFs ≤ NSC_hw.MaxNumVFs.")
def num_vfs_within_max(cx: RuleContext) -> Iterator[Obligation]:
    record, hardware = cx.config.structure(NSP), cx.config.structure(HARDWARE)
    if record is None or hardware is None:
        return
    yield Obligation(NSP, cx.sym.field(record, "num_vfs") <= cx.sym.field(hardware, "max_num_vfs"),
                     "NumVFs exceeds the hardware MaxNumVFs")


@rule("NSP-9", "default-vport-on-pf", "error", "S18 S19",
      "A NIC switch (some [[vports]]) has the default VPort 0, attached to the PF: "
      "0 ∈ VPorts ∧ VP[0].AttachedFunctionId = NDIS_PF_FUNCTION_ID (0xFFFF).")
def default_vport_on_pf(cx: RuleContext) -> Iterator[Obligation]:
    vports = cx.config.vports
    if not vports:
        return
    vport = default_vport(vports)
    if vport is None:
        yield Obligation("vports", False, "VPorts are listed but none is the default VPort (id 0)")
        return
    yield Obligation("vports", cx.sym.field(vport.record, "attached_function_id") == C.NDIS_PF_FUNCTION_ID,
                     f"the default VPort ({vport.record.path}) is attached to a VF, not to the PF")


def _absent_hidden_keywords(config: Config) -> str:
    return f"A31 absent hidden keywords = {config.policy.absent_hidden_keywords}"


@rule("NSP-11", "vmmq-needs-creatable-switch", "error", "S2",
      "vmmq_en ⇒ NDIS can create a NIC switch: *SriovPreferred = 1 ∨ (*SriovPreferred = 0 ∧ "
      "*RssOrVmqPreference = 1).", reading=_absent_hidden_keywords)
def vmmq_needs_creatable_switch(cx: RuleContext) -> Iterator[Obligation]:
    sym = cx.sym
    sriov_preferred = keyword_equals(sym, "*SriovPreferred", 1)
    yield Obligation("inf", Or(sriov_preferred, And(keyword_equals(sym, "*SriovPreferred", 0),
                                                          keyword_equals(sym, "*RssOrVmqPreference", 1))),
                     "VMMQ is enabled on a VPort but NDIS cannot create a NIC switch: neither *SriovPreferred = 1 "
                     "nor (*SriovPreferred = 0 and *RssOrVmqPreference = 1)", guard=cx.modes.vmmq_en)


RULES: tuple[Rule, ...] = (switch_parameters_header, revision_2_for_vmmq, default_vport_queue_pairs,
                           external_switch_type, default_switch_id, no_change_flags, num_vfs_within_max,
                           default_vport_on_pf, vmmq_needs_creatable_switch)
