"""Every id of the rules catalog (rules.md §2 and §5), and why the ones not checked are not."""

from __future__ import annotations

from dataclasses import dataclass

from vmqproof.properties.results import Severity
from vmqproof.properties.rules import rules_by_id
from vmqproof.properties.rules.sources import url_of


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i}" for i in range(1, count + 1)]


CATALOG_IDS: tuple[str, ...] = tuple(
    _ids("VMQ-IRQ", 9) + _ids("RF-CAP", 21) + _ids("HWA", 7)
    + _ids("NSC", 15) + ["NSC-15b"] + [f"NSC-{i}" for i in range(16, 27)]
    + _ids("NSP", 11) + _ids("VMMQ-CAP", 5) + _ids("VMMQ-VP", 6) + _ids("VMMQ-RSS", 10)
    + _ids("VMQ-Q", 13) + _ids("MSIX", 6) + _ids("RSS-CAP", 7) + _ids("RPI", 7)
    + _ids("INF-VMMQ", 4) + _ids("INF-VMQ", 5) + _ids("INF-SRIOV", 6) + _ids("INF-RSS", 12)
    + _ids("VPORT", 9) + _ids("D", 20)
)

NOT_ENCODED_YET = "not encoded yet"
RUNTIME = "describes runtime behaviour or an OID sequence, which a static configuration does not hold"
INF_FILE = "applies to an INF file's declarations, which a configuration's [inf] (values in effect) does not hold"


@dataclass(frozen=True, slots=True)
class Unchecked:
    id: str
    name: str
    severity: Severity
    sources: tuple[str, ...]
    reason: str


def _u(id: str, name: str, severity: str, sources: str, reason: str) -> Unchecked:
    return Unchecked(id, name, Severity(severity), tuple(sources.split()), reason)


UNCHECKED: tuple[Unchecked, ...] = (
    _u("VMQ-IRQ-3", "receive-filter-caps-reported", "info", "S1 S14 D10",
       "structural: vmq_sup is read from the hardware receive-filter capabilities, so they are reported by "
       "construction, and an absent section is not a claim that a structure is NULL (design.md)"),
    _u("NSC-20", "max-queue-pairs-reflects-hardware", "info", "S2",
       "says the value should match the real hardware, which a configuration cannot show"),
    _u("NSP-10", "default-switch-registry-values", "error", "S9",
       "constrains registry values under NicSwitches\\0, which the configuration format does not hold"),
    _u("VMMQ-CAP-4", "ndis-answers-rss-capabilities", "info", "S2", RUNTIME),
    _u("VMMQ-RSS-8", "vport-datapath", "error", "S7", RUNTIME),
    _u("VMMQ-RSS-9", "minimal-interruption-on-update", "warning", "S7", RUNTIME),
    _u("D-12", "inf-schema-well-formedness", "warning", "S10",
       "covered by INF-DECL-1, INF-DECL-2, INF-DECL-3 and INF-VMQ-2, checked on the declarations of an INF file"),
    _u("INF-SRIOV-4", "native-rss-exclusive", "error", "S11",
       "holds by construction: the INF-SRIOV-2 table from which vmq_en, sriov_en and rss_en are derived never "
       "enables native RSS together with VMQ or SR-IOV; advertising VMQ or SR-IOV current capabilities while they "
       "are not enabled is INF-SRIOV-5"),
    _u("INF-SRIOV-6", "rebinding-reinitializes", "info", "S11 S8", RUNTIME),
    _u("INF-RSS-12", "global-max-num-rss-cpus", "info", "S22",
       "concerns the global MaxNumRssCpus value under Services\\Ndis\\Parameters, outside the adapter's settings"),
    _u("RF-CAP-13", "num-queues-within-unicast-macs", "error", "S14",
       "needs the number of unicast MAC addresses the NIC supports, which the format does not hold (the NIC switch's "
       "MaxNumMacAddresses counts VPort MAC filters, a different quantity)"),
    _u("RF-CAP-16", "sriov-only-no-vm-queues-enabled", "error", "D3",
       "its premise never holds: the INF-SRIOV-2 table, from which sriov_en and vmq_en derive, never enables SR-IOV "
       "without VMQ (the rows that might are A33 gaps, reported unspecified by INF-SRIOV-2)"),
    _u("HWA-3", "sriov-pointers-paired", "error", "D10",
       "the format has no SR-IOV capability sections (Hardware/CurrentSriovCapabilities); the NIC switch pointer "
       "pairing it also asks for is HWA-2"),
    _u("HWA-6", "hardware-caps-independent-of-keywords", "error", "S8 S11",
       "compares the hardware capabilities across keyword settings; a configuration holds one setting"),
    _u("VMQ-Q-8", "vmq-oids-mandatory", "error", "S20",
       "asks which OIDs the miniport handles, which a configuration does not hold"),
    _u("VMQ-Q-9", "empty-queues-indicate-nothing", "error", "S20", RUNTIME),
    _u("VMQ-Q-10", "queue-states", "info", "S20", RUNTIME),
    _u("VMQ-Q-11", "qos-sq-may-be-unsupported", "info", "D8", RUNTIME),
    _u("MSIX-1", "filter-resource-routine-registered", "error", "S21",
       "asks which handlers the driver registers (MiniportFilterResourceRequirements), which a configuration does "
       "not hold"),
    _u("MSIX-2", "message-numbering", "info", "S21 D12",
       "describes how NDIS numbers message interrupt resources; there is nothing for a configuration to satisfy"),
    _u("MSIX-3", "adding-message-resources", "error", "S21", RUNTIME),
    _u("MSIX-4", "config-msix-table-entry-timing", "error", "S21 D12", RUNTIME),
    _u("MSIX-6", "new-resources-after-reinit", "info", "S21", RUNTIME),
    _u("RSS-CAP-5", "udp-rss-can-be-disabled", "warning", "D6",
       "asks for an Advanced Properties setting that disables UDP RSS, a vendor INF declaration a configuration "
       "does not hold"),
    _u("VPORT-8", "vport-id-in-send-receive", "error", "S19 S17", RUNTIME),
    _u("D-12", "inf-schema-well-formed", "warning", "S10",
       "applies to INF file declarations; covered by INF-DECL-1…3 when an INF file is checked"),
    _u("D-20", "linux-parity", "info", "S1",
       "a future cross-OS mode for Linux ethtool/IRQ settings, which this format does not describe"),
)

_FAMILY_SOURCES = {
    "RF-CAP": ("D3", "S14", "S15"), "HWA": ("D10",), "VMQ-Q": ("D8", "S20"), "MSIX": ("S21", "D12"),
    "RSS-CAP": ("D6",), "RPI": ("D4",), "VPORT": ("D9",), "D": ("H1",),
}


def _family(rule_id: str) -> str:
    return rule_id.rsplit("-", 1)[0]


def unchecked_entries() -> dict[str, Unchecked]:
    """Catalog ids without a registry entry: the listed reasons, else 'not encoded yet'."""
    registry = rules_by_id()
    explicit = {u.id: u for u in UNCHECKED}
    entries: dict[str, Unchecked] = {}
    for rule_id in CATALOG_IDS:
        if rule_id in registry:
            continue
        entries[rule_id] = explicit.get(rule_id) or Unchecked(
            rule_id, rule_id.lower(), Severity.WARNING if rule_id.startswith("D-") else Severity.ERROR,
            _FAMILY_SOURCES.get(_family(rule_id), ()), NOT_ENCODED_YET)
    return entries


def known_ids() -> tuple[str, ...]:
    """The catalog's ids, then the ids vmqproof adds beyond the catalog (e.g. INF-DECL-*, HOST-*)."""
    return CATALOG_IDS + tuple(r for r in rules_by_id() if r not in CATALOG_IDS)


def catalog_listing() -> list[dict[str, object]]:
    """Every known id in order: id, name, severity, sources, checked, and reason when unchecked."""
    registry = rules_by_id()
    unchecked = unchecked_entries()
    listing: list[dict[str, object]] = []
    for rule_id in known_ids():
        if rule_id in registry:
            rule = registry[rule_id]
            listing.append({"id": rule.id, "name": rule.name, "severity": rule.severity.value,
                            "sources": list(rule.source_urls), "checked": True, "summary": rule.summary})
        else:
            entry = unchecked[rule_id]
            listing.append({"id": entry.id, "name": entry.name, "severity": entry.severity.value,
                            "sources": [url_of(t) for t in entry.sources], "checked": False,
                            "reason": entry.reason})
    return listing
