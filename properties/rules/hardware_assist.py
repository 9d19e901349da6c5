"""rules.md §2.3 — hardware-assist attributes: which capability structures are reported.

A section of the file is a structure the driver reports (a non-NULL pointer of
NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES); once the file describes some capability structure, an absent
section is a NULL pointer (design.md). The readings of A7/A9 (`current_caps_when_disabled`) decide how D10's pairing
and S13's "NULL when SR-IOV is disabled" meet:

- `zeroed` (A7 iii): both hold; a current structure zeroed apart from its header is the non-NULL pointer D10 asks
  for and stands for the NULL S13 asks for;
- `strict` (D10): the pointers pair up even when disabled; S13's NULL rule gives way;
- `legacy` (S13, S16, S15): with SR-IOV (for the receive filter: every interface) disabled, the current pointer is
  NULL and D10's pairing is waived.

S13's rule is pre-NDIS-6.60 wording: a NIC switch without SR-IOV (NIC_SWITCH_WITHOUT_IOV_SUPPORTED, NDIS ≥ 6.60)
is exempt in every reading.
"""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import NIC_SWITCH_FIELDS, Config
from vmqproof.model.smt.logic import And, BoolTerm, Implies, Not, Or
from vmqproof.model.smt.symbolic import has
from vmqproof.properties.rules.common import not_zeroed
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

RFC_HARDWARE, RFC_CURRENT = "receive_filter.hardware", "receive_filter.current"
NSC_HARDWARE, NSC_CURRENT = "nic_switch.hardware", "nic_switch.current"
NIC_SWITCH_WITHOUT_IOV_FROM = (6, 60)
HWA_REVISION_2_FROM = "6.20"            # the revision that adds the receive-filter and NIC switch pointers


def _reading(config: Config) -> str:
    return f"A7/A9 {config.policy.current_caps_when_disabled}"


def _reported(cx: RuleContext, section: str) -> BoolTerm:
    return cx.config.structure(section) is not None


def _pairing(cx: RuleContext, hardware: str, current: str, waived: BoolTerm, what: str) -> Obligation:
    """D10: the hardware pointer is non-NULL ⇔ the current one is; `waived` exempts a NULL current pointer."""
    hw, cur = _reported(cx, hardware), _reported(cx, current)
    body = And(Implies(cur, hw), Implies(And(hw, Not(waived)), cur))
    return Obligation(hardware.split(".")[0], body,
                      f"the hardware and current {what} capabilities are not reported together (one section "
                      "is absent, i.e. a NULL pointer)")


def _specified(cx: RuleContext) -> BoolTerm:
    """The keywords select an interface by the INF-SRIOV-2 table (A33 rows are not judged)."""
    return Not(cx.modes.selection_unspecified)


def _sriov_disabled_nsc_null_scope(cx: RuleContext) -> BoolTerm:
    """SR-IOV is not enabled and S13's rule applies: NDIS < 6.60 or no NIC_SWITCH_WITHOUT_IOV_SUPPORTED."""
    hardware = cx.config.structure(NSC_HARDWARE)
    without_iov = False if hardware is None else has(cx.sym.field(hardware, "nic_switch_capabilities"),
                                                              C.CAPS_WITHOUT_IOV)
    legacy_era = cx.config.adapter.ndis_version < NIC_SWITCH_WITHOUT_IOV_FROM
    return And(_specified(cx), Not(cx.modes.sriov_en), Or(legacy_era, Not(without_iov)))


@rule("HWA-1", "receive-filter-pointers-paired", "error", "D10",
      "HardwareReceiveFilterCapabilities ≠ NULL ⇔ CurrentReceiveFilterCapabilities ≠ NULL (reading legacy: a NULL "
      "current pointer is allowed when no interface is enabled, S15).", min_ndis=HWA_REVISION_2_FROM,
      reading=_reading)
def receive_filter_pointers(cx: RuleContext) -> Iterator[Obligation]:
    if not cx.config.describes_capabilities:
        return
    disabled = And(_specified(cx), Not(Or(cx.modes.vmq_en, cx.modes.sriov_en)))
    waived = disabled if cx.config.policy.current_caps_when_disabled == "legacy" else False
    yield _pairing(cx, RFC_HARDWARE, RFC_CURRENT, waived, "receive-filter")


@rule("HWA-2", "nic-switch-pointers-paired", "error", "D10",
      "HardwareNicSwitchCapabilities ≠ NULL ⇔ CurrentNicSwitchCapabilities ≠ NULL (reading legacy: a NULL current "
      "pointer is allowed where HWA-4 asks for it).", min_ndis=HWA_REVISION_2_FROM, reading=_reading)
def nic_switch_pointers(cx: RuleContext) -> Iterator[Obligation]:
    if not cx.config.describes_capabilities:
        return
    legacy = cx.config.policy.current_caps_when_disabled == "legacy"
    waived = _sriov_disabled_nsc_null_scope(cx) if legacy else False
    yield _pairing(cx, NSC_HARDWARE, NSC_CURRENT, waived, "NIC switch")


@rule("HWA-4", "sriov-disabled-current-nic-switch-null", "error", "S13 S16",
      "*SRIOV = 0 (SR-IOV not enabled) ⇒ CurrentNicSwitchCapabilities = NULL, for NDIS < 6.60 or without "
      "NIC_SWITCH_WITHOUT_IOV_SUPPORTED; a structure zeroed apart from its header counts as NULL (reading zeroed), "
      "does not (legacy), or D10 takes priority (strict).", min_ndis=HWA_REVISION_2_FROM, reading=_reading)
def sriov_disabled_current_null(cx: RuleContext) -> Iterator[Obligation]:
    config = cx.config
    if not config.describes_capabilities or not config.has_inf:
        return
    reading = config.policy.current_caps_when_disabled
    current = config.structure(NSC_CURRENT)
    reported = current is not None
    if current is not None and reading == "zeroed":
        reported = not_zeroed(cx.sym, current)
    guard = False if reading == "strict" else _sriov_disabled_nsc_null_scope(cx)
    yield Obligation(NSC_CURRENT, Not(reported),
                     "SR-IOV is not enabled but current NIC switch capabilities are reported" if reading != "strict"
                     else "reading strict: D10 (HWA-2) takes priority over S13's NULL rule", guard=guard)


@rule("HWA-5", "sriov-enabled-current-nic-switch-complete", "error", "S13",
      "*SRIOV = 1 (SR-IOV enabled) ⇒ CurrentNicSwitchCapabilities has the same content as "
      "HardwareNicSwitchCapabilities.", min_ndis=HWA_REVISION_2_FROM)
def sriov_enabled_current_complete(cx: RuleContext) -> Iterator[Obligation]:
    config, sym = cx.config, cx.sym
    hardware, current = config.structure(NSC_HARDWARE), config.structure(NSC_CURRENT)
    if not config.has_inf or (hardware is None and current is None):
        return
    if hardware is None or current is None:
        same = False
    else:
        same = And([sym.field(hardware, spec.name) == sym.field(current, spec.name) for spec in NIC_SWITCH_FIELDS])
    yield Obligation(NSC_CURRENT, same, "SR-IOV is enabled but the current NIC switch capabilities differ from the "
                                        "hardware ones", guard=cx.modes.sriov_en)


@rule("HWA-7", "capability-pointers-need-ndis-620", "error", "D10 H2",
      "The receive-filter and NIC switch pointers exist from revision 2 of the hardware-assist attributes "
      "(NDIS 6.20): a reported structure ⇒ ndis ≥ 6.20.")
def pointers_need_revision_2(cx: RuleContext) -> Iterator[Obligation]:
    new_enough = cx.config.adapter.ndis_version >= C.ndis_tuple(HWA_REVISION_2_FROM)
    for section in (RFC_HARDWARE, RFC_CURRENT, NSC_HARDWARE, NSC_CURRENT):
        if cx.config.structure(section) is not None:
            yield Obligation(section, bool(new_enough),
                             f"the miniport registers NDIS {cx.config.adapter.ndis}, whose hardware-assist "
                             "attributes (revision 1) have no pointer to this structure")


RULES: tuple[Rule, ...] = (receive_filter_pointers, nic_switch_pointers, sriov_disabled_current_null,
                           sriov_enabled_current_complete, pointers_need_revision_2)
