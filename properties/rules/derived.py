"""rules.md §5 — derived invariants (not documented; reported as warnings unless promoted)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import z3

from vmqproof.model import constants as C
from vmqproof.model.config import Record
from vmqproof.model.symbolic import has
from vmqproof.properties.registry import Obligation, Rule, RuleContext, rule
from vmqproof.properties.rules.common import present

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


def combined(instance: str, parts: Sequence[tuple[z3.BoolRef, str]], lead: str) -> Obligation:
    """One obligation for all `parts`; the message names the parts that fail (all, when undecided)."""
    failing = [text for formula, text in parts if not z3.is_true(z3.simplify(formula))]
    shown = failing or [text for _, text in parts]
    return Obligation(instance, z3.And([formula for formula, _ in parts]), lead + "; ".join(shown))


@rule("D-7", "nic-switch-flag-implications", "warning", "D1 S2",
      "Inside NicSwitchCapabilities: any of 0x100–0x1000 ⇒ 0x80; 0x1000 ⇒ 0x100; any of 0x40–0x1000 ⇒ "
      "revision = 3; 0x80 ⇒ 0x10.")
def nic_switch_flag_implications(cx: RuleContext) -> Iterator[Obligation]:
    for record in present(cx.config, "nic_switch.hardware", "nic_switch.current"):
        caps = cx.sym.field(record, "nic_switch_capabilities")
        parts = [
            (z3.Implies(has(caps, PER_PF_VPORT_RSS), has(caps, C.CAPS_RSS_ON_PF_VPORTS)),
             "a per-PF-VPort RSS flag (0x100–0x1000) without RSS_ON_PF_VPORTS_SUPPORTED (0x80)"),
            (z3.Implies(has(caps, C.CAPS_TABLE_SIZE_RESTRICTED), has(caps, C.CAPS_PER_VPORT_TABLE)),
             "INDIRECTION_TABLE_SIZE_RESTRICTED (0x1000) without RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED "
             "(0x100)"),
            (z3.Implies(has(caps, C.CAPS_NDIS660_FLAGS), cx.sym.field(record, "revision") == 3),
             "an NDIS 6.60 flag (0x40–0x1000) in a structure whose revision is not 3"),
            (z3.Implies(has(caps, C.CAPS_RSS_ON_PF_VPORTS), has(caps, C.CAPS_SINGLE_VPORT_POOL)),
             "RSS_ON_PF_VPORTS_SUPPORTED (0x80) without SINGLE_VPORT_POOL (0x10)"),
        ]
        yield combined(record.path, parts, "NicSwitchCapabilities has ")


def reserved_parts(cx: RuleContext, record: Record) -> list[tuple[z3.BoolRef, str]]:
    parts: list[tuple[z3.BoolRef, str]] = []
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
            parts.append(((term & unknown) == 0 if z3.is_bv(term) else term == 0, text))
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
            yield Obligation(record.path, cx.sym.true(), "no undocumented bit or reserved field is set")


RULES: tuple[Rule, ...] = (nic_switch_flag_implications, unknown_bits_zero)
